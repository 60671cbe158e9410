"""Provisioning with the sluice CLI against the live upstream, and the server-side
walls provisioning builds (workspace-schema.md, policy.md "Defence in depth")."""

from __future__ import annotations

import re
import secrets
import subprocess

import pytest

import pgwire
from sluicetest import PgURI, psql, psql_value, require_binary, run

MANAGED_TABLES = [
    "dl_cache.person_enrichments",
    "dl_cache.company_enrichments",
    "dl_override.person_overrides",
    "dl_override.company_overrides",
    "dl_resolved.people",
    "dl_resolved.companies",
    "dl_meta.schema_migrations",
    "dl_meta.tenant_settings",
]


def sluice(dev, *args: str, timeout: float = 600) -> str:
    exe = dev["SLUICE_BIN"]
    r = subprocess.run([exe, *args], env=dev.sluice_environ(), capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"sluice {' '.join(args)} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r.stdout


def su(dev, dbname: str = "postgres") -> str:
    return dev.superuser_url_for(dbname)


def schema_dump(dev, dbname: str) -> str:
    exe = require_binary("pg_dump")
    r = run([exe, "--schema-only", "-d", su(dev, dbname)], timeout=120)
    assert r.returncode == 0, r.stderr
    # pg_dump >= 15.14 brackets its output with \restrict / \unrestrict and a random key.
    return "\n".join(line for line in r.stdout.splitlines() if not re.match(r"^\\(un)?restrict\b", line))


def database_exists(dev, dbname: str) -> bool:
    return psql_value(su(dev), f"SELECT count(*) FROM pg_database WHERE datname = '{dbname}'") == "1"


def missing_relations(dev, dbname: str) -> list[str]:
    out = psql_value(su(dev, dbname), "SELECT " + ", ".join(f"to_regclass('{t}') IS NOT NULL" for t in MANAGED_TABLES))
    flags = out.split("|")
    return [t for t, f in zip(MANAGED_TABLES, flags) if f != "t"]


def drop_database(dev, dbname: str) -> None:
    admin = su(dev)
    psql_value(admin, f"SELECT count(pg_terminate_backend(pid)) >= 0 FROM pg_stat_activity "
                      f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()")
    r = psql(admin, "-c", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def demo_workspace(dev) -> str:
    user = dev.proxy.user
    return user.split(".", 1)[1]


@pytest.fixture(scope="module")
def second_workspace(dev):
    wid = "ws2_" + secrets.token_hex(4)
    sluice(dev, "workspace", "create", wid, "--name", f"Second {wid}")
    sluice(dev, "provision", wid)
    yield wid
    # Best effort: a CLI without a delete command leaves it in the throwaway cluster.
    subprocess.run([dev["SLUICE_BIN"], "workspace", "delete", wid], env=dev.sluice_environ(),
                   capture_output=True, timeout=120)


def revealed(dev, wid: str, kind: str = "customer") -> PgURI:
    out = sluice(dev, "reveal", wid, "--kind", kind).strip().splitlines()
    uris = [line.strip() for line in out if line.strip().startswith(("postgresql://", "postgres://"))]
    assert len(uris) == 1, f"sluice reveal printed {out!r}"
    return PgURI.parse(uris[0])


def test_provision_demo_is_idempotent(dev, demo_workspace):
    db = f"ws_{demo_workspace}"
    before = schema_dump(dev, db)
    counts_sql = ("SELECT (SELECT count(*) FROM dl_cache.person_enrichments) || '/' || "
                  "(SELECT count(*) FROM dl_cache.company_enrichments) || '/' || "
                  "(SELECT count(*) FROM dl_override.person_overrides) || '/' || "
                  "(SELECT count(*) FROM dl_meta.schema_migrations)")
    counts_before = psql_value(su(dev, db), counts_sql)
    sluice(dev, "provision", demo_workspace)
    after = schema_dump(dev, db)
    assert "CREATE VIEW dl_resolved.people" in before
    assert before == after, "pg_dump --schema-only differs after a second `sluice provision`"
    assert psql_value(su(dev, db), counts_sql) == counts_before, "provisioning again changed the data"


def test_revealed_uri_names_the_workspace(dev, demo_workspace):
    p = revealed(dev, demo_workspace)
    assert p.user == f"customer.{demo_workspace}"
    assert p.dbname == "customer_db"
    assert p.password
    # and it works through the proxy
    assert int(psql_value(p.uri, "SELECT count(*) FROM dl_resolved.people")) >= 200


def test_second_workspace_is_provisioned_and_restored_after_drop(dev, second_workspace):
    db = f"ws_{second_workspace}"
    assert database_exists(dev, db)
    assert missing_relations(dev, db) == []
    drop_database(dev, db)
    assert not database_exists(dev, db)
    sluice(dev, "provision", second_workspace)
    assert database_exists(dev, db)
    assert missing_relations(dev, db) == []
    # the roles survived and still own / reach the new database
    roles = psql_value(su(dev), "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
                                f"WHERE rolname LIKE 'ws\\_{second_workspace}\\_%'")
    for kind in ("customer", "runtime", "owner"):
        assert f"ws_{second_workspace}_{kind}" in roles.split(","), roles
    # and a client of the restored workspace is served through the proxy
    p = revealed(dev, second_workspace)
    out = psql_value(p.uri, "SELECT count(*) FROM dl_resolved.people")
    assert out.isdigit(), out


# --- the server-side walls, connecting directly as ws_<id>_customer ------------------


@pytest.fixture(scope="module")
def direct_customer(dev, demo_workspace):
    """(host, port, role, password, database) to reach the upstream directly as the customer role."""
    password = revealed(dev, demo_workspace).password
    up = dev.upstream
    return up.host, up.port, f"ws_{demo_workspace}_customer", password, f"ws_{demo_workspace}"


def direct(direct_customer, dbname: str | None = None) -> pgwire.Conn:
    host, port, role, password, db = direct_customer
    c = pgwire.Conn(host, port)
    res = pgwire.scram_authenticate(c, role, password, database=dbname or db)
    if not res.ok:
        c.close()
        raise AssertionError(("login failed", res.error and res.error.fields))
    return c


def error_of(msgs: list[pgwire.Msg]) -> dict[str, str]:
    errors = [m for m in msgs if m.kind == b"E"]
    assert errors, f"expected an error, got {[m.kind for m in msgs]}"
    return errors[0].fields


def test_direct_customer_can_read(direct_customer):
    with direct(direct_customer) as c:
        rows = pgwire.data_rows(pgwire.simple_query(c, "SELECT count(*) FROM dl_resolved.people"))
        assert int(rows[0][0]) >= 200
        rows = pgwire.data_rows(pgwire.simple_query(c, "SHOW search_path"))
        assert rows == [['""']], rows


def test_direct_customer_cannot_create_temp_table(direct_customer):
    with direct(direct_customer) as c:
        f = error_of(pgwire.simple_query(c, "CREATE TEMP TABLE t_tmp (a int)"))
        assert f["C"] == "42501", f
        assert "temporary" in f["M"], f


def test_direct_customer_cannot_run_do_block(direct_customer):
    with direct(direct_customer) as c:
        f = error_of(pgwire.simple_query(c, "DO $$ BEGIN PERFORM 1; END $$"))
        assert f["C"] == "42501", f
        assert "plpgsql" in f["M"], f


def test_direct_customer_cannot_create_sql_function(direct_customer):
    with direct(direct_customer) as c:
        f = error_of(pgwire.simple_query(c, "CREATE FUNCTION storage.f_x() RETURNS int LANGUAGE sql AS 'SELECT 1'"))
        assert f["C"] == "42501", f


def test_direct_customer_cannot_write_platform_tables(direct_customer):
    with direct(direct_customer) as c:
        f = error_of(pgwire.simple_query(
            c,
            "INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at) "
            "VALUES ('intruder', 'Intruder', now(), now())",
        ))
        assert f["C"] == "42501", f
        f = error_of(pgwire.simple_query(c, "UPDATE dl_override.person_overrides SET tombstoned = true"))
        assert f["C"] == "42501", f
        f = error_of(pgwire.simple_query(c, "DELETE FROM dl_meta.tenant_settings"))
        assert f["C"] == "42501", f


def test_direct_customer_cannot_switch_role(direct_customer):
    host, port, role, password, db = direct_customer
    owner = role.removesuffix("_customer") + "_owner"
    with direct(direct_customer) as c:
        f = error_of(pgwire.simple_query(c, f'SET ROLE "{owner}"'))
        assert f["C"] == "42501", f


def test_direct_customer_can_use_storage(direct_customer):
    name = "storage.t_direct_" + secrets.token_hex(4)
    with direct(direct_customer) as c:
        msgs = pgwire.simple_query(c, f"CREATE TABLE {name} (a int); INSERT INTO {name} VALUES (1); "
                                      f"SELECT count(*) FROM {name}; DROP TABLE {name}")
        assert not [m for m in msgs if m.kind == b"E"], [m.fields for m in msgs if m.kind == b"E"]
        assert pgwire.data_rows(msgs) == [["1"]]


def test_direct_customer_cannot_connect_to_another_workspace(direct_customer, second_workspace):
    host, port, role, password, db = direct_customer
    with pgwire.Conn(host, port) as c:
        res = pgwire.scram_authenticate(c, role, password, database=f"ws_{second_workspace}")
        assert not res.ok
        assert res.error is not None
        assert res.error.sqlstate == "42501", res.error.fields
        assert "permission denied for database" in res.error.fields.get("M", ""), res.error.fields
