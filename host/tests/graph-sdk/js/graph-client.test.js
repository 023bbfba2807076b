// pim-host read and written through @microsoft/microsoft-graph-client 3.0.7: the fluent
// request builder's OData options, paging, and errors parsed as GraphError.
// Graph reference: https://learn.microsoft.com/graph/sdks/create-requests?tabs=javascript
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { EXCHANGE_ADMIN, GLOBAL_ADMIN, client, graphError, root, wire } = require('./graph');

const DIRECTORY = '/roleManagement/directory';
const aymen = client('aymen-token');
const user1 = client('user1-token');

test('eligibility schedule requests list with filter, select, top, count and orderby', async () => {
  const page = await aymen
    .api(`${DIRECTORY}/roleEligibilityScheduleRequests`)
    .filter(`principalId eq 'user1' and roleDefinitionId eq '${EXCHANGE_ADMIN}'`)
    .select(['id', 'principalId', 'status'])
    .orderby('createdDateTime')
    .top(5)
    .count(true)
    .get();
  assert.ok(page['@odata.context']);
  assert.ok(page.value.length >= 1);
  assert.equal(page['@odata.count'], page.value.length);
  for (const r of page.value) {
    assert.equal(r.principalId, 'user1');
    assert.equal(r.roleDefinitionId, undefined, 'not selected');
  }
  assert.equal(page.value[0].status, 'Provisioned');
});

test('eligibility schedules expand principal and roleDefinition', async () => {
  const page = await user1
    .api(`${DIRECTORY}/roleEligibilitySchedules/filterByCurrentUser(on='principal')`)
    .expand(['principal', 'roleDefinition'])
    .get();
  const exchange = page.value.filter((s) => s.roleDefinitionId === EXCHANGE_ADMIN);
  assert.ok(exchange.length >= 1);
  assert.equal(exchange[0].roleDefinition.displayName, 'Exchange Administrator');
  assert.equal(exchange[0].principal.id, 'user1');
  assert.equal(exchange[0].memberType, 'Direct');
});

test('role assignments, definitions and instances by id', async () => {
  const grants = await aymen.api(`${DIRECTORY}/roleAssignments`).filter("principalId eq 'aymen'").get();
  const ga = grants.value.find((g) => g.roleDefinitionId === GLOBAL_ADMIN);
  assert.ok(ga, JSON.stringify(grants.value));
  const got = await aymen.api(`${DIRECTORY}/roleAssignments/${ga.id}`).get();
  assert.equal(got.directoryScopeId, '/');
  const definition = await aymen.api(`${DIRECTORY}/roleDefinitions/${EXCHANGE_ADMIN}`).get();
  assert.equal(definition.displayName, 'Exchange Administrator');
  const instances = await aymen
    .api(`${DIRECTORY}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`)
    .get();
  const mine = instances.value.find((i) => i.roleDefinitionId === GLOBAL_ADMIN);
  assert.equal(mine.assignmentType, 'Assigned');
  assert.equal(mine.endDateTime, null);
});

test('directoryAudits filtered on activityDisplayName', async () => {
  const name = 'Add eligible member to role in PIM requested (timebound)';
  const page = await aymen
    .api('/auditLogs/directoryAudits')
    .filter(`activityDisplayName eq '${name}'`)
    .get();
  assert.ok(page.value.length >= 1);
  for (const a of page.value) assert.equal(a.activityDisplayName, name);
  const first = page.value[0];
  assert.equal(first.initiatedBy.user.id, 'aymen');
  assert.equal(first.category, 'RoleManagement');
  assert.equal(first.result, 'success');
  assert.ok(Array.isArray(first.targetResources) && first.targetResources.length >= 1);
  const got = await aymen.api(`/auditLogs/directoryAudits/${first.id}`).get();
  assert.equal(got.id, first.id);
});

test('directoryAudits filtered on initiatedBy/user/id and activityDateTime', async () => {
  const all = await aymen.api('/auditLogs/directoryAudits').orderby('activityDateTime').get();
  assert.ok(all.value.length >= 2);
  const byAymen = await aymen
    .api('/auditLogs/directoryAudits')
    .filter("initiatedBy/user/id eq 'aymen'")
    .get();
  assert.ok(byAymen.value.length >= 1);
  for (const a of byAymen.value) assert.equal(a.initiatedBy.user.id, 'aymen');
  const since = all.value[all.value.length - 1].activityDateTime;
  const recent = await aymen
    .api('/auditLogs/directoryAudits')
    .filter(`activityDateTime ge ${since}`)
    .get();
  assert.ok(recent.value.length >= 1);
  for (const a of recent.value) assert.ok(Date.parse(a.activityDateTime) >= Date.parse(since));
});

// The client's PageIterator cannot follow these links: GraphRequest takes a full URL apart only
// when it starts with https:// (an http:// nextLink becomes the path "/http://..."), so the test
// follows each nextLink itself, as a path under the client's baseUrl and version.
test('directoryAudits .top(1) pages through @odata.nextLink', async () => {
  const everything = await aymen.api('/auditLogs/directoryAudits').get();
  let page = await aymen.api('/auditLogs/directoryAudits').top(1).get();
  assert.match(wire[wire.length - 1].url, /\/v1\.0\/auditLogs\/directoryAudits\?\$top=1$/);
  const seen = [];
  for (;;) {
    assert.ok(page.value.length <= 1, 'a page holds at most $top items');
    seen.push(...page.value.map((a) => a.id));
    const next = page['@odata.nextLink'];
    if (!next) break;
    const base = `${root()}v1.0`;
    assert.ok(next.startsWith(base), `${next} is not under ${base}`);
    assert.match(next, /\$skiptoken=/);
    page = await aymen.api(next.slice(base.length)).get();
  }
  assert.deepEqual(seen, everything.value.map((a) => a.id));
});

test('policy assignment with $expand=policy($expand=rules)', async () => {
  const found = await aymen
    .api('/policies/roleManagementPolicyAssignments')
    .filter(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${EXCHANGE_ADMIN}'`)
    .expand('policy($expand=rules)')
    .get();
  assert.equal(found.value.length, 1);
  const rules = found.value[0].policy.rules;
  const expiration = rules.find((r) => r.id === 'Expiration_EndUser_Assignment');
  assert.equal(expiration['@odata.type'], '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule');
  assert.equal(expiration.maximumDuration, 'PT8H');
});

test('a validation-only activation answers with the request and stores nothing', async () => {
  const answer = await user1.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post({
    action: 'selfActivate',
    principalId: 'user1',
    roleDefinitionId: EXCHANGE_ADMIN,
    directoryScopeId: '/administrativeUnits/js-only',
    justification: 'Check the settings',
    isValidationOnly: true,
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
  });
  assert.equal(answer.isValidationOnly, true);
  assert.equal(answer.principalId, 'user1');
  assert.equal(answer.scheduleInfo.expiration.duration, 'PT2H');
  const stored = await aymen
    .api(`${DIRECTORY}/roleAssignmentScheduleRequests`)
    .filter("directoryScopeId eq '/administrativeUnits/js-only'")
    .get();
  assert.deepEqual(stored.value, []);
});

test('errors are GraphErrors with Graph codes', async () => {
  await graphError(
    aymen.api(`${DIRECTORY}/roleAssignmentScheduleRequests/00000000-0000-0000-0000-000000000000`).get(),
    404,
    'ResourceNotFound',
  );
  await graphError(
    aymen.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).filter("principalId eq").get(),
    400,
    'BadRequest',
  );
  await graphError(client('not-a-token').api(`${DIRECTORY}/roleDefinitions`).get(), 401, 'InvalidAuthenticationToken');
  await graphError(client(null).api(`${DIRECTORY}/roleDefinitions`).get(), 401, 'InvalidAuthenticationToken');
  const refused = await graphError(
    user1.api(`${DIRECTORY}/roleAssignmentScheduleRequests`).post({
      action: 'selfActivate',
      principalId: 'user1',
      roleDefinitionId: EXCHANGE_ADMIN,
      directoryScopeId: '/',
      justification: 'Too long',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } },
    }),
    400,
    'RoleAssignmentRequestPolicyValidationFailed',
  );
  assert.match(refused.message, /ExpirationRule/);
});

test('User1 patching a rule is 403', async () => {
  const found = await aymen
    .api('/policies/roleManagementPolicyAssignments')
    .filter(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${EXCHANGE_ADMIN}'`)
    .get();
  const policyId = found.value[0].policyId;
  await graphError(
    user1.api(`/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`).patch({
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
      id: 'Enablement_EndUser_Assignment',
      enabledRules: [],
    }),
    403,
    'AuthorizationFailed',
  );
});

test('beta serves the approvals an approver is asked for', async () => {
  const beta = client('aymen-token', 'beta');
  const mine = await beta.api(`${DIRECTORY}/roleAssignmentApprovals/filterByCurrentUser(on='approver')`).get();
  assert.ok(mine['@odata.context']);
  assert.ok(Array.isArray(mine.value));
  for (const approval of mine.value) assert.ok(approval.id);
});
