import { Engine, PimError, isPimError, runScenario } from '@pim-engine/pim';

const engine = new Engine();
engine.loadTenant({ directory: { users: [{ id: 'user1' }] } }, '2026-03-02T09:00:00Z');
let code;
try { engine.check(1, 2); } catch (e) { code = e instanceof PimError && isPimError(e) && e.code; }
console.log(JSON.stringify({ module: 'esm', code, runScenario: typeof runScenario, replay: typeof Engine.fromEvents }));
