// The generated TypeScript definitions describe what the engine really reads and writes: real
// values are written into a TypeScript file as typed constants and checked with tsc. Outputs
// come from an engine run (events of every kind it produced, outcomes, queries); inputs are the
// tenants and the well-formed request bodies of every scenario file in tests/scenarios/.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Engine, evaluateActivation, runScenario } from '../pkg/nodejs/pim.js';
import { EXCHANGE, HELPDESK, T0, activation, tenant } from './tenant.mjs';

const js = fileURLToPath(new URL('..', import.meta.url));
const scenarios = fileURLToPath(new URL('../../../tests/scenarios/', import.meta.url));

/** Values the engine wrote, by the type the definitions give them. */
function outputs() {
  const log = [];
  const engine = new Engine((events) => log.push(...events));
  const user1 = { caller: 'user1', mfa: true };
  engine.loadTenant(tenant, T0);
  const outcome = engine.execute(activation(EXCHANGE, { duration: 'PT9H' }), { caller: 'user1' }, '2026-03-02T09:30:00Z');
  const granted = engine.submit(activation(EXCHANGE), user1, '2026-03-02T10:00:00Z');
  const pending = engine.submit(activation(HELPDESK, { ticket: null }), user1, '2026-03-02T10:00:00Z');
  const pendingList = engine.pendingApprovals('aymen', '2026-03-02T10:00:00Z');
  engine.submit({ op: 'decide', requestId: pending.request.id, reviewResult: 'Deny', justification: 'no' },
    { caller: 'aymen', mfa: true }, '2026-03-02T10:05:00Z');
  engine.advance('2026-03-03T00:00:00Z');
  try {
    engine.submit(activation(EXCHANGE, { duration: 'PT9H' }), { caller: 'user1' }, '2026-03-03T00:00:00Z');
  } catch { /* the refusal's event is in the log */ }
  const role = engine.eligibleRoles('user1', '2026-03-03T00:00:00Z')[0];
  return {
    'Event[]': log,
    Outcome: outcome,
    Decision: granted,
    'RequestRecord[]': pendingList,
    RequestRecord: engine.status(granted.request.id, '2026-03-03T00:00:00Z'),
    'EligibleRole[]': engine.eligibleRoles('user1', '2026-03-03T00:00:00Z'),
    'AuditRecord[]': engine.audit(undefined, '2026-03-03T00:00:00Z'),
    'PolicyRule[]': engine.policy(HELPDESK),
    Check: engine.checkDetails('user1', EXCHANGE, '/', '2026-03-02T10:30:00Z'),
    ActivationDecision: engine.evaluateActivation({ role, input: {} }, '2026-03-03T00:00:00Z'),
    'ActivationDecision ': evaluateActivation({ eligibility: { startDateTime: T0 }, input: {} }, T0),
    'ScenarioReport[]': readdirSync(scenarios).slice(0, 5).map((f) => runScenario(readFileSync(scenarios + f, 'utf8'))),
  };
}

/**
 * Values the engine read, from the scenario files. Enum values are read in any ASCII case, as
 * Graph does, while the definitions give Graph's spelling: the file that tests other spellings
 * is left out, and the seed walkthrough's `SelfActivate` / `AfterDuration` (Graph's docs use both
 * spellings) are compared in Graph's camelCase.
 */
function inputs() {
  const tenants = [];
  const bodies = [];
  const files = readdirSync(scenarios).filter((n) => n.endsWith('.json') && n !== 'activation-enum-case.json');
  for (const f of files) {
    const file = JSON.parse(readFileSync(scenarios + f, 'utf8'));
    tenants.push({ directory: file.directory ?? {}, policies: file.policies ?? [] });
    for (const step of file.steps) {
      const error = step.expect?.error;
      const malformed = error === true || error === 'InvalidRequest' || error?.code === 'InvalidRequest';
      if (step.request && !malformed) bodies.push(camelCaseEnums(step.request.body));
    }
  }
  return { 'Tenant[]': tenants, 'ScheduleRequestBody[]': bodies };
}

function camelCaseEnums(body) {
  const camel = (text) => text && text[0].toLowerCase() + text.slice(1);
  const copy = structuredClone(body);
  copy.action = camel(copy.action);
  const expiration = copy.scheduleInfo?.expiration;
  if (expiration?.type) expiration.type = camel(expiration.type);
  return copy;
}

test('engine outputs and scenario inputs conform to the generated definitions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pim-types-'));
  const values = { ...outputs(), ...inputs() };
  const names = [...new Set(Object.keys(values).map((t) => t.trim().replace('[]', '')))];
  const lines = [
    `import type { ${names.join(', ')} } from ${JSON.stringify(join(js, 'pkg/nodejs/pim.js'))};`,
    ...Object.entries(values).map(([type, value], i) => `export const v${i}: ${type.trim()} = ${JSON.stringify(value, null, 1)};`),
  ];
  writeFileSync(join(dir, 'values.ts'), lines.join('\n'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      lib: ['esnext', 'dom'], types: [], skipLibCheck: false,
    },
    files: ['values.ts'],
  }));
  const run = spawnSync(join(js, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr} (values in ${dir}/values.ts)`);
  assert.ok(values['Event[]'].length > 10);
  rmSync(dir, { recursive: true, force: true });
});
