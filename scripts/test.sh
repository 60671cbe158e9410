#!/usr/bin/env bash
# Run every test (operations.md, "The two commands"); .ci/run calls exactly this.
#
#  1. install what is missing, make the dev certificates, build sluice and the tests;
#  2. scripts/check-layering.sh;
#  3. start a throwaway PostgreSQL 15 cluster on a free port, export
#     SLUICE_TEST_UPSTREAM_URL and run `swift test` (unit + integration);
#  4. start `sluice dev` on free ports against that cluster (state in the temp dir),
#     wait for its dev.env, export SLUICE_DEV_ENV and run `pytest tests/integration`
#     (psql, psycopg, asyncpg, pgJDBC, pgbench, raw-wire tests);
#  5. stop everything it started (EXIT trap), print a summary, exit non-zero on any failure.
#
# Environment: CI=true turns a missing PostgreSQL or driver into a failure (never a skip).
# (The knobs below are SLUICETEST_*, not SLUICE_*: sluice rejects unknown SLUICE_* keys.)
# SLUICETEST_KEEP_TMP=1 keeps the temp dir (logs, cluster) for inspection.
# SLUICETEST_SKIP_SWIFT=1 / SLUICETEST_SKIP_PYTEST=1 skip a stage (for local iteration only).
# Extra arguments are passed to pytest (e.g. `scripts/test.sh -k psycopg`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/scripts/lib/common.sh"

SWIFT_TEST_TIMEOUT="${SLUICETEST_SWIFT_TIMEOUT:-1800}"
PYTEST_TIMEOUT="${SLUICETEST_PYTEST_TIMEOUT:-1200}"
DEV_ENV_TIMEOUT=300

TMP="$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")"
# The postgres user must be able to traverse the temp dir to its cluster directory.
chmod 711 "$TMP"
PG_DIR="$TMP/pg"
STATE_DIR="$TMP/state"
LOG_DIR="$TMP/logs"
mkdir -p "$STATE_DIR" "$LOG_DIR"
chmod 700 "$STATE_DIR"

sluice_pid=""
pg_started=0
failed_stages=()
swift_passed=0 swift_failed=0 py_passed=0 py_failed=0
finished=0

stop_sluice() {
    if [[ -n "$sluice_pid" ]] && kill -0 "$sluice_pid" 2>/dev/null; then
        log "stopping sluice (pid $sluice_pid)"
        kill -TERM "$sluice_pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$sluice_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$sluice_pid" 2>/dev/null; then
            log "sluice did not exit within 15s of SIGTERM; killing it"
            kill -KILL "$sluice_pid" 2>/dev/null || true
            failed_stages+=("sluice-shutdown(timeout)")
            wait "$sluice_pid" 2>/dev/null || true
        else
            # `sluice dev` exits 0 on SIGTERM (operations.md).
            local status=0
            wait "$sluice_pid" 2>/dev/null || status=$?
            if ((status != 0)); then
                log "sluice exited with status $status after SIGTERM"
                failed_stages+=("sluice-shutdown(exit $status)")
            fi
        fi
    fi
    sluice_pid=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_sluice
    if ((pg_started)); then
        pg_stop "$PG_DIR"
    fi
    if [[ "${SLUICETEST_KEEP_TMP:-0}" == 1 ]]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    if ((!finished)); then
        # Stopped early (setup failed, or interrupted): still close with a summary line.
        ((${#failed_stages[@]})) || failed_stages+=("setup(exit $rc)")
        ((rc != 0)) || rc=1
    fi
    # The summary is the very last thing printed.
    summary
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Counts from the runners' own closing lines.
count_swift() {
    local logf="$1" n m line
    # XCTest: the last "Executed N tests, with M failures" is the grand total.
    line="$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$logf" | tail -n 1 || true)"
    if [[ -n "$line" ]]; then
        n="$(sed -E 's/.*Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\1/' <<<"$line")"
        m="$(sed -E 's/.*Executed ([0-9]+) tests?, with ([0-9]+) failures?.*/\2/' <<<"$line")"
        swift_passed=$((swift_passed + n - m))
        swift_failed=$((swift_failed + m))
    fi
    # Swift Testing: "Test run with N tests in K suites passed|failed after ...";
    # failed tests are the "Test <name> failed" lines (not "Test run ...", not "Test case ...").
    line="$(grep -E 'Test run with [0-9]+ tests?' "$logf" | tail -n 1 || true)"
    if [[ -n "$line" ]]; then
        n="$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$line")"
        m="$(grep -E 'Test [^ ].* failed after' "$logf" | grep -vE 'Test (run|case) ' | grep -cvE 'Suite ' || true)"
        ((m <= n)) || m=$n
        swift_passed=$((swift_passed + n - m))
        swift_failed=$((swift_failed + m))
    fi
}

count_pytest() {
    local logf="$1" line
    line="$(grep -E '^=*[[:space:]]*([0-9]+ (passed|failed|error|errors|skipped|deselected|xfailed|xpassed|warnings?)(, )?)+.* in [0-9.]+s' "$logf" | tail -n 1 || true)"
    [[ -n "$line" ]] || line="$(grep -E '[0-9]+ (passed|failed|errors?)' "$logf" | tail -n 1 || true)"
    local p f e
    p="$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
    f="$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
    e="$(grep -oE '[0-9]+ errors?' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
    py_passed=$((py_passed + p))
    py_failed=$((py_failed + f + e))
}

summary() {
    local passed=$((swift_passed + py_passed)) failed=$((swift_failed + py_failed))
    echo
    echo "=== sluice test summary ==="
    echo "swift test: $swift_passed passed, $swift_failed failed"
    echo "pytest tests/integration: $py_passed passed, $py_failed failed"
    if ((${#failed_stages[@]})); then
        echo "failed stages: ${failed_stages[*]}"
        # A stage that failed without a failing test (build error, crash, timeout) counts as one.
        ((failed > 0)) || failed=1
    fi
    echo "summary: $passed passed, $failed failed"
}

# --- 1. dependencies, certificates, build -----------------------------------------
install_deps
"$ROOT/scripts/gen-certs.sh"
BUILT_BIN="$(build_sluice)"
# Test a private copy of what was just built: a rebuild during the run (another shell
# working in the same tree) must not swap or lock the executable under the tests.
mkdir -p "$TMP/bin"
cp "$BUILT_BIN" "$TMP/bin/sluice"
for bundle in "$(dirname "$BUILT_BIN")"/*.resources; do   # SwiftPM resource bundles, if any
    [[ -e "$bundle" ]] && cp -R "$bundle" "$TMP/bin/"
done
SLUICE_BIN="$TMP/bin/sluice"
log "building the tests"
if ! swift build --build-tests >"$LOG_DIR/swift-build-tests.log" 2>&1; then
    tail -n 150 "$LOG_DIR/swift-build-tests.log"
    failed_stages+=("swift-build-tests")
    exit 1
fi
tail -n 3 "$LOG_DIR/swift-build-tests.log"

# --- 2. layering ------------------------------------------------------------------
if ! "$ROOT/scripts/check-layering.sh"; then
    failed_stages+=("check-layering")
fi

# --- 3. throwaway PostgreSQL and swift test ---------------------------------------
PG_PORT="$(free_port)"
pg_started=1
pg_start "$PG_DIR" "$PG_PORT"
UPSTREAM_URL="$(pg_superuser_url "$PG_DIR" "$PG_PORT")"
export SLUICE_TEST_UPSTREAM_URL="$UPSTREAM_URL"
export CI="${CI:-false}"

if [[ "${SLUICETEST_SKIP_SWIFT:-0}" != 1 ]]; then
    log "swift test (upstream 127.0.0.1:$PG_PORT)"
    set +e
    timeout --kill-after=30 "$SWIFT_TEST_TIMEOUT" swift test 2>&1 | tee "$LOG_DIR/swift-test.log"
    swift_rc=${PIPESTATUS[0]}
    set -e
    count_swift "$LOG_DIR/swift-test.log"
    if ((swift_rc != 0)); then
        ((swift_rc == 124)) && log "swift test timed out after ${SWIFT_TEST_TIMEOUT}s"
        failed_stages+=("swift-test(exit $swift_rc)")
    fi
fi

# --- 4. sluice dev and the driver tests -------------------------------------------
if [[ "${SLUICETEST_SKIP_PYTEST:-0}" != 1 ]]; then
    # For tests that stop and restart the upstream (test_zz_upstream_down.py).
    export SLUICE_TEST_PG_DIR="$PG_DIR"
    export SLUICE_STATE_DIR="$STATE_DIR"
    export SLUICE_UPSTREAMS="$UPSTREAM_URL?name=primary"
    SLUICE_PORT="$(free_port)"
    SLUICE_HTTP_PORT="$(free_port)"
    while [[ "$SLUICE_HTTP_PORT" == "$SLUICE_PORT" ]]; do SLUICE_HTTP_PORT="$(free_port)"; done
    export SLUICE_PORT SLUICE_HTTP_PORT
    export SLUICE_TLS_CERT="$ROOT/certs/server.pem"
    export SLUICE_TLS_KEY="$ROOT/certs/server-key.pem"
    export SLUICE_BIN
    # Long enough for a cold JVM (pgJDBC) to finish TLS and SCRAM on a loaded 2-core machine.
    export SLUICE_AUTH_TIMEOUT=8
    export SLUICE_PARTIAL_MESSAGE_TIMEOUT=3

    SLUICE_LOG="$LOG_DIR/sluice-dev.log"
    log "starting sluice dev (proxy 127.0.0.1:$SLUICE_PORT, API 127.0.0.1:$SLUICE_HTTP_PORT); log: $SLUICE_LOG"
    # sluice reads every SLUICE_* variable as configuration and rejects unknown keys:
    # keep the harness's own SLUICE_TEST_* variables out of its environment.
    unset_test_vars=()
    while IFS= read -r name; do unset_test_vars+=(-u "$name"); done < <(compgen -e | grep '^SLUICE_TEST_' || true)
    env "${unset_test_vars[@]}" "$SLUICE_BIN" dev >"$SLUICE_LOG" 2>&1 &
    sluice_pid=$!

    dev_env="$STATE_DIR/dev.env"
    start=$SECONDS
    ready=0
    while ((SECONDS - start < DEV_ENV_TIMEOUT)); do
        if [[ -s "$dev_env" ]]; then ready=1; break; fi
        if ! kill -0 "$sluice_pid" 2>/dev/null; then break; fi
        sleep 0.5
    done
    if ((ready)); then
        # dev.env is written once the proxy is ready; give the listener a moment if needed.
        wait_port 127.0.0.1 "$SLUICE_PORT" 30 || true
        export SLUICE_DEV_ENV="$dev_env"
        # test_http_api.py greps the log of this sluice for the secrets it used.
        export SLUICE_TEST_LOG="$SLUICE_LOG"
        log "sluice dev is ready ($dev_env)"
        set +e
        timeout --kill-after=30 "$PYTEST_TIMEOUT" \
            python3 -m pytest -q -rfE -p no:cacheprovider tests/integration "$@" 2>&1 | tee "$LOG_DIR/pytest.log"
        py_rc=${PIPESTATUS[0]}
        set -e
        count_pytest "$LOG_DIR/pytest.log"
        if ((py_rc != 0)); then
            ((py_rc == 124)) && log "pytest timed out after ${PYTEST_TIMEOUT}s"
            failed_stages+=("pytest(exit $py_rc)")
        fi
        if ! kill -0 "$sluice_pid" 2>/dev/null; then
            log "sluice dev exited during the tests; last lines of its log:"
            tail -n 60 "$SLUICE_LOG" >&2 || true
            failed_stages+=("sluice-died")
        fi
    else
        if kill -0 "$sluice_pid" 2>/dev/null; then
            log "sluice dev did not write $dev_env within ${DEV_ENV_TIMEOUT}s; last lines of its log:"
        else
            wait "$sluice_pid" 2>/dev/null && rc=0 || rc=$?
            log "sluice dev exited (status $rc) before writing $dev_env; last lines of its log:"
            sluice_pid=""
        fi
        tail -n 60 "$SLUICE_LOG" >&2 || true
        failed_stages+=("sluice-dev-start")
    fi
    stop_sluice
    if ((${#failed_stages[@]})) && [[ -s "$SLUICE_LOG" ]]; then
        log "sluice dev log tail:"
        tail -n 40 "$SLUICE_LOG" >&2 || true
    fi
fi

finished=1
((${#failed_stages[@]} == 0))
