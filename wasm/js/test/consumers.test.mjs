// The package as an application gets it: `npm pack`'s tarball (not this tree) installed into a
// consumer project (wasm/js/consumers, outside test/ so that `node --test test/` does not run
// its files; its tools pinned by its package-lock.json and installed by `npm ci` when that
// changes), then tsc in strict mode with `skipLibCheck: false` and `lib: ["es2022", "dom"]`,
// Node ESM and CommonJS, and a tiny app built with Vite, webpack and esbuild.
// Run: node --test test/

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const js = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('../consumers/', import.meta.url));
const bin = (name) => join(dir, 'node_modules/.bin', name);
const out = mkdtempSync(join(tmpdir(), 'pim-consumers-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Runs a command, failing the test with its output unless it exits 0. */
function run(cmd, args, cwd = dir) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

before(() => {
  // The consumer's tools: npm ci when the lock file changed since the last install.
  const sum = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
  const marker = join(dir, 'node_modules/.pim-lock-sum');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== sum) {
    run('npm', ['ci', '--no-audit', '--no-fund']);
    writeFileSync(marker, sum);
  }
  // The tarball, installed as npm would (its files only).
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], js));
  const target = join(dir, 'node_modules/@pim-engine/pim');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', join(out, packed[0].filename), '-C', target, '--strip-components=1']);
});

test('the tarball holds the licence, the entry points and the three builds, nothing else', () => {
  const target = join(dir, 'node_modules/@pim-engine/pim');
  assert.equal(readFileSync(join(target, 'LICENSE'), 'utf8'), readFileSync(join(js, '../../LICENSE'), 'utf8'));
  assert.deepEqual(readdirSync(target).sort(), ['LICENSE', 'README.md', 'lib', 'package.json', 'pkg']);
  assert.deepEqual(readdirSync(join(target, 'pkg')).sort(), ['bundler', 'nodejs', 'web']);
});

test('npm pkg fix finds nothing to fix in package.json', () => {
  const copy = join(out, 'fix');
  mkdirSync(copy, { recursive: true });
  writeFileSync(join(copy, 'package.json'), readFileSync(join(js, 'package.json')));
  run('npm', ['pkg', 'fix'], copy);
  assert.deepEqual(JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')), JSON.parse(readFileSync(join(js, 'package.json'), 'utf8')));
});

for (const config of ['tsconfig.json', 'tsconfig.bundler.json', 'tsconfig.using.json']) {
  test(`tsc strict, skipLibCheck false: ts/${config}`, () => {
    run(bin('tsc'), ['-p', join('ts', config)]);
  });
}

test('Node ESM and CommonJS: the Node build, wrong argument types as PimError', () => {
  const esm = JSON.parse(run(process.execPath, ['node/esm.mjs']));
  assert.deepEqual(esm, { module: 'esm', code: 'InvalidRequest', runScenario: 'function', replay: 'function' });
  const cjs = JSON.parse(run(process.execPath, ['node/cjs.cjs']));
  assert.deepEqual(cjs, { module: 'cjs', code: 'InvalidRequest', runScenario: 'function', replay: 'function' });
});

/** Whether a built app directory holds the browser build's .wasm (and no Node build). */
function assertBrowserWasm(built) {
  const files = readdirSync(built, { recursive: true }).map(String);
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm in ${files.join(', ')}`);
  const size = readFileSync(join(built, wasm[0])).length;
  const browser = readFileSync(join(dir, 'node_modules/@pim-engine/pim/pkg/web/pim_bg.wasm')).length;
  assert.equal(size, browser, 'the browser build, not the Node one');
}

test('Vite builds the tiny app (root export, vite-plugin-wasm)', () => {
  const built = join(out, 'vite');
  run(bin('vite'), ['build', '--outDir', built, '--emptyOutDir'], join(dir, 'vite'));
  assertBrowserWasm(built);
});

test('webpack builds the tiny app (root export, asyncWebAssembly)', () => {
  const built = join(out, 'webpack');
  run(process.execPath, ['webpack/build.mjs', built]);
  assertBrowserWasm(built);
});

test('esbuild builds the tiny app (/web, the .wasm as a file)', () => {
  const built = join(out, 'esbuild');
  run(bin('esbuild'), ['esbuild/main.js', '--bundle', '--format=esm', '--platform=browser', '--loader:.wasm=file', `--outdir=${built}`, '--log-level=warning']);
  assertBrowserWasm(built);
});

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PAGE = '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="main.js"></script>\n';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves `root` on a free port (`.wasm` as application/wasm, so browsers can stream it). */
function serve(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    const file = join(root, path, path === '' || path.endsWith('/') ? 'index.html' : '');
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('the three built apps run in headless Chromium', { skip: !existsSync(CHROMIUM) && 'no Chromium' }, async () => {
  for (const app of ['webpack', 'esbuild']) {
    if (!existsSync(join(out, app, 'index.html'))) writeFileSync(join(out, app, 'index.html'), PAGE);
  }
  const { chromium } = createRequire(import.meta.url)('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const server = await serve(out);
  try {
    for (const app of ['vite', 'webpack', 'esbuild']) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${server.address().port}/${app}/`);
      await page.waitForFunction(() => document.getElementById('out')?.textContent, null, { timeout: 15000 })
        .catch((e) => assert.fail(`${app}: ${errors.join('; ') || e.message}`));
      const result = JSON.parse(await page.textContent('#out'));
      assert.deepEqual(result, {
        active: true, activeMs: true, rules: true, code: 'InvalidRequest', replay: 'undefined',
      }, app);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
});
