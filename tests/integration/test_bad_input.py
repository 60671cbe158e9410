"""Hostile and broken clients at the byte level. After each case a normal psql
connection must still work, and a psql loop running all along must never fail."""

from __future__ import annotations

import os
import threading
import time

import pytest

import pgwire
from sluicetest import assert_proxy_serves, in_ci, psql

# --- a psql client running concurrently with every test of this module ---------------


class PsqlLoop:
    def __init__(self, uri: str):
        self.uri = uri
        self.stop = threading.Event()
        self.results: list[tuple[int, str, str]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            try:
                r = psql(self.uri, "-At", "-c", "SELECT count(*) FROM dl_resolved.people", timeout=30)
                self.results.append((r.returncode, r.stdout.strip(), r.stderr.strip()))
            except Exception as e:  # a hung psql is a failure too
                self.results.append((-1, "", repr(e)))
            self.stop.wait(0.2)


@pytest.fixture(scope="module")
def psql_loop(dev):
    loop = PsqlLoop(dev.database_url)
    loop.thread.start()
    yield loop
    loop.stop.set()
    loop.thread.join(60)


@pytest.fixture(autouse=True)
def _still_serving(dev, psql_loop):
    yield
    assert_proxy_serves(dev)


def connect(dev) -> pgwire.Conn:
    p = dev.proxy
    return pgwire.Conn(p.host, p.port, timeout=15)


def timeout_budget(dev) -> float:
    values = [dev.setting("SLUICE_AUTH_TIMEOUT"), dev.setting("SLUICE_PARTIAL_MESSAGE_TIMEOUT")]
    values = [float(v) for v in values if v]
    if not values:
        if in_ci():
            pytest.fail("SLUICE_AUTH_TIMEOUT / SLUICE_PARTIAL_MESSAGE_TIMEOUT unknown (scripts/test.sh sets them)")
        pytest.skip("SLUICE_AUTH_TIMEOUT / SLUICE_PARTIAL_MESSAGE_TIMEOUT not set: the test would not know how long to wait")
    return max(values) + 5.0


# Enough for a proxy that closes at once on an impossible length (no timeout involved).
PROMPT_CLOSE = 10.0


def assert_protocol_violation_then_close(data: bytes, closed: bool, what: str):
    assert closed, f"{what}: the proxy did not close the connection"
    msgs = pgwire.split_messages(data)
    errors = [m for m in msgs if m.kind == b"E"]
    assert errors, f"{what}: no ErrorResponse before the close, got {data[:200]!r}"
    assert errors[-1].sqlstate == "08P01", f"{what}: {errors[-1].fields}"
    assert errors[-1].fields.get("S") in ("FATAL", "ERROR"), errors[-1].fields


def assert_closed_maybe_after_08P01(data: bytes, closed: bool, what: str):
    assert closed, f"{what}: the proxy did not close the connection"
    if data:
        msgs = pgwire.split_messages(data)
        assert msgs and msgs[0].kind == b"E", f"{what}: unexpected answer {data[:200]!r}"
        assert msgs[0].sqlstate == "08P01", f"{what}: {msgs[0].fields}"


def logged_in(dev) -> pgwire.Conn:
    """A TLS connection that completed SCRAM and got ReadyForQuery."""
    c = connect(dev)
    c.start_tls()
    res = pgwire.scram_authenticate(c, dev.proxy.user, dev.proxy.password)
    assert res.ok, (res.kinds, res.error and res.error.fields)
    return c


# --- before startup -----------------------------------------------------------------


def test_random_garbage_is_closed(dev):
    # A first word announcing a length far beyond any startup packet, then noise.
    garbage = b"\x7a\x3f\x91\x04" + os.urandom(60)
    with connect(dev) as c:
        c.send(garbage)
        data, closed, _ = c.read_until_closed(PROMPT_CLOSE)
    assert_closed_maybe_after_08P01(data, closed, "64 bytes of garbage")


def test_http_request_is_closed(dev):
    with connect(dev) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n")
        data, closed, _ = c.read_until_closed(PROMPT_CLOSE)
    assert_closed_maybe_after_08P01(data, closed, "an HTTP request")


def test_oversized_startup_packet(dev):
    params = {"user": dev.proxy.user, "database": "customer_db", "application_name": ""}
    params["application_name"] = "x" * (20_000 - len(pgwire.startup_packet(params)))
    packet = pgwire.startup_packet(params)
    assert len(packet) == 20_000
    with connect(dev) as c:
        # Send the announced length and the beginning only: the proxy must refuse on
        # the length, without waiting for (or buffering) the whole body.
        c.send(packet[:200])
        data, closed, _ = c.read_until_closed(5)
        if not closed and not data:
            try:
                c.send(packet[200:])
            except OSError:
                pass
            more, closed, _ = c.read_until_closed(10)
            data += more
    assert_protocol_violation_then_close(data, closed, "a 20,000-byte startup packet")


def test_startup_length_below_minimum(dev):
    with connect(dev) as c:
        c.send(pgwire.int32(3) + pgwire.int32(pgwire.PROTOCOL_3_0))
        data, closed, _ = c.read_until_closed(10)
    assert_closed_maybe_after_08P01(data, closed, "a startup length of 3")


def test_client_stops_mid_startup_packet(dev):
    budget = timeout_budget(dev)
    packet = pgwire.startup_packet({"user": dev.proxy.user, "database": "customer_db"})
    with connect(dev) as c:
        c.send(packet[:3])
        start = time.monotonic()
        data, closed, waited = c.read_until_closed(budget + 5)
    assert closed, f"the proxy kept a 3-byte partial startup packet open for {waited:.1f}s"
    assert time.monotonic() - start <= budget, f"closed only after {waited:.1f}s (budget {budget}s)"
    assert_closed_maybe_after_08P01(data, closed, "a partial startup packet")


def test_client_silent_after_connect(dev):
    budget = timeout_budget(dev)
    with connect(dev) as c:
        data, closed, waited = c.read_until_closed(budget + 5)
    assert closed, f"an idle unauthenticated connection stayed open {waited:.1f}s"
    assert waited <= budget, f"closed only after {waited:.1f}s (budget {budget}s)"


def test_client_stops_during_authentication(dev):
    # StartupMessage sent, then silence instead of a SASLInitialResponse: SLUICE_AUTH_TIMEOUT.
    budget = timeout_budget(dev)
    with connect(dev) as c:
        c.start_tls()
        c.startup(dev.proxy.user)
        first = c.read_message()
        assert first.kind == b"R", first
        data, closed, waited = c.read_until_closed(budget + 5)
    assert closed, f"the proxy waited {waited:.1f}s for the SCRAM answer without closing"
    assert waited <= budget, f"closed only after {waited:.1f}s (budget {budget}s)"


# --- after login -------------------------------------------------------------------


def test_message_length_3_after_login(dev):
    with logged_in(dev) as c:
        c.send(b"Q" + pgwire.int32(3))
        data, closed, _ = c.read_until_closed(10)
    assert_protocol_violation_then_close(data, closed, "a message of length 3")


def test_message_claiming_2_gib_after_login(dev):
    with logged_in(dev) as c:
        c.send(b"Q" + pgwire.uint32(0x7FFFFFFF))
        data, closed, _ = c.read_until_closed(10)
    assert_protocol_violation_then_close(data, closed, "a message claiming 2 GiB")


def test_message_with_negative_length_after_login(dev):
    with logged_in(dev) as c:
        c.send(b"P" + pgwire.uint32(0x80000000))
        data, closed, _ = c.read_until_closed(10)
    assert_protocol_violation_then_close(data, closed, "a message with length 0x80000000")


def test_client_stops_mid_message_after_login(dev):
    budget = timeout_budget(dev)
    with logged_in(dev) as c:
        sql = b"SELECT count(*) FROM dl_resolved.people\0"
        c.send(b"Q" + pgwire.int32(len(sql) + 4) + sql[:10])
        data, closed, waited = c.read_until_closed(budget + 5)
    assert closed, f"the proxy kept a half-sent message open {waited:.1f}s"
    assert waited <= budget, f"closed only after {waited:.1f}s (budget {budget}s)"


def test_unknown_message_type_after_login(dev):
    with logged_in(dev) as c:
        c.send(pgwire.message(b"\x01", b"junk"))
        data, closed, _ = c.read_until_closed(10)
    assert_protocol_violation_then_close(data, closed, "an unknown message type")


def test_logged_in_connection_is_unaffected_by_others(dev):
    # While broken clients come and go, a logged-in raw connection keeps working.
    with logged_in(dev) as good:
        with connect(dev) as bad:
            bad.send(b"\xff" * 64)
            _, closed, _ = bad.read_until_closed(PROMPT_CLOSE)
            assert closed
        assert pgwire.data_rows(pgwire.simple_query(good, "SELECT 'still here'")) == [["still here"]]


# --- must stay last in this module: the concurrent psql loop never failed ------------


def test_zz_concurrent_psql_never_failed(psql_loop):
    psql_loop.stop.set()
    psql_loop.thread.join(60)
    assert psql_loop.results, "the concurrent psql loop did not complete a single query"
    failures = [r for r in psql_loop.results if r[0] != 0 or not r[1].isdigit() or int(r[1]) < 200]
    assert not failures, f"{len(failures)} of {len(psql_loop.results)} concurrent psql runs failed: {failures[:3]}"
    assert len(psql_loop.results) >= 3
