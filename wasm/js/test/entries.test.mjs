// The package's entry points (lib/): the builds through its JavaScript layer. Errors are a real
// `PimError` class with an `isPimError` guard; wrong argument types from plain JavaScript are
// `InvalidRequest`, never a `TypeError` or WebAssembly reading the wrong memory; a refusal always
// lists `failedRules`; decisions are allowed, pending or refused.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import * as pim from '../lib/node.mjs';
import * as web from '../lib/web.mjs';
import { EXCHANGE, HELPDESK, T0, activation, tenant } from './tenant.mjs';

const { Engine, PimError, isPimError } = pim;

function loaded() {
  const engine = new Engine();
  engine.loadTenant(tenant, T0);
  return engine;
}

/** What `fn` threw (it must throw). */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

function assertInvalid(fn, pattern) {
  const e = thrown(fn);
  assert.ok(e instanceof PimError, `not a PimError: ${e}`);
  assert.ok(isPimError(e));
  assert.equal(e.name, 'PimError');
  assert.equal(e.code, 'InvalidRequest');
  assert.deepEqual(e.failedRules, []);
  if (pattern) assert.match(e.message, pattern);
}

test('PimError is a class: engine refusals are instances, isPimError narrows', () => {
  const e = thrown(() => loaded().submit(activation(EXCHANGE), { caller: 'user1', mfa: false }, T0));
  assert.ok(e instanceof PimError && e instanceof Error);
  assert.equal(e.code, 'RoleAssignmentRequestPolicyValidationFailed');
  assert.deepEqual(e.failedRules, ['MfaRule']);
  assert.ok(isPimError(e));
  assert.equal(isPimError(new Error('x')), false);
  assert.equal(isPimError({ name: 'PimError', code: 'InvalidRequest', failedRules: [] }), false);
  const made = new PimError('InvalidRequest', 'made by hand');
  assert.deepEqual([made.name, made.code, made.failedRules, made.message], ['PimError', 'InvalidRequest', [], 'made by hand']);
});

test('wrong argument types from plain JavaScript are InvalidRequest', () => {
  const engine = loaded();
  assertInvalid(() => engine.check(42, EXCHANGE), /`principalId` must be a string \(got number\)/);
  assertInvalid(() => engine.check('user1'), /`roleDefinitionId` must be a string \(got undefined\)/);
  assertInvalid(() => engine.check('user1', EXCHANGE, 7), /`scope`/);
  assertInvalid(() => engine.status(1));
  assertInvalid(() => engine.policy({}));
  assertInvalid(() => engine.eligibleRoles(null));
  assertInvalid(() => engine.pendingApprovals([]));
  assertInvalid(() => engine.review(1));
  assertInvalid(() => engine.notifications(1));
  assertInvalid(() => engine.execute('cancel'), /`command` must be an object/);
  assertInvalid(() => engine.submit(undefined));
  assertInvalid(() => engine.loadTenant(5));
  assertInvalid(() => engine.execute({ op: 'cancel', requestId: 'r' }, 'user1'), /`context`/);
  assertInvalid(() => engine.tick(true), /`now`/);
  assertInvalid(() => new Engine('persist'), /`persist` must be a function/);
  assertInvalid(() => Engine.fromEvents(5));
  assertInvalid(() => Engine.fromEvents([], 5));
  assertInvalid(() => pim.durationSeconds(8));
  assertInvalid(() => pim.runScenario({}));
  assertInvalid(() => pim.evaluateActivation('form'));
  // A wrong shape inside an object is the engine's own InvalidRequest.
  assertInvalid(() => engine.execute({ op: 'launchMissiles' }), /malformed input/);
});

test('a freed engine throws InvalidRequest', () => {
  const engine = loaded();
  engine.free();
  assertInvalid(() => engine.check('user1', EXCHANGE), /freed/);
  const disposed = loaded();
  disposed[Symbol.dispose]();
  assertInvalid(() => disposed.eligibleRoles('user1'), /freed/);
});

test('an error thrown by persist is passed through as it is', () => {
  const engine = new Engine(() => { throw new TypeError('disk full'); });
  const e = thrown(() => engine.loadTenant(tenant, T0));
  assert.ok(e instanceof TypeError && !isPimError(e));
});

test('decisions: allowed, pending, refused with failedRules always present', () => {
  const engine = loaded();
  const allowed = engine.submit(activation(EXCHANGE), { caller: 'user1', mfa: true }, T0);
  assert.equal(allowed.error, undefined);
  assert.equal(allowed.status, 'Provisioned');
  const pending = engine.submit(activation(HELPDESK), { caller: 'user1', mfa: true }, T0);
  assert.equal(pending.status, 'PendingApproval');
  // Refused for a reason other than policy rules (the role is active already): `failedRules`
  // is there, empty.
  const twice = engine.execute(activation(EXCHANGE), { caller: 'user1', mfa: true }, T0).decision;
  assert.equal(twice.error?.code, 'RoleAssignmentExists');
  assert.deepEqual(twice.error.failedRules, []);
  assert.equal(twice.status, undefined);
});

test('Engine.fromEvents gives the package\'s Engine', () => {
  const log = [];
  const engine = new Engine((events) => { log.push(...events); });
  engine.loadTenant(tenant, T0);
  const replayed = Engine.fromEvents(log);
  assert.ok(replayed instanceof Engine);
  assertInvalid(() => replayed.check(1, 2));
});

test('require gives the same module as import (one PimError class)', () => {
  const required = createRequire(import.meta.url)('../lib/node.mjs');
  assert.equal(required.PimError, PimError);
  assert.equal(required.Engine, Engine);
});

test('web entry: initSync, then the same guarded API, without replay', () => {
  web.initSync({ module: readFileSync(new URL('../pkg/web/pim_bg.wasm', import.meta.url)) });
  const engine = new web.Engine();
  engine.loadTenant(tenant, T0);
  assert.deepEqual(engine.eligibleRoles('user1', T0), loaded().eligibleRoles('user1', T0));
  assert.equal(web.PimError, PimError);
  assert.equal(web.Engine.fromEvents, undefined);
  assert.equal(web.runScenario, undefined);
  assert.throws(() => engine.check(1), (e) => isPimError(e) && e.code === 'InvalidRequest');
});
