"""Issue 4's acceptance: transaction pooling through the revealed `pooled: true` URI
(`DATABASE_URL` of dev.env), against the real server.

Each test runs against a private `sluice serve` (txpool.SluiceServe) with one event loop and
an exact pool: 2 server connections for the 20-client driver runs (asyncpg, pgJDBC,
psycopg 3, pg8000, pgbench -M prepared), 1 where two clients must share one server
connection (state leaks, pool exhaustion, disconnect mid-transaction), with a
query_wait_timeout of 2 s.

What must hold (shared/spec/policy.md "Pooling", shared/spec/pitfalls.md):
- a server connection is leased per transaction and returned at ReadyForQuery(I);
- named protocol-level prepared statements follow the client to any server connection,
  and are the client's alone;
- session settings (SET, RESET, set_config(..., false), startup parameters) follow the
  client, never reach another client, and DISCARD ALL clears them;
- LISTEN is refused; a late cancel never hits the next client's query; a client that
  leaves mid-transaction leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pgwire

from policywire import OTHER, assert_denial_fields, bind_msg, describe_portal_msg, execute_msg, parse_msg, sync_msg
from sluicetest import JDBC_JAR, PgURI, clean_env, missing, require_binary, require_module, run
from txpool import SluiceServe, Wire, describe_statement_msg, serve, with_port

psycopg = require_module("psycopg")
asyncpg = require_module("asyncpg")
pg8000_native = require_module("pg8000.native")

CLIENTS = 20
ROUNDS = 12
JAVA_CHECK = Path(__file__).resolve().parent / "jdbc" / "TxPoolCheck.java"


# --- the private proxies --------------------------------------------------------------


@pytest.fixture(scope="module")
def tp_logs(tmp_path_factory):
    return tmp_path_factory.mktemp("sluice-txpool")


@pytest.fixture(scope="module")
def pool2(dev, tp_logs):
    """One event loop, 2 server connections per workspace role. 20 clients queue for them:
    query_wait_timeout is generous here (a busy CI machine, a JVM's threads descheduled
    inside their transactions); exhaustion itself is tested on `pool1`."""
    s = serve(dev, 2, tp_logs, "pool2", query_wait_timeout=15)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pool1(dev, tp_logs):
    """One event loop, 1 server connection: every client shares it."""
    s = serve(dev, 1, tp_logs, "pool1", query_wait_timeout=2)
    yield s
    s.stop()


def time_zone(i: int) -> str:
    return ("Etc/GMT-" if i % 2 == 0 else "Etc/GMT+") + str(i // 2 + 1)


def run_clients(fn, n=CLIENTS):
    """fn(i) in n threads at once; returns the list of results; re-raises the first failure
    with every client's outcome."""
    with ThreadPoolExecutor(max_workers=n) as ex:
        futures = [ex.submit(fn, i) for i in range(n)]
        outcomes = []
        for i, f in enumerate(futures):
            try:
                outcomes.append(("ok", f.result(timeout=180)))
            except BaseException as e:  # noqa: BLE001 - reported below
                outcomes.append(("fail", f"client {i}: {type(e).__name__}: {e}"))
    failures = [o[1] for o in outcomes if o[0] == "fail"]
    assert not failures, f"{len(failures)} of {n} clients failed:\n" + "\n".join(failures)
    return [o[1] for o in outcomes]


def make_table(uri: str, ddl_columns: str, storage_table) -> str:
    table = storage_table()
    with Wire(uri) as w:
        w.query(f"CREATE TABLE {table} ({ddl_columns})").ok()
    return table


# --- the default: DATABASE_URL is transaction-pooled ----------------------------------


def test_database_url_is_transaction_pooled(pool1):
    """Two clients on a pool of 1 are both served, alternately, by the one server
    connection (session pooling would make the second wait and fail with 53300)."""
    url = pool1.database_url
    with Wire(url) as a:
        pid = a.pid()
        t0 = time.monotonic()
        with Wire(url, timeout=10) as b:
            assert time.monotonic() - t0 < 1.5, "the second client waited for the first one's session"
            for _ in range(3):
                assert a.pid() == pid
                assert b.pid() == pid


# --- drivers, 20 clients on 2 server connections --------------------------------------


def test_asyncpg_20_clients_named_statements(pool2):
    url = pool2.database_url

    async def client(i):
        tz, app = time_zone(i), f"asyncpg-{i}"
        conn = await asyncpg.connect(dsn=url, timeout=60)
        try:
            await conn.execute(f"SET TimeZone = '{tz}'")
            await conn.execute(f"SET application_name = '{app}'")
            # asyncpg names its statements __asyncpg_stmt_N__: the same names, with
            # different texts, in every client.
            stmt = await conn.prepare(
                f"SELECT $1::int * {i + 1}, current_setting('TimeZone'), current_setting('application_name')"
            )
            for r in range(ROUNDS):
                got = tuple(await stmt.fetchrow(r))
                assert got == (r * (i + 1), tz, app), f"round {r}: {got}"
                assert await conn.fetchval("SHOW TimeZone") == tz, f"round {r}"
                assert await conn.fetchval("SHOW application_name") == app, f"round {r}"
                async with conn.transaction():
                    assert await conn.fetchval("SELECT $1::text || current_setting('application_name')", "x") == "x" + app
                    await asyncio.sleep(0.001 * (i % 3))
                    assert await conn.fetchval("SELECT count(*) FROM dl_resolved.people") >= 200
            return i
        finally:
            await conn.close()

    async def body():
        return await asyncio.gather(*(client(i) for i in range(CLIENTS)), return_exceptions=True)

    results = asyncio.run(asyncio.wait_for(body(), 180))
    failures = [f"client {i}: {type(r).__name__}: {r}" for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} of {CLIENTS} asyncpg clients failed:\n" + "\n".join(failures)


def test_asyncpg_pool_with_reset(pool2):
    """asyncpg's own pool: its reset on release (pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL) runs through transaction pooling and really resets."""
    url = pool2.database_url

    async def body():
        probe = await asyncpg.connect(dsn=url, timeout=60)
        try:
            default_app = await probe.fetchval("SHOW application_name")
            default_wm = await probe.fetchval("SHOW work_mem")
        finally:
            await probe.close()
        assert default_wm != "7MB"
        pool = await asyncpg.create_pool(dsn=url, min_size=CLIENTS, max_size=CLIENTS, timeout=60)
        seen_after_reset = []
        try:
            async def use(i, r):
                async with pool.acquire() as conn:
                    app = await conn.fetchval("SHOW application_name")
                    seen_after_reset.append((i, r, app, await conn.fetchval("SHOW work_mem")))
                    await conn.execute(f"SET application_name = 'apool-{i}-{r}'")
                    await conn.execute("SET work_mem = '7MB'")
                    stmt = await conn.prepare("SELECT $1::int + 1, current_setting('application_name')")
                    for k in range(3):
                        assert tuple(await stmt.fetchrow(k)) == (k + 1, f"apool-{i}-{r}")
                    async with conn.transaction():
                        assert await conn.fetchval("SHOW work_mem") == "7MB"

            for r in range(3):
                await asyncio.gather(*(use(i, r) for i in range(CLIENTS)))
        finally:
            await asyncio.wait_for(pool.close(), 60)
        leaked = [s for s in seen_after_reset if s[2] != default_app or s[3] != default_wm]
        assert not leaked, f"settings survived asyncpg's pool reset (default {default_app!r}/{default_wm}): {leaked[:5]}"

    asyncio.run(asyncio.wait_for(body(), 180))


def test_psycopg_20_clients_prepare_and_pipeline(pool2):
    url = pool2.database_url
    TS = psycopg.pq.TransactionStatus

    def client(i):
        tz, app = time_zone(i), f"psycopg-{i}"
        with psycopg.connect(url, autocommit=True, connect_timeout=60) as conn:
            conn.execute(f"SET TimeZone TO '{tz}'")
            conn.execute(f"SET application_name TO '{app}'")
            for r in range(ROUNDS):
                # prepare=True: a named statement (_pg3_N, the same names in every client).
                got = conn.execute(
                    f"SELECT %s::int * {i + 1}, current_setting('TimeZone'), current_setting('application_name')",
                    (r,), prepare=True,
                ).fetchone()
                assert got == (r * (i + 1), tz, app), f"round {r}: {got}"
                # Pipeline mode: several Parse/Bind/Execute, one Sync.
                with conn.pipeline():
                    c1 = conn.execute("SHOW TimeZone", prepare=True)
                    c2 = conn.execute("SELECT %s::text || current_setting('application_name')", ("p-",), prepare=True)
                    c3 = conn.execute("SELECT count(*) FROM dl_resolved.people WHERE identity_key <> %s", (str(r),))
                assert c1.fetchone() == (tz,), f"round {r}"
                assert c2.fetchone() == ("p-" + app,), f"round {r}"
                assert c3.fetchone()[0] >= 200
                with conn.transaction():
                    assert conn.execute("SHOW application_name", prepare=True).fetchone() == (app,)
                    assert conn.info.transaction_status == TS.INTRANS
                assert conn.info.transaction_status == TS.IDLE
                # The ParameterStatus the client got is its own, too.
                assert conn.info.parameter_status("application_name") == app, f"round {r}"
                assert conn.info.parameter_status("TimeZone") == tz, f"round {r}"
        return i

    run_clients(client)


def test_pg8000_20_clients_unnamed_bind_after_sync(pool2):
    """pg8000 sends Parse(unnamed)+Sync, then Describe+Sync, then Bind+Execute+Sync: its
    Bind comes after a ReadyForQuery(I), where the proxy may have handed the server
    connection to someone else, so the unnamed statement must follow the client."""
    p = pool2.uri
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    def client(i):
        tz, app = time_zone(i), f"pg8000-{i}"
        conn = pg8000_native.Connection(p.user, host=p.host, port=p.port, database=p.dbname,
                                        password=p.password, ssl_context=ctx, timeout=60)
        try:
            conn.run(f"SET TimeZone TO '{tz}'")
            conn.run(f"SET application_name TO '{app}'")
            named = conn.prepare(f"SELECT CAST(:k AS int) * {i + 1}, current_setting('application_name')")
            for r in range(ROUNDS):
                rows = conn.run(
                    f"SELECT CAST(:k AS int) + {i}, CAST(:t AS text), current_setting('TimeZone'), current_setting('application_name')",
                    k=r, t=f"c{i}",
                )
                assert rows == [[r + i, f"c{i}", tz, app]], f"round {r}: {rows}"
                assert named.run(k=r) == [[r * (i + 1), app]], f"round {r}"
                assert conn.run("SHOW TimeZone") == [[tz]]
                conn.run("BEGIN")
                assert conn.run("SELECT CAST(:a AS text) || current_setting('application_name')", a="in-") == [["in-" + app]]
                conn.run("COMMIT")
        finally:
            conn.close()
        return i

    run_clients(client)


def jdbc_url(uri: PgURI) -> str:
    return f"jdbc:postgresql://{uri.host}:{uri.port}/{uri.dbname}?sslmode=require"


def test_jdbc_20_clients_server_prepared_and_batches(pool2, storage_table):
    java = require_binary("java")
    if not JDBC_JAR.is_file():
        missing(f"{JDBC_JAR} is missing (apt package libpostgresql-jdbc-java)")
    table = make_table(pool2.database_url, "client integer NOT NULL, n integer NOT NULL", storage_table)
    p = pool2.uri
    r = run([java, "-cp", str(JDBC_JAR), str(JAVA_CHECK), jdbc_url(p), p.user, p.password,
             table, str(CLIENTS), str(ROUNDS)], timeout=300)
    out = r.stdout
    lines = out.splitlines()
    fails = [line for line in lines if line.startswith("FAIL")]
    assert r.returncode == 0 and not fails, f"TxPoolCheck exited {r.returncode}:\n{out}\n{r.stderr[-3000:]}"
    oks = [line for line in lines if line.startswith("OK client")]
    assert len(oks) == CLIENTS, out
    assert "OK done" in lines, out
    with Wire(pool2.database_url) as w:
        expected = CLIENTS * len(range(0, ROUNDS, 3)) * 5
        assert w.value(f"SELECT count(*) FROM {table}") == str(expected)


PGBENCH_SCRIPT = """\\set id random(1, 200)
SELECT identity_key, display_name FROM dl_resolved.people ORDER BY identity_key LIMIT 1 OFFSET :id - 1;
BEGIN;
SELECT :id::int + 1, current_setting('application_name');
SELECT count(*) FROM dl_resolved.people WHERE identity_key <> :id::text;
END;
"""


def test_pgbench_prepared_20_clients(pool2, tmp_path):
    exe = require_binary("pgbench")
    p = pool2.uri
    script = tmp_path / "tx.sql"
    script.write_text(PGBENCH_SCRIPT)
    env = clean_env(PGHOST=p.host, PGPORT=str(p.port), PGUSER=p.user, PGPASSWORD=p.password,
                    PGDATABASE=p.dbname, PGSSLMODE="require")
    # One thread per client: pgbench prepares each command with a synchronous PQprepare the
    # first time, so with fewer threads than clients a thread blocked waiting for a server
    # connection would stall the clients of its own thread that hold both connections inside
    # BEGIN ... END (a deadlock of the benchmark, whatever the pooler).
    r = run([exe, "-M", "prepared", "-n", "-c", str(CLIENTS), "-j", str(CLIENTS), "-T", "5", "-f", str(script)],
            env=env, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"pgbench -M prepared exited {r.returncode}:\n{out}"
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    assert processed and int(processed.group(1)) > 0, out
    failed = re.search(r"number of failed transactions: (\d+)", out)
    assert failed and int(failed.group(1)) == 0, out
    assert "error" not in r.stderr.lower(), r.stderr


# --- no state leaks between clients on one server connection --------------------------


def test_no_state_leaks_between_clients(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        default_timeout = b.value("SHOW statement_timeout")
        assert default_timeout != "4321ms"
        pid = a.pid()
        a.query("SET statement_timeout = '4321ms'").ok()
        a.prepare("a_only", "SELECT 'from A'::text").ok()
        assert a.execute("a_only").ok().rows == [["from A"]]
        assert a.value("SHOW statement_timeout") == "4321ms"

        # B on the very same server connection (pool of 1).
        assert b.pid() == pid
        assert b.value("SHOW statement_timeout") == default_timeout
        r = b.execute("a_only")
        assert r.sqlstate == "26000", f"B's Bind of A's statement: {r.describe()}"
        assert r.status == "I"
        r = b.describe_statement("a_only")
        assert r.sqlstate == "26000", f"B's Describe of A's statement: {r.describe()}"
        # B may use the same name for its own statement.
        b.prepare("a_only", "SELECT 'from B'::text").ok()
        assert b.execute("a_only").ok().rows == [["from B"]]

        # A still has its own statement and setting.
        assert a.pid() == pid
        assert a.execute("a_only").ok().rows == [["from A"]]
        assert a.value("SHOW statement_timeout") == "4321ms"
        assert b.value("SHOW statement_timeout") == default_timeout
        assert b.execute("a_only").ok().rows == [["from B"]]


def test_startup_parameters_follow_their_client(pool1):
    url = pool1.database_url
    with Wire(url, application_name="startup-a") as a, Wire(url) as b:
        default_app = b.value("SHOW application_name")
        assert default_app != "startup-a"
        for _ in range(3):
            assert a.value("SHOW application_name") == "startup-a"
            assert b.value("SHOW application_name") == default_app
        assert b.parameters.get("application_name", default_app) != "startup-a"
        assert a.pid() == b.pid()


def test_repeated_login_is_greeted_without_a_server_connection(pool1):
    """A login with exactly the startup settings of an earlier successful one (same role) is
    greeted with the recorded ParameterStatus values, without leasing a server connection:
    it succeeds while the only one is held by another client's open transaction. A login
    with new settings needs the server (it validates them) and waits like a query; invalid
    settings are refused at login every time."""
    url = pool1.database_url
    tag = uuid.uuid4().hex[:8]
    settings = {"application_name": f"greet-{tag}", "options": "-c TimeZone=Asia/Tokyo"}
    with Wire(url, **settings) as first:
        assert first.parameters.get("TimeZone") == "Asia/Tokyo"
        assert first.value("SHOW TimeZone") == "Asia/Tokyo"
    with Wire(url) as holder:
        holder.query("BEGIN").ok()
        holder.query("SELECT 1").ok()  # holds the pool's only server connection
        t0 = time.monotonic()
        with Wire(url, **settings) as again:
            assert time.monotonic() - t0 < 1.5, "the repeated login waited for a server connection"
            assert again.parameters.get("TimeZone") == "Asia/Tokyo"
            assert again.parameters.get("application_name") == f"greet-{tag}"
            # Its first statement needs the server: served once the holder commits.
            again.send(pgwire.query_message("SELECT pg_catalog.current_setting('TimeZone'), "
                                            "pg_catalog.current_setting('application_name')"))
            time.sleep(0.3)
            holder.query("COMMIT").ok()
            r = again.read_until_ready()
            assert r.ok().rows == [["Asia/Tokyo", f"greet-{tag}"]], r.describe()
        holder.query("BEGIN").ok()
        holder.query("SELECT 1").ok()
        with pytest.raises(AssertionError, match="53300"):
            Wire(url, application_name=f"new-{tag}")  # new settings: waits, then 53300
        holder.query("COMMIT").ok()
    for _ in range(2):
        with pytest.raises(AssertionError, match="22023|invalid value"):
            Wire(url, options="-c statement_timeout=not-a-number")


def test_startup_timezone_of_one_client_and_set_timezone_of_another(pool1):
    """pgJDBC sends TimeZone as a startup parameter; another client SETs TimeZone. Both
    must keep their own value on the shared server connection, whatever the spelling
    of the name (startup `TimeZone`, `SET timezone`, pg_settings' `TimeZone`)."""
    url = pool1.database_url
    with Wire(url) as a:
        a.query("SET TimeZone = 'Etc/GMT-5'").ok()
        assert a.value("SHOW TimeZone") == "Etc/GMT-5"
        with Wire(url, TimeZone="Etc/GMT+7") as b:
            assert b.parameters.get("TimeZone") == "Etc/GMT+7"
            assert a.value("SHOW TimeZone") == "Etc/GMT-5", "A's SET TimeZone was lost after B's startup"
            assert b.value("SHOW TimeZone") == "Etc/GMT+7", "B's startup TimeZone was lost"
            a.query("SET timezone = 'Etc/GMT-6'").ok()
            assert b.value("SHOW TimeZone") == "Etc/GMT+7"
            assert a.value("SHOW TimeZone") == "Etc/GMT-6"
            with Wire(url, DateStyle="SQL, DMY") as c:
                assert a.value("SHOW TimeZone") == "Etc/GMT-6"
                assert a.value("SHOW DateStyle") != "SQL, DMY"
                assert c.value("SHOW DateStyle") == "SQL, DMY"
                assert b.value("SHOW TimeZone") == "Etc/GMT+7"
                assert c.value("SHOW TimeZone") not in ("Etc/GMT+7", "Etc/GMT-6")


# --- DDL under shared prepared statements -----------------------------------------------


def test_prepared_select_star_survives_add_column_raw(pool2, storage_table):
    url = pool2.database_url
    table = make_table(url, "id integer PRIMARY KEY, name text", storage_table)
    with Wire(url) as a, Wire(url) as other:
        a.query(f"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')").ok()
        a.prepare("star", f"SELECT * FROM {table} ORDER BY id").ok()
        assert a.execute("star").ok().rows == [["1", "one"], ["2", "two"]]
        other.query(f"ALTER TABLE {table} ADD COLUMN extra text DEFAULT 'x'").ok()
        r = a.execute("star")
        assert not r.errors, f"after ALTER TABLE ADD COLUMN the client saw: {r.describe()}"
        assert r.status == "I"
        assert r.rows == [["1", "one", "x"], ["2", "two", "x"]], r.rows
        # the RowDescription the client got names the new column too
        t = [m for m in r.messages if m.kind == b"T"]
        assert t and b"extra\0" in t[0].payload, r.describe()
        # and it keeps working
        assert a.execute("star").ok().rows == [["1", "one", "x"], ["2", "two", "x"]]


def test_prepared_select_star_survives_add_column_psycopg(pool2, storage_table):
    url = pool2.database_url
    table = make_table(url, "id integer PRIMARY KEY, name text", storage_table)
    with psycopg.connect(url, autocommit=True) as a, psycopg.connect(url, autocommit=True) as other:
        a.execute(f"INSERT INTO {table} VALUES (1, 'one')")
        q = f"SELECT * FROM {table} WHERE id = %s"
        for _ in range(2):
            assert a.execute(q, (1,), prepare=True).fetchall() == [(1, "one")]
        other.execute(f"ALTER TABLE {table} ADD COLUMN extra text DEFAULT 'x'")
        try:
            rows = a.execute(q, (1,), prepare=True).fetchall()
        except psycopg.Error as e:
            pytest.fail(f"psycopg after ALTER TABLE ADD COLUMN: {type(e).__name__} "
                        f"SQLSTATE {e.sqlstate}: {e}", pytrace=False)
        assert rows == [(1, "one", "x")]
        assert a.execute(q, (1,), prepare=True).fetchall() == [(1, "one", "x")]


def test_prepared_select_star_survives_add_column_asyncpg(pool2, storage_table):
    url = pool2.database_url
    table = make_table(url, "id integer PRIMARY KEY, name text", storage_table)

    async def body():
        a = await asyncpg.connect(dsn=url, timeout=60)
        other = await asyncpg.connect(dsn=url, timeout=60)
        try:
            await a.execute(f"INSERT INTO {table} VALUES (1, 'one')")
            q = f"SELECT * FROM {table} WHERE id = $1"
            assert [tuple(r) for r in await a.fetch(q, 1)] == [(1, "one")]
            await other.execute(f"ALTER TABLE {table} ADD COLUMN extra text DEFAULT 'x'")
            try:
                rows = [tuple(r) for r in await a.fetch(q, 1)]
            except Exception as e:  # noqa: BLE001 - reported precisely
                pytest.fail(f"asyncpg (statement cache) after ALTER TABLE ADD COLUMN: {type(e).__name__} "
                            f"SQLSTATE {getattr(e, 'sqlstate', None)}: {e}", pytrace=False)
            assert rows == [(1, "one", "x")]
        finally:
            await a.close()
            await other.close()

    asyncio.run(asyncio.wait_for(body(), 60))


# --- pool exhaustion ------------------------------------------------------------------


def test_pool_exhausted_53300_then_served(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url, timeout=20) as b:
        a.query("BEGIN").ok()
        assert a.query("SELECT 1").ok().status == "T"
        t0 = time.monotonic()
        r = b.query("SELECT 1", timeout=20)
        waited = time.monotonic() - t0
        assert r.sqlstate == "53300", f"the waiting client got {r.describe()}"
        assert 1.8 <= waited < 8, f"53300 after {waited:.2f}s, query_wait_timeout is 2s"
        # pitfalls.md: say why the wait timed out.
        assert "query_wait_timeout" in r.error["M"] and "became free" in r.error["M"], r.error
        assert "server connections of this workspace role are busy" in r.error.get("H", ""), r.error
        assert r.status == "I"
        a.query("COMMIT").ok()
        assert b.value("SELECT 40 + 2") == "42"

        # A client that waits less than query_wait_timeout is served when the holder commits.
        a.query("BEGIN").ok()
        a.query("SELECT 1").ok()
        th, result = query_in_background(b, "SELECT 'served'")
        time.sleep(0.5)
        a.query("COMMIT").ok()
        th.join(20)
        assert result["r"].ok().rows == [["served"]]
        assert result["t"] < 1.8, f"served {result['t']:.2f}s later"


def query_in_background(w: Wire, sql: str, timeout: float = 20) -> tuple[threading.Thread, dict]:
    """Runs `sql` on `w` in a started thread; once joined, the dict holds the result ("r")
    and the seconds it took ("t")."""
    result: dict = {}

    def run():
        t = time.monotonic()
        result["r"] = w.query(sql, timeout=timeout)
        result["t"] = time.monotonic() - t

    th = threading.Thread(target=run)
    th.start()
    return th, result


def _runtime_url(dev, port: int) -> str:
    """The runtime role's transaction-pooled URI (operator token), on the private proxy."""
    import json
    import urllib.request
    request = urllib.request.Request(
        dev["SLUICE_API"].rstrip("/") + "/api/v2/ingestion/connection-uris/reveal",
        data=json.dumps({"kind": "runtime", "pooled": True}).encode(), method="POST",
        headers={"Authorization": f"Bearer {dev['SLUICE_OPERATOR_TOKEN']}", "X-Workspace-Id": "demo",
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        uri = json.loads(response.read())["uri"]
    return with_port(uri, port)


def test_upstream_limit_is_shared_by_the_roles_of_one_server(dev, tp_logs):
    """issue 4: pool limits per workspace role *and per upstream*. With one server connection
    allowed to the upstream, a second role waits (53300 after query_wait_timeout) while the
    first holds a transaction, and is served once the first's connection is idle again (the
    idle connection is closed to make room, as PgBouncer's max_db_connections does)."""
    s = SluiceServe(dev, 2, tp_logs, "upstream1", query_wait_timeout=2,
                    extra_env={"SLUICE_UPSTREAM_POOL_SIZE": "1", "SLUICE_SHUTDOWN_GRACE_PERIOD": "2"})
    s.start()
    try:
        runtime = _runtime_url(dev, s.port)
        with Wire(s.database_url) as customer, Wire(runtime, timeout=20) as rt:
            customer.query("BEGIN").ok()
            customer.query("SELECT 1").ok()
            t0 = time.monotonic()
            r = rt.query("SELECT current_user", timeout=20)
            waited = time.monotonic() - t0
            assert r.sqlstate == "53300", f"the other role got {r.describe()}"
            assert 1.8 <= waited < 8, f"53300 after {waited:.2f}s"
            # It says which limit: the upstream's, not the role's own pool.
            assert "upstream_pool_size" in r.error.get("H", ""), r.describe()
            customer.query("COMMIT").ok()
            assert rt.value("SELECT current_user") == "ws_demo_runtime"
            # And back: the customer's next transaction waits for the runtime's connection to be idle.
            assert customer.value("SELECT current_user") == "ws_demo_customer"
            with Wire(s.database_url) as other:
                assert other.value("SELECT 'served'") == "served"
    finally:
        s.stop()


def test_pool_exhausted_new_client_53300(pool1):
    """A login that needs the server (startup settings not seen before for this role: a
    repeated login is greeted from memory, see test_repeated_login_is_greeted_without_a_server_connection)
    waits query_wait_timeout for a server connection, then gets 53300."""
    url = pool1.database_url
    with Wire(url) as a:
        a.query("BEGIN").ok()
        a.query("SELECT 1").ok()
        t0 = time.monotonic()
        with pytest.raises(AssertionError) as err:
            Wire(url, timeout=20, application_name=f"exhausted-{uuid.uuid4().hex[:8]}").close()
        assert "53300" in str(err.value), str(err.value)
        assert "query_wait_timeout" in str(err.value), str(err.value)
        assert time.monotonic() - t0 >= 1.8
        a.query("COMMIT").ok()
    with Wire(url) as c:
        assert c.value("SELECT 1") == "1"



def test_client_pipelining_while_waiting_loses_nothing(pool1):
    """A client that pipelines ~1 MiB of queries while it waits for the server
    connection (past the proxy's buffering limit, where it stops reading the client
    until the lease comes): every query is answered once, in order."""
    url = pool1.database_url
    pad = "x" * 2500
    count = 400
    with Wire(url) as a, Wire(url) as b:
        a.query("BEGIN").ok()
        a.query("SELECT 1").ok()
        batch = b"".join(pgwire.query_message(f"SELECT {i} AS i, '{pad}' AS pad") for i in range(count))
        sender = threading.Thread(target=b.send, args=(batch,))
        sender.start()
        time.sleep(0.5)
        a.query("COMMIT").ok()
        answers = [b.read_until_ready(timeout=30).ok() for _ in range(count)]
        sender.join(timeout=30)
        assert not sender.is_alive()
        assert [r.rows[0][0] for r in answers] == [str(i) for i in range(count)]
        assert all(r.rows[0][1] == pad for r in answers)
        assert b.value("SELECT 'after'") == "after"

# --- pitfalls: prepared statements ----------------------------------------------------


def test_named_statement_follows_client_to_every_connection(pool2):
    """Parse once, then Describe (standalone) and Bind on each of the two server
    connections in turn, while another client has prepared the same name with other text."""
    url = pool2.database_url
    with Wire(url) as x, Wire(url) as h1, Wire(url) as h2:
        x.prepare("s_move", "SELECT $1::int + 1, pg_backend_pid()").ok()
        # Both server connections held: h1's and h2's.
        h1.query("BEGIN").ok()
        pid1 = int(h1.value("SELECT pg_backend_pid()"))
        h2.query("BEGIN").ok()
        pid2 = int(h2.value("SELECT pg_backend_pid()"))
        assert pid1 != pid2
        # h1 prepares the same client name, other text, inside its transaction.
        h1.prepare("s_move", "SELECT 'h1 text'::text, 0").ok()
        seen = set()
        for holder, pid in ((h1, pid1), (h2, pid2)):
            holder.query("COMMIT").ok()
            # pgJDBC's pattern: a standalone Describe of the statement on the new connection.
            r = x.describe_statement("s_move")
            assert not r.errors and "t" in r.kinds and "T" in r.kinds, f"standalone Describe: {r.describe()}"
            r = x.execute("s_move", ("41",))
            assert not r.errors, f"Bind on the other server connection: {r.describe()}"
            assert r.rows == [["42", str(pid)]], r.rows
            seen.add(int(r.rows[0][1]))
            holder.query("BEGIN").ok()
            assert int(holder.value("SELECT pg_backend_pid()")) == pid
        assert seen == {pid1, pid2}
        h1.query("COMMIT").ok()
        h2.query("COMMIT").ok()
        assert h1.execute("s_move").ok().rows[0][0] == "h1 text"
        assert x.execute("s_move", ("1",)).ok().rows[0][0] == "2"


def test_standalone_describe_before_any_bind(pool2):
    """Parse+Sync, then on another server connection only Describe+Sync (no Bind yet),
    then Bind/Execute+Sync: all answered as the server would."""
    url = pool2.database_url
    with Wire(url) as x, Wire(url) as h:
        x.prepare("s_desc", "SELECT $1::text AS echoed").ok()
        h.query("BEGIN").ok()
        h.query("SELECT 1").ok()  # h holds one connection, x must use the other
        r = x.describe_statement("s_desc")
        assert r.kinds == "tTZ", r.describe()
        assert b"echoed\0" in r.messages[1].payload
        # a batch: Describe statement, Bind, Execute, one Sync
        x.send(describe_statement_msg("s_desc"), bind_msg(("hi",), "", "s_desc"), execute_msg(""), sync_msg())
        r = x.read_until_ready()
        assert r.kinds == "tT2DCZ", r.describe()
        assert r.rows == [["hi"]]
        h.query("COMMIT").ok()


def test_failed_parse_does_not_keep_the_name(pool2):
    url = pool2.database_url
    with Wire(url) as x:
        r = x.prepare("s_bad", "SELECT * FROM storage.no_such_table_for_tx_pooling")
        assert r.sqlstate == "42P01", r.describe()
        r = x.execute("s_bad")
        assert r.sqlstate == "26000", f"Bind of a statement whose Parse failed: {r.describe()}"
        r = x.prepare("s_bad", "SELECT 'fixed'::text")
        assert not r.errors, f"second Parse of the name after a failed one: {r.describe()}"
        assert x.execute("s_bad").ok().rows == [["fixed"]]

        # The same inside one batch (Parse fails, the rest is skipped to Sync).
        x.send(parse_msg("SELEC broken", "s_bad2"), bind_msg((), "", "s_bad2"), execute_msg(""), sync_msg())
        r = x.read_until_ready()
        assert r.sqlstate == "42601" and r.status == "I", r.describe()
        r = x.prepare("s_bad2", "SELECT 2")
        assert not r.errors, f"Parse after a failed Parse in a batch: {r.describe()}"
        assert x.execute("s_bad2").ok().rows == [["2"]]


def test_failed_parse_in_a_batch_with_its_bind_leaves_nothing_prepared(pool2, storage_table):
    """Parse of a missing table and its Bind in one batch: the Bind is read while the Parse
    is in flight. Once the table exists, the same text prepares and runs (the proxy must
    not think the failed statement is prepared on that server connection)."""
    url = pool2.database_url
    table = storage_table()
    sql = f"SELECT count(*) FROM {table}"
    with Wire(url) as x:
        for name in ("s_early1", "s_early2"):
            x.send(parse_msg(sql, name), bind_msg((), "", name), execute_msg(""), sync_msg())
            r = x.read_until_ready()
            assert r.sqlstate == "42P01" and r.status == "I", r.describe()
        x.query(f"CREATE TABLE {table} (id integer)").ok()
        for name in ("s_early1", "s_later"):
            x.send(parse_msg(sql, name), bind_msg((), "", name), execute_msg(""), sync_msg())
            r = x.read_until_ready()
            assert not r.errors and r.rows == [["0"]], f"{name}: {r.describe()}"


def test_close_then_reparse_same_name(pool2):
    url = pool2.database_url
    with Wire(url) as x:
        x.prepare("s_re", "SELECT 'first'::text").ok()
        r = x.prepare("s_re", "SELECT 'again'::text")
        assert r.sqlstate == "42P05", f"Parse of a name in use: {r.describe()}"
        r = x.close_statement("s_re")
        assert r.kinds == "3Z", r.describe()
        x.prepare("s_re", "SELECT 'second'::text").ok()
        assert x.execute("s_re").ok().rows == [["second"]]


def tags(result) -> list[str]:
    return [m.payload.rstrip(b"\0").decode() for m in result.messages if m.kind == b"C"]


def test_deallocate_of_a_protocol_level_statement(pool2):
    """policy.md "Pooling": DEALLOCATE name of a protocol-level statement is handled by the
    proxy in transaction pooling (the server-side statement is shared under another name);
    any other named DEALLOCATE is denied (other)."""
    url = pool2.database_url
    with Wire(url) as x:
        x.prepare("s_dealloc", "SELECT 'kept'::text").ok()
        r = x.query("DEALLOCATE s_dealloc")
        assert r.sqlstate is None and tags(r) == ["DEALLOCATE"], r.describe()
        r = x.execute("s_dealloc")
        assert r.sqlstate == "26000", f"the name is gone: {r.describe()}"
        x.prepare("s_dealloc", "SELECT 'again'::text").ok()
        assert x.execute("s_dealloc").ok().rows == [["again"]]
        r = x.query("DEALLOCATE PREPARE s_dealloc")
        assert tags(r) == ["DEALLOCATE"], r.describe()
        r = x.query("DEALLOCATE no_such_statement")
        assert r.sqlstate == "42501" and r.error.get("M") == OTHER.message, r.describe()
        assert x.query("BEGIN").ok()
        x.prepare("s_tx", "SELECT 1").ok()
        r = x.query("DEALLOCATE s_tx")
        assert tags(r) == ["DEALLOCATE"] and r.status == "T", r.describe()
        assert x.query("COMMIT").ok()
        assert x.value("SELECT 'still served'") == "still served"


def test_psycopg_prepared_cache_eviction_deallocates(pool2):
    """psycopg 3 evicts from its prepared-statement cache with Close (libpq 17+) or
    DEALLOCATE name (older libpq): either way the client keeps working."""
    with psycopg.connect(pool2.database_url, prepare_threshold=0, autocommit=True) as conn:
        conn.prepared_max = 2
        for round_ in range(3):
            for i in range(6):
                got = conn.execute(f"SELECT {i} + %s::int AS n /* q{i} */", [round_]).fetchone()
                assert got == (i + round_,)


# --- pitfalls: session state ----------------------------------------------------------


def test_set_does_not_leak_default_transaction_read_only(pool1, storage_table):
    url = pool1.database_url
    table = make_table(url, "id integer PRIMARY KEY", storage_table)
    with Wire(url) as a, Wire(url) as b:
        a.query("SET default_transaction_read_only = on").ok()
        r = a.query(f"INSERT INTO {table} VALUES (0)")
        assert r.sqlstate == "25006", f"A's own read-only setting: {r.describe()}"
        # B, on the same server connection, writes.
        assert b.pid() == a.pid()
        assert b.value("SHOW default_transaction_read_only") == "off"
        r = b.query(f"INSERT INTO {table} VALUES (1)")
        assert not r.errors, f"A's default_transaction_read_only leaked to B: {r.describe()}"
        assert a.value("SHOW default_transaction_read_only") == "on"
        assert b.value(f"SELECT count(*) FROM {table}") == "1"


def test_reset_undone_by_rollback(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        default = b.value("SHOW work_mem")
        assert default != "5MB"
        a.query("SET work_mem = '5MB'").ok()

        a.query("BEGIN; RESET work_mem; ROLLBACK").ok()
        assert b.value("SHOW work_mem") == default
        assert a.value("SHOW work_mem") == "5MB", "RESET rolled back must leave A's value"

        a.query("BEGIN").ok()
        a.query("RESET work_mem").ok()
        a.query("ROLLBACK").ok()
        assert b.value("SHOW work_mem") == default
        assert a.value("SHOW work_mem") == "5MB"

        # A SET rolled back leaves the earlier value, and reaches nobody else.
        a.query("BEGIN").ok()
        a.query("SET work_mem = '9MB'").ok()
        a.query("ROLLBACK").ok()
        assert b.value("SHOW work_mem") == default
        assert a.value("SHOW work_mem") == "5MB"

        # SET LOCAL ends with its transaction.
        a.query("BEGIN; SET LOCAL work_mem = '11MB'; COMMIT").ok()
        assert a.value("SHOW work_mem") == "5MB"

        # A committed SET stays A's, a committed RESET clears it.
        a.query("BEGIN; SET statement_timeout = '6543ms'; COMMIT").ok()
        assert b.value("SHOW statement_timeout") != "6543ms"
        assert a.value("SHOW statement_timeout") == "6543ms"
        a.query("BEGIN; RESET work_mem; COMMIT").ok()
        assert b.value("SHOW work_mem") == default
        assert a.value("SHOW work_mem") == default


def test_set_config_is_tracked_like_set(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        default = b.value("SHOW work_mem")
        assert default != "3MB"
        assert a.value("SELECT pg_catalog.set_config('work_mem', '3MB', false)") == "3MB"
        assert b.value("SHOW work_mem") == default
        assert b.value("SELECT current_setting('work_mem')") == default
        assert a.value("SHOW work_mem") == "3MB"
        # is_local = true: the transaction's alone.
        assert a.value("SELECT set_config('work_mem', '13MB', true)") == "13MB"
        assert a.value("SHOW work_mem") == "3MB"
        assert b.value("SHOW work_mem") == default


def test_discard_all_clears_settings_and_statements(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        default_wm = b.value("SHOW work_mem")
        default_app = b.value("SHOW application_name")
        a.query("SET work_mem = '6MB'").ok()
        a.query("SET application_name = 'discard-me'").ok()
        a.prepare("d1", "SELECT 'd1'::text").ok()
        assert a.execute("d1").ok().rows == [["d1"]]
        r = a.query("DISCARD ALL")
        assert not r.errors, r.describe()
        assert b.value("SHOW work_mem") == default_wm
        assert a.value("SHOW work_mem") == default_wm
        assert a.value("SHOW application_name") == default_app
        r = a.execute("d1")
        assert r.sqlstate == "26000", f"Bind after DISCARD ALL: {r.describe()}"
        r = a.prepare("d1", "SELECT 'd1 again'::text")
        assert not r.errors, f"Parse after DISCARD ALL: {r.describe()}"
        assert a.execute("d1").ok().rows == [["d1 again"]]


@pytest.mark.parametrize("reset", ["RESET ALL", "DISCARD ALL", "RESET TimeZone; RESET application_name"])
def test_reset_returns_to_the_startup_settings(pool1, reset):
    """On a direct connection RESET returns a setting to the value the startup message gave
    (and to the server's default where it gave none). A server connection starts with no
    settings of its own, so for the client that gave none RESET is exact at once; for one
    that gave some, its startup values are back from the next transaction on, wherever it
    lands (README: until then the server's default shows, ParameterStatus included), and
    the client is told so by ParameterStatus before anything else it asks is answered:
    a driver's record of TimeZone is the session's."""
    url = pool1.database_url
    with Wire(url, application_name="startup-app", TimeZone="Asia/Tokyo") as a, Wire(url) as b:
        a.query("SET TimeZone = 'UTC'").ok()
        a.query("SET application_name = 'changed'").ok()
        b.query("SET application_name = 'b-app'").ok()
        assert a.parameters["TimeZone"] == "UTC"
        assert not a.query(reset).errors
        assert b.value("SHOW application_name") == "b-app"
        assert a.value("SHOW TimeZone") == "Asia/Tokyo"
        assert (a.parameters["TimeZone"], a.parameters["application_name"]) == ("Asia/Tokyo", "startup-app")
        assert a.value("SHOW application_name") == "startup-app"
        # A simple Query's RESET inside a transaction block (DISCARD ALL cannot run in one):
        # the block's next statements see the startup value, as directly; a ROLLBACK takes
        # the RESET back.
        a.query("SET TimeZone = 'UTC'").ok()
        a.query("BEGIN").ok()
        a.query(reset.replace("DISCARD ALL", "RESET ALL")).ok()
        assert a.value("SHOW TimeZone") == "Asia/Tokyo"
        assert a.parameters["TimeZone"] == "Asia/Tokyo"
        a.query("ROLLBACK").ok()
        assert a.value("SHOW TimeZone") == "UTC"
        assert a.parameters["TimeZone"] == "UTC"
        b.query(reset).ok()
        # Not the proxy's own name: the server's default, as on a direct connection.
        assert b.value("SHOW application_name") == ""
        assert a.value("SHOW application_name") == "startup-app"


@pytest.mark.parametrize("statement", ["DISCARD ALL", "DEALLOCATE ALL"])
@pytest.mark.parametrize("named", [False, True], ids=["unnamed", "named"])
def test_discard_all_through_the_extended_protocol(pool1, statement, named):
    """pgJDBC sends every statement, DISCARD ALL included, through the extended protocol:
    the server connection's prepared statements are gone after it (another client's shared
    ones included), and so are the client's own, exactly as after a simple Query of it."""
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        b.prepare("b1", "SELECT 'b1'::text").ok()
        assert b.execute("b1").ok().rows == [["b1"]]
        a.prepare("a1", "SELECT 'a1'::text").ok()
        assert a.execute("a1").ok().rows == [["a1"]]
        name = "discard_stmt" if named else ""
        # Failed (in an aborted transaction block): nothing of a's is forgotten.
        a.query("BEGIN").ok()
        assert a.query("SELECT 1/0").sqlstate == "22012"
        a.send(parse_msg(statement, name), bind_msg(stmt=name), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert r.sqlstate == "25P02", r.describe()
        a.query("ROLLBACK").ok()
        assert a.execute("a1").ok().rows == [["a1"]]
        # Succeeded: the one server connection holds no prepared statement any more.
        a.send(parse_msg(statement, name), bind_msg(stmt=name), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert not r.errors, r.describe()
        # b's statement is prepared again where it is missing, transparently.
        assert b.execute("b1").ok().rows == [["b1"]]
        # a's are gone, as the server would say, and can be prepared again.
        r = a.execute("a1")
        assert r.sqlstate == "26000", f"Bind after {statement}: {r.describe()}"
        a.prepare("a1", "SELECT 'a1 again'::text").ok()
        assert a.execute("a1").ok().rows == [["a1 again"]]


def test_deallocate_name_through_the_extended_protocol(pool1):
    """policy.md: `DEALLOCATE name` of a protocol-level statement is handled by the proxy, on
    either protocol (pgJDBC and libpq's PQexecParams send it as Parse/Bind/Execute): the
    client's name is forgotten, the shared server-side statement stays for other clients."""
    url = pool1.database_url
    text = "SELECT 'kept for b'::text"
    with Wire(url) as a, Wire(url) as b:
        a.prepare("s1", text).ok()
        b.prepare("s1", text).ok()
        assert a.execute("s1").ok().rows == [["kept for b"]]
        # Unnamed, with a Describe of the portal, as libpq sends it.
        a.send(parse_msg("DEALLOCATE s1"), bind_msg(), describe_portal_msg(), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert r.kinds == "12nCZ" and not r.errors, r.describe()
        assert r.messages[3].payload == b"DEALLOCATE\x00"
        assert a.execute("s1").sqlstate == "26000"
        assert b.execute("s1").ok().rows == [["kept for b"]]
        # No longer a protocol-level statement of a's: the policy's denial, the batch skipped.
        a.send(parse_msg("DEALLOCATE s1"), bind_msg(), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert r.kinds == "EZ", r.describe()
        assert_denial_fields(r.error, OTHER)
        # Named, described as a statement, executed twice: the second is the server's 26000.
        a.prepare("s2", "SELECT 2").ok()
        a.send(parse_msg("DEALLOCATE PREPARE s2", "d"), describe_statement_msg("d"), bind_msg(stmt="d"), execute_msg(),
               sync_msg())
        r = a.read_until_ready()
        assert r.kinds == "1tn2CZ" and not r.errors, r.describe()
        a.send(bind_msg(stmt="d"), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert r.sqlstate == "26000" and r.status == "I", r.describe()
        # The name is free again, and the session is sound.
        a.prepare("s2", "SELECT 22").ok()
        assert a.execute("s2").ok().rows == [["22"]]


def test_statements_one_client_may_keep_are_limited(dev, tp_logs):
    """Every input has a limit: the proxy keeps each named statement's text to prepare it on
    any server connection, so one client's statements are bounded (54000 past the limit,
    the session goes on, and a Close makes room)."""
    s = serve(dev, 1, tp_logs, "statement-limit", query_wait_timeout=5,
              extra_env={"SLUICE_MAX_CLIENT_STATEMENTS": "3"})
    try:
        with Wire(s.database_url) as a:
            for n in range(3):
                a.prepare(f"s{n}", f"SELECT {n}").ok()
            r = a.prepare("s3", "SELECT 3")
            assert r.sqlstate == "54000" and "too many prepared statements" in r.error["M"], r.describe()
            assert r.status == "I"
            assert a.execute("s2").ok().rows == [["2"]]
            assert a.close_statement("s0").kinds == "3Z"
            a.prepare("s3", "SELECT 3").ok()
            assert a.execute("s3").ok().rows == [["3"]]
    finally:
        s.stop()


def test_custom_settings_never_reach_the_next_client(pool1):
    """Custom settings (`SET myapp.x`, `set_config('app.user_id', ...)`, as row-level-security
    setups use) are not in pg_settings; they must not stay on the connection the next client
    gets. (The name itself may: PostgreSQL keeps a custom setting's placeholder, empty, for
    the rest of the server session, under any pooler.)"""
    url = pool1.database_url
    with Wire(url) as a, Wire(url) as b:
        a.query("SET sluice_test.tenant = 'a-secret'").ok()
        assert a.value("SELECT set_config('app.user_id', '42', false)") == "42"
        # b gets the one server connection next.
        assert b.value("SELECT current_setting('sluice_test.tenant', true)") in (None, "")
        assert b.value("SELECT current_setting('app.user_id', true)") in (None, "")
        # Within one transaction they hold, as on the server.
        r = a.query("BEGIN; SET LOCAL app.user_id = '7'; SELECT current_setting('app.user_id'); COMMIT")
        assert not r.errors and r.rows == [["7"]], r.describe()
        # Regular settings are still carried.
        a.query("SET work_mem = '7MB'").ok()
        assert b.value("SHOW work_mem") != "7MB"
        assert a.value("SHOW work_mem") == "7MB"


def test_custom_settings_follow_their_client_across_server_connections(pool2):
    """A custom setting a session sets (SET, set_config(..., false), a startup parameter) is
    the client's in every later transaction, on whichever server connection it lands, and
    never another client's; RESET and SET LOCAL behave as on one server session."""
    url = pool2.database_url
    with Wire(url) as a, Wire(url, **{"sluice_test.origin": "startup-b"}) as b, Wire(url) as c, Wire(url) as holder:
        a.query("SET sluice_test.tenant = 'a'").ok()
        assert a.value("SELECT set_config('app.user_id', '42', false)") == "42"
        b.query("SET sluice_test.tenant TO 'b'").ok()
        probe = ("SELECT pg_backend_pid(), current_setting('sluice_test.tenant', true), "
                 "current_setting('app.user_id', true), current_setting('sluice_test.origin', true)")
        pids = {"a": set(), "b": set()}
        for i in range(6):
            # The holder keeps one of the two server connections in a transaction every other
            # round, so the clients are moved between the two.
            if i % 2 == 1:
                holder.query("BEGIN; SELECT 1").ok()
            for name, client, expected in (("a", a, ["a", "42"]), ("b", b, ["b", None])):
                r = client.query(probe)
                assert not r.errors, r.describe()
                pid, tenant, user_id, origin = r.rows[0]
                pids[name].add(pid)
                assert tenant == expected[0], f"round {i}: {name} sees tenant {tenant!r}"
                assert (user_id or None) == expected[1], f"round {i}: {name} sees app.user_id {user_id!r}"
                assert (origin or None) == ("startup-b" if name == "b" else None), f"round {i}: {name} sees origin {origin!r}"
            r = c.query(probe)
            assert not r.errors, r.describe()
            assert [v or None for v in r.rows[0][1:]] == [None, None, None], f"round {i}: c sees {r.rows}"
            if i % 2 == 1:
                holder.query("COMMIT").ok()
        assert len(pids["a"]) == 2 and len(pids["b"]) == 2, f"the clients were not moved: {pids}"

        # RESET, SET LOCAL and a rolled-back SET act as on one server session.
        a.query("RESET sluice_test.tenant").ok()
        r = a.query("BEGIN; SET LOCAL app.user_id = '7'; SELECT current_setting('app.user_id'); COMMIT")
        assert not r.errors and r.rows == [["7"]], r.describe()
        a.query("BEGIN; SET sluice_test.tenant = 'rolled back'; ROLLBACK").ok()
        for i in range(2):
            if i == 1:
                holder.query("BEGIN; SELECT 1").ok()
            assert a.value("SELECT current_setting('sluice_test.tenant', true)") == ""
            assert a.value("SELECT current_setting('app.user_id', true)") == "42"
            if i == 1:
                holder.query("COMMIT").ok()
        # DISCARD ALL forgets them all.
        a.query("DISCARD ALL").ok()
        holder.query("BEGIN; SELECT 1").ok()
        assert (a.value("SELECT current_setting('app.user_id', true)") or None) is None
        holder.query("COMMIT").ok()


def test_custom_settings_one_client_may_carry_are_limited(pool1):
    """The custom settings the proxy carries for one client are bounded (1,000): past that, a
    statement naming a new one is refused with 54000 and the session goes on."""
    url = pool1.database_url
    with Wire(url) as a:
        a.query("; ".join(f"SET sluice_limit.s{i} = '{i}'" for i in range(1000))).ok()
        r = a.query("SET sluice_limit.one_more = 'x'")
        assert r.error is not None and r.error.get("C") == "54000", r.describe()
        assert "custom settings" in r.error.get("M", ""), r.describe()
        assert r.status == "I"
        # Those it has are still carried, and may change.
        a.query("SET sluice_limit.s7 = 'seven'").ok()
        assert a.value("SELECT current_setting('sluice_limit.s7')") == "seven"
        assert a.value("SELECT current_setting('sluice_limit.s999')") == "999"


def test_listen_is_refused(pool2):
    url = pool2.database_url
    with Wire(url) as a:
        r = a.query("LISTEN sluice_tx_channel")
        assert r.error is not None, f"LISTEN was accepted in transaction pooling: {r.describe()}"
        assert_denial_fields(r.error, OTHER)
        assert r.status == "I"
        assert a.value("SELECT 1") == "1"
        # The no-ops asyncpg's pool reset sends stay allowed.
        a.query("UNLISTEN *").ok()
        # Through the extended protocol too.
        a.send(parse_msg("LISTEN sluice_tx_channel"), bind_msg(), execute_msg(), sync_msg())
        r = a.read_until_ready()
        assert r.error is not None, r.describe()
        assert_denial_fields(r.error, OTHER)


# --- cancel -------------------------------------------------------------------------------


def test_late_cancel_does_not_hit_the_next_clients_query(pool1):
    url = pool1.database_url
    with Wire(url) as a, Wire(url, timeout=20) as b:
        assert a.value("SELECT 'a done'") == "a done"
        th, result = query_in_background(b, "SELECT pg_sleep(1.5), 'b done'")
        time.sleep(0.4)
        a.send_cancel()  # A's key, while B's query runs on the one server connection
        time.sleep(0.3)
        a.send_cancel()
        th.join(20)
        r = result["r"]
        assert not r.errors, f"A's late cancel hit B's query: {r.describe()}"
        assert r.rows == [["", "b done"]]
        assert result["t"] >= 1.4

        # A's own cancel still works, on whatever connection A's query runs.
        def a_cancel():
            time.sleep(0.5)
            a.send_cancel()

        th = threading.Thread(target=a_cancel)
        th.start()
        t = time.monotonic()
        r = a.query("SELECT pg_sleep(10)", timeout=20)
        th.join(10)
        assert r.sqlstate == "57014", r.describe()
        assert time.monotonic() - t < 5
        assert a.value("SELECT 1") == "1"
        assert b.value("SELECT 2") == "2"


def test_cancel_while_waiting_for_a_server_connection_is_not_lost(pool1):
    """pitfalls.md: a cancel sent while the query waits for a saturated pool is kept and
    delivered once the query reaches a server connection, not dropped."""
    url = pool1.database_url
    with Wire(url) as a, Wire(url, timeout=20) as b:
        a.query("BEGIN").ok()
        assert a.value("SELECT 'a holds the only server connection'")
        th, result = query_in_background(b, "SELECT pg_sleep(10)")
        time.sleep(0.4)
        b.send_cancel()  # b's query is still waiting for a lease (pool of 1, wait timeout 2 s)
        time.sleep(0.4)
        a.query("COMMIT").ok()
        th.join(20)
        r = result["r"]
        assert r.sqlstate == "57014", f"the cancel was lost: {r.describe()}"
        assert result["t"] < 5, result["t"]
        assert b.value("SELECT 2") == "2"


# --- a client leaving mid-transaction ------------------------------------------------------


def test_disconnect_mid_transaction_rolls_back(pool1, storage_table, dev):
    url = pool1.database_url
    table = make_table(url, "id integer PRIMARY KEY", storage_table)
    with Wire(url, timeout=20) as b:
        a = Wire(url)
        pid = a.pid()
        a.query("BEGIN").ok()
        assert a.query(f"INSERT INTO {table} VALUES (1)").ok().status == "T"
        a.close()  # no COMMIT, no Terminate
        r = b.query(f"SELECT count(*) FROM {table}", timeout=20)
        assert not r.errors, r.describe()
        assert r.rows == [["0"]], f"B sees A's uncommitted row: {r.rows}"
        assert r.status == "I"
        # No lock or transaction of A is left: B inserts the same key at once.
        r = b.query(f"INSERT INTO {table} VALUES (1)", timeout=10)
        assert not r.errors and r.status == "I", r.describe()
        assert b.value(f"SELECT count(*) FROM {table}") == "1"
        # If the server connection was reused, it is the same process, rolled back.
        b_pid = b.pid()
        if b_pid == pid:
            assert b.value("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'transactionid'") == "0"
