#!/usr/bin/env bash
# Runs every test of pim: formatting, lints, docs, the no_std and wasm builds, the unit,
# property, scenario, host-process and doc tests, every scenario through both engines, the npm
# package with its browser and Node examples, and the console's walkthrough in headless
# Chromium. Installs what it needs itself (Rust targets, wasm-bindgen-cli, npm and PyPI
# packages, Chromium, faketime), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

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

# The host's clock test runs one `pim-host serve` under faketime (a clock 400 days ahead); the
# forward-auth test puts Debian's nginx (`auth_request`) in front of pim-host.
need_package() { # command, Debian package
    if command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; then return; fi
    if command -v apt-get >/dev/null; then
        step "apt-get install $2"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$2"
    else
        echo "$1 is missing and apt-get is not available: install $2" >&2
        exit 1
    fi
}
need_package faketime faketime
need_package nginx nginx

# pim-host's PostgreSQL tests: PIM_TEST_DATABASE_URL, else a server on 127.0.0.1:5432, else a
# throwaway cluster of Debian's postgresql (installed when missing), stopped when this script ends.
step "PostgreSQL for pim-host's PostgreSQL tests (scripts/postgres.sh)"
eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop' EXIT

step "cargo test (unit, property, scenario, host process and doc tests)"
cargo test --workspace

step "the wasmtime host: guest lint, identical reports across engines, gateway build"
scripts/test-host.sh

step "the npm package: builds, scenario reports identical to native, types, browser and Node examples"
scripts/test-wasm.sh

step "the console: built, type-checked, and the demo's story walked in headless Chromium"
scripts/test-console.sh

step "Microsoft's Graph SDKs (Python msgraph-sdk, JS client) and the README's quick start against pim-host serve"
scripts/test-graph-sdk.sh
