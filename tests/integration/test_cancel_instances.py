"""pitfalls.md: "a cancel arriving at another proxy instance behind a load balancer (Neon)".
Two `sluice serve` processes with numbers (`instance_id`) and each other's addresses
(`peers`, the same list on both): a CancelRequest sent to the one that does not serve the
session is passed on to the one whose number its key carries, and cancels the query there."""

from __future__ import annotations

import socket
import struct
import time

import pgwire
import pytest

from txpool import SluiceServe, Wire


@pytest.fixture(scope="module")
def two_instances(dev, tmp_path_factory):
    logs = tmp_path_factory.mktemp("cancel-instances")
    a = SluiceServe(dev, 2, logs, "instance-a", extra_env={"SLUICE_SHUTDOWN_GRACE_PERIOD": "2"})
    b = SluiceServe(dev, 2, logs, "instance-b", extra_env={"SLUICE_SHUTDOWN_GRACE_PERIOD": "2"})
    peers = f"1=127.0.0.1:{a.port},2=127.0.0.1:{b.port}"
    a.env.update(SLUICE_INSTANCE_ID="1", SLUICE_PEERS=peers)
    b.env.update(SLUICE_INSTANCE_ID="2", SLUICE_PEERS=peers)
    try:
        a.start()
        b.start()
    except RuntimeError as e:
        a.stop()
        b.stop()
        pytest.fail(str(e), pytrace=False)
    yield a, b
    a.stop()
    b.stop()


def send_cancel(port: int, pid: int, secret: int) -> None:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(struct.pack("!iiii", 16, 80877102, pid, secret))
        s.settimeout(5)
        # Closed without an answer, as PostgreSQL does.
        assert s.recv(16) == b""
    finally:
        s.close()


@pytest.mark.parametrize("pooling", ["transaction", "session"])
def test_a_cancel_sent_to_the_other_instance_reaches_the_query(two_instances, dev, pooling):
    a, b = two_instances
    url = a.database_url
    if pooling == "session":
        url += ("&" if "?" in url else "?") + "options=-c%20sluice.pooling%3Dsession"
    with Wire(url) as client:
        pid, secret = client.backend_key
        # The instance's number is in the key (bits 23-30); the rest stays random.
        assert pid >> 23 == 1 and pid > 0
        client.send(pgwire.query_message("SELECT pg_sleep(30)"))
        time.sleep(0.5)
        start = time.monotonic()
        send_cancel(b.port, pid, secret)
        r = client.read_until_ready(timeout=10)
        assert r.sqlstate == "57014", r.describe()
        assert time.monotonic() - start < 5
        assert client.value("SELECT 'after'") == "after", "the session goes on after a cancel"


def test_a_wrong_secret_forwarded_does_nothing(two_instances):
    a, b = two_instances
    with Wire(a.database_url) as client:
        pid, secret = client.backend_key
        start = time.monotonic()
        client.send(pgwire.query_message("SELECT pg_sleep(1.5), 'done'"))
        time.sleep(0.3)
        send_cancel(b.port, pid, secret ^ 1)
        # Another number that no instance has, and this instance's own number on the wrong one.
        send_cancel(b.port, (200 << 23) | (pid & 0x7FFFFF), secret)
        send_cancel(b.port, (2 << 23) | (pid & 0x7FFFFF), secret)
        r = client.read_until_ready(timeout=10)
        assert not r.errors, f"a wrong key interrupted the query: {r.describe()}"
        assert time.monotonic() - start >= 1.4


def test_peers_need_an_instance_number(dev):
    from test_configuration import serve_exits
    r = serve_exits(dev, SLUICE_PEERS="1=127.0.0.1:6432", SLUICE_INSTANCE_ID=None)
    assert r.returncode != 0 and "configuration instance_id=" in r.stderr, r.stderr
    r = serve_exits(dev, SLUICE_PEERS="1=127.0.0.1", SLUICE_INSTANCE_ID="2")
    assert r.returncode != 0 and "configuration peers=" in r.stderr, r.stderr
