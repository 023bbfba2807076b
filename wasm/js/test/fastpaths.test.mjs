// The package's fast paths give the answers of the plain ones, across generated inputs (a seeded
// generator: the same inputs every run):
// - `Engine.check` with `now` as a number, a Date or the clock goes through interned strings
//   (`checkInterned`); compared with `checkDetails` (its own conversion of the arguments) and
//   with `check` given `now` as RFC 3339 text (the plain conversion).
// - `ActivationRules.evaluate` with a form of the common shape goes through `evaluateParts` (the
//   form's fields as plain arguments); compared with the stateless `evaluateActivation` given the
//   same rules, with the same form read the plain way (a class instance, which the fast path
//   leaves alone), and with `Engine.evaluateActivation` for the engine's eligible roles.
// Each test also counts the calls that took the fast path, so a comparison of the plain path
// with itself cannot pass unnoticed.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ActivationRules, Engine, PimError, evaluateActivation } from '../lib/node.mjs';
import { EXCHANGE, GLOBAL_ADMIN, HELPDESK, T0, activation, tenant } from './tenant.mjs';

const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const ROLES = [EXCHANGE, HELPDESK, GLOBAL_ADMIN, USER_ADMIN];
const SCOPES = ['/', '/administrativeUnits/au1', '/administrativeUnits/au2'];
const DAY = 86_400_000;
const BASE = Date.parse(T0);

/** A seeded generator (mulberry32): the same inputs every run. */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** What a call answers: its value, or the error's class, code and message. */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: { pim: e instanceof PimError, code: e.code, message: e.message } };
  }
}

/** Counts the calls to a method of the WebAssembly class under `cls` that did not answer undefined. */
function spy(cls, name) {
  const proto = Object.getPrototypeOf(cls.prototype);
  const original = proto[name];
  const count = { calls: 0, answered: 0 };
  proto[name] = function (...args) {
    count.calls++;
    const answer = original.apply(this, args);
    if (answer !== undefined && answer !== 2) count.answered++;
    return answer;
  };
  count.restore = () => { proto[name] = original; };
  return count;
}

/** A tenant of 12 users and 3 groups with random eligible and active assignments. */
function generatedTenant(r) {
  const { roleDefinitions } = tenant.directory;
  const users = Array.from({ length: 12 }, (_, i) => ({ id: `u${i}`, displayName: `User ${i}` }));
  const groups = Array.from({ length: 3 }, (_, i) => ({
    id: `g${i}`, displayName: `Group ${i}`, isRoleAssignable: true,
    members: users.filter(() => r.chance(0.3)).map((u) => u.id),
  }));
  const principals = [...users.map((u) => u.id), ...groups.map((g) => g.id)];
  const assignments = [];
  for (let i = 0; i < 40; i++) {
    const start = BASE + (r.int(20) - 10) * DAY + r.int(24) * 3_600_000;
    const entry = {
      type: r.chance(0.5) ? 'active' : 'eligible',
      principalId: r.pick(principals),
      roleDefinitionId: r.pick(ROLES),
      directoryScopeId: r.pick(SCOPES),
    };
    if (r.chance(0.8)) entry.startDateTime = iso(start);
    if (r.chance(0.7)) entry.endDateTime = iso(start + (1 + r.int(10)) * DAY);
    assignments.push(entry);
  }
  return { directory: { users, groups, roleDefinitions, assignments }, principals };
}

test('check: the interned path answers as checkDetails and as check with `now` as text', () => {
  const r = random(7);
  const { directory, principals } = generatedTenant(r);
  const engine = new Engine();
  engine.loadTenant({ directory }, iso(BASE - 30 * DAY));
  // Activations of some eligible roles, so that `via: activation` grants exist too.
  for (let i = 0; i < 30; i++) {
    const at = BASE + (r.int(20) - 10) * DAY;
    const user = `u${r.int(12)}`;
    for (const role of engine.eligibleRoles(user, iso(at)).slice(0, 1)) {
      outcome(() => engine.submit({
        op: 'request', kind: 'assignment',
        body: {
          action: 'selfActivate', principalId: user, roleDefinitionId: role.roleDefinitionId,
          directoryScopeId: role.scope, justification: 'generated',
          scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
        },
      }, { caller: user, mfa: true }, iso(Math.max(at, Date.parse(engine.clock)))));
    }
  }
  const askedPrincipals = [...principals, 'nobody', '', 'ü', '\ud800'];
  const askedRoles = [...ROLES, 'unknown-role', ''];
  const askedScopes = [undefined, null, ...SCOPES, '/administrativeUnits/au1/../au2', 'app:x', ''];
  const times = [];
  for (const a of directory.assignments) {
    for (const t of [a.startDateTime, a.endDateTime]) if (t) times.push(Date.parse(t), Date.parse(t) - 1);
  }
  const interned = spy(Engine, 'checkInterned');
  let active = 0;
  try {
    for (let i = 0; i < 6000; i++) {
      // Half the questions about an assignment of the tenant (or a member of its group).
      const held = r.chance(0.5) ? r.pick(directory.assignments) : undefined;
      const group = held && directory.groups.find((g) => g.id === held.principalId);
      const p = held ? (group?.members.length ? r.pick(group.members) : held.principalId) : r.pick(askedPrincipals);
      const role = held ? held.roleDefinitionId : r.pick(askedRoles);
      const scope = held && r.chance(0.7) ? held.directoryScopeId : r.pick(askedScopes);
      const ms = r.chance(0.3) ? r.pick(times) : BASE + (r.next() - 0.5) * 30 * DAY;
      const whole = Math.floor(ms / 1000) * 1000;
      const expected = engine.checkDetails(p, role, scope, ms).active;
      assert.equal(engine.check(p, role, scope, ms), expected, `check(${p}, ${role}, ${scope}, ${ms})`);
      assert.equal(engine.check(p, role, scope, new Date(ms)), expected);
      assert.equal(engine.check(p, role, scope, whole),
        engine.check(p, role, scope, iso(whole)), `check(${p}, ${role}, ${scope}, ${iso(whole)})`);
      if (expected) active++;
    }
    // Without `now`: both read the clock; the generated assignments lie around 2026-03-02.
    for (const p of principals) {
      for (const role of ROLES) assert.equal(engine.check(p, role), engine.checkDetails(p, role).active);
    }
  } finally {
    interned.restore();
  }
  assert.ok(active > 600 && active < 5400, `a mix of answers (${active} of 6000 active)`);
  assert.ok(interned.answered >= 6000 * 2, `the interned path answered (${interned.answered})`);
});

test('check: past the interning limit the table starts again and answers stay right', () => {
  const engine = new Engine();
  engine.loadTenant(tenant, T0);
  const at = Date.parse('2026-03-02T10:00:00Z');
  engine.submit(activation(EXCHANGE), { caller: 'user1', mfa: true }, at);
  for (let i = 0; i < 25_000; i++) {
    if (i % 1000 === 0) {
      assert.equal(engine.check('user1', EXCHANGE, '/', at + 60_000), true);
      assert.equal(engine.check('user1', HELPDESK, '/', at + 60_000), false);
      assert.equal(engine.check('aymen', GLOBAL_ADMIN, undefined, at), true);
    }
    assert.equal(engine.check(`stranger${i}`, EXCHANGE, '/', at), false);
  }
  assert.equal(engine.check('user1', EXCHANGE, '/', at + 60_000), true);
});

test('check: wrong arguments and bad times throw what the plain check throws', () => {
  const engine = new Engine();
  engine.loadTenant(tenant, T0);
  for (const now of [Number.NaN, Infinity, 1e20, -1e20, {}, true, new Date(Number.NaN), 'yesterday']) {
    const fast = outcome(() => engine.check('user1', EXCHANGE, '/', now));
    const plain = outcome(() => engine.checkDetails('user1', EXCHANGE, '/', now));
    assert.ok(fast.error?.pim, `check with now = ${String(now)} throws a PimError`);
    assert.deepEqual(fast.error, plain.error);
  }
  for (const args of [[42, EXCHANGE], ['user1', null], ['user1', EXCHANGE, 7]]) {
    const fast = outcome(() => engine.check(...args));
    assert.equal(fast.error?.code, 'InvalidRequest');
    const plain = outcome(() => engine.checkDetails(...args)).error;
    assert.deepEqual(fast.error, { ...plain, message: plain.message.replace('checkDetails:', 'check:') });
  }
  engine.free();
  assert.equal(outcome(() => engine.check('user1', EXCHANGE, '/', 0)).error?.code, 'InvalidRequest');
});

/** Random role settings as Graph rules. */
function generatedRules(r) {
  const rules = [];
  if (r.chance(0.8)) {
    rules.push({
      id: 'Expiration_EndUser_Assignment', isExpirationRequired: true,
      maximumDuration: r.pick(['PT30M', 'PT1H', 'PT4H', 'PT8H', 'PT24H']),
    });
  }
  if (r.chance(0.8)) {
    rules.push({
      id: 'Enablement_EndUser_Assignment',
      enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'].filter(() => r.chance(0.5)),
    });
  }
  if (r.chance(0.3)) {
    rules.push({
      id: 'Approval_EndUser_Assignment',
      setting: {
        isApprovalRequired: true,
        approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: 'aymen' }] }],
      },
    });
  }
  if (r.chance(0.2)) {
    rules.push({ id: 'Pim_BreakGlass_EndUser_Assignment', principalIds: ['user1'], maximumDuration: 'PT1H' });
  }
  if (r.chance(0.2)) {
    rules.push({ id: 'Pim_Justification_EndUser_Assignment', minimumLength: 12, ticketNumberPattern: 'INC-#' });
  }
  return rules;
}

/** A random activation form: mostly the common shape, with the odd value out of it. */
function generatedForm(r) {
  const start = BASE + (r.int(10) - 3) * DAY;
  const eligibility = { startDateTime: iso(start) };
  const end = r.chance(0.05) ? 'not a time'
    : r.pick([undefined, null, iso(start + r.int(5) * DAY + r.int(24) * 3_600_000)]);
  // A key given as `undefined` (as `role.endDateTime` of a permanent eligibility) or left out.
  if (end !== undefined || r.chance(0.3)) eligibility.endDateTime = end;
  const input = {};
  const justification = r.pick([undefined, null, '', '   ', 'mailbox migration', 'INC-1 fix the mail flow now', 'ü']);
  if (justification !== undefined) input.justification = justification;
  if (r.chance(0.6)) {
    input.ticketInfo = r.chance(0.1) ? null : {};
    if (input.ticketInfo) {
      const number = r.pick([undefined, null, '', 'INC-1', 'INC-12345']);
      if (number !== undefined) input.ticketInfo.ticketNumber = number;
      if (r.chance(0.5)) input.ticketInfo.ticketSystem = 'ServiceNow';
    }
  }
  if (r.chance(0.8)) {
    const schedule = {};
    if (r.chance(0.3)) {
      schedule.startDateTime = r.chance(0.1) ? 'soon'
        : r.pick([iso(BASE), iso(BASE + 3_600_000), iso(BASE + 40 * DAY), iso(BASE - DAY)]);
    }
    if (r.chance(0.9)) {
      const type = r.chance(0.05) ? 'sometime'
        : r.pick(['afterDuration', 'afterDuration', 'afterDuration', 'afterDateTime', 'noExpiration', 'notSpecified', null]);
      const expiration = type === null ? {} : { type };
      if (type === 'afterDuration' || r.chance(0.2)) {
        expiration.duration = r.chance(0.05) ? r.pick(['PT-1H', 'four hours'])
          : r.pick(['PT2M', 'PT1H', 'PT4H', 'PT8H', 'PT9H', 'P1D']);
      }
      if (type === 'afterDateTime' || r.chance(0.1)) {
        expiration.endDateTime = r.chance(0.05) ? 'later' : r.pick([iso(BASE + 2 * 3_600_000), iso(BASE + 2 * DAY)]);
      }
      if (r.chance(0.05)) expiration['@odata.type'] = '#microsoft.graph.expirationPattern';
      schedule.expiration = r.chance(0.05) ? null : expiration;
    }
    input.scheduleInfo = schedule;
  }
  const form = { eligibility, input };
  if (r.chance(0.8)) {
    form.context = {};
    const caller = r.pick([undefined, 'user1', 'user2', null]);
    if (caller !== undefined) form.context.caller = caller;
    if (r.chance(0.8)) form.context.mfa = r.chance(0.5);
  }
  // Now and then a value out of the common shape (the plain path reads it, or refuses it).
  const odd = r.int(40);
  if (odd === 0) form.context = { ...form.context, authContext: ['c1'] };
  if (odd === 1) input.recentActivations = [];
  if (odd === 2) input.justification = 42;
  if (odd === 3) form.context = { ...form.context, mfa: 'yes' };
  if (odd === 4) input.surprise = true;
  if (odd === 5) input.justification = undefined;
  if (odd === 6) form.eligibility = { ...eligibility, startDateTime: undefined };
  if (odd === 7) form.context = null;
  return form;
}

/** The same form as a class instance: read field by field by the plain path, never the fast one. */
function asInstance(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  class Form {}
  const copy = new Form();
  for (const [k, v] of Object.entries(value)) copy[k] = asInstance(v);
  return copy;
}

test('ActivationRules.evaluate answers as evaluateActivation with the same rules, fast or plain', () => {
  const r = random(11);
  const parts = spy(ActivationRules, 'evaluateParts');
  let compared = 0;
  const statuses = new Set();
  try {
    for (let s = 0; s < 60; s++) {
      const ruleList = generatedRules(r);
      const scopeType = r.pick([undefined, 'DirectoryRole', 'Group']);
      const rules = new ActivationRules(ruleList, scopeType);
      for (let f = 0; f < 50; f++) {
        const form = generatedForm(r);
        const now = r.pick([BASE, BASE + 1234, iso(BASE + 60_000), new Date(BASE + 7), BASE - 2 * DAY]);
        const request = { rules: ruleList, ...(scopeType ? { scopeType } : {}), ...form };
        const fast = outcome(() => rules.evaluate(form, now));
        const stateless = outcome(() => evaluateActivation(request, now));
        const plain = outcome(() => rules.evaluate(asInstance(form), now));
        assert.deepEqual(fast, plain, JSON.stringify({ ruleList, form, now }));
        // The same fields in the same order, as JSON would write them.
        assert.equal(JSON.stringify(fast), JSON.stringify(plain));
        if (stateless.error) {
          // The same refusal of the input; the messages differ only in the fields each expects.
          assert.equal(fast.error?.code, stateless.error.code, JSON.stringify({ form, stateless }));
        } else {
          assert.deepEqual(fast, stateless, JSON.stringify({ ruleList, form, now }));
          statuses.add(fast.value.status ?? fast.value.error.code);
        }
        compared++;
      }
      rules.free();
    }
  } finally {
    parts.restore();
  }
  assert.equal(compared, 3000);
  assert.ok(statuses.size >= 5, `a mix of decisions: ${[...statuses].join(', ')}`);
  // Forms with a bad time, duration or type are answered by the plain path (with its error).
  assert.ok(parts.calls > 2300 && parts.answered > 2000,
    `the fast path took ${parts.calls} and answered ${parts.answered} of ${compared}`);
});

test('Engine.activationRules answers as Engine.evaluateActivation for its eligible roles', () => {
  const r = random(13);
  const engine = new Engine();
  engine.loadTenant(tenant, T0);
  const parts = spy(ActivationRules, 'evaluateParts');
  let compared = 0;
  try {
    for (const at of [T0, '2026-03-15T12:00:00Z', '2026-03-31T23:00:00Z']) {
      for (const role of engine.eligibleRoles('user1', at)) {
        const rules = engine.activationRules(role.roleDefinitionId, role.scope);
        assert.ok(rules instanceof ActivationRules);
        for (let f = 0; f < 100; f++) {
          const { input, context } = generatedForm(r);
          const eligibility = { startDateTime: role.startDateTime, endDateTime: role.endDateTime };
          const fast = outcome(() => rules.evaluate({ eligibility, input, context }, at));
          const viaEngine = outcome(() => engine.evaluateActivation({ role, input, context }, at));
          if (viaEngine.error) assert.equal(fast.error?.code, viaEngine.error.code, JSON.stringify({ role, input, context, at, viaEngine, fast }));
          else assert.deepEqual(fast, viaEngine, JSON.stringify({ role, input, context, at }));
          compared++;
        }
      }
    }
  } finally {
    parts.restore();
  }
  assert.equal(compared, 600);
  assert.ok(parts.answered > 350, `the fast path took ${parts.calls} and answered ${parts.answered} of ${compared}`);
});

test('ActivationRules: bad rules and bad arguments throw PimErrors; a freed one refuses', () => {
  const bad = outcome(() => new ActivationRules([{ id: 'Expiration_EndUser_Assignment', maximumDuration: 'forever' }]));
  assert.equal(bad.error?.pim, true);
  assert.equal(bad.error.code,
    outcome(() => evaluateActivation({
      rules: [{ id: 'Expiration_EndUser_Assignment', maximumDuration: 'forever' }],
      eligibility: { startDateTime: T0 }, input: {},
    }, T0)).error.code);
  assert.equal(outcome(() => new ActivationRules('rules')).error?.code, 'InvalidRequest');
  const rules = new ActivationRules();
  assert.equal(outcome(() => rules.evaluate(null)).error?.code, 'InvalidRequest');
  // Entra's defaults: 8 hours at most, MFA and a justification.
  const form = { eligibility: { startDateTime: T0 }, input: { justification: 'x' }, context: { mfa: true } };
  assert.deepEqual(rules.evaluate(form, T0).failedRules, []);
  assert.equal(rules.evaluate(form, T0).endDateTime, '2026-03-02T17:00:00Z');
  assert.deepEqual(rules.evaluate({ ...form, context: {} }, T0).failedRules, ['MfaRule']);
  rules.free();
  assert.match(outcome(() => rules.evaluate({ eligibility: { startDateTime: T0 }, input: {} }, T0)).error.message, /freed/);
});
