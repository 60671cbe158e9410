#!/usr/bin/env bash
# Throughput through Sluice, side by side with a direct connection and PgBouncer,
# with the statement policy on and off, in one run (bench/README.md).
#
#   bench/pgbench.sh
#
# Environment (all optional):
#   ROUNDS=3        rounds; each runs every target once, in an order rotated per round
#   DURATION=10     seconds per pgbench run (-T)
#   CLIENTS=16      pgbench clients (-c)
#   JOBS=2          pgbench threads (-j)
#   EXTENDED=1      also run the extended-protocol variant (-M extended: one statement text, so
#                   the proxy's verdict cache hits); 0 skips it
#   HOT=0           1 also runs -M simple with 1,000 distinct aids instead of 100,000, so that
#                   every statement text fits the proxy's verdict cache (a diagnostic: the
#                   policy's cost when the cache hits, on the simple protocol)
#   CONNECT=1       also run the connect-rate variant (-C: a new connection per transaction); 0 skips it
#   TRANSACTION=1   also run transaction pooling (Sluice with -c sluice.pooling=transaction,
#                   PgBouncer pool_mode=transaction); 0 skips it
#   TARGETS="..."   run only these targets (names below), e.g. TARGETS="sluice_on sluice_off"
#   KEEP=0          1 keeps the temporary directory (logs, pgbench output) after the run
#   REF=<git ref>   benchmark that commit instead of the working tree: `git archive` into
#                   bench/.build-ref/src, built in bench/.build-ref/build (git-ignored)
#   BIN=<path>      benchmark this sluice executable as it is (no build)
#
# Starts its own throwaway PostgreSQL cluster, one `sluice dev` (which
# provisions workspace demo, then stops), two `sluice serve` on that state and
# the same cluster, one with the policy on and one with SLUICE_POLICY=false, and
# PgBouncer; stops all of them on exit.
# All targets log in as the workspace's customer role (ws_demo_customer).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-16}"
JOBS="${JOBS:-2}"
EXTENDED="${EXTENDED:-1}"
CONNECT="${CONNECT:-1}"
HOT="${HOT:-0}"
TRANSACTION="${TRANSACTION:-1}"
KEEP="${KEEP:-0}"

# sluice reads every SLUICE_* variable of its environment as configuration and
# rejects unknown keys: keep the caller's (e.g. a sourced dev.env) away from it.
while read -r name; do
    # shellcheck disable=SC2163  # the variable named by $name
    export -n "$name"
done < <(compgen -e | grep '^SLUICE_' || true)
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSSLMODE PGOPTIONS PGSERVICE

# ---------------------------------------------------------------- dependencies
need_install=0
for pkg in postgresql-15 postgresql-client-15 pgbouncer libpg-query-dev; do
    _apt_installed "$pkg" || need_install=1
done
((need_install)) && install_deps
PGBENCH="$PG_BIN/pgbench"
PSQL="$PG_BIN/psql"
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[[ -x "$PGBENCH" && -x "$PGBOUNCER" ]] || die "pgbench or pgbouncer is missing"

SLUICE_DESCRIPTION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "${BIN:-}" ]]; then
    SLUICE_BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
    SLUICE_DESCRIPTION="$SLUICE_BIN"
elif [[ -n "${REF:-}" ]]; then
    REF_DIR="$HERE/.build-ref"
    commit="$(git -C "$ROOT" rev-parse --verify "$REF^{commit}")" || die "REF=$REF is not a commit"
    log "building sluice $REF ($commit) in $REF_DIR (release)"
    rm -rf "$REF_DIR/src"
    mkdir -p "$REF_DIR/src"
    git -C "$ROOT" archive "$commit" | tar -x -C "$REF_DIR/src"
    # The same dependency versions as the working tree (Package.resolved is not committed).
    [[ -f "$ROOT/Package.resolved" ]] && cp "$ROOT/Package.resolved" "$REF_DIR/src/"
    swift build -c release --product sluice --package-path "$REF_DIR/src" --scratch-path "$REF_DIR/build" >&2 \
        || die "swift build -c release of $REF failed"
    SLUICE_BIN="$(swift build -c release --package-path "$REF_DIR/src" --scratch-path "$REF_DIR/build" --show-bin-path)/sluice"
    SLUICE_DESCRIPTION="${commit:0:7} (REF=$REF)"
else
    log "building sluice (release)"
    (cd "$ROOT" && swift build -c release --product sluice >&2) || die "swift build -c release of sluice failed"
    SLUICE_BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/sluice"
    git -C "$ROOT" diff --quiet -- Sources Package.swift 2>/dev/null \
        || SLUICE_DESCRIPTION+=" + uncommitted changes"
fi
[[ -x "$SLUICE_BIN" ]] || die "$SLUICE_BIN is not an executable"

# ---------------------------------------------------------------- processes
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-pgbench.XXXXXX")"
chmod 711 "$WORK" # the postgres user must reach the cluster and PgBouncer's files
mkdir -p "$WORK/logs"
PG_DIR="$WORK/pg"
started_pg=0
pids=()

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid
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
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PORT="$(free_port)"
pg_start "$PG_DIR" "$PG_PORT"
started_pg=1
SUPERUSER_URL="$(pg_superuser_url "$PG_DIR" "$PG_PORT")"
UPSTREAMS="$SUPERUSER_URL?name=primary"

ON_PORT="$(free_port)"
OFF_PORT="$(free_port)"
while [[ "$OFF_PORT" == "$ON_PORT" ]]; do OFF_PORT="$(free_port)"; done
# The customer role's CONNECTION LIMIT (set when sluice dev provisions demo): the
# pools of two Sluice processes and PgBouncer, session and transaction each, hold
# up to 6 x 20 server connections, more than the default 64.
ROLE_CONNECTION_LIMIT=200

# `sluice dev` provisions workspace demo (master key, operator token, dev.env in
# $STATE) and is stopped again: the two proxies measured are both `sluice serve`
# on that state, identical but for SLUICE_POLICY. They run in $WORK with core
# dumps allowed: if one dies mid-run, its exit status (and core, as
# kernel.core_pattern permits) is reported.
cd "$WORK"
ulimit -c unlimited 2>/dev/null || true
STATE="$WORK/state"
mkdir -p "$STATE"
chmod 700 "$STATE"
log "provisioning workspace demo with sluice dev"
env SLUICE_STATE_DIR="$STATE" SLUICE_UPSTREAMS="$UPSTREAMS" SLUICE_PORT="$(free_port)" \
    SLUICE_HTTP_PORT="$(free_port)" SLUICE_LOG_LEVEL=warning SLUICE_BIN="$SLUICE_BIN" \
    SLUICE_CUSTOMER_CONNECTION_LIMIT="$ROLE_CONNECTION_LIMIT" \
    "$SLUICE_BIN" dev >"$WORK/logs/sluice-dev.log" 2>&1 &
dev_pid=$!
pids+=("$dev_pid")
for _ in $(seq 1 600); do
    [[ -s "$STATE/dev.env" ]] && break
    kill -0 "$dev_pid" 2>/dev/null || { tail -n 30 "$WORK/logs/sluice-dev.log" >&2; die "sluice dev exited"; }
    sleep 0.2
done
[[ -s "$STATE/dev.env" ]] || { tail -n 30 "$WORK/logs/sluice-dev.log" >&2; die "sluice dev wrote no dev.env within 120s"; }
SESSION_DATABASE_URL="$(sed -n 's/^SESSION_DATABASE_URL=//p' "$STATE/dev.env" | sed "s/^'//; s/'$//")"
[[ -n "$SESSION_DATABASE_URL" ]] || die "no SESSION_DATABASE_URL in $STATE/dev.env"
kill -TERM "$dev_pid" 2>/dev/null || true
wait "$dev_pid" 2>/dev/null || true
pids=()

declare -A SLUICE_PIDS=()
# start_sluice NAME PORT POLICY
start_sluice() {
    local name="$1" port="$2" policy="$3"
    log "starting sluice serve (SLUICE_POLICY=$policy) on 127.0.0.1:$port"
    mkdir -p "$WORK/state-$name"
    chmod 700 "$WORK/state-$name"
    env SLUICE_STATE_DIR="$WORK/state-$name" SLUICE_MASTER_KEY_FILE="$STATE/master.key" \
        SLUICE_OPERATOR_TOKEN_FILE="$STATE/operator.token" SLUICE_UPSTREAMS="$UPSTREAMS" \
        SLUICE_PORT="$port" SLUICE_HTTP_PORT="$(free_port)" SLUICE_POLICY="$policy" SLUICE_LOG_LEVEL=warning \
        SLUICE_CUSTOMER_CONNECTION_LIMIT="$ROLE_CONNECTION_LIMIT" \
        "$SLUICE_BIN" serve >"$WORK/logs/${name//_/-}.log" 2>&1 &
    pids+=($!)
    SLUICE_PIDS[$name]=$!
}
start_sluice sluice_on "$ON_PORT" true
start_sluice sluice_off "$OFF_PORT" false
for name in sluice_on sluice_off; do
    port="$ON_PORT"
    [[ "$name" == sluice_off ]] && port="$OFF_PORT"
    wait_port 127.0.0.1 "$port" 60 || { tail -n 30 "$WORK/logs/${name//_/-}.log" >&2; die "$name did not start"; }
done

# The customer's password, from the revealed URI (it is the server role's password too).
CUSTOMER_PASSWORD="$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlsplit(sys.argv[1]).password or ""))' "$SESSION_DATABASE_URL")"
[[ -n "$CUSTOMER_PASSWORD" ]] || die "cannot read the customer password from the revealed URI"

# ---------------------------------------------------------------- data
log "creating storage.pgbench_accounts (100,000 rows)"
"$PSQL" "$(pg_superuser_url "$PG_DIR" "$PG_PORT" ws_demo)" -q -v ON_ERROR_STOP=1 >"$WORK/logs/setup.log" 2>&1 <<'SQL' \
    || { cat "$WORK/logs/setup.log" >&2; die "data setup failed"; }
DROP TABLE IF EXISTS storage.pgbench_accounts;
CREATE TABLE storage.pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));
INSERT INTO storage.pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, 100000) g;
ALTER TABLE storage.pgbench_accounts OWNER TO ws_demo_customer;
VACUUM ANALYZE storage.pgbench_accounts;
SQL
VERIFIER="$("$PSQL" "$SUPERUSER_URL" -Atq -c "SELECT rolpassword FROM pg_authid WHERE rolname = 'ws_demo_customer'")"
[[ "$VERIFIER" == SCRAM-SHA-256* ]] || die "ws_demo_customer has no SCRAM verifier"

# ---------------------------------------------------------------- PgBouncer
PGB_PORT="$(free_port)"
mkdir -p "$WORK/pgbouncer"
printf '"ws_demo_customer" "%s"\n' "$VERIFIER" >"$WORK/pgbouncer/userlist.txt"
cat >"$WORK/pgbouncer/pgbouncer.ini" <<INI
[databases]
ws_demo = host=127.0.0.1 port=$PG_PORT dbname=ws_demo
ws_demo_tx = host=127.0.0.1 port=$PG_PORT dbname=ws_demo pool_mode=transaction

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/pgbouncer/userlist.txt
; session pooling, like Sluice's session URI (ws_demo_tx is the transaction-pooling alias)
pool_mode = session
; the same server-connection cap as Sluice's default SLUICE_POOL_SIZE
default_pool_size = 20
max_client_conn = 500
logfile = $WORK/pgbouncer/pgbouncer.log
pidfile = $WORK/pgbouncer/pgbouncer.pid
log_connections = 0
log_disconnections = 0
INI
chmod 700 "$WORK/pgbouncer"
chmod 600 "$WORK/pgbouncer/userlist.txt" "$WORK/pgbouncer/pgbouncer.ini"
if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres:postgres "$WORK/pgbouncer"
    runuser -u postgres -- "$PGBOUNCER" -d "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/logs/pgbouncer-start.log" 2>&1
else
    "$PGBOUNCER" -d "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/logs/pgbouncer-start.log" 2>&1
fi
wait_port 127.0.0.1 "$PGB_PORT" 30 || { cat "$WORK/logs/pgbouncer-start.log" "$WORK/pgbouncer/pgbouncer.log" >&2 || true; die "PgBouncer did not start"; }

# ---------------------------------------------------------------- targets
# Passwords go through a passfile, never the command line.
export PGPASSFILE="$WORK/pgpass"
escaped_password="$(printf '%s' "$CUSTOMER_PASSWORD" | sed 's/[\\:]/\\&/g')"
{
    printf '127.0.0.1:%s:ws_demo:ws_demo_customer:%s\n' "$PG_PORT" "$escaped_password"
    printf '127.0.0.1:%s:*:ws_demo_customer:%s\n' "$PGB_PORT" "$escaped_password"
    printf '127.0.0.1:%s:customer_db:customer.demo:%s\n' "$ON_PORT" "$escaped_password"
    printf '127.0.0.1:%s:customer_db:customer.demo:%s\n' "$OFF_PORT" "$escaped_password"
} >"$PGPASSFILE"
chmod 600 "$PGPASSFILE"

declare -A CONNINFO=(
    [direct]="host=127.0.0.1 port=$PG_PORT user=ws_demo_customer dbname=ws_demo sslmode=disable"
    [pgbouncer]="host=127.0.0.1 port=$PGB_PORT user=ws_demo_customer dbname=ws_demo sslmode=disable"
    [sluice_on]="host=127.0.0.1 port=$ON_PORT user=customer.demo dbname=customer_db sslmode=disable options='-c sluice.pooling=session'"
    [sluice_off]="host=127.0.0.1 port=$OFF_PORT user=customer.demo dbname=customer_db sslmode=disable options='-c sluice.pooling=session'"
    [pgbouncer_tx]="host=127.0.0.1 port=$PGB_PORT user=ws_demo_customer dbname=ws_demo_tx sslmode=disable"
    [sluice_on_tx]="host=127.0.0.1 port=$ON_PORT user=customer.demo dbname=customer_db sslmode=disable options='-c sluice.pooling=transaction'"
    [sluice_off_tx]="host=127.0.0.1 port=$OFF_PORT user=customer.demo dbname=customer_db sslmode=disable options='-c sluice.pooling=transaction'"
)
if [[ -n "${TARGETS:-}" ]]; then
    read -r -a TARGETS <<<"$TARGETS"
    for target in "${TARGETS[@]}"; do
        [[ -n "${CONNINFO[$target]:-}" ]] || die "unknown target $target (known: ${!CONNINFO[*]})"
    done
else
    TARGETS=(direct pgbouncer sluice_on sluice_off)
    if [[ "$TRANSACTION" == 1 ]]; then
        TARGETS+=(pgbouncer_tx sluice_on_tx sluice_off_tx)
    fi
fi

for target in "${TARGETS[@]}"; do
    count="$("$PSQL" "${CONNINFO[$target]}" -Atq -c 'SELECT count(*) FROM storage.pgbench_accounts' 2>"$WORK/logs/check-$target.log")" \
        || { cat "$WORK/logs/check-$target.log" >&2; die "target $target: cannot query storage.pgbench_accounts"; }
    [[ "$count" == 100000 ]] || die "target $target sees $count rows, not 100000"
done

# pgbench's built-in select-only script (-S) with the table schema-qualified:
# the customer's search_path is empty, so the built-in script's unqualified
# pgbench_accounts cannot be found.
SCRIPT="$WORK/select-only.sql"
cat >"$SCRIPT" <<'SQL'
\set aid random(1, 100000)
SELECT abalance FROM storage.pgbench_accounts WHERE aid = :aid;
SQL

HOT_SCRIPT="$WORK/select-only-hot.sql"
sed 's/random(1, 100000)/random(1, 1000)/' "$SCRIPT" >"$HOT_SCRIPT"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
VARIANTS=(simple)
[[ "$HOT" == 1 ]] && VARIANTS+=(simple-hot)
[[ "$EXTENDED" == 1 ]] && VARIANTS+=(extended)
[[ "$CONNECT" == 1 ]] && VARIANTS+=(connect)

# A sluice process that died is reported once, with its exit status.
declare -A DEAD=()
check_alive() {
    local name pid status
    for name in "${!SLUICE_PIDS[@]}"; do
        pid="${SLUICE_PIDS[$name]}"
        [[ -z "${DEAD[$name]:-}" ]] || continue
        kill -0 "$pid" 2>/dev/null && continue
        status=0
        wait "$pid" 2>/dev/null || status=$?
        DEAD[$name]="$status"
        if ((status > 128)); then
            log "SLUICE DIED: $name (pid $pid) was killed by signal $((status - 128)) ($(kill -l "$((status - 128))" 2>/dev/null || echo '?'))"
        else
            log "SLUICE DIED: $name (pid $pid) exited with status $status"
        fi
        log "  its log: $WORK/logs/${name//_/-}.log (last lines below); core files, if any: $WORK/core*"
        tail -n 20 "$WORK/logs/${name//_/-}.log" >&2 || true
        KEEP=1
    done
}

run_one() {
    local variant="$1" target="$2" round="$3" out flags=() script="$SCRIPT"
    check_alive
    out="$WORK/logs/pgbench-$variant-$target-$round.log"
    case "$variant" in
        simple) flags=(-M simple) ;;
        simple-hot) flags=(-M simple); script="$HOT_SCRIPT" ;;
        extended) flags=(-M extended) ;;
        connect) flags=(-M simple -C) ;;
    esac
    local rc=0
    "$PGBENCH" -n -c "$CLIENTS" -j "$JOBS" -T "$DURATION" "${flags[@]}" -f "$script" \
        "${CONNINFO[$target]}" >"$out" 2>&1 || rc=$?
    local tps latency failed
    tps="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out" | head -n 1)"
    latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$out" | head -n 1)"
    failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out" | head -n 1)"
    if [[ $rc != 0 || -z "$tps" ]]; then
        log "pgbench $variant $target round $round failed (exit $rc); see $out"
        tail -n 5 "$out" >&2 || true
        KEEP=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$target" "$round" "${tps:-nan}" "${latency:-nan}" "${failed:-0}" >>"$RESULTS"
    log "$(printf '%-8s round %s  %-14s tps %10s  latency %7s ms' "$variant" "$round" "$target" "${tps:-?}" "${latency:-?}")"
}

total=$(( ${#VARIANTS[@]} * ROUNDS * ${#TARGETS[@]} ))
log "running $total pgbench runs of ${DURATION}s (${ROUNDS} rounds x ${#TARGETS[@]} targets x ${#VARIANTS[@]} variants)"
for variant in "${VARIANTS[@]}"; do
    for ((round = 1; round <= ROUNDS; round++)); do
        n=${#TARGETS[@]}
        for ((i = 0; i < n; i++)); do
            run_one "$variant" "${TARGETS[$(( (i + round - 1) % n ))]}" "$round"
        done
    done
done

# ---------------------------------------------------------------- report
check_alive
printf '\nSluice pgbench comparison — %s, %s cores (%s), sluice %s\n' \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(uname -n)" "$SLUICE_DESCRIPTION"
printf 'pgbench -n -c %s -j %s -T %s, %s rounds, targets interleaved in a rotated order per round\n' \
    "$CLIENTS" "$JOBS" "$DURATION" "$ROUNDS"
printf 'script = pgbench -S (select-only) with the table schema-qualified:\n'
printf '  \\set aid random(1, 100000)\n  SELECT abalance FROM storage.pgbench_accounts WHERE aid = :aid;\n'
printf 'all targets log in as ws_demo_customer over TCP without TLS; session pooling unless _tx\n'
for name in "${!DEAD[@]}"; do
    printf 'WARNING: %s died during the run (exit status %s): its later runs show nan\n' "$name" "${DEAD[$name]}"
done
python3 - "$RESULTS" <<'PY'
import collections, statistics, sys

rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    variant, target, rnd, tps, lat, failed = line.rstrip("\n").split("\t")
    rows[(variant, target)].append((int(rnd), float(tps), float(lat), int(failed)))

def median(values):
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")

describe = {
    "direct": "direct to PostgreSQL",
    "pgbouncer": "PgBouncer, session pooling",
    "sluice_on": "Sluice, policy on, session",
    "sluice_off": "Sluice, policy off, session",
    "pgbouncer_tx": "PgBouncer, transaction pooling",
    "sluice_on_tx": "Sluice, policy on, transaction",
    "sluice_off_tx": "Sluice, policy off, transaction",
}
order = list(describe)
variants = [v for v in ("simple", "simple-hot", "extended", "connect") if any(k[0] == v for k in rows)]

for variant in variants:
    title = {
        "simple": "-M simple: steady state, every query a new text (the aid is a literal)",
        "simple-hot": "-M simple, aid in 1..1000: steady state, every text fits the verdict cache (diagnostic)",
        "extended": "-M extended: steady state, one statement text with $1 (Parse/Bind/Execute each time)",
        "connect": "-M simple -C: connect rate, a new connection for every transaction",
    }[variant]
    print(f"\n== {title}")
    print(f"{'target':<15} {'':<32} {'median tps':>11} {'median latency ms':>18}   tps per round")
    med = {}
    for target in order:
        data = sorted(rows.get((variant, target), []))
        if not data:
            continue
        tps = median([d[1] for d in data])
        lat = median([d[2] for d in data])
        med[target] = tps
        failed = sum(d[3] for d in data)
        per_round = ", ".join(f"{d[1]:.0f}" for d in data)
        note = f"  ({failed} failed transactions)" if failed else ""
        print(f"{target:<15} {describe[target]:<32} {tps:>11.0f} {lat:>18.3f}   {per_round}{note}")

    def paired(a, b):
        # Ratio of the two targets within each round (same noise), then the median.
        ra = {d[0]: d[1] for d in rows.get((variant, a), [])}
        rb = {d[0]: d[1] for d in rows.get((variant, b), [])}
        return median([ra[r] / rb[r] for r in ra if r in rb and rb[r] > 0])

    print(f"\n{'ratio (tps)':<28} {'of medians':>10} {'median of per-round':>20}")
    pairs = [("sluice_on", "direct"), ("sluice_on", "pgbouncer"), ("sluice_on", "sluice_off"), ("sluice_off", "direct")]
    pairs += [("sluice_on_tx", "pgbouncer_tx"), ("sluice_on_tx", "sluice_off_tx"), ("sluice_on_tx", "direct")]
    pairs += [("sluice_off_tx", "pgbouncer_tx"), ("sluice_off_tx", "sluice_off")]
    for a, b in pairs:
        if a in med and b in med:
            verdict = ""
            if (a, b) == ("sluice_on", "sluice_off") and variant == "simple":
                verdict = "   acceptance >= 0.90: " + ("PASS" if med[a] / med[b] >= 0.9 else "MISS")
            print(f"{a + ' / ' + b:<28} {med[a] / med[b]:>10.3f} {paired(a, b):>20.3f}{verdict}")
PY
