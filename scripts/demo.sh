#!/usr/bin/env bash
# The main job: the reference host serving the demo tenant (the Exchange Administrator
# walkthrough) on an embedded SQLite database (pim.db), at http://127.0.0.1:8080, with the
# console (the web UI) at that address. Builds the guest module and the console (npm and
# esbuild; the npm package's browser build the first time) that pim-host embeds first. Extra arguments go to `pim-host serve`.
#
# It builds pim-host in the dev profile, the one `scripts/test.sh` builds: whichever of the two
# commands runs first compiles wasmtime and the other dependencies once, and the other reuses
# them. The guest itself runs as compiled machine code either way (wasmtime compiles it at the
# first start and caches the result beside it), so the demo answers as fast as a user notices.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-guest.sh
scripts/build-console.sh
exec cargo run -p pim-host -- serve --db pim.db --demo "$@"
