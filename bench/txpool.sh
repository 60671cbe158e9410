#!/usr/bin/env bash
# Transaction pooling: Sluice vs PgBouncer vs direct, as issue 4 specifies it
# (bench/README.md, "bench/txpool.sh").
#
#   bench/txpool.sh
#
# Environment (all optional):
#   ROUNDS=3          rounds; each runs every target once per mode, in an order rotated per round
#   DURATION=10       seconds per pgbench run (-T)
#   MODES="..."       run only these modes (default: all, in this order):
#                       select-simple select-extended select-prepared tpcb-extended
#                       connect-c16 connect-c8 extended-c256 rows-1000
#                     (rows-1000, not in issue 4's list: 1,000 rows of 4 columns per
#                     transaction, the forwarding of result rows)
#   POOL=20           server connections per pooler: PgBouncer default_pool_size=POOL,
#                     Sluice SLUICE_THREADS=LOOPS x SLUICE_POOL_SIZE=POOL/LOOPS
#   LOOPS=2           Sluice event loops (SLUICE_THREADS)
#   TARGETS="direct pgbouncer sluice"
#                     targets to run; sluice_session (the same proxy, session pooling
#                     through options=-csluice.pooling=session) shows what transaction
#                     pooling itself costs; floor (bench/floor: a SwiftNIO byte pump in front
#                     of PostgreSQL, one server connection per client, nothing parsed) shows
#                     what any NIO-based proxy costs at least on this machine
#   FLOOR_BIN=<path>  the bench-floor executable (default: beside the sluice executable)
#   SCALE=1           pgbench -i scale (100,000 accounts per unit)
#   IDLE_CLIENTS=10000   idle client connections for the RSS test; 0 skips it
#   IDLE_CONCURRENCY=200 SCRAM handshakes in flight at most while opening them
#   KEEP=0            1 keeps the temporary directory (logs, pgbench output) after the run
#   REF=<git ref>     benchmark that commit (git archive into bench/.build-bench/src)
#   BIN=<path>        benchmark this sluice executable as it is (no build)
#   BIN_B=<path>      a second sluice executable, target sluice_b (transaction pooling,
#                     same settings): compare two builds side by side in one run, e.g.
#                     TARGETS="sluice sluice_b" BIN=new BIN_B=old
#
# Without BIN, Sluice is built in release in bench/.build-bench (git-ignored;
# bench/lib.sh, bench_sluice_binary): the main .build is not touched.
#
# Starts its own throwaway PostgreSQL 15 cluster, one `sluice dev` (which
# provisions workspace demo, then stops), one `sluice serve` on that state
# (policy on, no TLS) and PgBouncer (transaction mode, SCRAM); stops all of
# them on exit. Every target logs in as the workspace's customer role.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
POOL="${POOL:-20}"
LOOPS="${LOOPS:-2}"
SCALE="${SCALE:-1}"
IDLE_CLIENTS="${IDLE_CLIENTS:-10000}"
IDLE_CONCURRENCY="${IDLE_CONCURRENCY:-200}"
KEEP="${KEEP:-0}"
ALL_MODES=(select-simple select-extended select-prepared tpcb-extended connect-c16 connect-c8 extended-c256 rows-1000)
read -r -a MODES <<<"${MODES:-${ALL_MODES[*]}}"
for mode in "${MODES[@]}"; do
    [[ " ${ALL_MODES[*]} " == *" $mode "* ]] || die "unknown mode $mode (known: ${ALL_MODES[*]})"
done
((POOL % LOOPS == 0)) || die "POOL=$POOL is not a multiple of LOOPS=$LOOPS"
SLUICE_POOL_PER_LOOP=$((POOL / LOOPS))
JOBS=2
BIG_CLIENTS=256

bench_clean_environment

# ---------------------------------------------------------------- dependencies
bench_require_tools
bench_sluice_binary "$HERE/.build-bench"

# ---------------------------------------------------------------- processes
# 10,000 idle clients need 10,000 descriptors in the proxy (and in the client).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if ((IDLE_CLIENTS > 0 && $(ulimit -n) < IDLE_CLIENTS + 500)); then
    log "warning: open-file limit $(ulimit -n) is below $((IDLE_CLIENTS + 500)): the idle-client test will fail"
fi

bench_workdir txpool

# The customer role's server connections: 256 direct clients, plus the idle
# server connections both poolers keep meanwhile, plus slack.
ROLE_CONNECTION_LIMIT=$((BIG_CLIENTS + 3 * POOL + 50))
PG_MAX_CONNECTIONS=$((ROLE_CONNECTION_LIMIT + 50))

PG_PORT="$(free_port)"
pg_start "$PG_DIR" "$PG_PORT"
started_pg=1
# pg_start runs the cluster with max_connections=300: the -c 256 direct run
# needs more, so restart it with the same options and a larger limit.
pg_stop "$PG_DIR"
log "starting PostgreSQL on 127.0.0.1:$PG_PORT with max_connections=$PG_MAX_CONNECTIONS"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=$PG_MAX_CONNECTIONS -c shared_buffers=64MB" \
    start >/dev/null || { tail -n 30 "$PG_DIR/postgres.log" >&2 || true; die "PostgreSQL did not restart"; }
SUPERUSER_URL="$(pg_superuser_url "$PG_DIR" "$PG_PORT")"
UPSTREAMS="$SUPERUSER_URL?name=primary"
# The direct target does SCRAM too (pg_start's pg_hba: host ... 127.0.0.1/32 scram-sha-256).
grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+scram-sha-256' "$PG_DIR/data/pg_hba.conf" \
    || die "pg_hba.conf has no scram-sha-256 line for 127.0.0.1"

bench_provision "$ROLE_CONNECTION_LIMIT"
SLUICE_PORT="$(free_port)"
bench_start_sluice sluice "$SLUICE_PORT" "$ROLE_CONNECTION_LIMIT" \
    SLUICE_POLICY=true SLUICE_THREADS="$LOOPS" SLUICE_POOL_SIZE="$SLUICE_POOL_PER_LOOP"
SLUICE_PID="$SLUICE_STARTED_PID"
SLUICE_B_PID="" SLUICE_B_PORT=""
if [[ -n "${BIN_B:-}" ]]; then
    [[ -x "$BIN_B" ]] || die "BIN_B=$BIN_B is not an executable"
    SLUICE_B_PORT="$(free_port)"
    SLUICE_BIN="$BIN_B" bench_start_sluice sluice_b "$SLUICE_B_PORT" "$ROLE_CONNECTION_LIMIT" \
        SLUICE_POLICY=true SLUICE_THREADS="$LOOPS" SLUICE_POOL_SIZE="$SLUICE_POOL_PER_LOOP"
    SLUICE_B_PID="$SLUICE_STARTED_PID"
fi

# ---------------------------------------------------------------- data
# pgbench -i as the superuser with search_path=storage, so the four tables land
# in the workspace's storage schema; then the customer owns them.
log "loading the pgbench tables (scale $SCALE) into ws_demo's storage schema"
PGOPTIONS='-c search_path=storage' "$PGBENCH" -i -q -s "$SCALE" "$(pg_superuser_url "$PG_DIR" "$PG_PORT" ws_demo)" \
    >"$WORK/logs/pgbench-init.log" 2>&1 || { cat "$WORK/logs/pgbench-init.log" >&2; die "pgbench -i failed"; }
"$PSQL" "$(pg_superuser_url "$PG_DIR" "$PG_PORT" ws_demo)" -q -v ON_ERROR_STOP=1 >"$WORK/logs/setup.log" 2>&1 <<'SQL' \
    || { cat "$WORK/logs/setup.log" >&2; die "data setup failed"; }
ALTER TABLE storage.pgbench_accounts OWNER TO ws_demo_customer;
ALTER TABLE storage.pgbench_branches OWNER TO ws_demo_customer;
ALTER TABLE storage.pgbench_tellers OWNER TO ws_demo_customer;
ALTER TABLE storage.pgbench_history OWNER TO ws_demo_customer;
SQL
VERIFIER="$(bench_customer_verifier)"
PG_SCRAM_ITERATIONS="${VERIFIER#SCRAM-SHA-256\$}"
PG_SCRAM_ITERATIONS="${PG_SCRAM_ITERATIONS%%:*}"
ROLE_SEARCH_PATH="$("$PSQL" "$SUPERUSER_URL" -Atq -c "SELECT coalesce(array_to_string(setconfig, ' '), '(none)') FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'ws_demo_customer'")"

# ---------------------------------------------------------------- PgBouncer
# No user in [databases]: PgBouncer logs into PostgreSQL as the client's role
# with the SCRAM keys of the client's own login. The server-connection cap is
# Sluice's SLUICE_THREADS x SLUICE_POOL_SIZE.
bench_start_pgbouncer "ws_demo = host=127.0.0.1 port=$PG_PORT dbname=ws_demo" "pool_mode = transaction
default_pool_size = $POOL
max_client_conn = $((IDLE_CLIENTS + 500 > 10100 ? IDLE_CLIENTS + 500 : 10100))"
PGB_VERSION="$("$PGBOUNCER" --version 2>/dev/null | head -n 1)"
nofile() { awk '/^Max open files/ {print $4}' "/proc/$1/limits" 2>/dev/null || echo '?'; }
for pid_name in "$SLUICE_PID:sluice" "$PGB_PID:pgbouncer"; do
    if ((IDLE_CLIENTS > 0)) && [[ "$(nofile "${pid_name%%:*}")" =~ ^[0-9]+$ ]] \
        && (($(nofile "${pid_name%%:*}") < IDLE_CLIENTS + 100)); then
        log "warning: ${pid_name#*:} may open only $(nofile "${pid_name%%:*}") files: too few for $IDLE_CLIENTS idle clients"
    fi
done

# ---------------------------------------------------------------- targets
# Passwords go through a passfile, never the command line.
export PGPASSFILE="$WORK/pgpass"
escaped_password="$(printf '%s' "$CUSTOMER_PASSWORD" | sed 's/[\\:]/\\&/g')"
{
    printf '127.0.0.1:%s:ws_demo:ws_demo_customer:%s\n' "$PG_PORT" "$escaped_password"
    printf '127.0.0.1:%s:ws_demo:ws_demo_customer:%s\n' "$PGB_PORT" "$escaped_password"
    printf '127.0.0.1:%s:customer_db:customer.demo:%s\n' "$SLUICE_PORT" "$escaped_password"
    [[ -z "$SLUICE_B_PORT" ]] || printf '127.0.0.1:%s:customer_db:customer.demo:%s\n' "$SLUICE_B_PORT" "$escaped_password"
} >"$PGPASSFILE"
chmod 600 "$PGPASSFILE"

read -r -a TARGETS <<<"${TARGETS:-direct pgbouncer sluice}"
declare -A CONNINFO=(
    [direct]="host=127.0.0.1 port=$PG_PORT user=ws_demo_customer dbname=ws_demo sslmode=disable"
    [pgbouncer]="host=127.0.0.1 port=$PGB_PORT user=ws_demo_customer dbname=ws_demo sslmode=disable"
    # the pooled URI: no options, so transaction pooling
    [sluice]="host=127.0.0.1 port=$SLUICE_PORT user=customer.demo dbname=customer_db sslmode=disable"
    [sluice_session]="host=127.0.0.1 port=$SLUICE_PORT user=customer.demo dbname=customer_db sslmode=disable options=-csluice.pooling=session"
)
# floor: bench/floor's NIO byte pump in front of PostgreSQL (one server connection per
# client, nothing parsed): what any SwiftNIO proxy costs per transaction at least.
FLOOR_PID=""
if [[ " ${TARGETS[*]} " == *" floor "* ]]; then
    FLOOR_BIN="${FLOOR_BIN:-$(dirname "$SLUICE_BIN")/bench-floor}"
    [[ -x "$FLOOR_BIN" ]] || die "target floor needs $FLOOR_BIN (swift build -c release --product bench-floor, or FLOOR_BIN=)"
    FLOOR_PORT="$(free_port)"
    "$FLOOR_BIN" "$FLOOR_PORT" "$PG_PORT" "$LOOPS" >"$WORK/logs/floor.log" 2>&1 &
    FLOOR_PID=$!
    pids+=("$FLOOR_PID")
    wait_port 127.0.0.1 "$FLOOR_PORT" 10 || die "bench-floor did not listen (see $WORK/logs/floor.log)"
    printf '127.0.0.1:%s:ws_demo:ws_demo_customer:%s\n' "$FLOOR_PORT" "$escaped_password" >>"$PGPASSFILE"
    CONNINFO[floor]="host=127.0.0.1 port=$FLOOR_PORT user=ws_demo_customer dbname=ws_demo sslmode=disable"
fi
[[ -z "$SLUICE_B_PORT" ]] || CONNINFO[sluice_b]="host=127.0.0.1 port=$SLUICE_B_PORT user=customer.demo dbname=customer_db sslmode=disable"

for target in "${TARGETS[@]}"; do
    [[ -n "${CONNINFO[$target]:-}" ]] || die "unknown target $target (known: ${!CONNINFO[*]})"
done
ACCOUNTS=$((100000 * SCALE))
for target in "${TARGETS[@]}"; do
    count="$("$PSQL" "${CONNINFO[$target]}" -Atq -c 'SELECT count(*) FROM storage.pgbench_accounts' 2>"$WORK/logs/check-$target.log")" \
        || { cat "$WORK/logs/check-$target.log" >&2; die "target $target: cannot query storage.pgbench_accounts"; }
    [[ "$count" == "$ACCOUNTS" ]] || die "target $target sees $count rows, not $ACCOUNTS"
done

# pgbench's built-in scripts with every table schema-qualified: the
# customer's search_path is empty, and the policy allows writes only to
# tables written as storage.<name>.
SELECT_SCRIPT="$WORK/select-only.sql"
cat >"$SELECT_SCRIPT" <<'SQL'
\set aid random(1, 100000 * :scale)
SELECT abalance FROM storage.pgbench_accounts WHERE aid = :aid;
SQL
TPCB_SCRIPT="$WORK/tpcb-like.sql"
cat >"$TPCB_SCRIPT" <<'SQL'
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE storage.pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM storage.pgbench_accounts WHERE aid = :aid;
UPDATE storage.pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE storage.pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO storage.pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
SQL

ROWS_SCRIPT="$WORK/rows-1000.sql"
cat >"$ROWS_SCRIPT" <<'SQL'
\set aid random(1, 100000 * :scale - 1000)
SELECT * FROM storage.pgbench_accounts WHERE aid >= :aid ORDER BY aid LIMIT 1000;
SQL

# One transaction of each script through every target, so a denial shows up
# before minutes of runs (reported, not fatal: the runs will show it too).
for target in "${TARGETS[@]}"; do
    for script in "$SELECT_SCRIPT" "$TPCB_SCRIPT"; do
        out="$WORK/logs/preflight-$target-$(basename "$script" .sql).log"
        if ! "$PGBENCH" -n -c 1 -t 1 -s "$SCALE" -M extended -f "$script" "${CONNINFO[$target]}" >"$out" 2>&1 \
            || grep -q 'error' "$out"; then
            log "warning: $(basename "$script") fails on $target:"
            grep -m 3 -i 'error' "$out" >&2 || tail -n 3 "$out" >&2
        fi
    done
done

# mode -> "clients|pgbench flags|script"
declare -A MODE_SPEC=(
    [select-simple]="16|-M simple|$SELECT_SCRIPT"
    [select-extended]="16|-M extended|$SELECT_SCRIPT"
    [select-prepared]="16|-M prepared|$SELECT_SCRIPT"
    [tpcb-extended]="16|-M extended|$TPCB_SCRIPT"
    [connect-c16]="16|-C -M simple|$SELECT_SCRIPT"
    [connect-c8]="8|-C -M simple|$SELECT_SCRIPT"
    [extended-c256]="$BIG_CLIENTS|-M extended|$SELECT_SCRIPT"
    [rows-1000]="16|-M extended|$ROWS_SCRIPT"
)

RESULTS="$WORK/results.tsv"
: >"$RESULTS"

SLUICE_DEAD=""
check_alive() {
    [[ -z "$SLUICE_DEAD" ]] || return 0
    kill -0 "$SLUICE_PID" 2>/dev/null && return 0
    local status=0
    wait "$SLUICE_PID" 2>/dev/null || status=$?
    SLUICE_DEAD="$status"
    if ((status > 128)); then
        log "SLUICE DIED: pid $SLUICE_PID was killed by signal $((status - 128)) ($(kill -l "$((status - 128))" 2>/dev/null || echo '?'))"
    else
        log "SLUICE DIED: pid $SLUICE_PID exited with status $status"
    fi
    log "  its log: $WORK/logs/sluice.log (last lines below); core files, if any: $WORK/core*"
    tail -n 20 "$WORK/logs/sluice.log" >&2 || true
    KEEP=1
}

# CPU time (clock ticks, user + system) of the pooler processes and of the
# whole PostgreSQL cluster (the postmaster, its live children, and what its
# exited children used, which the kernel adds to the postmaster's cutime).
CLK_TCK="$(getconf CLK_TCK)"
proc_ticks() {  # PID [with-children]: utime+stime (+cutime+cstime) of one process, 0 if gone
    local stat rest f
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
    rest="${stat##*) }"  # the fields after the command name, from field 3 (state) on
    read -r -a f <<<"$rest"
    if [[ "${2:-}" == with-children ]]; then echo $((f[11] + f[12] + f[13] + f[14])); else echo $((f[11] + f[12])); fi
}
postgres_ticks() {
    local postmaster total child children=()
    postmaster="$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)" || { echo 0; return; }
    total="$(proc_ticks "$postmaster" with-children)"
    read -r -a children <"/proc/$postmaster/task/$postmaster/children" 2>/dev/null || true
    for child in "${children[@]}"; do
        total=$((total + $(proc_ticks "$child")))
    done
    echo "$total"
}

run_one() {
    local mode="$1" target="$2" round="$3" clients flags script out
    IFS='|' read -r clients flags script <<<"${MODE_SPEC[$mode]}"
    check_alive
    if [[ "$mode" == tpcb-extended ]]; then
        # what pgbench's built-in TPC-B does before a run (the run uses -n)
        "$PSQL" "$(pg_superuser_url "$PG_DIR" "$PG_PORT" ws_demo)" -q \
            -c 'VACUUM storage.pgbench_branches, storage.pgbench_tellers' \
            -c 'TRUNCATE storage.pgbench_history' >>"$WORK/logs/vacuum.log" 2>&1 || true
    fi
    out="$WORK/logs/pgbench-$mode-$target-$round.log"
    local rc=0 sluice0 pgb0 pg0 client_ticks
    sluice0="$(proc_ticks "$SLUICE_PID")" pgb0="$(proc_ticks "$PGB_PID")" pg0="$(postgres_ticks)"
    local sluice_b0=0 floor0=0
    [[ -z "$FLOOR_PID" ]] || floor0="$(proc_ticks "$FLOOR_PID")"
    [[ -z "$SLUICE_B_PID" ]] || sluice_b0="$(proc_ticks "$SLUICE_B_PID")"
    # In a subshell that reads its own children's CPU time (pgbench's) when pgbench is done.
    # shellcheck disable=SC2086  # $flags is a list of options
    client_ticks="$(
        "$PGBENCH" -n -c "$clients" -j "$JOBS" -T "$DURATION" -s "$SCALE" $flags -f "$script" \
            "${CONNINFO[$target]}" >"$out" 2>&1 || echo "rc=$?"
        read -r stat <"/proc/$BASHPID/stat"; read -r -a f <<<"${stat##*) }"; echo $((f[13] + f[14]))
    )"
    [[ "$client_ticks" == rc=* ]] && { rc="${client_ticks%%$'\n'*}"; rc="${rc#rc=}"; client_ticks="${client_ticks##*$'\n'}"; }
    local cpu_pooler=0 cpu_pg cpu_client
    case "$target" in
        sluice_b) cpu_pooler=$(($(proc_ticks "$SLUICE_B_PID") - sluice_b0)) ;;
        sluice*) cpu_pooler=$(($(proc_ticks "$SLUICE_PID") - sluice0)) ;;
        pgbouncer) cpu_pooler=$(($(proc_ticks "$PGB_PID") - pgb0)) ;;
        floor) cpu_pooler=$(($(proc_ticks "$FLOOR_PID") - floor0)) ;;
    esac
    cpu_pg=$(($(postgres_ticks) - pg0))
    cpu_client="$client_ticks"
    local tps latency failed error
    tps="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out" | head -n 1)"
    latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$out" | head -n 1)"
    failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out" | head -n 1)"
    error="$(grep -m 1 -i 'error' "$out" | tr '\t' ' ' | cut -c 1-240 || true)"
    if [[ $rc != 0 || -z "$tps" ]]; then
        log "pgbench $mode $target round $round failed (exit $rc); see $out"
        grep -m 3 -i 'error' "$out" >&2 || tail -n 3 "$out" >&2 || true
    fi
    local processed
    processed="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out" | head -n 1)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$target" "$round" "${tps:-nan}" "${latency:-nan}" \
        "${failed:-0}" "$rc" "$(tr '\t' ' ' <<<"$error")" "${processed:-0}" "$cpu_pooler" "$cpu_pg" "${cpu_client:-0}" "$CLK_TCK" >>"$RESULTS"
    log "$(printf '%-16s round %s  %-9s tps %10s  latency %8s ms%s' "$mode" "$round" "$target" "${tps:-?}" "${latency:-?}" \
        "$([[ $rc == 0 ]] || echo "  (exit $rc)")")"
}

total=$((${#MODES[@]} * ROUNDS * ${#TARGETS[@]}))
log "running $total pgbench runs of ${DURATION}s (${ROUNDS} rounds x ${#TARGETS[@]} targets x ${#MODES[@]} modes)"
for mode in "${MODES[@]}"; do
    for ((round = 1; round <= ROUNDS; round++)); do
        n=${#TARGETS[@]}
        for ((i = 0; i < n; i++)); do
            run_one "$mode" "${TARGETS[$(((i + round - 1) % n))]}" "$round"
        done
    done
done

# ---------------------------------------------------------------- idle clients
# RSS of the pooler's process before and with IDLE_CLIENTS idle, logged-in
# client connections (bench/idle_clients.py), and how many server connections
# the customer role has meanwhile.
IDLE_RESULTS="$WORK/idle.tsv"
: >"$IDLE_RESULTS"
server_connections() {
    "$PSQL" "$SUPERUSER_URL" -Atq -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'ws_demo_customer'" 2>/dev/null || echo '?'
}
rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo nan; }

idle_test() {
    local name="$1" pid="$2" port="$3" user="$4" database="$5"
    local out="$WORK/logs/idle-$name.out" err="$WORK/logs/idle-$name.log"
    local before_servers during_servers ready="" closing rss_closed
    check_alive
    if ! kill -0 "$pid" 2>/dev/null; then
        printf '%s\t%s\n' "$name" '{"event": "ready", "error": "process not running"}' >>"$IDLE_RESULTS"
        return
    fi
    before_servers="$(server_connections)"
    log "idle clients: opening $IDLE_CLIENTS connections to $name (pid $pid, open-file limit $(nofile "$pid"))"
    IDLE_PASSWORD="$CUSTOMER_PASSWORD" python3 "$HERE/idle_clients.py" --host 127.0.0.1 --port "$port" \
        --user "$user" --database "$database" --count "$IDLE_CLIENTS" --concurrency "$IDLE_CONCURRENCY" \
        --rss-pid "$pid" --settle 3 >"$out" 2>"$err" &
    idle_pid=$!
    pids+=("$idle_pid")
    for _ in $(seq 1 3000); do
        ready="$(grep -m 1 '"event": "ready"' "$out" || true)"
        [[ -n "$ready" ]] && break
        kill -0 "$idle_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [[ -z "$ready" ]]; then
        log "idle clients against $name: no result; see $err"
        tail -n 5 "$err" >&2 || true
        kill -TERM "$idle_pid" 2>/dev/null || true
        wait "$idle_pid" 2>/dev/null || true
        idle_pid=""
        printf '%s\t%s\n' "$name" '{"event": "ready", "error": "idle_clients.py gave no result"}' >>"$IDLE_RESULTS"
        KEEP=1
        return
    fi
    during_servers="$(server_connections)"
    kill -TERM "$idle_pid" 2>/dev/null || true
    wait "$idle_pid" 2>/dev/null || true
    idle_pid=""
    closing="$(grep -m 1 '"event": "closing"' "$out" || echo '{}')"
    sleep 3
    rss_closed="$(rss_of "$pid")"
    python3 - "$name" "$ready" "$closing" "$before_servers" "$during_servers" "$rss_closed" >>"$IDLE_RESULTS" <<'PY'
import json, sys
name, ready, closing, before, during, closed = sys.argv[1:]
data = json.loads(ready)
data["alive_at_close"] = json.loads(closing).get("alive")
data["server_connections_before"] = before
data["server_connections_during"] = during
data["rss_after_close_kib"] = closed
print(name + "\t" + json.dumps(data))
PY
    log "idle clients against $name: $ready"
}

if ((IDLE_CLIENTS > 0)); then
    idle_test sluice "$SLUICE_PID" "$SLUICE_PORT" customer.demo customer_db
    idle_test pgbouncer "$PGB_PID" "$PGB_PORT" ws_demo_customer ws_demo
fi

# ---------------------------------------------------------------- report
check_alive
SLUICE_LOG_LINES="$(grep -c -E 'error|warning|critical' "$WORK/logs/sluice.log" || true)"
printf '\nSluice transaction pooling (issue 4) — %s, %s cores (%s), sluice %s\n' \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(uname -n)" "$SLUICE_DESCRIPTION"
printf 'pgbench -n -j %s -T %s, %s rounds, targets interleaved in an order rotated per round; median tps\n' \
    "$JOBS" "$DURATION" "$ROUNDS"
printf 'targets, all as ws_demo_customer over TCP on 127.0.0.1 without TLS, every login SCRAM-SHA-256:\n'
printf '  direct     PostgreSQL 15 (%s), database ws_demo; verifier iterations %s; role settings: %s\n' \
    "$("$PSQL" "$SUPERUSER_URL" -Atq -c 'SHOW server_version' | cut -d' ' -f1)" "$PG_SCRAM_ITERATIONS" "$ROLE_SEARCH_PATH"
printf '  pgbouncer  %s, pool_mode=transaction, auth_type=scram-sha-256 (userlist: the role'"'"'s verifier), default_pool_size=%s\n' \
    "$PGB_VERSION" "$POOL"
printf '  sluice     sluice serve, policy on, user customer.demo, database customer_db, no options (transaction pooling),\n'
printf '             SLUICE_THREADS=%s x SLUICE_POOL_SIZE=%s = %s server connections\n' "$LOOPS" "$SLUICE_POOL_PER_LOOP" "$POOL"
printf 'data: pgbench -i -s %s into schema storage (owned by the customer); scripts schema-qualified (%s, %s)\n' \
    "$SCALE" "select-only.sql" "tpcb-like.sql"
[[ -z "$SLUICE_DEAD" ]] || printf 'WARNING: sluice died during the run (exit status %s): its later runs show nan\n' "$SLUICE_DEAD"
printf 'sluice log: %s lines with error/warning/critical (%s)\n' "$SLUICE_LOG_LINES" \
    "$([[ "$KEEP" == 1 ]] && echo "$WORK/logs/sluice.log" || echo 'KEEP=1 keeps it')"
if ((SLUICE_LOG_LINES > 0)); then
    grep -E 'error|warning|critical' "$WORK/logs/sluice.log" | cut -c 1-300 | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/  /'
fi

python3 - "$RESULTS" "$IDLE_RESULTS" "$IDLE_CLIENTS" "$ROUNDS" "$DURATION" "$(nproc)" <<'PY'
import collections, json, statistics, sys

results, idle_path, idle_clients, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
duration, cpus = float(sys.argv[5]), int(sys.argv[6])
rows = collections.defaultdict(list)
for line in open(results):
    mode, target, rnd, tps, lat, failed, rc, error, processed, cpu_pooler, cpu_pg, cpu_client, tck = \
        (line.rstrip("\n").split("\t") + [""] * 13)[:13]
    rows[(mode, target)].append(dict(round=int(rnd), tps=float(tps), lat=float(lat), failed=int(failed), rc=int(rc), error=error,
                                     processed=int(processed or 0), cpu=(int(cpu_pooler or 0), int(cpu_pg or 0), int(cpu_client or 0)),
                                     tck=int(tck or 100)))

def ok(run):
    return run["rc"] == 0 and run["failed"] == 0 and run["tps"] == run["tps"]

def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")

titles = {
    "select-simple": "-S -M simple -c 16 (select-only, simple protocol)",
    "select-extended": "-S -M extended -c 16 (select-only, unnamed statements)",
    "select-prepared": "-S -M prepared -c 16 (select-only, named prepared statements)",
    "tpcb-extended": "TPC-B-like -M extended -c 16 (BEGIN; 3 UPDATE, SELECT, INSERT; END)",
    "connect-c16": "-C -S -c 16 (a new connection, with SCRAM, for every transaction)",
    "connect-c8": "-C -S -c 8 (a new connection, with SCRAM, for every transaction)",
    "extended-c256": "-S -M extended -c 256 (256 clients, pools of 20)",
    "rows-1000": "1,000 rows per transaction, -M extended -c 16 (not one of issue 4's targets)",
}
targets = ["direct", "pgbouncer", "sluice", "sluice_session", "sluice_b", "floor"]
modes = [m for m in titles if any(k[0] == m for k in rows)]
medians = {}
works = {}

for mode in modes:
    print(f"\n== {titles[mode]}")
    print(f"{'target':<14} {'median tps':>11} {'median lat ms':>14}   tps per round")
    for target in targets:
        data = sorted(rows.get((mode, target), []), key=lambda r: r["round"])
        if not data:
            continue
        good = [d for d in data if ok(d)]
        tps = median([d["tps"] for d in good])
        lat = median([d["lat"] for d in good])
        medians[(mode, target)] = tps
        works[(mode, target)] = len(good) == len(data) == rounds
        per_round = ", ".join(f"{d['tps']:.0f}" if ok(d) else f"FAILED({d['tps']:.0f} tps, exit {d['rc']}, {d['failed']} failed tx)" for d in data)
        print(f"{target:<14} {tps:>11.0f} {lat:>14.3f}   {per_round}")
        for error in sorted({d["error"] for d in data if not ok(d) and d["error"]}):
            print(f"{'':<10} error: {error}")

    def paired(a, b):
        ra = {d["round"]: d["tps"] for d in rows.get((mode, a), []) if ok(d)}
        rb = {d["round"]: d["tps"] for d in rows.get((mode, b), []) if ok(d)}
        return median([ra[r] / rb[r] for r in ra if r in rb and rb[r] > 0])

    for a, b in (("sluice", "direct"), ("sluice", "pgbouncer"), ("sluice", "sluice_session"), ("sluice", "sluice_b"),
                 ("sluice_b", "pgbouncer"), ("floor", "pgbouncer"), ("sluice", "floor")):
        if (mode, a) in medians and (mode, b) in medians:
            ratio = medians[(mode, a)] / medians[(mode, b)] if medians[(mode, b)] else float("nan")
            print(f"ratio {a}/{b:<10} {ratio:6.3f}   (median of per-round ratios {paired(a, b):.3f})")

    # Where the machine's CPU went: per transaction, and in cores over the run.
    cpu_rows = []
    for target in targets:
        data = [d for d in rows.get((mode, target), []) if ok(d) and d["processed"] > 0]
        if data:
            per = [median([d["cpu"][i] / d["tck"] / d["processed"] * 1e6 for d in data]) for i in range(3)]
            cores = median([sum(d["cpu"]) / d["tck"] / duration for d in data])
            cpu_rows.append((target, per, cores))
    if cpu_rows:
        print(f"CPU us per transaction   {'pooler':>8} {'postgres':>9} {'pgbench':>8} {'total':>8}   cores busy (of {cpus})")
        for target, per, cores in cpu_rows:
            pooler = f"{per[0]:8.1f}" if target != "direct" else f"{'-':>8}"
            print(f"  {target:<22} {pooler} {per[1]:9.1f} {per[2]:8.1f} {sum(per):8.1f}   {cores:.2f}")

def ratio(mode, a, b):
    if (mode, a) not in medians or (mode, b) not in medians or not medians[(mode, b)]:
        return None
    return medians[(mode, a)] / medians[(mode, b)]

def verdict(value, minimum):
    if value is None or value != value:
        return "MISS (no result)"
    return ("PASS" if value >= minimum else "MISS") + f" ({value:.3f})"

checks = []
if "select-extended" in modes:
    checks.append(("-S -M extended -c 16: sluice >= 1.2 x pgbouncer", verdict(ratio("select-extended", "sluice", "pgbouncer"), 1.2)))
    checks.append(("-S -M extended -c 16: sluice >= 0.8 x direct", verdict(ratio("select-extended", "sluice", "direct"), 0.8)))
if "select-prepared" in modes:
    worked = works.get(("select-prepared", "sluice"), False)
    checks.append(("-S -M prepared -c 16: sluice works (every run exit 0, no failed transactions)", "PASS" if worked else "MISS"))
    checks.append(("-S -M prepared -c 16: sluice >= 0.8 x direct", verdict(ratio("select-prepared", "sluice", "direct"), 0.8)))
if "tpcb-extended" in modes:
    checks.append(("TPC-B-like -c 16: sluice >= 1.1 x pgbouncer", verdict(ratio("tpcb-extended", "sluice", "pgbouncer"), 1.1)))
if "connect-c8" in modes:
    checks.append(("-C -S -c 8: sluice >= 1.15 x pgbouncer", verdict(ratio("connect-c8", "sluice", "pgbouncer"), 1.15)))

idle = {}
for line in open(idle_path):
    name, text = line.rstrip("\n").split("\t", 1)
    idle[name] = json.loads(text)
if idle:
    print(f"\n== Idle clients: RSS with {idle_clients} idle, logged-in client connections (bench/idle_clients.py)")
    for name in ("sluice", "pgbouncer"):
        d = idle.get(name)
        if d is None:
            continue
        if "error" in d:
            print(f"{name:<10} {d['error']}")
            continue
        alive = d.get("alive")
        print(f"{name:<10} RSS {d['rss_before_kib']} KiB before, {d['rss_after_kib']} KiB with {alive} open "
              f"({d['opened']} opened, {d['failed']} failed, {d['seconds']} s to open; SCRAM iterations {d['scram_iterations']}): "
              f"{d['kib_per_client']} KiB per client above the baseline; {d['rss_after_close_kib']} KiB after they closed")
        print(f"{'':<10} customer-role server connections: {d['server_connections_before']} before, "
              f"{d['server_connections_during']} while they were open; still open at close: {d.get('alive_at_close')}")
        for text, count in d.get("errors", {}).items():
            print(f"{'':<10} {count} x {text}")
    s, p = idle.get("sluice", {}), idle.get("pgbouncer", {})
    if s.get("kib_per_client") is not None and p.get("kib_per_client"):
        print(f"ratio sluice/pgbouncer KiB per client: {s['kib_per_client'] / p['kib_per_client']:.3f}")
    if "sluice" in idle:
        value = s.get("kib_per_client")
        complete = s.get("alive") == idle_clients
        label = f"{idle_clients} idle clients: sluice <= 4 KiB RSS per client above baseline"
        if value is None:
            checks.append((label, "MISS (no result)"))
        else:
            text = ("PASS" if value <= 4 and complete else "MISS") + f" ({value:.3f})"
            if not complete:
                label += f"; only {s.get('alive')} of {idle_clients} were open"
            if idle_clients < 10000:
                label += " (fewer clients than the 10,000 the target names)"
            checks.append((label, text))
print("\n== Targets (from the medians)")
for label, text in checks:
    print(f"{text:<18} {label}")
PY
