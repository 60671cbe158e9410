"""Unnamed statements under transaction pooling, and their shared server-side cache.

From the second time one event loop sees an unnamed `Parse` text (with the same parameter
types), Sluice binds a statement prepared on the server connection under a name derived from
the text (the one named statements share) instead of letting the server parse it again
(`cache_unnamed_statements`, on by default; README "Transaction pooling"). What must hold:
- results are exactly those of the unnamed statement, for every client;
- a text seen once is never prepared on the server (one-off statements fill no cache);
- after `ALTER TABLE ... ADD COLUMN`, a repeated unnamed `SELECT *` returns the new shape
  without an error, with or without a Describe, inside or outside a transaction block;
- a failed Parse leaves no statement: a later Bind of the unnamed statement fails with 26000;
- a client's Bind of the unnamed statement never binds another client's: 26000 when the
  client has none (never parsed, closed, or its Parse failed);
- with `cache_unnamed_statements=false` nothing is prepared on the server.

Each test uses a private `sluice serve` with one server connection, so the statements the
server holds can be read from `pg_prepared_statements` on that same connection.
"""

from __future__ import annotations

import uuid

import pytest

from policywire import bind_msg, execute_msg, parse_msg, sync_msg
from txpool import Wire, close_statement_msg, describe_portal_msg, serve


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    return tmp_path_factory.mktemp("sluice-unnamed")


@pytest.fixture(scope="module")
def cached(dev, logs):
    s = serve(dev, 1, logs, "unnamed-cached", query_wait_timeout=5)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def uncached(dev, logs):
    s = serve(dev, 1, logs, "unnamed-uncached", query_wait_timeout=5,
              extra_env={"SLUICE_CACHE_UNNAMED_STATEMENTS": "false"})
    yield s
    s.stop()


def tag() -> str:
    return uuid.uuid4().hex[:12]


def run_unnamed(w: Wire, sql: str, params: tuple[str | None, ...] = (), describe: bool = True,
                param_types: tuple[int, ...] = ()):
    """Parse, Bind, [Describe portal], Execute, Sync of the unnamed statement: one batch."""
    msgs = [parse_msg(sql, "", param_types), bind_msg(params, "", "")]
    if describe:
        msgs.append(describe_portal_msg(""))
    msgs += [execute_msg(""), sync_msg()]
    w.send(*msgs)
    return w.read_until_ready()


def bind_unnamed(w: Wire, params: tuple[str | None, ...] = ()):
    w.send(bind_msg(params, "", ""), describe_portal_msg(""), execute_msg(""), sync_msg())
    return w.read_until_ready()


def prepared_on_server(w: Wire, sql: str) -> int:
    """Statements with this text prepared on the (only) server connection."""
    literal = sql.replace("'", "''")
    return int(w.value(f"SELECT count(*) FROM pg_catalog.pg_prepared_statements WHERE statement = '{literal}'"))


def test_repeated_unnamed_text_is_prepared_once_and_shared(cached):
    url = cached.database_url
    sql = f"SELECT $1::int + 41 AS answer /* {tag()} */"
    once = f"SELECT 7 AS seven /* {tag()} */"
    with Wire(url) as a, Wire(url) as b, Wire(url) as c:
        for _ in range(3):
            r = run_unnamed(a, sql, ("1",))
            assert r.kinds == "12TDCZ" and r.rows == [["42"]], r.describe()
        assert run_unnamed(a, once).ok().rows == [["7"]]
        # Another client's first Parse of the text uses the same preparation.
        r = run_unnamed(b, sql, ("2",))
        assert r.kinds == "12TDCZ" and r.rows == [["43"]], r.describe()
        # Asked by a third client (on the same server connection): a simple Query drops
        # the unnamed statement of the session that sends it, as on a direct connection.
        assert prepared_on_server(c, sql) == 1, "a repeated unnamed text is prepared on the server"
        assert prepared_on_server(c, once) == 0, "a text seen once is not"
        # The unnamed statement stays the client's after a Sync (pg8000 binds it again):
        # a's is the one-off text now, b's the shared one.
        assert bind_unnamed(a).ok().rows == [["7"]]
        assert bind_unnamed(b, ("10",)).ok().rows == [["51"]]
        assert run_unnamed(a, sql, ("0",)).ok().rows == [["41"]]
        assert bind_unnamed(a, ("9",)).ok().rows == [["50"]]


def test_parameter_types_are_part_of_the_key(cached):
    url = cached.database_url
    sql = f"SELECT pg_catalog.pg_typeof($1)::text /* {tag()} */"
    with Wire(url) as a:
        for _ in range(2):
            assert run_unnamed(a, sql, ("1",), param_types=(23,)).ok().rows == [["integer"]]
            assert run_unnamed(a, sql, ("1",), param_types=(25,)).ok().rows == [["text"]]


def test_nothing_is_prepared_when_the_cache_is_off(uncached):
    url = uncached.database_url
    sql = f"SELECT $1::int * 2 /* {tag()} */"
    with Wire(url) as a:
        for i in range(3):
            assert run_unnamed(a, sql, (str(i),)).ok().rows == [[str(2 * i)]]
        assert prepared_on_server(a, sql) == 0


def test_select_star_after_add_column(cached, storage_table):
    url = cached.database_url
    table = storage_table()
    sql = f"SELECT * FROM {table} ORDER BY id"
    with Wire(url) as a, Wire(url) as other:
        a.query(f"CREATE TABLE {table} (id integer PRIMARY KEY, name text)").ok()
        a.query(f"INSERT INTO {table} VALUES (1, 'one')").ok()
        for _ in range(3):
            assert run_unnamed(a, sql).ok().rows == [["1", "one"]]
        assert prepared_on_server(a, sql) == 1
        other.query(f"ALTER TABLE {table} ADD COLUMN extra text DEFAULT 'x'").ok()
        # Without a Describe: the client parsed it in this batch and expects the new shape.
        r = run_unnamed(a, sql, describe=False)
        assert not r.errors, f"after ALTER TABLE ADD COLUMN: {r.describe()}"
        assert r.rows == [["1", "one", "x"]], r.rows
        other.query(f"ALTER TABLE {table} ADD COLUMN more integer DEFAULT 5").ok()
        r = run_unnamed(a, sql)
        assert not r.errors, r.describe()
        assert r.rows == [["1", "one", "x", "5"]]
        assert b"more\0" in [m for m in r.messages if m.kind == b"T"][0].payload
        # Inside a transaction block: the same text is parsed by the server as it came.
        other.query(f"ALTER TABLE {table} DROP COLUMN name").ok()
        a.query("BEGIN").ok()
        r = run_unnamed(a, sql)
        assert not r.errors and r.status == "T", r.describe()
        assert r.rows == [["1", "x", "5"]]
        a.query("COMMIT").ok()
        assert run_unnamed(a, sql).ok().rows == [["1", "x", "5"]]


def test_failed_parse_leaves_no_unnamed_statement(cached):
    url = cached.database_url
    sql = f"SELECT * FROM storage.no_such_table_{tag()}"
    with Wire(url) as a:
        for _ in range(3):
            r = run_unnamed(a, sql)
            assert r.sqlstate == "42P01" and r.status == "I", r.describe()
        r = bind_unnamed(a)
        assert r.sqlstate == "26000", f"Bind after a failed Parse: {r.describe()}"
        assert r.error["M"] == "unnamed prepared statement does not exist"
        assert a.value("SELECT 1") == "1"


def test_bind_never_reaches_another_clients_unnamed_statement(cached):
    url = cached.database_url
    secret = f"secret of b {tag()}"
    with Wire(url) as a, Wire(url) as b:
        b.send(parse_msg(f"SELECT '{secret}'::text", ""), sync_msg())
        assert b.read_until_ready().kinds == "1Z"
        # a never parsed an unnamed statement: the server's (b's) is not a's to bind.
        r = bind_unnamed(a)
        assert r.sqlstate == "26000", f"a bound someone's unnamed statement: {r.describe()}"
        assert secret not in str(r.rows)
        assert bind_unnamed(b).ok().rows == [[secret]]
        # Closed: gone for the client, even though the server may still hold it.
        r = b.close_statement("")
        assert r.kinds == "3Z", r.describe()
        assert bind_unnamed(b).sqlstate == "26000"


def test_close_of_a_shared_unnamed_statement(cached):
    url = cached.database_url
    sql = f"SELECT $1::text || '!' /* {tag()} */"
    with Wire(url) as a:
        for _ in range(2):
            assert run_unnamed(a, sql, ("hi",)).ok().rows == [["hi!"]]
        a.send(close_statement_msg(""), sync_msg())
        assert a.read_until_ready().kinds == "3Z"
        assert bind_unnamed(a, ("x",)).sqlstate == "26000"
        # the shared preparation stays for the next client
        assert prepared_on_server(a, sql) == 1
        assert run_unnamed(a, sql, ("again",)).ok().rows == [["again!"]]


@pytest.mark.parametrize("shared", [False, True], ids=["server-unnamed", "shared"])
def test_skipped_parse_keeps_the_previous_unnamed_statement(cached, shared):
    """A Parse skipped because an earlier message of its batch failed never happened, so
    the client's previous unnamed statement is still the one a later Bind binds (as the
    server would), even when another client used the server connection in between."""
    url = cached.database_url
    old, new = f"SELECT 'old {tag()}'::text", f"SELECT 'new {tag()}'::text"
    with Wire(url) as a, Wire(url) as b:
        rounds = 2 if shared else 1  # the second time a text is seen it is shared
        for _ in range(rounds):
            assert run_unnamed(a, old).ok().rows == [[old[8:-7]]]
        for _ in range(rounds - 1):
            assert run_unnamed(b, new).ok().rows == [[new[8:-7]]]
        # The batch fails at its first message; the server skips the Parse of `new`.
        a.send(bind_msg((), "", "no_such_statement"), parse_msg(new, ""), sync_msg())
        r = a.read_until_ready()
        assert r.sqlstate == "26000" and r.kinds == "EZ", r.describe()
        # b takes the one server connection and leaves its own unnamed statement there.
        assert run_unnamed(b, f"SELECT 'b {tag()}'::text").ok()
        assert bind_unnamed(a).ok().rows == [[old[8:-7]]]


@pytest.mark.parametrize("url_key", ["pooled", "session"])
def test_an_unbound_unnamed_portal_is_never_executed(dev, cached, url_key):
    """PostgreSQL 15.18 crashes (signal 11, every backend of the server restarts) when a
    client executes the unnamed portal a failed utility statement in a transaction block
    left behind: the portal keeps a list of statements in memory the server has freed.
    Five messages do it (found by test_differential_wire.py, checked on PostgreSQL directly):
    `BEGIN`; `ROLLBACK TO SAVEPOINT sp` (none exists); a long named Parse; Sync; Execute of
    the unnamed portal. Sluice forwards an Execute of the unnamed portal only after the
    client bound it since its last simple Query, and answers any other itself (34000, as the
    server does where no such leftover exists). Never sent to the server directly here."""
    url = cached.database_url if url_key == "pooled" else dev.session_database_url
    long_text = "SELECT " + ", ".join(f"current_setting('TimeZone') AS c{i}" for i in range(12))
    with Wire(url) as w:
        assert w.query("BEGIN").ok().status == "T"
        r = w.query("ROLLBACK TO SAVEPOINT sp")
        assert r.sqlstate == "3B001" and r.status == "E", r.describe()
        w.send(parse_msg(long_text, f"s_{tag()}"), sync_msg())
        assert w.read_until_ready().sqlstate == "25P02"
        w.send(execute_msg(""), sync_msg())
        r = w.read_until_ready()
        assert r.sqlstate == "34000" and r.error["M"] == 'portal "" does not exist' and r.status == "E", r.describe()
        assert w.query("ROLLBACK").ok().status == "I"
        # The server is still up, and the session too.
        assert w.value("SELECT 1") == "1"
        # A portal the client bound runs as before, in this batch and the next one.
        w.send(parse_msg("SELECT generate_series(1, 3)", ""), bind_msg((), "", ""), execute_msg("", 1), sync_msg())
        assert w.read_until_ready().ok().rows == [["1"]]
        assert w.query("BEGIN").ok()
        w.send(parse_msg("SELECT generate_series(1, 3)", ""), bind_msg((), "", ""), execute_msg("", 1), sync_msg())
        assert w.read_until_ready().ok().rows == [["1"]]
        w.send(execute_msg(""), sync_msg())
        assert w.read_until_ready().ok().rows == [["2"], ["3"]]
        assert w.query("COMMIT").ok()
