#!/usr/bin/env bash
# The main job: the reference host serving the demo tenant (the Exchange Administrator
# walkthrough) on an embedded SQLite database (pim.db), at http://127.0.0.1:8080.
# Builds the guest module it embeds first. Extra arguments go to `pim-host serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-guest.sh
exec cargo run --release -p pim-host -- serve --db pim.db --demo "$@"
