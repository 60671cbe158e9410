"""pgJDBC (Debian's libpostgresql-jdbc-java) through the proxy, via jdbc/JdbcCheck.java."""

from __future__ import annotations

from pathlib import Path

from sluicetest import JDBC_JAR, missing, require_binary, run

CHECK = Path(__file__).resolve().parent / "jdbc" / "JdbcCheck.java"

EXPECTED_OK = [
    "OK connect",
    "OK getTables",
    "OK getColumns",
    "OK count",
    "OK prepared 10 executions, server-prepared",
    "OK typed parameters in a transaction",
    "OK isValid",
    "OK done",
]


def jdbc_url(dev, **extra):
    p = dev.proxy
    query = "sslmode=require"
    for k, v in extra.items():
        query += f"&{k}={v}"
    return f"jdbc:postgresql://{p.host}:{p.port}/{p.dbname}?{query}"


def run_check(dev, url):
    java = require_binary("java")
    if not JDBC_JAR.is_file():
        missing(f"{JDBC_JAR} is missing (apt package libpostgresql-jdbc-java)")
    p = dev.proxy
    return run([java, "-cp", str(JDBC_JAR), str(CHECK), url, p.user, p.password], timeout=300)


def assert_all_ok(r):
    out = r.stdout
    assert r.returncode == 0, f"JdbcCheck exited {r.returncode}\nstdout:\n{out}\nstderr:\n{r.stderr}"
    lines = out.splitlines()
    for prefix in EXPECTED_OK:
        assert any(line.startswith(prefix) for line in lines), f"missing {prefix!r} in:\n{out}\n{r.stderr}"
    assert not any(line.startswith("FAIL") for line in lines), out
    tables = next(line for line in lines if line.startswith("OK getTables")).split(" ", 2)[2].split(",")
    assert "people" in tables and "companies" in tables


def test_jdbc_metadata_and_prepared_statements(dev):
    assert_all_ok(run_check(dev, jdbc_url(dev)))


def test_jdbc_non_validating_ssl_factory(dev):
    # The spelling older pgJDBC versions need for "encrypt, don't verify".
    assert_all_ok(run_check(dev, jdbc_url(dev, ssl="true", sslfactory="org.postgresql.ssl.NonValidatingFactory")))
