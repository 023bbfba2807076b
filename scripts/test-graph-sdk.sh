#!/usr/bin/env bash
# pim-host driven by Microsoft's own Graph clients (host/tests/graph-sdk/README.md):
#   1. a Python venv with msgraph-sdk and msgraph-beta-sdk (host/tests/graph-sdk/requirements.txt)
#      under ${PIM_SDK_CACHE:-$HOME/.cache/pim/graph-sdk}, reused while the requirements' hash
#      is unchanged;
#   2. `npm ci` for @microsoft/microsoft-graph-client in host/tests/graph-sdk;
#   3. `pim-host serve --demo` on a fresh database and a free port (one per suite), from
#      ${PIM_HOST_BIN:-target/debug/pim-host} with PIM_GUEST (default: the guest that
#      scripts/build-guest.sh builds);
#   4. the Python tests (pytest), then the JavaScript tests (node --test), against it;
#   5. the README's quick start, run as a newcomer pastes it, every answer it shows checked
#      (scripts/quickstart.py).
# Exits non-zero when anything fails. Extra arguments go to pytest (e.g. -k walkthrough).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
suite=host/tests/graph-sdk

step() { printf '\n==> %s\n' "$*"; }

bin=${PIM_HOST_BIN:-target/debug/pim-host}
export PIM_GUEST=${PIM_GUEST:-${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/pim_guest.wasm}
for f in "$bin" "$PIM_GUEST"; do
    if [ ! -f "$f" ]; then
        echo "missing $f (build pim-host and scripts/build-guest.sh first)" >&2
        exit 1
    fi
done

step "Python venv for msgraph-sdk and msgraph-beta-sdk"
cache=${PIM_SDK_CACHE:-$HOME/.cache/pim/graph-sdk}
venv=$cache/venv
want=$(sha256sum "$suite/requirements.txt" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$want" ]; then
    echo "reusing $venv"
else
    rm -rf "$venv"
    mkdir -p "$cache"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$suite/requirements.txt"
    echo "$want" >"$venv/.requirements-sha256"
    echo "installed into $venv"
fi

step "npm ci in $suite"
(cd "$suite" && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
server=""
stop_server() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    server=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

# Starts `pim-host serve --demo` on a fresh database named $1 and exports PIM_GRAPH_URL: each
# suite gets its own tenant, so neither depends on what the other left behind.
start_server() {
    step "pim-host serve --demo (fresh database for $1)"
    "$bin" serve --demo --db "$work/$1.db" --listen 127.0.0.1:0 >"$work/$1.stdout" 2>>"$work/stderr" &
    server=$!
    url=""
    # A debug build compiles the guest when it starts: allow two minutes.
    for _ in $(seq 1 1200); do
        url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$work/$1.stdout")
        [ -n "$url" ] && break
        if ! kill -0 "$server" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "pim-host did not say where it listens; its output:" >&2
        cat "$work/$1.stdout" "$work/stderr" >&2
        exit 1
    fi
    echo "pim-host (pid $server) listening on $url"
    export PIM_GRAPH_URL=$url
}

status=0
start_server python
step "Python Graph SDK tests (pytest)"
(cd "$suite/python" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@") || status=1
stop_server

start_server js
step "JavaScript Graph client tests (node --test)"
(cd "$suite" && node --test js/*.test.js) || status=1
stop_server

start_server quickstart
step "the README's quick start, every answer it shows (scripts/quickstart.py)"
PIM=$PIM_GRAPH_URL python3 scripts/quickstart.py README.md || status=1
stop_server

if [ "$status" -ne 0 ]; then
    cp "$work/stderr" "${TMPDIR:-/tmp}/pim-graph-sdk-server.log" 2>/dev/null || true
    echo "graph SDK tests FAILED (server log copied to ${TMPDIR:-/tmp}/pim-graph-sdk-server.log)"
    exit 1
fi
echo "graph SDK tests passed"
