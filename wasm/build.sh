#!/usr/bin/env bash
# Builds the npm package into wasm/js/pkg/{nodejs,web,bundler}: cargo (wasm32-unknown-unknown,
# profile wasm-release) -> wasm-bindgen for each target -> wasm-opt -Oz from npm's binaryen
# (never Debian's: it corrupts wasm-bindgen output) -> raw and gzipped sizes.
#
# Two cargo builds of the same crate: the Node build has every feature and is optimized for speed
# (rustc opt-level 3, wasm-opt -O3); the browser build (web and bundler) leaves out event replay,
# the scenario runner and the governance queries (`--no-default-features --features bindgen`)
# and is optimized for size (rustc opt-level z, wasm-opt -Oz) to stay under the 300 KB gzip
# budget.
# `--web` builds only the browser's `web` target (what the console embeds: scripts/build-console.sh
# on a machine where the package was never built), skipping the Node build and `bundler`.
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli at the crate's exact version, and
# `npm ci` in wasm/js (scripts/test-wasm.sh installs all three).
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
web_only=false
[ "${1:-}" = --web ] && web_only=true
js=$root/wasm/js
# Cargo's target directory (CARGO_TARGET_DIR when set, as cargo itself reads it).
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/pim-npm
mkdir -p "$work/cache"

want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' wasm/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$want" != "$have" ]; then
    echo "wasm-bindgen $want is needed (found: ${have:-none}): cargo install wasm-bindgen-cli --version $want" >&2
    exit 1
fi
if [ ! -x "$js/node_modules/.bin/wasm-opt" ]; then
    echo "npm's wasm-opt is missing: run npm ci in wasm/js" >&2
    exit 1
fi

# The opt-level is set per build through the environment: the profile is shared with other builds.
out=$target/wasm32-unknown-unknown/wasm-release/pim_wasm.wasm

if ! $web_only; then
    echo "==> cargo build (node: all features, opt-level 3)"
    CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=3 \
        cargo build --quiet -p pim-wasm --target wasm32-unknown-unknown --profile wasm-release
    cp "$out" "$work/pim-node.wasm"
fi
echo "==> cargo build (browser: no replay, scenario runner or governance, opt-level z)"
CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=z \
    cargo build --quiet -p pim-wasm --target wasm32-unknown-unknown --profile wasm-release \
    --no-default-features --features bindgen
cp "$out" "$work/pim-browser.wasm"

# wasm-bindgen, then wasm-opt; an optimized module is cached by the hash of its input and flags.
bindgen() {
    local target=$1 input=$2 level=$3 stage=$work/stage/$1
    rm -rf "$stage"
    wasm-bindgen --target "$target" --out-name pim --out-dir "$stage" "$input"
    local hash
    hash=$( (sha256sum "$stage/pim_bg.wasm"; echo "$level") | sha256sum | cut -c1-32)
    if [ ! -f "$work/cache/$hash.wasm" ]; then
        # shellcheck disable=SC2086 # $level is the optimisation level and its flags
        "$js/node_modules/.bin/wasm-opt" $level "$stage/pim_bg.wasm" -o "$work/cache/$hash.tmp"
        mv "$work/cache/$hash.tmp" "$work/cache/$hash.wasm"
    fi
    cp "$work/cache/$hash.wasm" "$stage/pim_bg.wasm"
    # The definitions TypeScript users get: `Symbol.dispose` under any lib, narrowable decisions.
    node "$js/tools/dts.mjs" "$stage/pim.d.ts"
    # How Node and bundlers read each build's .js: CommonJS for nodejs, ES modules otherwise.
    local type=module
    [ "$target" = nodejs ] && type=commonjs
    printf '{ "type": "%s" }\n' "$type" >"$stage/package.json"
    rm -rf "$js/pkg/$target"
    mkdir -p "$js/pkg"
    cp -r "$stage" "$js/pkg/$target"
}

# The browser build's wasm-opt flags. --low-memory-unused lets wasm-opt fold address arithmetic,
# assuming no data lives in the first 1 KB of memory: rustc's wasm32 layout puts the 1 MB stack
# first (growing down from 1 MB, data above it), so only a stack within 1 KB of overflowing
# reaches it (about 2 KB gzipped less). --converge runs -Oz's passes again until the module
# stops shrinking (about 1.8 KB gzipped less), --strip-producers drops the toolchain's name tag.
browser_opt="-Oz --converge --low-memory-unused --strip-producers"

if $web_only; then
    echo "==> wasm-bindgen + wasm-opt (web $browser_opt)"
    bindgen web "$work/pim-browser.wasm" "$browser_opt"
    targets=web
else
    echo "==> wasm-bindgen + wasm-opt (nodejs -O3, web and bundler $browser_opt)"
    bindgen nodejs "$work/pim-node.wasm" -O3 &
    node_job=$!
    bindgen web "$work/pim-browser.wasm" "$browser_opt"
    bindgen bundler "$work/pim-browser.wasm" "$browser_opt"
    wait "$node_job"
    targets="web bundler nodejs"
fi
# Keep the cache small: only the modules in use now (compared by content); a `--web` build
# leaves the other targets' modules alone.
if ! $web_only; then
    keep=$(for t in $targets; do sha256sum "$work/stage/$t/pim_bg.wasm" | cut -c1-64; done)
    for f in "$work"/cache/*.wasm; do
        sum=$(sha256sum "$f" | cut -c1-64)
        grep -q "$sum" <<<"$keep" || rm -f "$f"
    done
fi

echo "==> sizes (bytes)"
printf '%-8s %10s %10s\n' target raw gzip
for t in $targets; do
    f=$js/pkg/$t/pim_bg.wasm
    printf '%-8s %10d %10d\n' "$t" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
