#!/usr/bin/env bash
# Builds pim_guest.wasm, the import-free core module that pim-host and gateways embed
# (docs/abi.md), at target/wasm32-unknown-unknown/wasm-release/pim_guest.wasm.
# Runs npm binaryen's wasm-opt on it when one is already installed (never Debian's, whose older
# binaryen corrupts wasm-bindgen output); it is optional. Cargo prints its progress: a first
# build compiles the core for wasm32 and takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
# `cargo rustc` passes the strip flag to the final link only, so the dependencies' builds
# are shared with a plain `cargo build -p pim-guest`.
cargo rustc -p pim-guest --lib --crate-type cdylib --target wasm32-unknown-unknown \
    --profile wasm-release -- -C strip=symbols

out=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/pim_guest.wasm
opt=""
for candidate in wasm/js/node_modules/.bin/wasm-opt node_modules/.bin/wasm-opt; do
    if [ -x "$candidate" ]; then opt=$candidate; break; fi
done
# wasm-opt takes about 10 s: its output is kept beside the module with the digest of the
# module it came from, and reused while cargo's module is unchanged (cargo may put its own
# copy back at the output path even when it rebuilds nothing).
if [ -n "$opt" ]; then
    sum=$(sha256sum "$out" | cut -c1-64)
    kept=$out.optimized
    if [ -f "$kept" ] && [ "$sum" = "$(sha256sum "$kept" | cut -c1-64)" ]; then
        :
    elif [ -f "$kept" ] && [ "$sum" = "$(cat "$kept.from" 2>/dev/null)" ]; then
        cp --remove-destination "$kept" "$out"
    else
        echo "wasm-opt -Oz (about 10 s)"
        "$opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
            --enable-mutable-globals "$out" -o "$kept"
        echo "$sum" >"$kept.from"
        cp --remove-destination "$kept" "$out"
    fi
fi
echo "$out: $(wc -c <"$out") bytes"
