#!/usr/bin/env bash
# Tests the console (host/console): builds it (scripts/build-console.sh, reusing the npm
# package's browser build that scripts/test-wasm.sh made), type-checks it (tsc), builds
# pim-host with it embedded, and walks the demo tenant's whole story in headless Chromium as
# Aymen and User1 (host/console/test/), saving a screenshot of every page to docs/console/.
# The walkthrough restarts pim-host under faketime (a clock 60 and 30 minutes behind, then the
# real one), so that what Entra refuses within five minutes of a start (removing an
# assignment, deactivating) is more than five minutes old when the story gets there.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

for pkg in faketime chromium; do
    if ! command -v "$pkg" >/dev/null && [ ! -x "/usr/bin/$pkg" ]; then
        step "apt-get install $pkg"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg"
    fi
done

scripts/build-console.sh

step "tsc (host/console, strict)"
(cd host/console && node_modules/.bin/tsc --noEmit -p .)

step "pim-host, with the console embedded"
scripts/build-guest.sh
cargo build --quiet -p pim-host
export PIM_HOST=$PWD/target/debug/pim-host

step "the console in headless Chromium: the demo's whole story as Aymen and User1"
node --test --test-reporter=spec host/console/test/
