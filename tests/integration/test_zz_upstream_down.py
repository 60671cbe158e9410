"""Upstream down: a client gets FATAL 08006 with a clear message, other state survives,
and the proxy serves again as soon as the server is back. Runs last (it stops the
cluster): scripts/test.sh names the cluster directory in SLUICE_TEST_PG_DIR."""

from __future__ import annotations

import os
import subprocess
import time

import pgwire
from sluicetest import REPO_ROOT, missing, psql, psql_value, wait_until


def cluster(action: str, directory: str, port: int) -> None:
    script = f'source "{REPO_ROOT}/scripts/lib/common.sh"; {action} "{directory}" {port if action == "pg_start" else ""}'
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{action} failed: {r.stderr}"


def test_upstream_down_then_back(dev):
    directory = os.environ.get("SLUICE_TEST_PG_DIR")
    if not directory:
        missing("SLUICE_TEST_PG_DIR is not set: this test needs to stop and start the test cluster")
    port = dev.upstream.port
    assert psql_value(dev.session_database_url, "SELECT 1") == "1"
    cluster("pg_stop", directory, port)
    try:
        started = time.monotonic()
        proxy = dev.proxy
        with pgwire.Conn(proxy.host, proxy.port) as c:
            c.start_tls()
            res = pgwire.scram_authenticate(c, proxy.user, proxy.password)
        assert not res.ok
        assert res.error is not None and res.error.sqlstate == "08006", res.kinds
        assert res.error.fields.get("S") == "FATAL"
        assert "upstream" in res.error.fields.get("M", "").lower(), res.error.fields
        r = psql(dev.session_database_url, "-c", "SELECT 1", timeout=60)
        assert r.returncode != 0 and "upstream server unavailable" in r.stderr, r.stderr
        assert time.monotonic() - started < 20, "a down upstream should be reported promptly"
    finally:
        cluster("pg_start", directory, port)
    assert wait_until(lambda: psql(dev.session_database_url, "-At", "-c", "SELECT 2", timeout=30).stdout.strip() == "2", 30), \
        "the proxy did not serve again after the upstream came back"
