// Errors: every failure is thrown as a JS `Error` named `PimError` carrying Graph's `code` and
// `failedRules`; a refusal by the rules is a decision from `execute` and an error from `submit`.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Engine, durationSeconds, evaluateActivation } from '../pkg/nodejs/pim.js';
import { EXCHANGE, T0, activation, tenant } from './tenant.mjs';

const AT_10 = '2026-03-02T10:00:00Z';

function loaded(persist) {
  const engine = new Engine(persist);
  engine.loadTenant(tenant, T0);
  return engine;
}

/** Runs `fn`, which must throw, and returns what it threw. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

function assertPimError(e, code, failedRules = []) {
  assert.ok(e instanceof Error, `not an Error: ${e}`);
  assert.equal(typeof e, 'object');
  assert.equal(e.name, 'PimError');
  assert.equal(e.code, code);
  assert.deepEqual([...e.failedRules].sort(), [...failedRules].sort());
  assert.ok(e.message.length > 0);
  assert.ok(typeof e.stack === 'string');
}

test('a refusal is a decision from execute, with every failed rule', () => {
  const engine = loaded();
  const outcome = engine.execute(activation(EXCHANGE, { duration: 'PT9H', ticket: null }), { caller: 'user1' }, AT_10);
  assert.equal(outcome.decision.error.code, 'RoleAssignmentRequestPolicyValidationFailed');
  assert.deepEqual(outcome.decision.error.failedRules.sort(), ['ExpirationRule', 'MfaRule', 'TicketingRule']);
  assert.deepEqual(outcome.events.map((e) => e.type), ['requestRejected']);
});

test('submit throws the refusal as a PimError, after committing its audit event', () => {
  const log = [];
  const engine = loaded((events) => log.push(...events));
  const before = log.length;
  const e = thrown(() => engine.submit(activation(EXCHANGE, { duration: 'PT9H', ticket: null }), { caller: 'user1' }, AT_10));
  assertPimError(e, 'RoleAssignmentRequestPolicyValidationFailed', ['ExpirationRule', 'MfaRule', 'TicketingRule']);
  assert.match(e.message, /ExpirationRule/);
  assert.deepEqual(log.slice(before).map((x) => x.type), ['requestRejected']);
  assert.ok(engine.audit({ principalId: 'user1' }, AT_10).some((r) => r.result === 'failure'));
});

test('other refusals carry their code and no failed rules', () => {
  const engine = loaded();
  const e = thrown(() => engine.submit(activation(EXCHANGE), { caller: 'aymen', mfa: true }, AT_10));
  assertPimError(e, 'AuthorizationFailed');
});

test('malformed input is InvalidRequest', () => {
  const engine = loaded();
  assertPimError(thrown(() => engine.execute({ op: 'launchMissiles' }, undefined, AT_10)), 'InvalidRequest');
  assertPimError(thrown(() => engine.execute('not a command')), 'InvalidRequest');
  const body = activation(EXCHANGE);
  body.body.surprise = true;
  const unknown = thrown(() => engine.execute(body, { caller: 'user1' }, AT_10));
  assertPimError(unknown, 'InvalidRequest');
  assert.match(unknown.message, /surprise/);
  assertPimError(thrown(() => engine.execute(activation(EXCHANGE, { duration: 'PT-1H' }), { caller: 'user1' }, AT_10)), 'InvalidRequest');
  assertPimError(thrown(() => engine.audit({ since: 'yesterday' })), 'InvalidRequest');
  assertPimError(thrown(() => engine.status('request-404', AT_10)), 'InvalidRequest');
  assertPimError(thrown(() => durationSeconds('8 hours')), 'InvalidRequest');
  assertPimError(thrown(() => evaluateActivation({ eligibility: {}, input: {} })), 'InvalidRequest');
  assertPimError(thrown(() => engine.evaluateActivation({ role: {}, input: {} })), 'InvalidRequest');
  assertPimError(thrown(() => engine.evaluateActivation({ role: { roleDefinitionId: EXCHANGE }, input: {} })), 'InvalidRequest');
});

test('a bad `now` and a clock going backwards are InvalidRequest', () => {
  const engine = loaded();
  assertPimError(thrown(() => engine.check('user1', EXCHANGE, '/', 'tomorrow')), 'InvalidRequest');
  assertPimError(thrown(() => engine.check('user1', EXCHANGE, '/', Number.NaN)), 'InvalidRequest');
  assertPimError(thrown(() => engine.check('user1', EXCHANGE, '/', {})), 'InvalidRequest');
  const back = thrown(() => engine.execute(activation(EXCHANGE), { caller: 'user1' }, '2026-03-01T00:00:00Z'));
  assertPimError(back, 'InvalidRequest');
  assert.match(back.message, /backwards/);
});

test('loadTenant refuses a bad tenant and leaves the engine unchanged', () => {
  const engine = new Engine();
  assertPimError(thrown(() => engine.loadTenant({ directory: {}, extra: 1 }, T0)), 'InvalidRequest');
  const badPolicy = {
    ...tenant,
    policies: [{ roleDefinitionId: EXCHANGE, rules: [{ id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT48H' }] }],
  };
  assertPimError(thrown(() => engine.loadTenant(badPolicy, T0)), 'InvalidRequest');
  assert.equal(engine.clock, undefined);
  assert.deepEqual(engine.eligibleRoles('user1', T0), []);
});

test('a persist callback that throws stops the commit: nothing is applied', () => {
  let fail = false;
  const engine = loaded(() => { if (fail) throw new Error('disk full'); });
  fail = true;
  const e = thrown(() => engine.submit(activation(EXCHANGE), { caller: 'user1', mfa: true }, AT_10));
  assert.equal(e.message, 'disk full');
  assert.equal(engine.check('user1', EXCHANGE, '/', AT_10), false);
});

test('events that do not fit the state are refused', () => {
  const engine = new Engine();
  const e = thrown(() => engine.apply({ type: 'scheduleEnded', at: T0, scheduleId: 'nope', reason: 'expired' }));
  assertPimError(e, 'InvalidRequest');
  assert.match(e.message, /nope/);
  assertPimError(thrown(() => Engine.fromEvents([{ type: 'mystery', at: T0 }])), 'InvalidRequest');
});
