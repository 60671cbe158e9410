"""Graceful shutdown as an operator sees it (pitfalls.md, "Operations").

On SIGTERM the proxy stops accepting, lets open transactions finish within the grace period,
and only then does the process exit. During that drain the HTTP API keeps answering, so a
metrics scraper still sees the process that is shutting down.
"""

from __future__ import annotations

import time
import urllib.request

from txpool import Wire, serve


def test_metrics_answer_while_the_proxy_drains(dev, tmp_path):
    s = serve(dev, 1, tmp_path, "shutdown", query_wait_timeout=5,
              extra_env={"SLUICE_SHUTDOWN_GRACE_PERIOD": "8"})
    try:
        metrics_url = f"http://127.0.0.1:{s.http_port}/metrics"
        with Wire(s.database_url) as a:
            a.query("BEGIN").ok()
            assert a.value("SELECT 'in a transaction'") == "in a transaction"
            s.proc.terminate()
            time.sleep(1.0)
            assert s.alive(), "the process exited with a transaction still open"
            with urllib.request.urlopen(metrics_url, timeout=5) as response:
                assert response.status == 200
                body = response.read().decode()
            assert "sluice_" in body, body[:500]
            # The open transaction may finish; then the process ends well before the grace period.
            a.query("COMMIT").ok()
        s.proc.wait(10)
        assert s.proc.returncode is not None
    finally:
        s.stop()
