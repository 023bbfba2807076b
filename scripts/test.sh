#!/usr/bin/env bash
# Runs every test of pim: formatting, lints, docs, the no_std and wasm builds, the unit,
# property, scenario, host-process and doc tests, every scenario through both engines, and the
# npm package with its browser and Node examples. Installs what it needs itself (Rust targets,
# wasm-bindgen-cli, npm packages, Chromium), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain targets"
rustup target add wasm32-unknown-unknown x86_64-unknown-none >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "pim-core builds without std (x86_64-unknown-none)"
cargo build -p pim-core --target x86_64-unknown-none --quiet

step "pim-wasm builds for wasm32-unknown-unknown"
cargo build -p pim-wasm --target wasm32-unknown-unknown --quiet

step "pim_guest.wasm (the host's tests embed it)"
scripts/build-guest.sh

step "cargo test (unit, property, scenario, host process and doc tests)"
cargo test --workspace

step "the wasmtime host: guest lint, identical reports across engines, gateway build"
scripts/test-host.sh

step "the npm package: builds, scenario reports identical to native, types, browser and Node examples"
scripts/test-wasm.sh
