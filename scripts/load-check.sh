#!/usr/bin/env bash
# A bounded load test of the HTTP gateway question: `pim-host serve --demo` (release build, a
# fresh SQLite file) answering `GET /v1.0/pim/check` and the forward-auth route under wrk, on
# one keep-alive connection and on 8 and 64, SECONDS each (default 10). Prints wrk's summary
# (requests/s, latency percentiles) for each. Not part of the test command: it measures.
#
#   scripts/load-check.sh [SECONDS]
#
# Installs wrk (Debian's package) when it is missing. wrk and pim-host share the machine's
# cores, as they do in the figures of docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi
fi
scripts/build-guest.sh >/dev/null
cargo build --release -p pim-host --quiet
bin="${CARGO_TARGET_DIR:-target}/release/pim-host"

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/config.json" <<'EOF'
{"rateLimit": {"writesPerMinute": 0},
 "forwardAuth": {"routes": [{"prefix": "/exchange/",
   "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de", "directoryScopeId": "/"}]}}
EOF
PIM_LOG=warn "$bin" serve --demo --db "$work/pim.db" --config "$work/config.json" \
    --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
    addr="$(grep -o 'http://[0-9.:]*' "$work/out" | head -1 || true)"
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { cat "$work/err" >&2; exit 1; }

# user1 asks about itself: allowed for anyone, answered from the reader's state.
check="$addr/v1.0/pim/check?principalId=user1&roleDefinitionId=29232cdf-9323-42fd-ade2-1d097af3e4de&directoryScopeId=/"
forward="$addr/v1.0/pim/forwardAuth"
status="$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer user1-token' "$check")"
[ "$status" = 200 ] || { echo "check answered $status" >&2; exit 1; }

run() { # name, url, connections, extra header
    printf '\n== %s, %s connection(s), %s s\n' "$1" "$3" "$seconds"
    wrk --latency -t "$(( $3 < 2 ? 1 : 2 ))" -c "$3" -d "${seconds}s" \
        -H 'Authorization: Bearer user1-token' ${4:+-H "$4"} "$2" |
        grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
}
for c in 1 8 64; do run "GET /v1.0/pim/check" "$check" "$c"; done
for c in 1 64; do
    run "forward auth (X-Forwarded-Uri: /exchange/…)" "$forward" "$c" "X-Forwarded-Uri: /exchange/mail"
done
