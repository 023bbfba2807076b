// The Node backend end to end: activations refused and granted over HTTP, an approval, and a
// restart that loses nothing (the engine is rebuilt from the event file).
// Run: node --test examples/node/   (after wasm/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { start } from './server.mjs';

const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const SHAREPOINT = 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c';

/** A client for one running backend. */
async function backend(eventsFile) {
  const server = await start({ eventsFile });
  const base = `http://127.0.0.1:${server.address().port}`;
  const call = async (method, path, { user, mfa = false, body } = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(user ? { 'x-pim-user': user, 'x-pim-mfa': String(mfa) } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const stop = () => new Promise((resolve) => server.close(resolve));
  return { call, stop };
}

const activation = (role, extra = {}) => ({
  roleDefinitionId: role,
  directoryScopeId: '/',
  justification: 'mail flow is down',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
  ...extra,
});

test('decides over HTTP, keeps its events in a file, and survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pim-node-'));
  const eventsFile = join(dir, 'events.jsonl');
  let api = await backend(eventsFile);

  const roles = await api.call('GET', '/me/eligibleRoles', { user: 'adele' });
  assert.equal(roles.status, 200);
  assert.deepEqual(roles.body.value.map((r) => r.roleDisplayName),
    ['Exchange Administrator', 'Helpdesk Administrator', 'SharePoint Administrator']);

  const refused = await api.call('POST', '/me/activations', { user: 'adele', body: activation(EXCHANGE) });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, 'RoleAssignmentRequestPolicyValidationFailed');
  assert.deepEqual(refused.body.error.failedRules.sort(), ['MfaRule', 'TicketingRule']);

  const granted = await api.call('POST', '/me/activations', {
    user: 'adele', mfa: true, body: activation(EXCHANGE, { ticketInfo: { ticketNumber: 'INC1', ticketSystem: 'SN' } }),
  });
  assert.equal(granted.status, 201, JSON.stringify(granted.body));
  assert.equal(granted.body.status, 'Provisioned');

  const pending = await api.call('POST', '/me/activations', { user: 'adele', body: activation(SHAREPOINT) });
  assert.equal(pending.body.status, 'PendingApproval');
  const requestId = pending.body.request.id;
  const approvals = await api.call('GET', '/me/approvals', { user: 'lee' });
  assert.deepEqual(approvals.body.value.map((r) => r.id), [requestId]);

  const auditBefore = (await api.call('GET', '/audit')).body.value;
  const linesBefore = readFileSync(eventsFile, 'utf8').trim().split('\n').length;
  assert.ok(linesBefore > 0);

  // Restart: a new process would do exactly this, from the same file.
  await api.stop();
  api = await backend(eventsFile);

  const check = await api.call('GET', `/check?principalId=adele&roleDefinitionId=${EXCHANGE}`);
  assert.deepEqual(check.body, { active: true });
  assert.deepEqual((await api.call('GET', '/audit')).body.value, auditBefore);
  assert.equal((await api.call('GET', `/requests/${requestId}`)).body.status, 'PendingApproval');

  const approved = await api.call('POST', `/requests/${requestId}/decision`, {
    user: 'lee', mfa: true, body: { reviewResult: 'Approve', justification: 'ok' },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.status, 'Provisioned');
  const sharepoint = await api.call('GET', `/check?principalId=adele&roleDefinitionId=${SHAREPOINT}`);
  assert.deepEqual(sharepoint.body, { active: true });

  await api.stop();
  const linesAfter = readFileSync(eventsFile, 'utf8').trim().split('\n').length;
  assert.ok(linesAfter > linesBefore, 'the approval was stored');
  api = await backend(eventsFile);
  assert.deepEqual((await api.call('GET', `/check?principalId=adele&roleDefinitionId=${SHAREPOINT}`)).body, { active: true });
  assert.equal((await api.call('GET', '/nowhere')).status, 404);
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});
