// Security alerts, access reviews and notifications through the package (Node build): their
// commands go through `submit`, their state comes back from `alerts`, `reviews`, `review` and
// `notifications`.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Engine } from '../pkg/nodejs/pim.js';
import { EXCHANGE, HELPDESK, T0, tenant } from './tenant.mjs';

const AYMEN = { caller: 'aymen', mfa: true };

function loaded() {
  const engine = new Engine();
  engine.loadTenant(tenant, T0);
  return engine;
}

test('alerts are listed, configured within range, dismissed and refreshed', () => {
  const engine = loaded();
  const alerts = engine.alerts(T0);
  // Entra's six, then pim's own two (separation of duties, break glass), quiet by default.
  assert.equal(alerts.length, 8);
  const own = alerts.filter((a) => a.alertDefinitionId.startsWith('pim.'));
  assert.deepEqual(own.map((a) => [a.alertDefinitionId, a.isActive]),
    [['pim.separationOfDutiesAlert', false], ['pim.breakGlassActivationAlert', false]]);
  const noMfa = () => engine.alerts(T0).find((a) => a.alertDefinitionId === 'NoMfaOnRoleActivationAlert');
  assert.equal(noMfa().isActive, false, 'every role with eligible holders requires MFA');
  engine.submit({ op: 'setPolicy', roleDefinitionId: HELPDESK,
    rules: [{ id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'] }] }, AYMEN, T0);
  assert.equal(noMfa().isActive, true, 'Helpdesk Administrator now activates without MFA');
  assert.deepEqual(noMfa().incidents.map((i) => i.roleDefinitionId), [HELPDESK]);
  assert.throws(
    () => engine.submit({ op: 'configureAlert', alertId: 'TooManyGlobalAdminsAssignedToTenantAlert',
      configuration: { globalAdminCountThreshold: 1 } }, AYMEN, T0),
    (e) => e.code === 'InvalidRequest',
  );
  engine.submit({ op: 'dismissAlert', alertId: 'NoMfaOnRoleActivationAlert' }, AYMEN, T0);
  assert.equal(engine.alerts(T0).find((a) => a.alertDefinitionId === 'NoMfaOnRoleActivationAlert').isActive, false);
  engine.submit({ op: 'refreshAlerts', alertIds: [] }, AYMEN, T0);
  assert.equal(engine.alerts(T0).find((a) => a.alertDefinitionId === 'NoMfaOnRoleActivationAlert').isActive, true);
  assert.throws(
    () => engine.submit({ op: 'dismissAlert', alertId: 'NoMfaOnRoleActivationAlert' }, { caller: 'user1' }, T0),
    (e) => e.code === 'AuthorizationFailed',
  );
});

test('an access review is created, decided and applied; denied access is removed', () => {
  const engine = loaded();
  engine.submit({ op: 'createReview', definition: { id: 'r1', roleDefinitionId: EXCHANGE,
    reviewers: { type: 'selected', ids: ['aymen'] }, recurrence: { type: 'oneTime', durationInDays: 7 } } }, AYMEN, T0);
  let review = engine.review('r1', T0);
  assert.deepEqual(review.instances[0].items.map((i) => i.principalId), ['user1']);
  engine.submit({ op: 'decideReview', reviewId: 'r1', principalId: 'user1', decision: 'Deny', justification: 'left' }, AYMEN, T0);
  engine.submit({ op: 'stopReview', reviewId: 'r1' }, AYMEN, T0);
  engine.submit({ op: 'applyReview', reviewId: 'r1' }, AYMEN, T0);
  review = engine.reviews(T0)[0];
  assert.equal(review.instances[0].status, 'Applied');
  assert.equal(review.instances[0].items[0].applyResult, 'AppliedSuccessfully');
  assert.deepEqual(engine.eligibleRoles('user1', T0).map((r) => r.roleDefinitionId).includes(EXCHANGE), false);
  assert.throws(() => engine.review('nope', T0), (e) => e.code === 'InvalidRequest');
});

test('notifications follow the rules and can be read per recipient', () => {
  const engine = loaded();
  engine.submit({ op: 'request', kind: 'eligibility', body: { action: 'adminAssign', principalId: 'aymen',
    roleDefinitionId: EXCHANGE, directoryScopeId: '/' } }, AYMEN, T0);
  const all = engine.notifications();
  assert.deepEqual(all.map((n) => n.kind), ['roleAssigned', 'roleAssigned']);
  assert.deepEqual(all.map((n) => n.ruleId), ['Notification_Admin_Admin_Eligibility', 'Notification_Requestor_Admin_Eligibility']);
  assert.equal(engine.notifications('user1').length, 0);
  assert.equal(engine.notifications('aymen').length, 2);
});
