#!/usr/bin/env bash
# Run Sluice locally on the embedded default (operations.md, "The two commands").
#
#   scripts/dev.sh
#
# Installs what is missing, makes the development certificates, builds sluice,
# starts (or reuses) a private PostgreSQL 15 cluster under .sluice/pg on
# 127.0.0.1:${SLUICE_PG_PORT:-5432} (a free port when 5432 is taken and
# SLUICE_PG_PORT is not set), then runs `sluice dev` in the foreground
# (proxy on ${SLUICE_PORT:-6432}, HTTP API on ${SLUICE_HTTP_PORT:-8080}).
# `sluice dev` creates workspace `demo`, prints the URIs and writes .sluice/dev.env.
# Ctrl-C / SIGTERM stops sluice and the cluster this script started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/scripts/lib/common.sh"

STATE_DIR="$ROOT/.sluice"
PG_DIR="${SLUICE_PG_DIR:-$STATE_DIR/pg}"
PG_PORT="${SLUICE_PG_PORT:-5432}"
PROXY_PORT="${SLUICE_PORT:-6432}"
HTTP_PORT="${SLUICE_HTTP_PORT:-8080}"

install_deps
"$ROOT/scripts/gen-certs.sh"
SLUICE_BIN="$(build_sluice)"

for p in "$PROXY_PORT" "$HTTP_PORT"; do
    if port_in_use "$p"; then
        die "port $p on 127.0.0.1 is already in use (set SLUICE_PORT / SLUICE_HTTP_PORT to move the proxy and the API)"
    fi
done

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR" 2>/dev/null || true
if [[ "$(id -u)" == 0 ]]; then
    # The postgres user must be able to reach the cluster directory inside .sluice.
    chmod 711 "$STATE_DIR"
fi

started_pg=0
if _pg_running "$PG_DIR"; then
    if [[ -z "${SLUICE_PG_PORT:-}" ]]; then
        PG_PORT="$(_pg_port "$PG_DIR")"
    elif [[ "$(_pg_port "$PG_DIR")" != "$PG_PORT" ]]; then
        die "the cluster in $PG_DIR already runs on port $(_pg_port "$PG_DIR"), not $PG_PORT; stop it or set SLUICE_PG_PORT"
    fi
    log "reusing the PostgreSQL cluster already running in $PG_DIR on port $PG_PORT"
else
    if port_in_use "$PG_PORT"; then
        if [[ -n "${SLUICE_PG_PORT:-}" ]]; then
            die "port $PG_PORT on 127.0.0.1 is in use by something other than this repository's cluster ($PG_DIR); stop it or set SLUICE_PG_PORT to another port"
        fi
        # The default port is taken (on a fresh Debian, installing postgresql-15 starts the
        # system's own cluster there): the private cluster takes a free port instead.
        # The first free one after it, so that the next run finds the same port.
        PG_PORT=5433
        while port_in_use "$PG_PORT"; do
            ((PG_PORT < 5532)) || die "no free port in 5433-5532 for the private cluster; set SLUICE_PG_PORT"
            PG_PORT=$((PG_PORT + 1))
        done
        log "port 5432 is in use by something else; the private cluster uses port $PG_PORT"
    fi
    pg_start "$PG_DIR" "$PG_PORT"
    started_pg=1
fi

sluice_pid=""
# shellcheck disable=SC2317  # invoked by the traps
cleanup() {
    local rc=$?
    trap - INT TERM EXIT
    if [[ -n "$sluice_pid" ]] && kill -0 "$sluice_pid" 2>/dev/null; then
        kill -TERM "$sluice_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$sluice_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$sluice_pid" 2>/dev/null; then
            log "sluice did not stop within 10s; killing it"
            kill -KILL "$sluice_pid" 2>/dev/null || true
        fi
        wait "$sluice_pid" 2>/dev/null || true
    fi
    if ((started_pg)); then
        pg_stop "$PG_DIR"
    fi
    exit "$rc"
}
# shellcheck disable=SC2317
on_signal() {
    log "stopping"
    exit 0
}
trap cleanup EXIT
trap on_signal INT TERM

# sluice reads every SLUICE_* variable as configuration and rejects unknown keys.
unset SLUICE_PG_DIR
export SLUICE_STATE_DIR="$STATE_DIR"
SLUICE_UPSTREAMS="$(pg_superuser_url "$PG_DIR" "$PG_PORT")?name=primary"
export SLUICE_UPSTREAMS
export SLUICE_PORT="$PROXY_PORT"
export SLUICE_HTTP_PORT="$HTTP_PORT"
export SLUICE_TLS_CERT="$ROOT/certs/server.pem"
export SLUICE_TLS_KEY="$ROOT/certs/server-key.pem"
export SLUICE_BIN

log "starting $SLUICE_BIN dev (proxy 127.0.0.1:$PROXY_PORT, API 127.0.0.1:$HTTP_PORT, PostgreSQL 127.0.0.1:$PG_PORT)"
"$SLUICE_BIN" dev &
sluice_pid=$!
set +e
wait "$sluice_pid"
rc=$?
set -e
sluice_pid=""
exit "$rc"
