#!/usr/bin/env bash
# The wasmtime host's part of the test run, beyond `cargo test --workspace` (which already runs
# pim-guest's unit tests and pim-host's integration tests once the guest is built):
#   1. builds pim_guest.wasm (every pim-host test needs it and fails, never skips, without it);
#   2. lints the guest for its real target;
#   3. runs every scenario file through the guest and requires the report to be identical to
#      the native engine's, byte for byte;
#   4. drives the guest from Node's own WebAssembly API (examples/guest-node);
#   5. builds the gateway example.
# Usage: scripts/test-host.sh [--with-tests]   (--with-tests also runs pim-host's tests)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "build pim_guest.wasm"
scripts/build-guest.sh

step "clippy pim-guest for wasm32-unknown-unknown"
cargo clippy -p pim-guest --target wasm32-unknown-unknown --no-deps -- -D warnings

if [ "${1:-}" = "--with-tests" ]; then
    step "pim-guest and pim-host tests"
    cargo test -p pim-guest -p pim-host
fi

step "every scenario through pim-host, wasm engine and native engine: identical reports"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo run --quiet -p pim-host -- scenario --engine wasm tests/scenarios/*.json
cargo run --quiet -p pim-host -- scenario --engine wasm --json tests/scenarios/*.json >"$out/wasm.json"
cargo run --quiet -p pim-host -- scenario --engine native --json tests/scenarios/*.json >"$out/native.json"
cmp "$out/wasm.json" "$out/native.json"
echo "reports identical ($(wc -c <"$out/wasm.json") bytes)"

step "the guest under Node's own WebAssembly answers check as the native engine (examples/guest-node)"
cargo build --quiet -p pim-host
PIM_HOST=${CARGO_TARGET_DIR:-target}/debug/pim-host node --test examples/guest-node/

step "the gateway example builds"
cargo build --quiet -p pim-host --example gateway
