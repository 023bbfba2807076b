// Drives the My roles page in headless Chromium: serves it on localhost, fills the activation
// form, asserts the messages the wasm module decides, activates, and saves a screenshot to
// target/pim-npm/my-roles.png.
// Run: node --test examples/browser/   (after wasm/build.sh and npm ci in wasm/js; needs
// /usr/bin/chromium or $CHROMIUM)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serve } from './serve.mjs';

// playwright-core is a dev dependency of the package in wasm/js.
const { chromium } = createRequire(new URL('../../wasm/js/package.json', import.meta.url))('playwright-core');
const screenshot = fileURLToPath(new URL('../../target/pim-npm/my-roles.png', import.meta.url));

let server;
let browser;
let page;
let profile;

before(async () => {
  mkdirSync(dirname(screenshot), { recursive: true });
  server = await serve(0);
  // A fresh profile for every run.
  profile = mkdtempSync(join(tmpdir(), 'pim-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1000, height: 900 },
  });
  page = browser.pages()[0] ?? await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`http://127.0.0.1:${server.address().port}/?user=adele`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 }).catch((e) => {
    throw new Error(`the page did not start: ${errors.join('; ') || e.message}`);
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const rules = () => page.$$eval('#messages li[data-rule]', (lis) => lis.map((li) => li.dataset.rule).sort());
const row = (name) => page.locator('#roles tbody tr', { hasText: name });

test('lists the eligible roles with their maximum and requirements', async () => {
  const names = await page.$$eval('#roles tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(names, ['Exchange Administrator', 'Helpdesk Administrator', 'SharePoint Administrator']);
  assert.match(await row('Exchange').textContent(), /4 h.*MFA.*Justification.*Ticket/);
  assert.match(await row('Helpdesk').textContent(), /Group \(it-helpdesk\).*8 h/);
  assert.match(await row('SharePoint').textContent(), /2 h.*Approval/);
});

test('the duration never goes above the role maximum', async () => {
  await row('Exchange').getByRole('button', { name: 'Activate' }).click();
  const hours = await page.$$eval('#duration option', (os) => os.map((o) => Number(o.value)));
  assert.equal(Math.max(...hours), 4);
  assert.equal(await page.inputValue('#duration'), '4');
});

test('shows live which requirements are unmet, and that no approval is needed', async () => {
  assert.deepEqual(await rules(), ['JustificationRule', 'MfaRule', 'TicketingRule']);
  assert.match(await page.textContent('#approval'), /No approval needed/);
  assert.ok(await page.isDisabled('#submit'));

  await page.fill('#justification', 'Mail flow is broken for the sales team');
  assert.deepEqual(await rules(), ['MfaRule', 'TicketingRule']);
  await page.fill('#ticket-number', 'INC0012345');
  await page.fill('#ticket-system', 'ServiceNow');
  assert.deepEqual(await rules(), ['MfaRule']);
  await page.check('#mfa');
  assert.deepEqual(await rules(), []);
  assert.match(await page.textContent('#messages'), /Ready to activate/);
  assert.ok(await page.isEnabled('#submit'));
});

test('activates, and the role shows as active', async () => {
  await page.selectOption('#duration', '2');
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-form.png'), fullPage: true });
  await page.click('#submit');
  assert.match(await page.textContent('#result'), /Exchange Administrator is active until/);
  assert.equal(await row('Exchange').getByRole('button').textContent(), 'Active');
});

test('a role that needs approval says so', async () => {
  await row('SharePoint').getByRole('button', { name: 'Activate' }).click();
  assert.equal(Math.max(...await page.$$eval('#duration option', (os) => os.map((o) => Number(o.value)))), 2);
  assert.match(await page.textContent('#approval'), /requires approval/);
  assert.deepEqual(await rules(), ['JustificationRule'], 'a fresh form; this role needs no MFA or ticket');
  await page.fill('#justification', 'Site collection cleanup');
  assert.deepEqual(await rules(), []);
  await page.click('#submit');
  assert.match(await page.textContent('#result'), /pending approval/);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
});
