// A bundler project (moduleResolution bundler, the `import` condition): the root export gives
// the browser build's types, without what its module lacks.
import { Engine, isPimError, evaluateActivation } from '@pim-engine/pim';
// @ts-expect-error: the browser build has no scenario runner
import { runScenario } from '@pim-engine/pim';
import init, { Engine as WebEngine } from '@pim-engine/pim/web';

const engine = new Engine();
// @ts-expect-error: the browser build has no event replay
Engine.fromEvents([]);
// @ts-expect-error: nor apply
engine.apply([]);
// @ts-expect-error: nor commit
engine.commit([]);

export async function web(): Promise<number> {
  await init();
  return new WebEngine().eligibleRoles('user1').length;
}

const verdict = evaluateActivation({ eligibility: { startDateTime: '2026-03-02T09:00:00Z' }, input: {} });
export const rules: string[] = verdict.error ? verdict.error.failedRules : [];
try { engine.status('nope'); } catch (e) { if (isPimError(e)) console.log(e.code); }
void runScenario;
