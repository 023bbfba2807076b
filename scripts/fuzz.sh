#!/usr/bin/env bash
# The long fuzz run (fuzz/README.md): runs every cargo-fuzz target for SECONDS each (default
# 300) on one core, growing fuzz/corpus/<target>/. Not part of the test command: the CI smoke
# run is pim-guest's `fuzz_corpus` test, which replays the committed corpora.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs `cargo install cargo-fuzz`. The toolchain is stable, so cargo-fuzz's nightly flags are
# allowed with RUSTC_BOOTSTRAP=1. FUZZ_SANITIZER=none skips AddressSanitizer (about twice the
# executions per second; the crates are safe Rust apart from the guest's export shims).
# FUZZ_CMIN=1 re-minimises each corpus afterwards. The builds go to fuzz/target, never to the
# workspace's target directory. Crashes are written to fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(wire scenario abi_call abi_check odata_query)
fi
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}

if [ ! -d seeds ]; then
    python3 seed.py
fi
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
    case $t in
        scenario) flags=(-max_len=65536 -dict=json.dict) ;;
        # The load of the export's thread-local state leaks its (unreadable) answer once.
        abi_check) flags=(-max_len=256) ;;
        # Query strings, not JSON: no dictionary.
        odata_query) flags=(-max_len=8192) ;;
        *) flags=(-max_len=4096 -dict=json.dict) ;;
    esac
    echo "== $t: ${seconds}s"
    # One process (no -jobs/-workers): one core. -rss_limit_mb bounds memory; -timeout
    # reports hangs.
    leaks=1
    if [ "$t" = abi_check ]; then leaks=0; fi
    ASAN_OPTIONS="detect_leaks=$leaks" cargo fuzz run --sanitizer "$sanitizer" -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" "${flags[@]}" || status=1
    if [ "${FUZZ_CMIN:-0}" = 1 ]; then
        cargo fuzz cmin --sanitizer "$sanitizer" -O "$t" "corpus/$t"
    fi
done
exit $status
