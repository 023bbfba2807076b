const { Engine, PimError, runScenario } = require('@pim-engine/pim');

const engine = new Engine();
let code;
try { engine.execute('not a command'); } catch (e) { code = e instanceof PimError && e.code; }
console.log(JSON.stringify({ module: 'cjs', code, runScenario: typeof runScenario, replay: typeof Engine.fromEvents }));
