// Benchmarks of the Node build: nanoseconds per gateway `check`, per activation evaluation
// (against an eligible role's settings, and stateless from Graph rules), and per scenario step
// (every file of tests/scenarios, parsing and the report's conversion to JS included).
// Run: node bench/bench.mjs [--quick]   (after wasm/build.sh)

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Engine, evaluateActivation, runScenario } from '../pkg/nodejs/pim.js';
import { EXCHANGE, HELPDESK, T0, activation, tenant } from '../test/tenant.mjs';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.05 : 1;

/** Runs `fn` `n` times after a warm-up and returns nanoseconds per call. */
function measure(n, fn) {
  const warm = Math.max(1, Math.floor(n / 10));
  for (let i = 0; i < warm; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}

// A tenant with User1's Exchange activation running and a pending Helpdesk approval.
const engine = new Engine();
engine.loadTenant(tenant, T0);
const at = '2026-03-02T10:00:00Z';
engine.submit(activation(EXCHANGE), { caller: 'user1', mfa: true }, at);
engine.submit(activation(HELPDESK, { ticket: null }), { caller: 'user1', mfa: true }, at);
const nowMs = Date.parse('2026-03-02T11:00:00Z');
if (!engine.check('user1', EXCHANGE, '/', nowMs)) throw new Error('the benchmark tenant is wrong');

const rows = [];
const n = Math.floor(1_000_000 * scale);
rows.push(['check (active, now as epoch ms)', measure(n, () => engine.check('user1', EXCHANGE, '/', nowMs))]);
rows.push(['check (inactive, now as epoch ms)', measure(n, () => engine.check('user1', HELPDESK, '/', nowMs))]);
rows.push(['check (now from the JS clock)', measure(n, () => engine.check('user1', EXCHANGE, '/'))]);
rows.push(['check (now as RFC 3339 text)', measure(n, () => engine.check('user1', EXCHANGE, '/', '2026-03-02T11:00:00Z'))]);

const [role] = engine.eligibleRoles('user1', at);
const form = {
  rules: engine.policy(EXCHANGE),
  eligibility: { startDateTime: role.startDateTime, endDateTime: role.endDateTime },
  input: {
    justification: 'mailbox migration',
    ticketInfo: { ticketNumber: 'INC-1', ticketSystem: 'ServiceNow' },
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT4H' } },
  },
  context: { caller: 'user1', mfa: true },
};
const formDefaults = { eligibility: form.eligibility, input: form.input, context: form.context };
const roleForm = { role, input: form.input, context: form.context };
if (engine.evaluateActivation(roleForm, nowMs).status !== 'Provisioned') throw new Error('the benchmark form is wrong');
rows.push(['engine.evaluateActivation (an eligible role\'s settings)', measure(Math.floor(50_000 * scale), () => engine.evaluateActivation(roleForm, nowMs))]);
rows.push(['evaluateActivation (stateless, Entra default rules)', measure(Math.floor(50_000 * scale), () => evaluateActivation(formDefaults, nowMs))]);
rows.push(['evaluateActivation (stateless, 17 rules from engine.policy)', measure(Math.floor(5_000 * scale), () => evaluateActivation(form, nowMs))]);

const dir = fileURLToPath(new URL('../../../tests/scenarios/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readFileSync(dir + f, 'utf8'));
const steps = files.reduce((sum, text) => sum + runScenario(text).steps.length, 0);
const rounds = Math.max(1, Math.floor(20 * scale));
const perRound = measure(rounds, () => files.forEach((text) => runScenario(text)));
rows.push([`scenario step (${files.length} files, ${steps} steps, setup included)`, perRound / steps]);

console.log(`pim ${quick ? '(quick) ' : ''}on Node ${process.version}`);
for (const [what, ns] of rows) console.log(`${ns.toFixed(0).padStart(9)} ns  ${what}`);
