#!/usr/bin/env bash
# Tests the npm package (wasm/): installs what it needs (the wasm32 target, wasm-bindgen-cli at
# the crate's exact version, the npm dev dependencies, Chromium), builds the three targets, then
# runs the package's tests (every scenario file against the native engine, the engine API,
# errors, the three builds and their sizes, tsc on the generated types, and the packed tarball in
# consumer projects: tsc strict, Node ESM and CommonJS, Vite, webpack and esbuild apps, whose
# tools the test installs with npm ci in wasm/js/consumers when their lock file changed), the
# browser example in headless Chromium, the Node backend example, and a quick benchmark.
# Idempotent: a warm run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

step "toolchain: wasm32-unknown-unknown"
rustup target add wasm32-unknown-unknown >/dev/null

want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    step "cargo install wasm-bindgen-cli $want"
    # Not --locked: its lock file pins crates newer than some registries carry.
    cargo install wasm-bindgen-cli --version "$want"
fi

step "npm ci (wasm/js)"
lock_sum=$(sha256sum wasm/js/package-lock.json | cut -c1-64)
if [ "$(cat wasm/js/node_modules/.pim-lock-sum 2>/dev/null)" != "$lock_sum" ]; then
    (cd wasm/js && npm ci --no-audit --no-fund)
    echo "$lock_sum" >wasm/js/node_modules/.pim-lock-sum
else
    echo "up to date"
fi

if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null; then
        step "apt-get install chromium"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
    else
        echo "Chromium is missing and apt-get is not available: set CHROMIUM to a Chromium binary" >&2
        exit 1
    fi
fi

step "build the package (wasm/build.sh)"
wasm/build.sh

step "pim-host, for the native scenario reports"
cargo build --quiet -p pim-host
export PIM_HOST=$PWD/target/debug/pim-host

step "package tests: scenarios, engine, errors, builds and sizes, tsc, consumer projects"
node --test --test-reporter=spec wasm/js/test/

step "examples/browser: My roles in headless Chromium"
node --test --test-reporter=spec examples/browser/

step "examples/node: the backend and its restart"
node --test --test-reporter=spec examples/node/

step "benchmark (quick)"
node wasm/js/bench/bench.mjs --quick
