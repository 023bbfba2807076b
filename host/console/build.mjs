// Builds the console into dist/: src/main.tsx bundled and minified by esbuild (Preact, the
// pages, and the npm package's browser entry, wasm/js/lib/web.mjs), its CSS, index.html and the
// package's browser WebAssembly (wasm/js/pkg/web/pim_bg.wasm, built by wasm/build.sh); each
// file also gzipped (-9) beside it, which pim-host serves to browsers that accept gzip.
// A file is written only when its content changed, so an unchanged console leaves dist/ as it
// was and cargo does not rebuild pim-host (host/build.rs watches dist/).
// Run: node build.mjs (scripts/build-console.sh runs it after npm ci and the package build).

import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const pkg = join(here, '../../wasm/js');
const wasm = join(pkg, 'pkg/web/pim_bg.wasm');
if (!existsSync(wasm)) {
  console.error(`${wasm} is missing: build the npm package first (wasm/build.sh)`);
  process.exit(1);
}

const files = new Map();
const result = await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: dist,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  alias: { '@pim': join(pkg, 'lib/web.mjs') },
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
for (const f of result.outputFiles) files.set(basename(f.path), Buffer.from(f.contents));
files.set('index.html', readFileSync(join(here, 'index.html')));
files.set('pim_bg.wasm', readFileSync(wasm));
for (const [name, bytes] of [...files]) files.set(`${name}.gz`, gzipSync(bytes, { level: 9 }));

mkdirSync(dist, { recursive: true });
let written = 0;
for (const [name, bytes] of files) {
  const file = join(dist, name);
  if (existsSync(file) && readFileSync(file).equals(bytes)) continue;
  writeFileSync(file, bytes);
  written += 1;
}
for (const name of readdirSync(dist)) {
  if (!files.has(name)) rmSync(join(dist, name));
}

console.log(`file             raw     gzip   (${written} of ${files.size} files written)`);
for (const name of [...files.keys()].filter((n) => !n.endsWith('.gz')).sort()) {
  console.log(`${name.padEnd(14)} ${String(files.get(name).length).padStart(7)} ${String(files.get(`${name}.gz`).length).padStart(8)}`);
}
