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
#                   bench/.build-bench/src, built in bench/.build-bench/build (git-ignored)
#   BIN=<path>      benchmark this sluice executable as it is (no build; else the working
#                   tree is built in release in bench/.build-bench, see bench/lib.sh)
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
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-16}"
JOBS="${JOBS:-2}"
EXTENDED="${EXTENDED:-1}"
CONNECT="${CONNECT:-1}"
HOT="${HOT:-0}"
TRANSACTION="${TRANSACTION:-1}"
KEEP="${KEEP:-0}"

bench_clean_environment

# ---------------------------------------------------------------- dependencies
bench_require_tools
bench_sluice_binary "$HERE/.build-bench"

# ---------------------------------------------------------------- processes
bench_workdir pgbench

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

# The two proxies measured are identical but for SLUICE_POLICY; if one dies
# mid-run, its exit status (and core, as kernel.core_pattern permits) is reported.
bench_provision "$ROLE_CONNECTION_LIMIT"
declare -A SLUICE_PIDS=()
bench_start_sluice sluice-on "$ON_PORT" "$ROLE_CONNECTION_LIMIT" SLUICE_POLICY=true
SLUICE_PIDS[sluice_on]="$SLUICE_STARTED_PID"
bench_start_sluice sluice-off "$OFF_PORT" "$ROLE_CONNECTION_LIMIT" SLUICE_POLICY=false
SLUICE_PIDS[sluice_off]="$SLUICE_STARTED_PID"

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

# ---------------------------------------------------------------- PgBouncer
# Session pooling, like Sluice's session URI (ws_demo_tx is the transaction-pooling
# alias), and the same server-connection cap as Sluice's default SLUICE_POOL_SIZE.
bench_start_pgbouncer "ws_demo = host=127.0.0.1 port=$PG_PORT dbname=ws_demo
ws_demo_tx = host=127.0.0.1 port=$PG_PORT dbname=ws_demo pool_mode=transaction" "pool_mode = session
default_pool_size = 20
max_client_conn = 500"

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
