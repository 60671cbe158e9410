"""Session pooling: a server connection serves one client session at a time, is reset
with DISCARD ALL and reused by the next session of the same workspace role; one whose
transaction was left open is closed, never handed on. Cancel keys are the proxy's own."""

from __future__ import annotations

import socket
import struct
import threading
import time

from sluicetest import require_module

psycopg = require_module("psycopg")


def backend_pid_and_setting(url: str, setting: str = "work_mem"):
    with psycopg.connect(url, autocommit=True) as conn:
        pid, value = conn.execute(f"SELECT pg_backend_pid(), current_setting('{setting}')").fetchone()
        return pid, value


def test_server_connections_are_reused_after_reset(dev):
    url = dev.session_database_url
    seen = []
    for _ in range(6):
        with psycopg.connect(url, autocommit=True) as conn:
            pid, work_mem = conn.execute("SELECT pg_backend_pid(), current_setting('work_mem')").fetchone()
            # What the previous session set must not be visible (DISCARD ALL ran).
            assert work_mem != "77MB", "a SET leaked from the previous session"
            conn.execute("SET work_mem = '77MB'")
            conn.execute("SET application_name = 'leaky'")
            seen.append(pid)
    # Six sessions one after another share the few connections of the proxy's event loops.
    assert len(set(seen)) < len(seen), f"no server connection was reused: {seen}"


def test_startup_parameters_apply_per_session(dev):
    with psycopg.connect(dev.session_database_url, autocommit=True, application_name="sess-one") as conn:
        assert conn.execute("SELECT current_setting('application_name')").fetchone() == ("sess-one",)
        assert conn.info.parameter_status("application_name") == "sess-one"
    with psycopg.connect(dev.session_database_url, autocommit=True, application_name="sess-two") as conn:
        assert conn.execute("SELECT current_setting('application_name')").fetchone() == ("sess-two",)


def test_reset_returns_to_the_startup_settings(dev):
    """On a direct connection RESET returns a setting to the value the startup message gave.
    The proxy gives the startup settings to the server connection with set_config, where
    RESET would go to the server's default: it gives them back after the transaction, and
    the driver's ParameterStatus record (psycopg's) follows, before the next answer."""
    url = dev.session_database_url
    # The URI's options choose session pooling; the startup message's TimeZone joins them.
    options = psycopg.conninfo.conninfo_to_dict(url)["options"] + " -c TimeZone=Asia/Tokyo"
    with psycopg.connect(url, autocommit=True, application_name="sess-startup", options=options) as conn:
        # Session pooling (transaction pooling refuses SQL-level PREPARE).
        conn.execute("PREPARE session_check AS SELECT 1")
        conn.execute("SET TimeZone = 'UTC'")
        assert conn.info.parameter_status("TimeZone") == "UTC"
        conn.execute("RESET ALL")
        assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)
        assert conn.info.parameter_status("TimeZone") == "Asia/Tokyo"
        assert conn.info.parameter_status("application_name") == "sess-startup"
        conn.execute("SET TimeZone TO DEFAULT")
        assert conn.execute("SELECT current_setting('TimeZone'), current_setting('application_name')").fetchone() \
            == ("Asia/Tokyo", "sess-startup")
        assert conn.info.parameter_status("TimeZone") == "Asia/Tokyo"
        # Inside a transaction block, for the block's next statements too.
        conn.execute("SET TimeZone = 'UTC'")
        with conn.transaction():
            conn.execute("RESET TimeZone")
            assert conn.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)
        assert conn.info.parameter_status("TimeZone") == "Asia/Tokyo"
        # A setting the startup message did not give goes to the server's default, as directly.
        conn.execute("SET DateStyle = 'German'")
        conn.execute("RESET DateStyle")
        assert conn.execute("SHOW DateStyle").fetchone() == ("ISO, MDY",)


def test_reset_through_the_extended_protocol_keeps_the_unnamed_statement(dev):
    """Session pooling: a RESET sent with Parse/Bind/Execute (pgJDBC, psycopg) is given back
    when its transaction ends, under a statement of the proxy's own: the server's unnamed
    statement is the client's own here, and it must still be there to bind again (pg8000
    binds the unnamed statement after a later Sync)."""
    from policywire import bind_msg, execute_msg, parse_msg, sync_msg
    from txpool import Wire
    url = dev.session_database_url
    with Wire(url, application_name="ext-startup", TimeZone="Asia/Tokyo") as c:
        c.query("SET TimeZone = 'UTC'").ok()
        c.send(parse_msg("RESET TimeZone"), bind_msg(), execute_msg(), sync_msg())
        assert not c.read_until_ready().errors
        assert c.value("SELECT 1") == "1"
        assert c.parameters["TimeZone"] == "Asia/Tokyo"
        c.query("SET TimeZone = 'UTC'").ok()
        c.send(parse_msg("SELECT current_setting('TimeZone')"), bind_msg(), execute_msg(), sync_msg())
        assert c.read_until_ready().ok().value == "UTC"
        c.send(parse_msg("RESET TimeZone", "reset_tz"), bind_msg(stmt="reset_tz"), execute_msg(), sync_msg())
        assert not c.read_until_ready().errors
        # The unnamed statement parsed before the RESET is still the client's.
        c.send(bind_msg(), execute_msg(), sync_msg())
        assert c.read_until_ready().ok().value == "Asia/Tokyo"
        assert c.parameters["TimeZone"] == "Asia/Tokyo"


def test_connection_left_in_transaction_is_not_reused(dev):
    url = dev.session_database_url
    conn = psycopg.connect(url)
    conn.execute("SELECT 1")  # psycopg opened a transaction (BEGIN)
    (dirty_pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    # Drop the socket without COMMIT/ROLLBACK/Terminate.
    conn.pgconn.finish()
    time.sleep(0.3)
    for _ in range(6):
        pid, _ = backend_pid_and_setting(url)
        assert pid != dirty_pid, "a server connection with an open transaction was handed to another client"


def test_backend_key_is_the_proxys_own(dev):
    with psycopg.connect(dev.session_database_url, autocommit=True) as conn:
        (server_pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert conn.info.backend_pid != server_pid, "the server's own cancel key leaked to the client"


def test_cancel_with_wrong_key_does_nothing(dev):
    proxy = dev.proxy
    with psycopg.connect(dev.session_database_url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        result = {}

        def run():
            t0 = time.monotonic()
            result["rows"] = conn.execute("SELECT pg_sleep(1.5), 'done'").fetchone()
            result["elapsed"] = time.monotonic() - t0

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.3)
        for secret in (0, 1, -1, 123456):
            s = socket.create_connection((proxy.host, proxy.port), timeout=5)
            s.sendall(struct.pack("!iiii", 16, 80877102, pid, secret))
            s.settimeout(5)
            assert s.recv(100) == b"", "the proxy should close a cancel connection without answering"
            s.close()
        worker.join(10)
        assert result.get("rows") == ("", "done"), f"a cancel with a wrong key interrupted the query: {result}"
        assert result["elapsed"] >= 1.4


def test_late_cancel_does_not_hit_the_next_query(dev):
    """A cancel sent after the query finished must not cancel the client's next query."""
    proxy = dev.proxy
    with psycopg.connect(dev.session_database_url, autocommit=True) as conn:
        conn.execute("SELECT 1")
        key = conn.pgconn.get_cancel()  # libpq's cancel object with the proxy key
        key.cancel()  # nothing is running: the proxy must drop it
        time.sleep(0.3)
        assert conn.execute("SELECT pg_sleep(0.5), 'still here'").fetchone() == ("", "still here")
