// Builds the console into dist/: src/main.tsx bundled and minified by esbuild (Preact, the
// pages, and the npm package's browser entry, wasm/js/lib/web.mjs), its CSS, index.html and the
// package's browser WebAssembly (wasm/js/pkg/web/pim_bg.wasm, built by wasm/build.sh); each
// file also gzipped (-9) beside it, which pim-host serves to browsers that accept gzip.
// Run: node build.mjs (scripts/build-console.sh runs it after npm ci and the package build).

import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
await build({
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
});
copyFileSync(join(here, 'index.html'), join(dist, 'index.html'));
copyFileSync(wasm, join(dist, 'pim_bg.wasm'));

console.log('file             raw     gzip');
for (const name of readdirSync(dist).sort()) {
  const file = join(dist, name);
  const gz = gzipSync(readFileSync(file), { level: 9 });
  writeFileSync(`${file}.gz`, gz);
  console.log(`${name.padEnd(14)} ${String(statSync(file).size).padStart(7)} ${String(gz.length).padStart(8)}`);
}
