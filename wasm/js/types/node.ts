// Type-checks a small program against the generated definitions of the Node build
// (pkg/nodejs/pim.d.ts): wire types from pim-core's Rust source, the package's own types from
// tsify, method signatures from wasm-bindgen. `@ts-expect-error` lines prove the types are precise:
// tsc fails if any of them is accepted.
// Run: npx tsc -p types

import {
  ActivationRules, Engine, evaluateActivation, runScenario,
  type ActivationDecision, type Command, type Event, type Outcome, type PimError, type PolicyRule,
  type Tenant,
} from '../pkg/nodejs/pim.js';

const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';

const tenant: Tenant = {
  directory: {
    users: [{ id: 'user1', displayName: 'User1' }],
    assignments: [{ type: 'eligible', principalId: 'user1', roleDefinitionId: EXCHANGE }],
  },
  policies: [{
    roleDefinitionId: EXCHANGE,
    rules: [{ id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT4H' }],
  }],
};

const log: Event[] = [];
const engine = new Engine((events: Event[]) => { log.push(...events); });
engine.loadTenant(tenant, '2026-03-02T09:00:00Z');

const activate: Command = {
  op: 'request',
  kind: 'assignment',
  body: {
    action: 'selfActivate',
    principalId: 'user1',
    roleDefinitionId: EXCHANGE,
    justification: 'mailbox migration',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
  },
};
const outcome: Outcome = engine.execute(activate, { caller: 'user1', mfa: true });
const refused: string | undefined = outcome.decision.error?.code;

for (const event of outcome.events) {
  // Events are a union tagged by `type`; narrowing gives each variant's fields.
  if (event.type === 'scheduleCreated') {
    const end: string | null | undefined = event.schedule.endDateTime;
    void end;
  }
}

const active: boolean = engine.check('user1', EXCHANGE);
const since: boolean = engine.check('user1', EXCHANGE, '/', new Date());
const maximum: string = engine.eligibleRoles('user1')[0]!.maximumActivationDuration;

const verdict: ActivationDecision = evaluateActivation({
  rules: engine.policy(EXCHANGE),
  eligibility: { startDateTime: '2026-03-02T09:00:00Z' },
  input: { justification: 'x', ticketInfo: { ticketNumber: 'INC-1' } },
  context: { caller: 'user1', mfa: false },
}, Date.now());
const role = engine.eligibleRoles('user1')[0]!;
const fromRole: ActivationDecision = engine.evaluateActivation({ role, input: { justification: 'x' } });
const needsApproval: boolean = fromRole.requiresApproval;
const unmet: ('ExpirationRule' | 'MfaRule' | 'JustificationRule' | 'TicketingRule' | 'pim.justificationRule'
  | 'pim.rateLimitRule' | 'pim.separationOfDutiesRule' | 'pim.breakGlassRule' | 'pim.activationWindowRule')[] = verdict.failedRules;
const breakGlass: boolean = verdict.breakGlass;
const outsideHours: boolean = verdict.outsideActivationWindow;

// A role's settings read once, then many forms evaluated against them.
const prepared: ActivationRules = engine.activationRules(EXCHANGE, '/');
const fromGraph = new ActivationRules(engine.policy(EXCHANGE), 'DirectoryRole');
const again: ActivationDecision = prepared.evaluate({
  eligibility: { startDateTime: role.startDateTime, endDateTime: role.endDateTime },
  input: { justification: 'x', ticketInfo: { ticketNumber: 'INC-1' } },
  context: { caller: 'user1', mfa: true },
}, Date.now());
const defaults: ActivationDecision = new ActivationRules().evaluate({ eligibility: { startDateTime: '2026-03-02T09:00:00Z' }, input: {} });
fromGraph.free();
// @ts-expect-error: a form for prepared rules carries no rules
prepared.evaluate({ rules: [], eligibility: { startDateTime: '2026-03-02T09:00:00Z' }, input: {} });
// @ts-expect-error: the scope type is Graph's closed set
new ActivationRules([], 'Tenant');

// pim's own rules are PolicyRules, with their fields typed.
const ownRules: PolicyRule[] = [
  { '@odata.type': '#pim.rateLimitRule', id: 'Pim_RateLimit_EndUser_Assignment', maximumActivations: 3,
    windowDuration: 'P1D', coolDownDuration: 'PT30M' },
  { id: 'Pim_Justification_EndUser_Assignment', minimumLength: 20, ticketNumberPattern: 'INC-#####' },
  { id: 'Pim_SeparationOfDuties_EndUser_Assignment', conflictingRoleDefinitionIds: [EXCHANGE] },
  { id: 'Pim_QuorumApproval_EndUser_Assignment', stages: [{ minimumApprovals: 2 }], isDenialFinal: true },
  { id: 'Pim_BreakGlass_EndUser_Assignment', principalIds: ['user1'], maximumDuration: 'PT1H' },
  { '@odata.type': '#pim.activationWindowRule', id: 'Pim_ActivationWindow_EndUser_Assignment', timeZone: 'Europe/Berlin',
    windows: [{ daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], startTime: '08:00', endTime: '18:00' }],
    excludedDates: ['2026-12-24'], outsideWindow: 'requireApproval' },
];
// @ts-expect-error: days of the week are Graph's dayOfWeek names
const badDay: PolicyRule = { id: 'Pim_ActivationWindow_EndUser_Assignment', windows: [{ daysOfWeek: ['mon'] }] };
// @ts-expect-error: outsideWindow is deny or requireApproval
const badMode: PolicyRule = { id: 'Pim_ActivationWindow_EndUser_Assignment', outsideWindow: 'ask' };
// @ts-expect-error: minimumApprovals is a number
const badQuorum: PolicyRule = { id: 'Pim_QuorumApproval_EndUser_Assignment', stages: [{ minimumApprovals: 'two' }] };
// @ts-expect-error: not one of the rule ids
const badId: PolicyRule = { id: 'Pim_Nothing_EndUser_Assignment' };

try {
  engine.submit(activate, { caller: 'user1' });
} catch (e) {
  const error = e as PimError;
  const code: 'RoleAssignmentRequestPolicyValidationFailed' | string = error.code;
  void code;
}

const passed: number = runScenario('{}').passed;
const replayed: Engine = Engine.fromEvents(log);

// @ts-expect-error: unknown command
const bad: Command = { op: 'launchMissiles' };
// @ts-expect-error: actions are Graph's closed set
const badAction: Command = { op: 'request', kind: 'assignment', body: { action: 'activate', principalId: 'u', roleDefinitionId: 'r' } };
// @ts-expect-error: check answers a boolean
const notString: string = engine.check('user1', EXCHANGE);
// @ts-expect-error: failed rules are Graph's rule names
const notARule: ActivationDecision['failedRules'] = ['SomethingRule'];
// @ts-expect-error: a tenant has a directory
const noDirectory: Tenant = { policies: [] };
// @ts-expect-error: `now` is text, milliseconds or a Date
engine.tick(true);

void [fromRole, needsApproval, refused, active, since, maximum, unmet, passed, replayed, bad, badAction, notString, notARule, noDirectory];
void [breakGlass, outsideHours, ownRules, badQuorum, badId, again, defaults, badDay, badMode];
