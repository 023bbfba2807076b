// Every scenario file in tests/scenarios/ runs through the package (the Node build) and must
// produce the report the native engine produces, byte for byte:
// `pim-host scenario --engine native --json FILE`.
// Run: node --test test/   (PIM_HOST=path/to/pim-host to use a prebuilt binary)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import { runScenario, runScenarioJson } from '../pkg/nodejs/pim.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(root, 'tests/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

/** The pim-host binary: $PIM_HOST, else the workspace's debug build (built once if missing). */
function pimHost() {
  if (process.env.PIM_HOST) return process.env.PIM_HOST;
  const bin = join(root, 'target/debug/pim-host');
  if (!existsSync(bin)) execFileSync('cargo', ['build', '--quiet', '-p', 'pim-host'], { cwd: root, stdio: 'inherit' });
  return bin;
}

/** The native report of one file, as pim-host prints it (a one-element JSON array). */
function nativeReport(host, file) {
  const run = spawnSync(host, ['scenario', '--engine', 'native', '--json', file], { encoding: 'utf8' });
  // Exit status 1 means "a step failed", which the comparison shows; 2 is an error of the host.
  assert.ok(run.status === 0 || run.status === 1, `pim-host failed: ${run.stderr}`);
  return run.stdout;
}

test('tests/scenarios has scenario files', () => {
  assert.ok(files.length > 0);
});

const host = pimHost();
for (const name of files) {
  test(`scenario ${name}: identical to the native report`, () => {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const native = nativeReport(host, file);
    const report = runScenario(text);
    assert.deepStrictEqual([report], JSON.parse(native), 'parsed reports differ');
    assert.equal(`${JSON.stringify([report], null, 2)}\n`, native, 'JSON text differs');
    assert.deepStrictEqual(JSON.parse(runScenarioJson(text)), report);
    assert.equal(report.failed, 0, `failing steps: ${JSON.stringify(report.steps.filter((s) => !s.ok))}`);
  });
}

test('an unreadable scenario file gives the same failed-setup report as the native engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pim-'));
  const file = join(dir, 'unreadable.json');
  writeFileSync(file, '{ "name": "broken", "start": "2026-03-02T09:00:00Z", "steps": [ { "nope": 1 } ] }');
  const report = runScenario(readFileSync(file, 'utf8'));
  assert.equal(report.failed, 1);
  assert.equal(report.steps[0].verb, 'setup');
  assert.equal(report.steps[0].actual.error.code, 'InvalidRequest');
  assert.equal(`${JSON.stringify([report], null, 2)}\n`, nativeReport(host, file));
  rmSync(dir, { recursive: true, force: true });
});
