#!/usr/bin/env bash
# Builds the console (host/console) into host/console/dist, which pim-host embeds when it is
# next compiled (host/build.rs): the npm package's browser build (wasm/js/pkg/web), the
# console's npm dependencies, then esbuild (host/console/build.mjs).
#
# The package's browser build is reused when it is there and newer than the Rust sources it is
# made from (scripts/test-wasm.sh, which the test command runs first, has just built it);
# otherwise it is built here, browser target only (`wasm/build.sh --web`), installing what that
# needs: the wasm32 target, wasm-bindgen-cli at the crate's exact version, npm ci in wasm/js.
# On a fresh machine that costs a few minutes once (mostly compiling wasm-bindgen-cli).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# npm ci in a folder when its lock file changed since the last install there.
npm_ci() {
    local dir=$1 sum
    sum=$(sha256sum "$dir/package-lock.json" | cut -c1-64)
    if [ "$(cat "$dir/node_modules/.pim-lock-sum" 2>/dev/null)" != "$sum" ]; then
        step "npm ci ($dir)"
        (cd "$dir" && npm ci --no-audit --no-fund)
        echo "$sum" >"$dir/node_modules/.pim-lock-sum"
    fi
}

web=wasm/js/pkg/web/pim_bg.wasm
stale() {
    [ ! -f "$web" ] && return 0
    [ -n "$(find core/src core/Cargo.toml wasm/src wasm/Cargo.toml Cargo.lock -newer "$web" -print -quit)" ]
}
if stale; then
    step "the npm package's browser build (wasm/build.sh --web)"
    rustup target add wasm32-unknown-unknown >/dev/null
    want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
        step "cargo install wasm-bindgen-cli $want"
        cargo install wasm-bindgen-cli --version "$want"
    fi
    npm_ci wasm/js
    wasm/build.sh --web
else
    echo "reusing $web (newer than the Rust sources)"
fi

npm_ci host/console
step "esbuild (host/console/build.mjs)"
node host/console/build.mjs
