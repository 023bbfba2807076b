// The console in headless Chromium, driven by Playwright: the demo seed's whole story as two
// users in two browser contexts, against a real `pim-host serve --demo` (PIM_HOST, else
// target/debug/pim-host) built with the console embedded. A screenshot of every page is saved
// to docs/console/.
//
// Entra refuses removing an assignment or deactivating within five minutes of its start. So
// that the story needs no waiting, the host runs three times on one database under faketime:
// 60 minutes behind (it seeds the demo tenant and stops), 30 minutes behind (Aymen replaces
// the seeded eligibility through the wizard, User1 activates), then on the real clock (User1
// deactivates, Aymen requires approval, User1 asks, Aymen approves). Each start waits until
// the host trusts its clock again (GET /healthz).
//
// Run: scripts/test-console.sh (builds everything first).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const host = process.env.PIM_HOST ?? join(root, 'target/debug/pim-host');
const shots = join(root, 'docs/console');
const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';

let dir;
let browser;
let server;
let aymen;
let user1;
/** Uncaught errors in either page: each test ends by asserting there were none. */
const errors = [];
const noErrors = () => assert.deepEqual(errors.splice(0), [], 'no uncaught errors in the pages');

/** libfaketime, preloaded into pim-host itself (the `faketime` wrapper would stand between
 * the test and the host, and a signal to it would not stop the host). */
function libfaketime() {
  const found = [process.env.LIBFAKETIME, '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
    '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1']
    .find((f) => f && existsSync(f));
  if (!found) throw new Error('libfaketime is missing: apt-get install faketime (or set LIBFAKETIME)');
  return found;
}

/** `pim-host serve --demo` on the test's database, its clock `offset` (`-60m`) off if given. */
async function start(offset) {
  const args = ['serve', '--demo', '--db', join(dir, 'pim.db'), '--listen', '127.0.0.1:0', '--tick-seconds', '1'];
  const env = { ...process.env, PIM_LOG: 'warn' };
  if (offset) Object.assign(env, { LD_PRELOAD: libfaketime(), FAKETIME: offset });
  const child = spawn(host, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: child.stdout });
  const base = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`pim-host exited (${code}) before listening`)));
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  // Trusted (a stopped host's row is no live peer: its beat never changes).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await (await fetch(`${base}/healthz`)).json();
    if (health.clock?.trusted) break;
    if (Date.now() > deadline) throw new Error(`the host never trusted its clock: ${JSON.stringify(health.clock)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, base };
}

async function stop() {
  if (!server) return;
  const { child } = server;
  server = null;
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function signIn(page, who) {
  await page.goto(`${server.base}/`);
  await page.getByRole('button', { name: who, exact: true }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: who }).waitFor();
  await page.waitForSelector('body[data-ready="true"]');
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const rows = (page, table) => page.locator(`#${table} tbody tr`);
const dialog = (page) => page.locator('dialog[open]');

before(async () => {
  mkdirSync(shots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'pim-console-'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = () => browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
  aymen = await (await context()).newPage();
  user1 = await (await context()).newPage();
  for (const page of [aymen, user1]) {
    page.on('pageerror', (e) => errors.push(e.message));
  }
  // 60 minutes ago: the demo tenant is seeded (User1 eligible for Exchange Administrator).
  server = await start('-60m');
  await stop();
});

after(async () => {
  await stop();
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('30 minutes ago: Aymen assigns Exchange Administrator for one month, User1 activates for 8 hours', async () => {
  server = await start('-30m');
  await aymen.goto(`${server.base}/`);
  await aymen.getByRole('button', { name: 'Aymen' }).waitFor();
  await shot(aymen, 'sign-in');
  await signIn(aymen, 'Aymen');

  // Roles: search, open Exchange Administrator.
  await aymen.goto(`${server.base}/#/roles`);
  await aymen.getByLabel('Search roles').fill('Exchange');
  await aymen.getByRole('link', { name: 'Exchange Administrator' }).waitFor();
  assert.equal(await rows(aymen, 'roles').count(), 1, 'the search leaves Exchange Administrator alone');
  await shot(aymen, 'roles');
  await aymen.getByRole('link', { name: 'Exchange Administrator' }).click();

  // The seed's eligibility (made an hour ago) is replaced through the wizard.
  await rows(aymen, 'eligible-assignments').filter({ hasText: 'User1' }).waitFor();
  await aymen.getByRole('button', { name: 'Remove User1' }).click();
  await dialog(aymen).getByLabel('Justification').fill('Replaced by the migration assignment');
  await dialog(aymen).getByRole('button', { name: 'Remove' }).click();
  await aymen.getByTestId('role-outcome').filter({ hasText: 'Remove: done.' }).waitFor();
  await rows(aymen, 'eligible-assignments').filter({ hasText: 'No eligible assignments.' }).waitFor();

  await aymen.getByRole('link', { name: 'Add assignments' }).click();
  await aymen.getByRole('checkbox', { name: /User1/ }).check();
  await aymen.getByRole('button', { name: 'Next: setting' }).click();
  await aymen.getByRole('radio', { name: 'Eligible' }).check();
  await aymen.getByLabel('Ends').selectOption('P30D');
  await aymen.getByLabel('Justification').fill('Exchange migration project');
  assert.equal(await aymen.locator('#assign-problems li').count(), 0);
  await shot(aymen, 'add-assignment');
  await aymen.getByRole('button', { name: 'Assign' }).click();
  await aymen.locator('#assign-results li.ok', { hasText: 'User1: Provisioned' }).waitFor();
  await aymen.getByRole('link', { name: 'Back to Exchange Administrator' }).click();
  const eligible = rows(aymen, 'eligible-assignments').filter({ hasText: 'User1' });
  await eligible.waitFor();
  await shot(aymen, 'role');

  // User1: My roles, the activation form.
  await signIn(user1, 'User1');
  const exchange = rows(user1, 'eligible').filter({ hasText: 'Exchange Administrator' });
  await exchange.waitFor();
  assert.match(await exchange.textContent(), /8 hours.*Justification/);
  await exchange.getByRole('button', { name: 'Activate' }).click();
  const form = dialog(user1);
  await form.locator('#activate-form').waitFor();
  assert.equal(await form.getByLabel(/Duration/).inputValue(), '8');
  assert.match(await form.locator('#approval-note').textContent(), /No approval needed/);
  await form.getByLabel(/Reason/).fill('Fix mail flow');

  // Over the maximum: refused by the form before anything is sent.
  const sent = [];
  user1.on('request', (r) => { if (r.method() === 'POST') sent.push(r.url()); });
  await form.getByLabel(/Duration/).fill('9');
  await form.locator('#messages li[data-rule="ExpirationRule"]').waitFor();
  assert.ok(await form.getByRole('button', { name: 'Activate' }).isDisabled());
  await shot(user1, 'activate-refused');
  assert.deepEqual(sent, [], 'nothing was sent');
  // The same request, the form bypassed: the server refuses it for the same rule.
  const bypass = await user1.evaluate(async (role) => {
    const r = await fetch('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('pim.console.token')}` },
      body: JSON.stringify({
        action: 'selfActivate', principalId: 'user1', roleDefinitionId: role, directoryScopeId: '/',
        justification: 'Fix mail flow', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } },
      }),
    });
    return { status: r.status, body: await r.json() };
  }, EXCHANGE);
  assert.equal(bypass.status, 400);
  assert.equal(bypass.body.error.code, 'RoleAssignmentRequestPolicyValidationFailed');
  assert.deepEqual(bypass.body.error.failedRules, ['ExpirationRule']);

  // 8 hours with a reason: active.
  await form.getByLabel(/Duration/).fill('8');
  await form.locator('#messages li.ok').waitFor();
  await shot(user1, 'activate');
  await form.getByRole('button', { name: 'Activate' }).click();
  await user1.getByTestId('my-roles-outcome').filter({ hasText: 'Exchange Administrator is active' }).waitFor();
  await rows(user1, 'active').filter({ hasText: 'Exchange Administrator' }).filter({ hasText: 'Activated' }).waitFor();
  await shot(user1, 'my-roles-active');
  noErrors();
  await stop();
});

test('now: User1 deactivates, Aymen requires his approval, User1 asks and waits, Aymen approves, User1 is active', async () => {
  server = await start(null);
  await signIn(user1, 'User1');
  const active = rows(user1, 'active').filter({ hasText: 'Exchange Administrator' });
  await active.getByRole('button', { name: 'Deactivate' }).click();
  await user1.getByTestId('my-roles-outcome').filter({ hasText: 'deactivated' }).waitFor();
  await rows(user1, 'active').filter({ hasText: 'No active roles.' }).waitFor();

  // Aymen: the role's settings, Activation: approval by Aymen.
  await signIn(aymen, 'Aymen');
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/settings`);
  await aymen.getByRole('tab', { name: 'Assignment' }).click();
  await aymen.locator('#panel-assignment').waitFor();
  await shot(aymen, 'settings-assignment');
  await aymen.getByRole('tab', { name: 'Notification' }).click();
  await aymen.locator('#notifications tbody tr').nth(8).waitFor();
  assert.equal(await aymen.locator('#notifications tbody tr').count(), 9, 'the nine notification rules');
  await shot(aymen, 'settings-notification');
  await aymen.getByRole('tab', { name: 'Activation' }).click();
  assert.equal(await aymen.getByLabel('Activation maximum duration (hours)').inputValue(), '8');
  // Settings the server would refuse are refused by the form first (the package reads the
  // policy as a rule PATCH does): an authentication context without its claim.
  await aymen.getByRole('radio', { name: /authentication context/ }).check();
  await aymen.getByLabel('Authentication context', { exact: true }).fill('');
  await aymen.locator('#settings-check.error', { hasText: 'claimValue' }).waitFor();
  assert.ok(await aymen.getByRole('button', { name: 'Update' }).isDisabled());
  await aymen.getByRole('button', { name: 'Discard changes' }).click();
  await aymen.locator('#settings-check', { hasText: '0 rules changed.' }).waitFor();
  await aymen.getByRole('checkbox', { name: 'Require approval to activate' }).check();
  await aymen.locator('#approvers').getByRole('checkbox', { name: 'Aymen' }).check();
  await aymen.locator('#settings-check', { hasText: '1 rule changed.' }).waitFor();
  await shot(aymen, 'settings-activation');
  await aymen.getByRole('button', { name: 'Update' }).click();
  await aymen.getByTestId('settings-outcome').filter({ hasText: 'Saved 1 rule.' }).waitFor();

  // User1 asks again: the form says approval is needed; the request waits.
  await user1.reload();
  await user1.waitForSelector('body[data-ready="true"]');
  const exchange = rows(user1, 'eligible').filter({ hasText: 'Exchange Administrator' });
  await exchange.filter({ hasText: 'Approval' }).waitFor();
  await exchange.getByRole('button', { name: 'Activate' }).click();
  const form = dialog(user1);
  await form.locator('#approval-note', { hasText: 'This role requires approval' }).waitFor();
  await form.getByLabel(/Reason/).fill('Fix mail flow again');
  await form.getByRole('button', { name: 'Activate' }).click();
  await user1.getByTestId('my-roles-outcome').filter({ hasText: 'waits for approval' }).waitFor();
  const pending = rows(user1, 'pending').filter({ hasText: 'Exchange Administrator' });
  assert.equal(await pending.getByTestId('request-status').textContent(), 'PendingApproval');
  assert.equal(await rows(user1, 'active').filter({ hasText: 'Exchange Administrator' }).count(), 0);
  await shot(user1, 'my-roles-pending');

  // Aymen approves with a reason.
  await aymen.goto(`${server.base}/#/approvals`);
  const waiting = rows(aymen, 'waiting').filter({ hasText: 'User1' });
  await waiting.waitFor();
  assert.match(await waiting.textContent(), /Exchange Administrator.*Directory.*8 hours.*Fix mail flow again/);
  await shot(aymen, 'approvals');
  await waiting.getByRole('button', { name: 'Review' }).click();
  await dialog(aymen).getByLabel(/Justification/).fill('Approved for the migration');
  await dialog(aymen).getByRole('button', { name: 'Approve' }).click();
  await aymen.getByTestId('approvals-outcome').filter({ hasText: 'Approved' }).waitFor();
  await rows(aymen, 'waiting').filter({ hasText: 'No requests wait for you.' }).waitFor();
  await rows(aymen, 'history').filter({ hasText: 'User1' }).waitFor();
  await shot(aymen, 'approvals-history');

  // User1 is active.
  await user1.reload();
  await user1.waitForSelector('body[data-ready="true"]');
  await rows(user1, 'active').filter({ hasText: 'Exchange Administrator' }).waitFor();
  await rows(user1, 'pending').filter({ hasText: 'No pending requests.' }).waitFor();
  await shot(user1, 'my-roles');
  await user1.setViewportSize({ width: 390, height: 844 });
  await shot(user1, 'my-roles-phone');
  await user1.setViewportSize({ width: 1280, height: 860 });
  noErrors();
});

test('the audit page shows the whole history', async () => {
  await aymen.goto(`${server.base}/#/audit`);
  const audit = aymen.locator('#audit tbody');
  await audit.locator('tr').first().waitFor();
  const text = await audit.textContent();
  for (const activity of [
    'Add eligible member to role in PIM completed',
    'Remove eligible member from role in PIM',
    'Add member to role requested (PIM activation)',
    'Add member to role completed (PIM activation)',
    'Remove member from role requested (PIM deactivate)',
    'Add member to role request approved (PIM activation)',
  ]) {
    assert.ok(text.includes(activity), `the audit shows "${activity}"`);
  }
  // Aymen's change of the role's settings (the seed's own change is made by pim-host).
  await audit.locator('tr', { hasText: 'Update role setting in PIM' }).filter({ hasText: 'Aymen' }).first().waitFor();
  // The bypassed 9-hour request was refused and audited as a failure.
  await audit.locator('tr', { hasText: 'RoleAssignmentRequestPolicyValidationFailed' }).first().waitFor();
  await shot(aymen, 'audit');
  // User1's own audit: only what User1 did.
  await user1.goto(`${server.base}/#/audit`);
  await user1.getByRole('checkbox', { name: /My audit/ }).check();
  await user1.getByRole('button', { name: 'Apply filters' }).click();
  await user1.locator('#audit caption').filter({ hasText: '(my audit)' }).waitFor();
  const mine = await user1.locator('#audit tbody tr td:nth-child(5)').allTextContents();
  assert.ok(mine.length > 0 && mine.every((by) => by === 'User1'), `only User1's records: ${mine}`);
  const [download] = await Promise.all([
    user1.waitForEvent('download'),
    user1.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'pim-audit.csv');
  const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
  assert.equal(csv[0], 'Time,Activity,Result,Reason,By,Targets');
  assert.equal(csv.length - 1, mine.length, 'one line per record shown');
  assert.ok(csv.some((line) => line.includes('Add member to role requested (PIM activation)')), csv.join('\n'));
  noErrors();
});

test('alerts: refresh, details, settings; access reviews: create, decide, stop, apply', async () => {
  await aymen.goto(`${server.base}/#/alerts`);
  const alert = rows(aymen, 'alerts').filter({ hasText: 'too many global administrators' });
  await alert.waitFor();
  await aymen.getByRole('button', { name: 'Refresh all' }).click();
  await aymen.getByRole('status').filter({ hasText: 'Alerts refreshed.' }).waitFor();
  await shot(aymen, 'alerts');
  await alert.getByRole('button', { name: 'Details' }).click();
  await dialog(aymen).getByRole('checkbox', { name: 'Alert enabled' }).uncheck();
  await dialog(aymen).getByLabel('global admin count threshold').fill('3');
  await dialog(aymen).getByRole('button', { name: 'Save settings' }).click();
  await aymen.getByRole('status').filter({ hasText: 'Alert settings saved.' }).waitFor();
  await alert.filter({ hasText: '(disabled)' }).waitFor();
  await alert.getByRole('button', { name: 'Details' }).click();
  assert.equal(await dialog(aymen).getByLabel('global admin count threshold').inputValue(), '3');
  assert.equal(await dialog(aymen).getByRole('checkbox', { name: 'Alert enabled' }).isChecked(), false);
  await aymen.keyboard.press('Escape');
  await dialog(aymen).waitFor({ state: 'detached' });

  // Roles that need no MFA to activate: fixed (the role's settings then require MFA).
  const noMfa = rows(aymen, 'alerts').filter({ hasText: "Roles don't require MFA for activation" });
  await noMfa.filter({ hasText: 'Active' }).waitFor();
  await noMfa.getByRole('button', { name: 'Details' }).click();
  await dialog(aymen).locator('tbody tr', { hasText: 'Exchange Administrator' }).waitFor();
  await dialog(aymen).getByRole('button', { name: 'Fix all' }).click();
  await aymen.getByRole('status').filter({ hasText: 'Alert fixed.' }).waitFor();
  await noMfa.filter({ hasText: 'Resolved' }).waitFor();
  // Stale accounts: dismissed.
  const stale = rows(aymen, 'alerts').filter({ hasText: 'Potential stale accounts' });
  await stale.getByRole('button', { name: 'Details' }).click();
  await dialog(aymen).getByRole('button', { name: 'Dismiss' }).click();
  await aymen.getByRole('status').filter({ hasText: 'Alert dismissed.' }).waitFor();
  await stale.filter({ hasText: 'Dismissed' }).waitFor();
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/settings`);
  await aymen.getByRole('radio', { name: 'Azure MFA' }).and(aymen.locator(':checked')).waitFor();

  await aymen.goto(`${server.base}/#/reviews`);
  await aymen.getByText('Create an access review').click();
  await aymen.getByLabel('Name').fill('Exchange admins, quarterly');
  await aymen.getByLabel('Role').selectOption(EXCHANGE);
  await aymen.getByLabel(/Reviewers/).fill('aymen');
  await aymen.getByRole('button', { name: 'Create review' }).click();
  await aymen.getByTestId('reviews-outcome').filter({ hasText: 'Review created.' }).waitFor();
  const review = aymen.locator('section.card', { has: aymen.getByRole('heading', { name: /Exchange admins, quarterly/ }) });
  const item = review.locator('tbody tr', { hasText: 'user1' });
  await item.getByRole('button', { name: 'Approve' }).click();
  await aymen.getByTestId('reviews-outcome').filter({ hasText: 'Approve: user1.' }).waitFor();
  await item.filter({ hasText: 'aymen' }).waitFor();
  await shot(aymen, 'reviews');
  await review.getByRole('button', { name: 'Stop' }).click();
  await aymen.getByTestId('reviews-outcome').filter({ hasText: 'Review stopped.' }).waitFor();
  await review.getByRole('button', { name: 'Apply results' }).click();
  await aymen.getByTestId('reviews-outcome').filter({ hasText: 'Results applied.' }).waitFor();
  await review.getByText(/^Applied/).waitFor();
  noErrors();
});

test('User1 is not offered an extension a month before the end (Entra offers it within 14 days)', async () => {
  await user1.goto(`${server.base}/#/my-roles`);
  const exchange = rows(user1, 'eligible').filter({ hasText: 'Exchange Administrator' });
  await exchange.getByRole('button', { name: 'Activate' }).waitFor();
  assert.equal(await exchange.getByRole('button', { name: 'Extend' }).count(), 0);
  // The server refuses it all the same when asked directly.
  const asked = await user1.evaluate(async (role) => {
    const r = await fetch('/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('pim.console.token')}` },
      body: JSON.stringify({ action: 'selfExtend', principalId: 'user1', roleDefinitionId: role, directoryScopeId: '/', justification: 'More time' }),
    });
    return { status: r.status, body: await r.json() };
  }, EXCHANGE);
  assert.equal(asked.status, 400);
  assert.match(asked.body.error.message, /within 14 days of its end/);
  noErrors();
});

test('Aymen extends User1\'s eligibility by a month from the role\'s page', async () => {
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}`);
  const row = rows(aymen, 'eligible-assignments').filter({ hasText: 'User1' });
  await row.waitFor();
  const end = new Date(Date.now() + 60 * 86400_000);
  const pad = (n) => String(n).padStart(2, '0');
  const local = `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}T12:00`;
  await row.getByRole('button', { name: 'Extend User1' }).click();
  await dialog(aymen).getByLabel('Justification').fill('The migration runs another month');
  await dialog(aymen).getByLabel(/New end/).fill(local);
  await dialog(aymen).getByRole('button', { name: 'Extend' }).click();
  await aymen.getByTestId('role-outcome').filter({ hasText: 'Extend: done.' }).waitFor();
  const shown = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${local}Z`));
  await rows(aymen, 'eligible-assignments').filter({ hasText: 'User1' }).filter({ hasText: shown }).waitFor();
  noErrors();
});

test('the activation form takes a later start and says when the role would be active', async () => {
  await user1.goto(`${server.base}/#/my-roles`);
  await rows(user1, 'eligible').getByRole('button', { name: 'Activate' }).click();
  const form = dialog(user1);
  await form.locator('#activate-form').waitFor();
  await form.getByRole('radio', { name: 'Later' }).check();
  const start = new Date(Date.now() + 2 * 86400_000);
  const pad = (n) => String(n).padStart(2, '0');
  await form.getByLabel('Start at').fill(`${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}T09:00`);
  await form.getByLabel(/Duration/).fill('4');
  await form.getByLabel(/Reason/).fill('Planned maintenance');
  const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(start);
  await form.locator('#messages li.ok', { hasText: `${day}, 09:00 until ${day}, 13:00` }).waitFor();
  assert.match(await form.locator('#approval-note').textContent(), /requires approval/);
  await form.getByRole('button', { name: 'Cancel' }).click();
  noErrors();
});

test('Aymen adds a recipient to the activation alert, critical only; it is saved', async () => {
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/settings`);
  await aymen.getByRole('tab', { name: 'Notification' }).click();
  const rule = 'Eligible members activate the role: role activation alert';
  await aymen.getByLabel(`${rule}: additional recipients`).fill('secops@contoso.example');
  await aymen.getByLabel(`${rule}: additional recipients`).blur();
  await aymen.getByLabel(`${rule}: critical only`).check();
  await aymen.locator('#settings-check', { hasText: '1 rule changed.' }).waitFor();
  await aymen.getByRole('button', { name: 'Update' }).click();
  await aymen.getByTestId('settings-outcome').filter({ hasText: 'Saved 1 rule.' }).waitFor();
  await aymen.reload();
  await aymen.getByRole('tab', { name: 'Notification' }).click();
  assert.equal(await aymen.getByLabel(`${rule}: additional recipients`).inputValue(), 'secops@contoso.example');
  assert.ok(await aymen.getByLabel(`${rule}: critical only`).isChecked());
  noErrors();
});

/** Text whose contrast with its background is under WCAG AA (4.5:1; 3:1 for large text). */
const lowContrast = (page) => page.evaluate(() => {
  const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
});

test('every page\'s text meets WCAG AA contrast', async () => {
  for (const [page, hash] of [[user1, 'my-roles'], [aymen, 'approvals'], [aymen, 'roles'], [aymen, `roles/${EXCHANGE}`],
    [aymen, `roles/${EXCHANGE}/add`], [aymen, `roles/${EXCHANGE}/settings`], [aymen, 'alerts'], [aymen, 'reviews'], [aymen, 'audit']]) {
    await page.goto(`${server.base}/#/${hash}`);
    await page.locator('main h1').waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    assert.deepEqual(await lowContrast(page), [], `#/${hash}`);
  }
  // The check sees light grey text on white.
  await aymen.evaluate(() => {
    const p = Object.assign(document.createElement('p'), { id: 'faint', textContent: 'faint text' });
    p.style.color = '#bbbbbb';
    document.querySelector('main')?.append(p);
  });
  assert.deepEqual(await lowContrast(aymen), ['P "faint text" 1.92']);
  await aymen.evaluate(() => document.getElementById('faint')?.remove());
  noErrors();
});

test('keyboard: the skip link comes first, a dialog takes the focus and Escape closes it', async () => {
  await user1.goto(`${server.base}/#/my-roles`);
  await user1.reload();
  await rows(user1, 'eligible').getByRole('button', { name: 'Activate' }).waitFor();
  await user1.keyboard.press('Tab');
  assert.equal(await user1.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  const activate = rows(user1, 'eligible').getByRole('button', { name: 'Activate' });
  await activate.focus();
  await user1.keyboard.press('Enter');
  await dialog(user1).locator('#activate-form').waitFor();
  assert.ok(await user1.evaluate(() => Boolean(document.activeElement?.closest('dialog'))), 'the focus is in the dialog');
  await user1.keyboard.press('Escape');
  await dialog(user1).waitFor({ state: 'detached' });
  noErrors();
});

test('Aymen requires eligible assignments to expire: the wizard refuses a permanent one, and so does the server', async () => {
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/settings`);
  await aymen.getByRole('tab', { name: 'Assignment' }).click();
  await aymen.locator('#eligible-permanent').uncheck();
  await aymen.getByLabel('Expire after').first().selectOption('P180D');
  await aymen.locator('#settings-check', { hasText: '1 rule changed.' }).waitFor();
  await aymen.getByRole('button', { name: 'Update' }).click();
  await aymen.getByTestId('settings-outcome').filter({ hasText: 'Saved 1 rule.' }).waitFor();

  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/add`);
  await aymen.getByRole('checkbox', { name: /Aymen/ }).check();
  await aymen.getByRole('button', { name: 'Next: setting' }).click();
  await aymen.getByLabel('Justification').fill('Backup administrator');
  await aymen.getByRole('checkbox', { name: 'Permanent' }).check();
  await aymen.locator('#assign-problems li', { hasText: 'do not allow permanent eligible' }).waitFor();
  assert.ok(await aymen.getByRole('button', { name: 'Assign' }).isDisabled());
  await aymen.getByRole('checkbox', { name: 'Permanent' }).uncheck();
  await aymen.getByLabel('Ends').selectOption('P365D');
  await aymen.locator('#assign-problems li', { hasText: 'longer than this role allows (180 days)' }).waitFor();
  assert.ok(await aymen.getByRole('button', { name: 'Assign' }).isDisabled());
  const sent = await aymen.evaluate(async (role) => {
    const r = await fetch('/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('pim.console.token')}` },
      body: JSON.stringify({
        action: 'adminAssign', principalId: 'aymen', roleDefinitionId: role, directoryScopeId: '/',
        justification: 'Backup administrator', scheduleInfo: { expiration: { type: 'noExpiration' } },
      }),
    });
    return { status: r.status, body: await r.json() };
  }, EXCHANGE);
  assert.equal(sent.status, 400);
  assert.deepEqual(sent.body.error.failedRules, ['ExpirationRule']);
  await aymen.getByLabel('Ends').selectOption('P90D');
  assert.equal(await aymen.locator('#assign-problems li').count(), 0);
  noErrors();
});

test('page weight and time to first paint (printed), from a cold browser context', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${server.base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  const ready = Date.now() - started;
  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      transferred: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
      decoded: nav.decodedBodySize + resources.reduce((n, r) => n + r.decodedBodySize, 0),
      files: resources.map((r) => r.name.replace(location.origin, '')),
      firstContentfulPaint: paint ? Math.round(paint.startTime) : null,
    };
  });
  console.log(`console page weight: ${m.transferred} B transferred (${m.decoded} B decoded) in ${m.files.length + 1} files; `
    + `first contentful paint ${m.firstContentfulPaint} ms; sign-in page ready (WebAssembly loaded) ${ready} ms`);
  assert.ok(m.files.some((f) => f.endsWith('pim_bg.wasm')), 'the package is loaded');
  assert.ok(m.transferred < 400_000, `the console weighs ${m.transferred} B over the wire`);
  await context.close();
});

test('the console answers with its security headers, and the API still refuses without a token', async () => {
  const page = await fetch(`${server.base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /default-src 'none'.*script-src 'self' 'wasm-unsafe-eval'.*frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const wasm = await fetch(`${server.base}/console/pim_bg.wasm`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('content-encoding'), 'gzip');
  assert.equal((await wasm.arrayBuffer()).byteLength, statSync(join(root, 'wasm/js/pkg/web/pim_bg.wasm')).size);
  const api = await fetch(`${server.base}/v1.0/me`);
  assert.equal(api.status, 401);
});

test('Aymen sets one of pim\'s own rules (activation windows) as JSON: a bad zone is refused before sending, a good one is saved', async () => {
  await aymen.goto(`${server.base}/#/roles/${EXCHANGE}/settings`);
  await aymen.getByRole('tab', { name: 'pim rules' }).click();
  const id = 'Pim_ActivationWindow_EndUser_Assignment';
  const box = aymen.getByLabel(`${id} (JSON)`);
  // Not set yet: it shows its inert default, and nothing is changed.
  assert.deepEqual(JSON.parse(await box.inputValue()), { '@odata.type': '#pim.activationWindowRule', id });
  await aymen.locator('#settings-check', { hasText: '0 rules changed.' }).waitFor();
  const rule = (timeZone) => JSON.stringify({
    '@odata.type': '#pim.activationWindowRule', id, timeZone,
    windows: [{ startTime: '00:00', endTime: '24:00' }], excludedDates: [], outsideWindow: 'deny',
  });
  await box.fill(rule('Mars/Olympus_Mons'));
  await box.blur();
  await aymen.locator('#settings-check.error', { hasText: 'Mars/Olympus_Mons' }).waitFor();
  assert.ok(await aymen.getByRole('button', { name: 'Update' }).isDisabled());
  await box.fill('{ not json');
  await box.blur();
  await aymen.getByRole('alert').filter({ hasText: 'Not JSON pim can read' }).waitFor();
  await box.fill(rule('Europe/Berlin'));
  await box.blur();
  await aymen.locator('#settings-check', { hasText: '1 rule changed.' }).waitFor();
  await aymen.getByRole('button', { name: 'Update' }).click();
  await aymen.getByTestId('settings-outcome').filter({ hasText: 'Saved 1 rule.' }).waitFor();
  // Read back from the server.
  const policy = await (await fetch(`${server.base}/v1.0/policies/roleManagementPolicies/${EXCHANGE}?scopeId=/&$expand=rules`,
    { headers: { Authorization: 'Bearer aymen-token' } })).json();
  assert.equal(policy.rules.find((r) => r.id === id)?.timeZone, 'Europe/Berlin');
  await aymen.reload();
  await aymen.getByRole('tab', { name: 'pim rules' }).click();
  assert.equal(JSON.parse(await aymen.getByLabel(`${id} (JSON)`).inputValue()).timeZone, 'Europe/Berlin');
  noErrors();
});
