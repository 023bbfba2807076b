// Node (ESM): the root export gives the Node build's types, `PimError` is a class, decisions
// narrow. `@ts-expect-error` lines prove the narrowing is real.
import { Engine, PimError, isPimError, runScenario, type Decision, type Event } from '@pim-engine/pim';

const log: Event[] = [];
const engine = new Engine((events) => { log.push(...events); });
engine.loadTenant({ directory: { users: [{ id: 'user1' }] } }, '2026-03-02T09:00:00Z');
const replayed: Engine = Engine.fromEvents(log);
const passed: number = runScenario('{}').passed;

export function describe(decision: Decision): string {
  if (decision.error) {
    // Refused: the failed rules are always there.
    return `${decision.error.code}: ${decision.error.failedRules.join(', ')}`;
  }
  // @ts-expect-error: only a refusal has an error
  const never: string = decision.error.code;
  void never;
  if (decision.status === 'PendingApproval' || decision.status === 'PendingAdminDecision') return 'pending';
  return `allowed until ${decision.endDateTime ?? 'forever'}`;
}

try {
  engine.submit({ op: 'cancel', requestId: 'nope' });
} catch (e) {
  if (isPimError(e)) {
    const rules: string[] = e.failedRules;
    console.log(e.code, rules);
  }
  if (e instanceof PimError) console.log(e.code satisfies string);
}

const activation = engine.evaluateActivation({ role: engine.eligibleRoles('user1')[0]!, input: {} });
if (activation.status === 'PendingApproval') {
  const needed: true = activation.requiresApproval;
  void needed;
}
engine.free();
void [replayed, passed];
