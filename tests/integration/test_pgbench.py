"""pgbench through the proxy: several clients and threads, extended and prepared protocol."""

from __future__ import annotations

import re

import pytest

from sluicetest import PgURI, clean_env, require_binary, run

SCRIPT = """\\set id random(1, 200)
SELECT identity_key, display_name FROM dl_resolved.people ORDER BY identity_key LIMIT 1 OFFSET :id - 1;
"""


def pgbench_env(dev, url_key="DATABASE_URL"):
    p = PgURI.parse(dev[url_key])
    extra = dict(PGHOST=p.host, PGPORT=str(p.port), PGUSER=p.user, PGPASSWORD=p.password,
                 PGDATABASE=p.dbname, PGSSLMODE="require")
    if "options" in p.params:
        extra["PGOPTIONS"] = p.params["options"]
    return clean_env(**extra)


def run_pgbench(dev, tmp_path, mode, url_key="DATABASE_URL", seconds=5):
    exe = require_binary("pgbench")
    script = tmp_path / "people.sql"
    script.write_text(SCRIPT)
    r = run([exe, "-M", mode, "-n", "-c", "4", "-j", "2", "-T", str(seconds), "-f", str(script)],
            env=pgbench_env(dev, url_key), timeout=seconds + 90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"pgbench -M {mode} exited {r.returncode}:\n{out}"
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    assert processed, out
    assert int(processed.group(1)) > 0, out
    failed = re.search(r"number of failed transactions: (\d+)", out)
    assert failed, out
    assert int(failed.group(1)) == 0, out
    assert "error" not in r.stderr.lower(), r.stderr
    return int(processed.group(1))


def test_pgbench_extended(dev, tmp_path):
    run_pgbench(dev, tmp_path, "extended")


@pytest.mark.parametrize("url_key", ["DATABASE_URL", "SESSION_DATABASE_URL"])
def test_pgbench_prepared(dev, tmp_path, url_key):
    # Named prepared statements, many clients: in transaction pooling each client's
    # statements must follow it across server connections (PgBouncer < 1.21 failed here).
    run_pgbench(dev, tmp_path, "prepared", url_key=url_key, seconds=3)
