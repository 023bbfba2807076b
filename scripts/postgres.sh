#!/usr/bin/env bash
# A PostgreSQL server for pim-host's PostgreSQL tests (host/tests/all/postgres.rs).
#
#   eval "$(scripts/postgres.sh start)"   # exports PIM_TEST_DATABASE_URL
#   cargo test -p pim-host --test all postgres
#   scripts/postgres.sh stop               # stops the throwaway cluster, if this script started one
#   scripts/postgres.sh start --own        # always the throwaway cluster (to try that path)
#
# `start` uses, in order: PIM_TEST_DATABASE_URL when it is set; a server answering on
# 127.0.0.1:5432 (trust authentication, database `test`, created if missing); else Debian's
# `postgresql` package (installed with apt-get if missing) running a throwaway cluster under
# target/postgres (initdb + pg_ctl, trust authentication on 127.0.0.1, a free port). It fails
# rather than let the tests skip. Progress goes to stderr; stdout is only the export line.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target"
dir=$(cd "$target" && pwd)/postgres
# The cluster's files: under target/ normally; as root (initdb then runs as `postgres`, who may
# not reach target/, e.g. under /root) in a temporary directory whose path target/ records.
data=$dir/data
[ -f "$dir/data-path" ] && data=$(cat "$dir/data-path")

say() { echo "postgres.sh: $*" >&2; }

# Runs a command as the `postgres` user when this is root (initdb refuses root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bindir() {
    local pg_config
    pg_config=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$pg_config" ] || return 1
    echo "$pg_config"
}

answers() { # host port
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    if [ "${1:-}" = --own ]; then
        own
        return
    fi
    if [ -n "${PIM_TEST_DATABASE_URL:-}" ]; then
        echo "export PIM_TEST_DATABASE_URL='$PIM_TEST_DATABASE_URL'"
        return
    fi
    if answers 127.0.0.1 5432; then
        if command -v psql >/dev/null; then
            psql -h 127.0.0.1 -U postgres -d postgres -tAc \
                "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
                psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >&2
        fi
        echo "export PIM_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test'"
        return
    fi
    own
}

# The throwaway cluster under target/postgres (installing Debian's postgresql if needed).
own() {
    local bin
    if ! bin=$(bindir); then
        say "installing Debian's postgresql"
        if [ "$(id -u)" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
                { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
        else
            sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
        fi
        bin=$(bindir) || { say "no PostgreSQL binaries after installing"; exit 1; }
    fi
    if [ -f "$dir/port" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "export PIM_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres'"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    data=$dir/data
    if [ "$(id -u)" = 0 ]; then
        data=$(mktemp -d /tmp/pim-postgres.XXXXXX)/data
        echo "$data" >"$dir/data-path"
        chown postgres "$(dirname "$data")"
    fi
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >&2
    local port
    port=$(free_port)
    echo "$port" >"$dir/port"
    local sockets
    sockets=$(dirname "$data")
    as_pg "$bin/pg_ctl" -D "$data" -l "$sockets/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $sockets -c max_connections=300" start >&2
    say "started a throwaway cluster on 127.0.0.1:$port ($data)"
    echo "export PIM_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres'"
}

stop() {
    local bin
    if [ -d "$data" ] && bin=$(bindir); then
        as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || true
        [ -f "$dir/data-path" ] && rm -rf "$(dirname "$data")"
        rm -rf "$dir"
    fi
}

case "${1:-}" in
    start) start "${2:-}" ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
