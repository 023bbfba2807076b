// The Engine class and the stateless functions of the package (Node build): loading a tenant,
// deciding and committing commands, time, queries, replaying the event log, and `now`.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  Engine, durationSeconds, evaluateActivation, isoDuration, version,
} from '../pkg/nodejs/pim.js';
import { EXCHANGE, HELPDESK, T0, activation, tenant } from './tenant.mjs';

const USER1 = { caller: 'user1', mfa: true };
const AT_10 = '2026-03-02T10:00:00Z';

/** An engine with the test tenant, and the log of every event it committed. */
function loaded() {
  const log = [];
  const engine = new Engine((events) => log.push(...events));
  engine.loadTenant(tenant, T0);
  return { engine, log };
}

test('loadTenant commits the directory and the policies and returns their events', () => {
  const { engine, log } = loaded();
  assert.ok(log.length > 0);
  assert.ok(log.every((e) => typeof e.type === 'string' && e.at === T0));
  assert.equal(engine.clock, T0);
  assert.equal(log.filter((e) => e.type === 'policySet').length, 2);
});

test('eligibleRoles lists direct and group eligibilities with their requirements', () => {
  const { engine } = loaded();
  const roles = engine.eligibleRoles('user1', T0);
  assert.deepEqual(roles.map((r) => r.roleDisplayName), ['Exchange Administrator', 'Helpdesk Administrator']);
  const [exchange, helpdesk] = roles;
  assert.equal(exchange.maximumActivationDuration, 'PT8H');
  assert.equal(exchange.requiresTicket, true);
  assert.equal(exchange.endDateTime, '2026-04-01T09:00:00Z');
  assert.equal(helpdesk.viaGroup, 'helpdesk');
  assert.equal(helpdesk.requiresApproval, true);
});

test('execute decides without changing anything; submit commits', () => {
  const { engine, log } = loaded();
  const before = log.length;
  const outcome = engine.execute(activation(EXCHANGE), USER1, AT_10);
  assert.equal(outcome.decision.status, 'Provisioned');
  assert.equal(outcome.decision.endDateTime, '2026-03-02T12:00:00Z');
  assert.deepEqual(outcome.events.map((e) => e.type), ['requestSubmitted', 'scheduleCreated']);
  assert.equal(engine.check('user1', EXCHANGE, '/', AT_10), false);
  assert.equal(log.length, before);

  const decision = engine.submit(activation(EXCHANGE), USER1, AT_10);
  assert.equal(decision.status, 'Provisioned');
  assert.equal(log.length, before + 2);
  assert.equal(engine.check('user1', EXCHANGE, '/', AT_10), true);
  assert.equal(engine.check('user1', EXCHANGE, undefined, AT_10), true);
  assert.deepEqual(engine.checkDetails('user1', EXCHANGE, '/', AT_10),
    { active: true, endDateTime: '2026-03-02T12:00:00Z', via: 'activation' });
  assert.equal(engine.status(decision.request.id, AT_10).status, 'Provisioned');
});

test('approval: pending for the approver, granted on approval', () => {
  const { engine } = loaded();
  const asked = engine.submit(activation(HELPDESK, { ticket: null }), USER1, AT_10);
  assert.equal(asked.status, 'PendingApproval');
  const pending = engine.pendingApprovals('aymen', AT_10);
  assert.deepEqual(pending.map((r) => r.id), [asked.request.id]);
  const decided = engine.submit(
    { op: 'decide', requestId: asked.request.id, reviewResult: 'Approve', justification: 'ok' },
    { caller: 'aymen', mfa: true },
    '2026-03-02T10:30:00Z',
  );
  assert.equal(decided.status, 'Provisioned');
  assert.equal(engine.check('user1', HELPDESK, '/', '2026-03-02T10:31:00Z'), true);
  assert.deepEqual(engine.checkDetails('user1', HELPDESK, '/', '2026-03-02T10:31:00Z').via, 'activation');
});

test('tick reports expiry without applying it; advance commits it', () => {
  const { engine, log } = loaded();
  engine.submit(activation(EXCHANGE), USER1, AT_10);
  const later = '2026-03-02T12:00:01Z';
  assert.equal(engine.check('user1', EXCHANGE, '/', later), false, 'queries never report an expired activation');
  const due = engine.tick(later);
  assert.deepEqual(due.map((e) => [e.type, e.reason]), [['scheduleEnded', 'expired']]);
  assert.deepEqual(engine.tick(later), due, 'tick changes nothing');
  const before = log.length;
  assert.deepEqual(engine.advance(later), due);
  assert.equal(log.length, before + 1);
  assert.deepEqual(engine.tick(later), []);
});

test('fromEvents rebuilds the same state from the log', () => {
  const { engine, log } = loaded();
  engine.submit(activation(EXCHANGE), USER1, AT_10);
  engine.submit(activation(HELPDESK, { ticket: null }), USER1, AT_10);
  const copy = JSON.parse(JSON.stringify(log));
  const replayed = Engine.fromEvents(copy);
  for (const e of [engine, replayed]) {
    assert.equal(e.check('user1', EXCHANGE, '/', AT_10), true);
  }
  assert.deepEqual(replayed.audit(undefined, AT_10), engine.audit(undefined, AT_10));
  assert.deepEqual(replayed.pendingApprovals('aymen', AT_10), engine.pendingApprovals('aymen', AT_10));
  assert.equal(replayed.clock, engine.clock);

  const stepwise = new Engine();
  for (const event of copy) stepwise.apply(event);
  assert.deepEqual(stepwise.audit(undefined, AT_10), engine.audit(undefined, AT_10));
});

test('commit persists, then applies (the host-driven path: execute, then commit)', () => {
  const { engine, log } = loaded();
  const outcome = engine.execute(activation(EXCHANGE), USER1, AT_10);
  const before = log.length;
  engine.commit(outcome.events);
  assert.deepEqual(log.slice(before), outcome.events);
  assert.equal(engine.check('user1', EXCHANGE, '/', AT_10), true);
  engine.commit([]);
  assert.equal(log.length, before + outcome.events.length, 'nothing to persist for no events');
});

test('audit records every step with Entra activity names, filtered', () => {
  const { engine } = loaded();
  engine.submit(activation(EXCHANGE), USER1, AT_10);
  const mine = engine.audit({ principalId: 'user1' }, AT_10);
  assert.ok(mine.length >= 2);
  assert.ok(mine.some((r) => /activation/i.test(r.activityDisplayName)), JSON.stringify(mine.map((r) => r.activityDisplayName)));
  assert.ok(mine.every((r) => r.initiatedBy === 'user1' || r.targetPrincipalId === 'user1'));
});

test('policy returns all 17 rules, Graph-shaped', () => {
  const { engine } = loaded();
  const rules = engine.policy(EXCHANGE);
  assert.equal(rules.length, 17);
  const max = rules.find((r) => r.id === 'Expiration_EndUser_Assignment');
  assert.equal(max.maximumDuration, 'PT8H');
  assert.equal(max['@odata.type'], '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule');
  assert.deepEqual(engine.policy(EXCHANGE, '/'), rules);
});

test('now: RFC 3339 text, epoch milliseconds, a Date, or the JS clock', () => {
  const engine = new Engine();
  engine.loadTenant(tenant, Date.parse(T0));
  assert.equal(engine.clock, T0);
  const at = new Date(Date.parse(AT_10));
  assert.equal(engine.submit(activation(EXCHANGE), USER1, at).status, 'Provisioned');
  assert.equal(engine.check('user1', EXCHANGE, '/', '2026-03-02T11:00:00+01:00'), true);
  assert.equal(engine.check('user1', EXCHANGE, '/', Date.parse('2026-03-02T11:59:59Z')), true);
  // Omitted: the JS clock, long after this activation ended.
  assert.equal(engine.check('user1', EXCHANGE), false);
  assert.ok(Date.parse(engine.tick().at(-1)?.at ?? T0) <= Date.now());
});

test('evaluateActivation: every unmet requirement, approval, and the window, without state', () => {
  const { engine } = loaded();
  const [exchange, helpdesk] = engine.eligibleRoles('user1', T0);
  const form = (role, input, context = { caller: 'user1' }) => evaluateActivation({
    rules: engine.policy(role.roleDefinitionId, role.scope),
    eligibility: { startDateTime: role.startDateTime, endDateTime: role.endDateTime },
    input,
    context,
  }, AT_10);

  const empty = form(exchange, { scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } } });
  assert.deepEqual(empty.failedRules.sort(), ['ExpirationRule', 'JustificationRule', 'MfaRule', 'TicketingRule']);
  assert.equal(empty.error.code, 'RoleAssignmentRequestPolicyValidationFailed');
  assert.equal(empty.status, undefined);
  assert.equal(empty.requiresApproval, false);
  assert.equal(empty.maximumDuration, 'PT8H');

  const complete = form(exchange, {
    justification: 'fix mail flow',
    ticketInfo: { ticketNumber: 'INC-1' },
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
  }, { caller: 'user1', mfa: true });
  assert.deepEqual(complete.failedRules, []);
  assert.equal(complete.status, 'Provisioned');
  assert.equal(complete.endDateTime, '2026-03-02T18:00:00Z');

  const approval = form(helpdesk, { justification: 'reset passwords' }, { caller: 'user1', mfa: true });
  assert.equal(approval.requiresApproval, true);
  assert.equal(approval.status, 'PendingApproval');
});

test('engine.evaluateActivation judges a form against an eligible role\'s settings', () => {
  const { engine } = loaded();
  const [exchange, helpdesk] = engine.eligibleRoles('user1', T0);
  const input = { justification: 'x', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } } };
  const here = engine.evaluateActivation({ role: exchange, input, context: { caller: 'user1' } }, AT_10);
  const stateless = evaluateActivation({
    rules: engine.policy(exchange.roleDefinitionId),
    eligibility: { startDateTime: exchange.startDateTime, endDateTime: exchange.endDateTime },
    input,
    context: { caller: 'user1' },
  }, AT_10);
  assert.deepEqual(here, stateless);
  assert.deepEqual(here.failedRules.sort(), ['ExpirationRule', 'MfaRule', 'TicketingRule']);
  const approval = engine.evaluateActivation({ role: helpdesk, input: { justification: 'x' }, context: USER1 }, AT_10);
  assert.equal(approval.status, 'PendingApproval');
  // Near the eligibility's end, the window is cut to it.
  const late = engine.evaluateActivation({ role: exchange, input, context: USER1 }, '2026-04-01T05:00:00Z');
  assert.equal(late.endDateTime, '2026-04-01T09:00:00Z');
  assert.equal(late.cappedAtEligibilityEnd, true);
});

test('evaluateActivation with no rules uses Entra defaults (8 h, MFA, justification)', () => {
  const d = evaluateActivation({ eligibility: { startDateTime: T0 }, input: {} }, AT_10);
  assert.equal(d.maximumDuration, 'PT8H');
  assert.deepEqual(d.failedRules.sort(), ['JustificationRule', 'MfaRule']);
  assert.equal(d.endDateTime, '2026-03-02T18:00:00Z');
});

test('ISO 8601 durations, as pim-core reads and writes them', () => {
  assert.equal(durationSeconds('PT8H'), 8 * 3600);
  assert.equal(durationSeconds('P1DT30M'), 86400 + 1800);
  assert.equal(isoDuration(8 * 3600), 'PT8H');
  assert.equal(isoDuration(5400), 'PT1H30M');
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test('free releases the engine', () => {
  const engine = new Engine();
  engine.free();
  assert.throws(() => engine.check('a', 'b'));
});
