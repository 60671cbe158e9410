"""psycopg 3 through the proxy: server-side parameter binding (extended protocol),
automatic prepared statements, COPY both ways, server-side cursors, cancel."""

from __future__ import annotations

import threading
import time

import pytest

from sluicetest import require_module

psycopg = require_module("psycopg")

URL_KINDS = ["DATABASE_URL", "SESSION_DATABASE_URL"]


def reference_people(dev, limit=None):
    q = "SELECT identity_key, display_name FROM dl_resolved.people ORDER BY identity_key"
    if limit:
        q += f" LIMIT {int(limit)}"
    with psycopg.connect(dev.database_url, autocommit=True) as conn:
        return conn.execute(q).fetchall()


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_extended_protocol_parameters(dev, url_key):
    people = reference_people(dev, limit=12)
    assert len(people) == 12
    with psycopg.connect(dev[url_key], autocommit=True, prepare_threshold=5) as conn:
        # 12 executions of one query: psycopg binds on the server (Parse/Bind/Execute) and,
        # from the 6th on, uses a named prepared statement; in transaction pooling the
        # proxy must carry it across server connections.
        for key, name in people:
            row = conn.execute(
                "SELECT identity_key, display_name FROM dl_resolved.people WHERE identity_key = %s",
                (key,),
            ).fetchall()
            assert row == [(key, name)]
        # typed parameters, binary results
        cur = conn.cursor(binary=True)
        cur.execute("SELECT %s::int + %s::int, %s::text || '!', %s::jsonb ->> 'k'", (40, 2, "Zoë", '{"k": "v"}'))
        assert cur.fetchone() == (42, "Zoë!", "v")


def test_extended_protocol_in_explicit_transaction(dev):
    people = reference_people(dev, limit=3)
    with psycopg.connect(dev.database_url) as conn:  # not autocommit: psycopg sends BEGIN
        with conn.transaction():
            for key, name in people:
                got = conn.execute(
                    "SELECT display_name FROM dl_resolved.people WHERE identity_key = %s", (key,)
                ).fetchone()
                assert got == (name,)
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_copy_from_stdin_and_to_stdout(dev, storage_table):
    table = storage_table()
    rows = [(i, f"name {i} – Zoë", {"n": i, "tags": ["a", "ü"]}) for i in range(1, 251)]
    with psycopg.connect(dev.database_url) as conn:
        conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, name text, payload jsonb)")
        conn.commit()
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} (id, name, payload) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((r[0], r[1], psycopg.types.json.Jsonb(r[2])))
            assert cur.rowcount == len(rows)
        conn.commit()

        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (len(rows),)
        conn.commit()

        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} (id, name, payload) TO STDOUT") as copy:
                copy.set_types(["int4", "text", "jsonb"])
                got = list(copy.rows())
        conn.commit()
    assert sorted(got, key=lambda r: r[0]) == rows


def test_copy_query_to_stdout(dev):
    with psycopg.connect(dev.database_url, autocommit=True) as conn:
        expected = conn.execute("SELECT count(*) FROM dl_resolved.people").fetchone()[0]
        data = bytearray()
        with conn.cursor().copy("COPY (SELECT identity_key FROM dl_resolved.people) TO STDOUT") as copy:
            for chunk in copy:
                data += chunk
    lines = bytes(data).decode().splitlines()
    assert len(lines) == expected >= 200


def test_server_side_cursor_itersize_10(dev):
    expected = [k for k, _ in reference_people(dev)]
    assert len(expected) >= 200
    with psycopg.connect(dev.database_url) as conn:
        with conn.cursor(name="c") as cur:
            cur.itersize = 10
            cur.execute("SELECT identity_key FROM dl_resolved.people ORDER BY identity_key")
            got = [r[0] for r in cur]
        conn.commit()
    assert got == expected


def test_server_side_cursor_scroll_and_fetchmany(dev):
    expected = [k for k, _ in reference_people(dev, limit=30)]
    with psycopg.connect(dev.database_url) as conn:
        with conn.cursor(name="c2", scrollable=True) as cur:
            cur.execute("SELECT identity_key FROM dl_resolved.people ORDER BY identity_key LIMIT 30")
            first = [r[0] for r in cur.fetchmany(10)]
            cur.scroll(5)
            after_skip = cur.fetchone()[0]
            cur.scroll(0, mode="absolute")
            again = cur.fetchone()[0]
        conn.rollback()
    assert first == expected[:10]
    assert after_skip == expected[15]
    assert again == expected[0]


def _cancel_during_sleep(dev, url_key, method):
    with psycopg.connect(dev[url_key], autocommit=True) as conn:
        marks = {}

        def cancel():
            time.sleep(0.7)
            marks["cancel"] = time.monotonic()
            getattr(conn, method)()

        t = threading.Thread(target=cancel)
        start = time.monotonic()
        t.start()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(30)")
        end = time.monotonic()
        t.join(10)
        assert "cancel" in marks
        assert end - marks["cancel"] < 1.0, f"query ended {end - marks['cancel']:.2f}s after the cancel"
        assert end - start < 5
        # the same connection serves the next query
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SELECT count(*) > 0 FROM dl_resolved.people").fetchone() == (True,)


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_cancel_safe(dev, url_key):
    # libpq >= 17 cancel API: the cancel connection negotiates TLS like the main one.
    _cancel_during_sleep(dev, url_key, "cancel_safe")


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_cancel_legacy(dev, url_key):
    # PQcancel: a plaintext CancelRequest on a new connection.
    _cancel_during_sleep(dev, url_key, "cancel")


def test_error_then_connection_still_usable(dev):
    with psycopg.connect(dev.database_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM storage.no_such_table_here")
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute("SELECT 1 / %s", (0,))
        assert conn.execute("SELECT %s::int * 2", (21,)).fetchone() == (42,)
