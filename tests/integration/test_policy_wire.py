"""Issue 3's acceptance on the wire: the statement policy (shared/spec/policy.md) enforced by
the proxy, seen through psql, psycopg, asyncpg, pgJDBC and a raw protocol client, against
the real server, on both customer URIs.

Every denial reason (write, other, search_path, syntax) through the simple and the extended
protocol, the connection's state after a denial (usable, or failed inside a transaction
block), pipelines whose implicit transaction the denial rolls back, FunctionCall, startup
parameters, the settings that change how statements are lexed, the statements that must
stay allowed, and pg_dump.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import pytest

import pgwire
from policywire import (
    OTHER,
    REASONS,
    REPRESENTATIVE,
    SEARCH_PATH,
    URL_KINDS,
    WRITE,
    WRITE_SQL,
    Denial,
    assert_denial_fields,
    bind_msg,
    command_tags,
    execute_msg,
    function_call_msg,
    kinds,
    parse_msg,
    raw_login,
    read_until_ready,
    sync_msg,
    uri_options,
    with_extra_options,
)
from sluicetest import JDBC_JAR, missing, psql, psql_ok, psql_value, require_binary, require_module, run, with_params

psycopg = require_module("psycopg")
asyncpg = require_module("asyncpg")
pq = psycopg.pq
DF = pq.DiagnosticField
TS = pq.TransactionStatus

JAVA_CHECK = Path(__file__).resolve().parent / "jdbc" / "PolicyWireCheck.java"

# The representative statements in extended-protocol form: (sql with %s, params or None).
# psycopg sends a statement without parameters by the simple protocol unless asked for
# binary results, so those go with binary=True (PQsendQueryParams: Parse/Bind/Execute).
EXTENDED: dict[str, tuple[str, tuple | None]] = {
    "write": (
        "INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at) "
        "VALUES (%s, %s, now(), now())",
        ("policy-wire-test", "Never Written"),
    ),
    "other": ("DO $$BEGIN END$$", None),
    "search_path": ("SET search_path = public", None),
    "syntax": ("SELEC %s", (1,)),
}


# --- helpers ------------------------------------------------------------------------


def assert_psycopg_error(err, want: Denial) -> None:
    assert err.sqlstate == want.sqlstate, (err.sqlstate, str(err))
    assert err.diag.severity_nonlocalized == "ERROR", err.diag.severity_nonlocalized
    assert err.diag.message_primary == want.message, err.diag.message_primary
    assert err.diag.message_hint == want.hint, err.diag.message_hint
    if want.position is not None:
        assert err.diag.statement_position == want.position, err.diag.statement_position


def assert_pgresult_denial(res, want: Denial) -> None:
    def field(code):
        v = res.error_field(code)
        return None if v is None else v.decode()

    assert res.status == pq.ExecStatus.FATAL_ERROR, (pq.ExecStatus(res.status).name, res.error_message)
    assert field(DF.SEVERITY_NONLOCALIZED) == "ERROR"
    assert field(DF.SQLSTATE) == want.sqlstate, res.error_message
    assert field(DF.MESSAGE_PRIMARY) == want.message
    assert field(DF.MESSAGE_HINT) == want.hint
    if want.position is not None:
        assert field(DF.STATEMENT_POSITION) == want.position


def exec_value(conn, sql: str):
    res = conn.pgconn.exec_(sql.encode())
    assert res.status == pq.ExecStatus.TUPLES_OK, res.error_message
    return res.get_value(0, 0).decode()


def expected_psql_lines(want: Denial, sql: str, prefix: str = "") -> list[str]:
    """What psql -v VERBOSITY=verbose prints for the denial."""
    lines = [f"{prefix}ERROR:  {want.sqlstate}: {want.message}"]
    if want.hint is not None:
        lines.append(f"HINT:  {want.hint}")
    if want.position is not None:
        lines.append(f"LINE 1: {sql}")
        lines.append(" " * (len("LINE 1: ") + int(want.position) - 1) + "^")
    return lines


def jdbc_url(dev, url_key: str, **extra: str) -> str:
    p = dev.proxy
    query = "sslmode=require"
    options = uri_options(dev[url_key])
    if options:
        query += "&options=" + quote(options, safe="")
    for k, v in extra.items():
        query += f"&{k}={quote(v, safe='')}"
    return f"jdbc:postgresql://{p.host}:{p.port}/{p.dbname}?{query}"


def run_java(dev, mode: str, url: str, *args: str) -> list[list[str]]:
    java = require_binary("java")
    if not JDBC_JAR.is_file():
        missing(f"{JDBC_JAR} is missing (apt package libpostgresql-jdbc-java)")
    p = dev.proxy
    r = run([java, "-cp", str(JDBC_JAR), str(JAVA_CHECK), mode, url, p.user, p.password, *args], timeout=300)
    assert r.returncode == 0, f"PolicyWireCheck {mode} exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    lines = [line.split("|") for line in r.stdout.splitlines() if "|" in line]
    assert not any(line[0] == "CRASH" for line in lines), r.stdout
    return lines


def make_counted_table(conn, table: str) -> None:
    """A storage table with a bigserial column: its sequence is not rolled back, so it
    shows how many INSERTs ran even when their transaction was rolled back."""
    conn.execute(f"CREATE TABLE {table} (id integer, n bigserial)")


def table_state(url: str, table: str) -> tuple[int, int, bool]:
    """(rows, sequence last_value, sequence is_called) of a make_counted_table table."""
    with psycopg.connect(url, autocommit=True) as c:
        rows = c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        last, called = c.execute(f"SELECT last_value, is_called FROM {table}_n_seq").fetchone()
    return rows, last, called


# --- simple protocol ------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_psql_simple_protocol_denial(dev, url_key, reason):
    sql, want = REPRESENTATIVE[reason]
    # One psql session: the denied statement, then a read on the same connection.
    r = psql(dev[url_key], "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose", "-At",
             "-c", sql, "-c", "SELECT 40 + 2")
    assert r.stderr.splitlines() == expected_psql_lines(want, sql), r.stderr
    assert r.stdout.strip() == "42", (r.stdout, r.stderr)


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_psycopg_simple_protocol_denial(dev, url_key, reason):
    sql, want = REPRESENTATIVE[reason]
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        assert_pgresult_denial(conn.pgconn.exec_(sql.encode()), want)
        assert conn.pgconn.transaction_status == TS.IDLE
        assert exec_value(conn, "SELECT 1") == "1"
        assert conn.execute("SELECT count(*) > 0 FROM dl_resolved.people").fetchone() == (True,)


def test_empty_query_is_allowed(dev):
    with psycopg.connect(dev.database_url, autocommit=True) as conn:
        assert conn.pgconn.exec_(b"").status == pq.ExecStatus.EMPTY_QUERY
        assert exec_value(conn, "SELECT 1") == "1"


# --- extended protocol ----------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_psycopg_extended_protocol_denial(dev, url_key, reason):
    sql, params = EXTENDED[reason]
    want = REPRESENTATIVE[reason][1]
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        # Parse/Bind/Describe/Execute/Sync (unnamed statement) ...
        with pytest.raises(psycopg.Error) as ei:
            conn.execute(sql, params, binary=params is None)
        assert_psycopg_error(ei.value, want)
        assert conn.info.transaction_status == TS.IDLE
        assert conn.execute("SELECT 1").fetchone() == (1,)
        # ... and a named server-side prepared statement (Parse + Sync, then Bind/Execute).
        with pytest.raises(psycopg.Error) as ei:
            conn.execute(sql, params, prepare=True)
        assert_psycopg_error(ei.value, want)
        assert conn.execute("SELECT %s::int + 1", (41,)).fetchone() == (42,)
        # libpq's PQexecParams directly.
        res = conn.pgconn.exec_params(REPRESENTATIVE[reason][0].encode(), [])
        assert_pgresult_denial(res, want)
        assert exec_value(conn, "SELECT 1") == "1"


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_asyncpg_denial(dev, url_key, reason):
    sql, want = REPRESENTATIVE[reason]

    def check(e):
        assert e.sqlstate == want.sqlstate, (e.sqlstate, e)
        assert e.args[0] == want.message, e.args
        assert e.message == want.message
        assert e.hint == want.hint
        if want.position is not None:
            assert str(e.position) == want.position

    async def body():
        conn = await asyncpg.connect(dsn=dev[url_key], timeout=30)
        try:
            with pytest.raises(asyncpg.PostgresError) as ei:
                await conn.fetch(sql)
            check(ei.value)
            assert await conn.fetchval("SELECT 1") == 1
            with pytest.raises(asyncpg.PostgresError) as ei:
                await conn.prepare(sql)
            check(ei.value)
            assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
            if reason == "write":
                with pytest.raises(asyncpg.PostgresError) as ei:
                    await conn.execute(
                        "INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at) "
                        "VALUES ($1, $2, now(), now())", "policy-wire-test", "x")
                check(ei.value)
                assert await conn.fetchval("SELECT 2") == 2
        finally:
            await conn.close()

    asyncio.run(asyncio.wait_for(body(), 120))


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_jdbc_denials(dev, url_key):
    statements = [REPRESENTATIVE[r][0] for r in REASONS]
    lines = run_java(dev, "statements", jdbc_url(dev, url_key), *statements)
    for i, reason in enumerate(REASONS):
        want = REPRESENTATIVE[reason][1]
        for kind in ("statement", "prepared"):
            deny = [line for line in lines if line[:3] == ["DENY", kind, str(i)]]
            assert deny, f"{reason} via {kind} was not denied:\n{lines}"
            state, message, hint, position = deny[0][3:7]
            assert (state, message, hint or None) == (want.sqlstate, want.message, want.hint), deny[0]
            if want.position is not None:
                assert position == want.position, deny[0]
            assert ["AFTER", kind, str(i), "1"] in lines, lines


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_jdbc_execute_batch_with_a_denied_statement(dev, url_key, storage_table):
    table = storage_table()
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        make_counted_table(conn, table)
    lines = run_java(dev, "batch", jdbc_url(dev, url_key), table, WRITE_SQL)
    fail = [line for line in lines if line[0] == "BATCH_FAIL"]
    assert fail, f"executeBatch did not fail:\n{lines}"
    assert fail[0][1:4] == [WRITE.sqlstate, WRITE.message, WRITE.hint], fail[0]
    assert ["COUNT", "0"] in lines, lines
    assert ["AFTER", "batch", "0", "1"] in lines, lines
    rows, last, called = table_state(dev[url_key], table)
    assert rows == 0
    # The first INSERT ran and was rolled back with the batch; the third never ran.
    assert (last, called) == (1, True), (last, called)


# --- pipelines: the denial rolls back the batch's implicit transaction ------------------


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_psycopg_pipeline_rolls_back_the_implicit_transaction(dev, url_key, storage_table):
    table = storage_table()
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        make_counted_table(conn, table)
        with pytest.raises(psycopg.Error) as ei:
            with conn.pipeline():
                conn.execute(f"INSERT INTO {table} (id) VALUES (%s)", (1,))
                conn.execute(WRITE_SQL)
                conn.execute(f"INSERT INTO {table} (id) VALUES (%s)", (3,))
        assert_psycopg_error(ei.value, WRITE)
        assert conn.info.transaction_status == TS.IDLE
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    rows, last, called = table_state(dev[url_key], table)
    assert rows == 0, "the INSERT before the denial was not rolled back"
    assert (last, called) == (1, True), f"sequence at {last} (called={called}): the INSERT after the denial ran"


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_raw_extended_batch_denied_parse(dev, url_key, storage_table):
    table = storage_table()
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        make_counted_table(conn, table)
    c, res = raw_login(dev, url_key)
    with c:
        assert res.ok, res.error and res.error.fields
        batch = (parse_msg(f"INSERT INTO {table} (id) VALUES (1)") + bind_msg() + execute_msg()
                 + parse_msg(WRITE_SQL) + bind_msg() + execute_msg()
                 + parse_msg(f"INSERT INTO {table} (id) VALUES (3)") + bind_msg() + execute_msg()
                 + sync_msg())
        # Outside a transaction block: the implicit transaction is rolled back, status I.
        c.send(batch)
        msgs = read_until_ready(c)
        assert kinds(msgs) == "12CEZ", kinds(msgs)
        assert command_tags(msgs) == ["INSERT 0 1"]
        assert_denial_fields(msgs[3].fields, WRITE)
        assert msgs[-1].payload == b"I"
        assert pgwire.data_rows(pgwire.simple_query(c, f"SELECT count(*) FROM {table}")) == [["0"]]
        # Inside a block: the block is failed (status E) and ROLLBACK ends it.
        assert pgwire.simple_query(c, "BEGIN")[-1].payload == b"T"
        c.send(batch)
        msgs = read_until_ready(c)
        assert kinds(msgs) == "12CEZ", kinds(msgs)
        assert msgs[-1].payload == b"E"
        after = pgwire.simple_query(c, "SELECT 1")
        assert [m.sqlstate for m in after if m.kind == b"E"] == ["25P02"]
        assert pgwire.simple_query(c, "ROLLBACK")[-1].payload == b"I"
        assert pgwire.data_rows(pgwire.simple_query(c, f"SELECT count(*) FROM {table}")) == [["0"]]
    rows, last, called = table_state(dev[url_key], table)
    assert (rows, last, called) == (0, 2, True), (rows, last, called)


# --- inside a transaction block ----------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_denial_fails_the_transaction_block_psql(dev, url_key, reason):
    sql, want = REPRESENTATIVE[reason]
    script = f"BEGIN;\n{sql};\nSELECT 1;\nROLLBACK;\nSELECT 40 + 2;\n"
    r = psql(dev[url_key], "-q", "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose", "-At", input=script)
    err = r.stderr.splitlines()
    # psql sends (and echoes in LINE 1) a statement read from a pipe with its ';'.
    expected = expected_psql_lines(want, f"{sql};")
    assert err[:len(expected)] == expected, r.stderr
    # The server's own answer to the next statement (LOCATION is the server's source line).
    rest = [line for line in err[len(expected):] if not line.startswith("LOCATION:  ")]
    assert rest == [
        "ERROR:  25P02: current transaction is aborted, commands ignored until end of transaction block"
    ], r.stderr
    assert r.stdout.strip() == "42", (r.stdout, r.stderr)


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_denial_fails_the_transaction_block_psycopg(dev, url_key, reason):
    sql, params = EXTENDED[reason]
    want = REPRESENTATIVE[reason][1]
    with psycopg.connect(dev[url_key]) as conn:  # not autocommit: psycopg sends BEGIN
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.transaction_status == TS.INTRANS
        with pytest.raises(psycopg.Error) as ei:
            conn.execute(sql, params, binary=params is None)  # extended protocol
        assert_psycopg_error(ei.value, want)
        assert conn.info.transaction_status == TS.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        conn.rollback()
        assert conn.info.transaction_status == TS.IDLE
        # Simple protocol inside a block.
        assert conn.execute("SELECT 2").fetchone() == (2,)
        assert conn.info.transaction_status == TS.INTRANS
        assert_pgresult_denial(conn.pgconn.exec_(REPRESENTATIVE[reason][0].encode()), want)
        assert conn.info.transaction_status == TS.INERROR
        conn.rollback()
        assert conn.execute("SELECT 3").fetchone() == (3,)
        conn.commit()


# --- a multi-statement simple query is denied as a whole --------------------------------


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_multi_statement_query_denied_as_a_whole(dev, url_key, storage_table):
    table = storage_table()
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        make_counted_table(conn, table)
        people = conn.execute("SELECT count(*) FROM dl_cache.person_enrichments").fetchone()[0]
        res = conn.pgconn.exec_(
            f"INSERT INTO {table} (id) VALUES (1); DELETE FROM dl_cache.person_enrichments".encode())
        assert_pgresult_denial(res, WRITE)
        res = conn.pgconn.exec_(f"INSERT INTO {table} (id) VALUES (2); DO $$BEGIN END$$; SELECT 1".encode())
        assert_pgresult_denial(res, OTHER)
        assert conn.pgconn.transaction_status == TS.IDLE
        assert exec_value(conn, "SELECT 1") == "1"
        assert conn.execute("SELECT count(*) FROM dl_cache.person_enrichments").fetchone() == (people,)
    r = psql(dev[url_key], "-v", "VERBOSITY=verbose", "-c",
             f"INSERT INTO {table} (id) VALUES (3); SET search_path = public")
    assert r.returncode != 0
    assert r.stderr.splitlines() == expected_psql_lines(SEARCH_PATH, ""), r.stderr
    # Nothing of any of them reached the server: no row, and the sequence never moved.
    assert table_state(dev[url_key], table) == (0, 1, False)


# --- FunctionCall ------------------------------------------------------------------------


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_function_call_message_is_denied(dev, url_key):
    su = dev.superuser_url_for("ws_" + dev.proxy.user.split(".", 1)[1])
    lo_create = int(psql_value(su, "SELECT 'pg_catalog.lo_create(oid)'::regprocedure::oid::int"))
    before = psql_value(su, "SELECT count(*) FROM pg_largeobject_metadata")
    c, res = raw_login(dev, url_key)
    with c:
        assert res.ok, res.error and res.error.fields
        c.send(function_call_msg(lo_create, (b"0",)))
        msgs = read_until_ready(c)
        assert kinds(msgs) == "EZ", kinds(msgs)
        assert_denial_fields(msgs[0].fields, WRITE)
        assert msgs[-1].payload == b"I"
        assert pgwire.data_rows(pgwire.simple_query(c, "SELECT 1")) == [["1"]]
        # Inside a block it fails the block, as a server error would.
        assert pgwire.simple_query(c, "BEGIN")[-1].payload == b"T"
        c.send(function_call_msg(lo_create, (b"0",)))
        msgs = read_until_ready(c)
        assert kinds(msgs) == "EZ" and msgs[-1].payload == b"E", (kinds(msgs), msgs[-1].payload)
        assert pgwire.simple_query(c, "ROLLBACK")[-1].payload == b"I"
        assert pgwire.data_rows(pgwire.simple_query(c, "SELECT 2")) == [["2"]]
    assert psql_value(su, "SELECT count(*) FROM pg_largeobject_metadata") == before


# --- startup parameters ----------------------------------------------------------------


def assert_fatal_text(stderr: str, want: Denial) -> None:
    assert f"FATAL:  {want.message}" in stderr, stderr
    assert f"HINT:  {want.hint}" in stderr, stderr


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_startup_options_search_path_is_fatal(dev, url_key):
    uri = with_extra_options(dev[url_key], "-c search_path=public")
    r = psql(uri, "-c", "SELECT 1", timeout=30)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert_fatal_text(r.stderr, SEARCH_PATH)
    with pytest.raises(psycopg.OperationalError) as ei:
        psycopg.connect(uri, connect_timeout=15).close()
    assert SEARCH_PATH.message in str(ei.value), str(ei.value)


@pytest.mark.parametrize("spelling", [dict(search_path="public"), dict(extra_options="--search_path=public")])
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_startup_search_path_parameter_raw(dev, url_key, spelling):
    c, res = raw_login(dev, url_key, **spelling)
    with c:
        assert not res.ok and res.error is not None, res.kinds
        assert_denial_fields(res.error.fields, SEARCH_PATH, severity="FATAL")
        _, closed, _ = c.read_until_closed(10)
        assert closed, "the proxy kept the connection open after FATAL"


@pytest.mark.parametrize("options", ["-c role=nobody -c search_path=public", "-c search_path=public -c role=nobody"])
def test_startup_reports_the_first_reason_whatever_the_order(dev, options):
    """policy.md: the reason reported is the first that applies of syntax, search_path, write,
    other; two refused startup settings give the search_path denial in either order."""
    c, res = raw_login(dev, "DATABASE_URL", extra_options=options)
    with c:
        assert not res.ok and res.error is not None, res.kinds
        assert_denial_fields(res.error.fields, SEARCH_PATH, severity="FATAL")


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_jdbc_current_schema_is_fatal(dev, url_key):
    lines = run_java(dev, "connect", jdbc_url(dev, url_key, currentSchema="public"))
    assert lines and lines[0][0] == "CONNECT_FAIL", lines
    assert lines[0][1:4] == [SEARCH_PATH.sqlstate, SEARCH_PATH.message, SEARCH_PATH.hint], lines
    # Without currentSchema the same program connects, with the role's empty search_path.
    assert run_java(dev, "connect", jdbc_url(dev, url_key)) == [["CONNECTED", '""']]


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_startup_statement_timeout_is_allowed(dev, url_key):
    uri = with_extra_options(dev[url_key], "-c statement_timeout=5000")
    # Two statements, two transactions on the same session: the setting holds for both.
    out = psql_ok(uri, "-At", "-c", "SHOW statement_timeout", "-c", "SHOW statement_timeout").split()
    assert out == ["5s", "5s"], out
    with psycopg.connect(uri, autocommit=True) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        assert conn.execute("SELECT count(*) > 0 FROM dl_resolved.people").fetchone() == (True,)


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_startup_client_encoding_sjis_is_fatal(dev, url_key):
    r = psql(with_params(dev[url_key], client_encoding="SJIS"), "-c", "SELECT 1", timeout=30)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert_fatal_text(r.stderr, OTHER)
    c, res = raw_login(dev, url_key, client_encoding="SJIS")
    with c:
        assert not res.ok and res.error is not None, res.kinds
        assert_denial_fields(res.error.fields, OTHER, severity="FATAL")
    # An encoding that is safe is fine at startup.
    out = psql_value(with_params(dev[url_key], client_encoding="LATIN1"), "SHOW client_encoding")
    assert out == "LATIN1"


# --- settings that would change how the next statement is read ---------------------------


@pytest.mark.parametrize("sql", ["SET client_encoding = 'SJIS'", "SET client_encoding TO big5",
                                 "SET standard_conforming_strings = off",
                                 "SELECT set_config('standard_conforming_strings', 'off', false)"])
@pytest.mark.parametrize("url_key", URL_KINDS)
def test_lexing_settings_are_denied(dev, url_key, sql):
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        assert_pgresult_denial(conn.pgconn.exec_(sql.encode()), OTHER)
        with pytest.raises(psycopg.Error) as ei:
            conn.execute(sql, binary=True)
        assert_psycopg_error(ei.value, OTHER)
        assert conn.execute("SHOW client_encoding").fetchone() == ("UTF8",)
        assert conn.execute("SHOW standard_conforming_strings").fetchone() == ("on",)
        assert conn.pgconn.parameter_status(b"client_encoding") == b"UTF8"
        assert conn.pgconn.parameter_status(b"standard_conforming_strings") == b"on"


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_safe_encodings_and_settings_are_allowed(dev, url_key):
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        conn.execute("SET standard_conforming_strings = on")
        conn.execute("SET client_encoding = 'utf-8'")
        assert conn.execute("SHOW client_encoding").fetchone() == ("UTF8",)
        conn.execute("SET work_mem = '8MB'")
        assert conn.execute("SHOW work_mem").fetchone() == ("8MB",)


# --- the allowed side ----------------------------------------------------------------------


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_allowed_statements_psycopg(dev, url_key, storage_table):
    table = storage_table()
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, v text)")
        assert conn.execute(f"INSERT INTO {table} VALUES (%s, %s), (%s, %s)", (1, "a", 2, "b")).rowcount == 2
        assert conn.execute(f"UPDATE {table} SET v = %s WHERE id = %s", ("z", 1)).rowcount == 1
        assert conn.execute(f"DELETE FROM {table} WHERE id = %s", (2,)).rowcount == 1
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} (id, v) FROM STDIN") as copy:
                for i in range(10, 20):
                    copy.write_row((i, f"row {i}"))
            assert cur.rowcount == 10
        assert conn.execute(f"SELECT count(*), min(v) FROM {table}").fetchone() == (11, "row 10")
        assert conn.execute(f"SELECT v FROM {table} WHERE id = 1").fetchone() == ("z",)

        conn.execute("SET search_path TO ''")
        assert conn.execute("SHOW search_path").fetchone() == ('""',)
        assert conn.execute("SELECT set_config('search_path', '', false)").fetchone() == ("",)
        assert conn.execute("SELECT pg_catalog.set_config('search_path', '', false)", binary=True).fetchone() == ("",)
        # set_config stores the empty string itself (SET TO '' stores a quoted empty name).
        assert conn.execute("SHOW search_path").fetchone() == ("",)

        settings = conn.execute("SHOW ALL").fetchall()
        assert len(settings) > 100 and any(r[0] == "search_path" for r in settings)

        with conn.transaction():
            conn.execute("LOCK dl_cache.person_enrichments IN ACCESS SHARE MODE")
            held = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'AccessShareLock' "
                "AND relation = 'dl_cache.person_enrichments'::regclass").fetchone()
            assert held == (1,)

        plan = conn.execute(
            "EXPLAIN SELECT * FROM dl_resolved.people WHERE identity_key = %s", ("person-0001",)).fetchall()
        assert plan and all(isinstance(r[0], str) for r in plan)
        plan = conn.execute("EXPLAIN SELECT count(*) FROM dl_cache.person_enrichments").fetchall()
        assert any("person_enrichments" in r[0] for r in plan), plan

        expected = [r[0] for r in conn.execute(
            "SELECT identity_key FROM dl_resolved.people ORDER BY identity_key LIMIT 5").fetchall()]
        with conn.transaction():
            conn.execute("DECLARE c CURSOR FOR SELECT identity_key FROM dl_resolved.people ORDER BY identity_key")
            got = [r[0] for r in conn.execute("FETCH 5 FROM c").fetchall()]
            conn.execute("CLOSE c")
        assert got == expected and len(got) == 5


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_allowed_statements_psql(dev, url_key, storage_table):
    table = storage_table()
    script = f"""
CREATE TABLE {table} (id integer PRIMARY KEY, v text);
INSERT INTO {table} VALUES (1, 'a'), (2, 'b');
UPDATE {table} SET v = 'z' WHERE id = 1;
DELETE FROM {table} WHERE id = 2;
COPY {table} (id, v) FROM STDIN;
10\tten
11\televen
\\.
SET search_path TO '';
SELECT 'sp=' || set_config('search_path', '', false);
SELECT 'all=' || (count(*) > 100)::text FROM pg_settings;
BEGIN;
LOCK dl_cache.person_enrichments IN ACCESS SHARE MODE;
DECLARE c CURSOR FOR SELECT identity_key FROM dl_resolved.people ORDER BY identity_key;
FETCH 3 FROM c;
COMMIT;
SELECT 'rows=' || count(*) || ',' || string_agg(v, ',' ORDER BY id) FROM {table};
"""
    r = psql(dev[url_key], "-q", "-At", input=script)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert "sp=" in out and "all=true" in out, out
    assert out[-1] == "rows=3,z,ten,eleven", out
    assert [line for line in out if line.startswith("person-")] == ["person-0001", "person-0002", "person-0003"], out
    show_all = psql_ok(dev[url_key], "-At", "-c", "SHOW ALL")
    assert len(show_all.splitlines()) > 100
    explain = psql_ok(dev[url_key], "-At", "-c", "EXPLAIN SELECT * FROM dl_resolved.people")
    assert len(explain.splitlines()) >= 1 and "Scan" in explain, explain


# --- pg_dump -------------------------------------------------------------------------------


def test_pg_dump_schema_through_the_session_uri(dev):
    pg_dump = require_binary("pg_dump")
    r = run([pg_dump, "-d", dev.session_database_url, "--schema-only"], timeout=180)
    assert r.returncode == 0, f"pg_dump failed ({r.returncode}):\n{r.stderr}"
    assert "CREATE VIEW dl_resolved.people" in r.stdout, r.stdout[-2000:]
    assert "CREATE VIEW dl_resolved.companies" in r.stdout
    assert "CREATE TABLE dl_cache.person_enrichments" in r.stdout
