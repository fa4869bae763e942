#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL cluster for the loader tests.
#
# Why a script: CI machines start with no database server running, and the
# PostgreSQL tests must hit a real server, not a stub. The cluster lives in a
# temp folder, listens on loopback only, trusts local connections, and runs
# with fsync off: it holds nothing worth keeping.
#
# Usage:
#   source .ci/postgres.sh                # start; exports ETK_TEST_POSTGRES_DSN in this shell
#   eval "$(bash .ci/postgres.sh)"        # the same, without sourcing
#   bash .ci/postgres.sh stop             # stop it and remove its folder
#
# Run as a script, only the export line goes to stdout; progress goes to stderr.
# Idempotent: a cluster already running on the port is reused.
# Settings (env): ETK_PG_PORT (54329), ETK_PG_DIR (/tmp/etk-pg-$ETK_PG_PORT),
# ETK_PG_DB (etk_test).

if (return 0 2>/dev/null); then
    # Sourced: run this file as a script (so `set -e` and its variables stay out of the
    # caller's shell) and export what it prints. A failure fails the caller under `set -e`.
    _etk_pg_out="$(bash "${BASH_SOURCE[0]}" "$@")" || { unset _etk_pg_out; return 1; }
    eval "$_etk_pg_out"
    echo "postgres.sh: ETK_TEST_POSTGRES_DSN=${ETK_TEST_POSTGRES_DSN:-}" >&2
    unset _etk_pg_out
    return 0
fi

set -euo pipefail

PORT="${ETK_PG_PORT:-54329}"
DIR="${ETK_PG_DIR:-/tmp/etk-pg-$PORT}"
DB="${ETK_PG_DB:-etk_test}"
DATA="$DIR/data"
DSN="postgresql://postgres@127.0.0.1:$PORT/$DB"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
    d="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
    if [ -x "$d/initdb" ]; then echo "$d"; fi
}

# Run a server binary as an unprivileged user: postgres refuses to run as root.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BIN="$(find_bindir)"
if [ -z "$BIN" ]; then
    if [ "$(id -u)" != 0 ]; then
        log "no PostgreSQL server binaries found and not root: install postgresql first"
        exit 1
    fi
    log "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN="$(find_bindir)"
fi

if [ "${1:-start}" = "stop" ]; then
    if [ -f "$DATA/PG_VERSION" ]; then
        as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    log "stopped and removed $DIR"
    exit 0
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir "$DIR" --shell /usr/sbin/nologin postgres
fi

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    if [ ! -f "$DATA/PG_VERSION" ]; then
        log "initdb in $DATA"
        as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    fi
    log "starting on 127.0.0.1:$PORT"
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2
fi

if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi

log "ready: $DSN"
echo "export ETK_TEST_POSTGRES_DSN=$DSN"
