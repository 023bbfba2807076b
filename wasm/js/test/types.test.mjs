// The generated TypeScript definitions type-check a small program (types/*.ts) with tsc, whose
// `@ts-expect-error` lines prove the types are precise rather than `any`.
// Run: node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const js = fileURLToPath(new URL('..', import.meta.url));

test('tsc type-checks types/ against pkg/nodejs and pkg/web definitions', () => {
  const run = spawnSync(`${js}node_modules/.bin/tsc`, ['-p', 'types'], { cwd: js, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
