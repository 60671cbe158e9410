# shellcheck shell=bash disable=SC2034  # sets variables for the script that sources it
# What the benchmark scripts (bench/pgbench.sh, bench/txpool.sh) share: tools,
# the sluice binary to measure, a work directory cleaned up on exit, a
# provisioned workspace, `sluice serve` and PgBouncer. Sourced after
# scripts/lib/common.sh, with HERE (bench/) and ROOT set and KEEP defined.

# sluice reads every SLUICE_* variable of its environment as configuration and
# rejects unknown keys: keep the caller's (e.g. a sourced dev.env) away from it.
bench_clean_environment() {
    local name
    while read -r name; do
        # shellcheck disable=SC2163  # the variable named by $name
        export -n "$name"
    done < <(compgen -e | grep '^SLUICE_' || true)
    unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSSLMODE PGOPTIONS PGSERVICE
}

# Installs what is missing; sets PGBENCH, PSQL, PGBOUNCER.
bench_require_tools() {
    local pkg need_install=0
    for pkg in postgresql-15 postgresql-client-15 pgbouncer libpg-query-dev; do
        _apt_installed "$pkg" || need_install=1
    done
    ((need_install)) && install_deps
    PGBENCH="$PG_BIN/pgbench"
    PSQL="$PG_BIN/psql"
    PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
    [[ -x "$PGBENCH" && -x "$PGBOUNCER" ]] || die "pgbench or pgbouncer is missing"
}

# _bench_sync_tree FROM TO: make TO a copy of FROM, rewriting only files whose
# content differs (so an incremental release build recompiles only what changed).
_bench_sync_tree() {
    python3 - "$1" "$2" <<'PY'
import filecmp, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
keep = set()
for root, _, files in os.walk(src):
    rel = os.path.relpath(root, src)
    os.makedirs(os.path.join(dst, rel), exist_ok=True)
    for name in files:
        a, b = os.path.join(root, name), os.path.normpath(os.path.join(dst, rel, name))
        keep.add(b)
        if not (os.path.isfile(b) and filecmp.cmp(a, b, shallow=False)):
            shutil.copyfile(a, b)
for root, _, files in os.walk(dst):
    for name in files:
        if os.path.normpath(os.path.join(root, name)) not in keep:
            os.remove(os.path.join(root, name))
PY
}

# bench_sluice_binary BUILD_DIR: sets SLUICE_BIN and SLUICE_DESCRIPTION.
# BIN=<path> measures that executable as it is. Otherwise Sluice is built in
# release from a copy of Package.swift, Package.resolved, Sources, Tests and bench/floor of
# the working tree (or of REF=<git ref>) in BUILD_DIR/src, scratch path
# BUILD_DIR/build: the main .build is not touched, and edits made to the tree
# while the build runs do not break it.
bench_sluice_binary() {
    local build_dir="$1" stage commit
    SLUICE_DESCRIPTION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "${BIN:-}" ]]; then
        SLUICE_BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
        SLUICE_DESCRIPTION="$SLUICE_BIN"
    else
        stage="$build_dir/stage"
        rm -rf "$stage"
        mkdir -p "$stage" "$build_dir/src"
        if [[ -n "${REF:-}" ]]; then
            commit="$(git -C "$ROOT" rev-parse --verify "$REF^{commit}")" || die "REF=$REF is not a commit"
            git -C "$ROOT" archive "$commit" Package.swift Sources Tests | tar -x -C "$stage"
            # bench/floor is a target of the package since it exists.
            if git -C "$ROOT" cat-file -e "$commit:bench/floor" 2>/dev/null; then
                git -C "$ROOT" archive "$commit" bench/floor | tar -x -C "$stage"
            fi
            SLUICE_DESCRIPTION="${commit:0:7} (REF=$REF)"
        else
            (cd "$ROOT" && cp -R Package.swift Sources Tests "$stage/" && mkdir -p "$stage/bench" && cp -R bench/floor "$stage/bench/")
            git -C "$ROOT" diff --quiet HEAD -- Sources Package.swift bench/floor 2>/dev/null \
                || SLUICE_DESCRIPTION+=" + uncommitted changes"
        fi
        # The same dependency versions as the working tree (Package.resolved is not committed).
        [[ -f "$ROOT/Package.resolved" ]] && cp "$ROOT/Package.resolved" "$stage/"
        _bench_sync_tree "$stage" "$build_dir/src"
        rm -rf "$stage"
        log "building sluice $SLUICE_DESCRIPTION in $build_dir (release)"
        swift build -c release --product sluice --package-path "$build_dir/src" --scratch-path "$build_dir/build" >&2 \
            || die "swift build -c release of sluice failed"
        SLUICE_BIN="$(swift build -c release --package-path "$build_dir/src" --scratch-path "$build_dir/build" --show-bin-path)/sluice"
        if [[ -d "$build_dir/src/bench/floor" ]]; then
            swift build -c release --product bench-floor --package-path "$build_dir/src" --scratch-path "$build_dir/build" >&2 \
                || die "swift build -c release of bench-floor failed"
        fi
    fi
    [[ -x "$SLUICE_BIN" ]] || die "$SLUICE_BIN is not an executable"
}

# bench_workdir NAME: a temporary WORK (logs in WORK/logs, the cluster in
# PG_DIR) that `bench_cleanup` removes on exit, after stopping every process
# in `pids`, PgBouncer and the cluster (kept with KEEP=1 or on failure).
bench_workdir() {
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-$1.XXXXXX")"
    chmod 711 "$WORK" # the postgres user must reach the cluster and PgBouncer's files
    mkdir -p "$WORK/logs"
    PG_DIR="$WORK/pg"
    started_pg=0
    pids=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317  # invoked by the trap
bench_cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    if [[ -f "$WORK/pgbouncer/pgbouncer.pid" ]]; then
        pid="$(cat "$WORK/pgbouncer/pgbouncer.pid" 2>/dev/null || true)"
        if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
    fi
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ((started_pg)) && pg_stop "$PG_DIR"
    if [[ "$KEEP" == 1 || $rc != 0 ]]; then
        log "logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}

# bench_provision ROLE_CONNECTION_LIMIT: `sluice dev` provisions workspace demo
# on UPSTREAMS (master key, operator token, dev.env in STATE) and is stopped
# again; the proxies measured are `sluice serve` on that state. Runs in WORK
# with core dumps allowed, so a proxy that dies leaves its core there.
# Sets STATE and CUSTOMER_PASSWORD (the customer's, which is the server role's too).
bench_provision() {
    local role_connection_limit="$1" dev_pid url
    cd "$WORK" || die "cannot enter $WORK"
    ulimit -c unlimited 2>/dev/null || true
    STATE="$WORK/state"
    mkdir -p "$STATE"
    chmod 700 "$STATE"
    log "provisioning workspace demo with sluice dev"
    env SLUICE_STATE_DIR="$STATE" SLUICE_UPSTREAMS="$UPSTREAMS" SLUICE_PORT="$(free_port)" \
        SLUICE_HTTP_PORT="$(free_port)" SLUICE_LOG_LEVEL=warning SLUICE_BIN="$SLUICE_BIN" \
        SLUICE_CUSTOMER_CONNECTION_LIMIT="$role_connection_limit" \
        "$SLUICE_BIN" dev >"$WORK/logs/sluice-dev.log" 2>&1 &
    dev_pid=$!
    pids+=("$dev_pid")
    for _ in $(seq 1 600); do
        [[ -s "$STATE/dev.env" ]] && break
        kill -0 "$dev_pid" 2>/dev/null || { tail -n 30 "$WORK/logs/sluice-dev.log" >&2; die "sluice dev exited"; }
        sleep 0.2
    done
    [[ -s "$STATE/dev.env" ]] || { tail -n 30 "$WORK/logs/sluice-dev.log" >&2; die "sluice dev wrote no dev.env within 120s"; }
    url="$(sed -n 's/^DATABASE_URL=//p' "$STATE/dev.env" | sed "s/^'//; s/'$//")"
    [[ -n "$url" ]] || die "no DATABASE_URL in $STATE/dev.env"
    kill -TERM "$dev_pid" 2>/dev/null || true
    wait "$dev_pid" 2>/dev/null || true
    pids=()
    CUSTOMER_PASSWORD="$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlsplit(sys.argv[1]).password or ""))' "$url")"
    [[ -n "$CUSTOMER_PASSWORD" ]] || die "cannot read the customer password from the revealed URI"
}

# bench_start_sluice NAME PORT ROLE_CONNECTION_LIMIT [SLUICE_KEY=value ...]:
# `sluice serve` on the provisioned state, its log in WORK/logs/NAME.log.
# Sets SLUICE_STARTED_PID; returns once it listens.
bench_start_sluice() {
    local name="$1" port="$2" role_connection_limit="$3"
    shift 3
    log "starting sluice serve ($name${*:+, $*}) on 127.0.0.1:$port"
    mkdir -p "$WORK/state-$name"
    chmod 700 "$WORK/state-$name"
    env SLUICE_STATE_DIR="$WORK/state-$name" SLUICE_MASTER_KEY_FILE="$STATE/master.key" \
        SLUICE_OPERATOR_TOKEN_FILE="$STATE/operator.token" SLUICE_UPSTREAMS="$UPSTREAMS" \
        SLUICE_PORT="$port" SLUICE_HTTP_PORT="$(free_port)" SLUICE_LOG_LEVEL=warning \
        SLUICE_CUSTOMER_CONNECTION_LIMIT="$role_connection_limit" "$@" \
        "$SLUICE_BIN" serve >"$WORK/logs/$name.log" 2>&1 &
    SLUICE_STARTED_PID=$!
    pids+=("$SLUICE_STARTED_PID")
    wait_port 127.0.0.1 "$port" 60 || { tail -n 30 "$WORK/logs/$name.log" >&2; die "sluice serve ($name) did not start"; }
}

# The customer role's SCRAM verifier, as the server stores it (PgBouncer's auth_file needs it).
bench_customer_verifier() {
    local verifier
    verifier="$("$PSQL" "$SUPERUSER_URL" -Atq -c "SELECT rolpassword FROM pg_authid WHERE rolname = 'ws_demo_customer'")"
    [[ "$verifier" == SCRAM-SHA-256* ]] || die "ws_demo_customer has no SCRAM verifier"
    printf '%s\n' "$verifier"
}

# bench_start_pgbouncer DATABASES SETTINGS: PgBouncer with SCRAM (the
# customer's verifier) in WORK/pgbouncer, DATABASES the lines of its
# `[databases]` section, SETTINGS more lines of `[pgbouncer]` (pool mode and
# sizes) after the listen, auth and log settings.
# Sets PGB_PORT and PGB_PID. As root it runs as postgres through setpriv, not
# runuser: runuser's PAM session resets the open-file limit to 1024, and
# PgBouncer needs one descriptor per client.
bench_start_pgbouncer() {
    local databases="$1" settings="$2"
    PGB_PORT="$(free_port)"
    mkdir -p "$WORK/pgbouncer"
    printf '"ws_demo_customer" "%s"\n' "$(bench_customer_verifier)" >"$WORK/pgbouncer/userlist.txt"
    cat >"$WORK/pgbouncer/pgbouncer.ini" <<INI
[databases]
$databases

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/pgbouncer/userlist.txt
logfile = $WORK/pgbouncer/pgbouncer.log
pidfile = $WORK/pgbouncer/pgbouncer.pid
log_connections = 0
log_disconnections = 0
$settings
INI
    chmod 700 "$WORK/pgbouncer"
    chmod 600 "$WORK/pgbouncer/userlist.txt" "$WORK/pgbouncer/pgbouncer.ini"
    if [[ "$(id -u)" == 0 ]]; then
        chown -R postgres:postgres "$WORK/pgbouncer"
        setpriv --reuid=postgres --regid=postgres --init-groups -- \
            "$PGBOUNCER" -d "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/logs/pgbouncer-start.log" 2>&1
    else
        "$PGBOUNCER" -d "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/logs/pgbouncer-start.log" 2>&1
    fi
    wait_port 127.0.0.1 "$PGB_PORT" 30 \
        || { cat "$WORK/logs/pgbouncer-start.log" "$WORK/pgbouncer/pgbouncer.log" >&2 || true; die "PgBouncer did not start"; }
    PGB_PID="$(cat "$WORK/pgbouncer/pgbouncer.pid")"
}
