"""Defence in depth (shared/spec/policy.md, "Defence in depth"): what the server's grants
refuse the customer role on their own, and what only the proxy stops.

Each statement runs DIRECTLY against the server as the workspace's customer role, inside
its own transaction that is rolled back (nothing persists; the ALTER ROLE ... PASSWORD is
never committed), and then through the proxy. The observed table is printed (pytest -s);
README.md's "## Security" table must list exactly the statements the server allowed and
the proxy denied (test_readme_lists_what_only_the_proxy_stops keeps it true).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from policywire import OTHER, SEARCH_PATH, WRITE, WRITE_SQL, Denial
from sluicetest import REPO_ROOT, psql_value, require_module

psycopg = require_module("psycopg")
pq = psycopg.pq
DF = pq.DiagnosticField

# The contract's list: the server cannot refuse these to a role; the proxy alone stops them.
PROXY_ONLY = "proxy-only"
# The grants refuse these in the server too.
GRANT = "grant"
# Recorded, not classified by the contract.
RECORD = "record"


@dataclass(frozen=True)
class Case:
    label: str                 # as README shows it (<self>/<runtime> stand for the workspace roles)
    sql: str                   # {customer}/{runtime}: the roles' server names
    group: str
    proxy: Denial | None       # the contract's answer in session pooling (None: allowed)
    proxy_tx: Denial | None = None  # in transaction pooling, when it differs
    copy_in: bool = False      # a COPY ... FROM STDIN
    tx_differs: bool = False

    def proxy_answer(self, uri: str) -> Denial | None:
        return self.proxy_tx if (uri == "pooled" and self.tx_differs) else self.proxy

    @property
    def proxy_denies_somewhere(self) -> bool:
        return self.proxy is not None or self.proxy_tx is not None


CASES = [
    # --- what the contract says only the proxy stops -------------------------------------
    Case("ALTER ROLE <self> SET work_mem = '1MB'", "ALTER ROLE {customer} SET work_mem = '1MB'", PROXY_ONLY, OTHER),
    Case("ALTER ROLE <self> SET search_path = public", "ALTER ROLE {customer} SET search_path = public",
         PROXY_ONLY, OTHER),
    Case("ALTER ROLE <self> PASSWORD '...'", "ALTER ROLE {customer} PASSWORD 'defence-in-depth-never-committed'",
         PROXY_ONLY, OTHER),
    Case("CREATE TYPE storage.t AS (a int)", "CREATE TYPE storage.t AS (a int)", PROXY_ONLY, OTHER),
    Case("CREATE DOMAIN storage.d AS int", "CREATE DOMAIN storage.d AS int", PROXY_ONLY, OTHER),
    Case("RESET ROLE", "RESET ROLE", PROXY_ONLY, OTHER),
    Case("SELECT set_config('search_path', 'public', false)", "SELECT set_config('search_path', 'public', false)",
         PROXY_ONLY, SEARCH_PATH),
    Case("SELECT set_config('standard_conforming_strings', 'off', false)",
         "SELECT set_config('standard_conforming_strings', 'off', false)", PROXY_ONLY, OTHER),
    # --- what the grants refuse in the server as well --------------------------------------
    Case("INSERT INTO dl_cache.person_enrichments ...", WRITE_SQL, GRANT, WRITE),
    Case("UPDATE dl_override.person_overrides SET ...", "UPDATE dl_override.person_overrides SET status = status",
         GRANT, WRITE),
    Case("DELETE FROM dl_meta.tenant_settings", "DELETE FROM dl_meta.tenant_settings", GRANT, WRITE),
    Case("COPY dl_cache.person_enrichments FROM STDIN", "COPY dl_cache.person_enrichments FROM STDIN", GRANT,
         WRITE, copy_in=True),
    Case("LOCK dl_cache.person_enrichments IN EXCLUSIVE MODE",
         "LOCK dl_cache.person_enrichments IN EXCLUSIVE MODE", GRANT, WRITE),
    Case("CREATE TABLE dl_meta.x (a int)", "CREATE TABLE dl_meta.x (a int)", GRANT, WRITE),
    Case("ALTER TABLE dl_meta.schema_migrations ADD COLUMN x int",
         "ALTER TABLE dl_meta.schema_migrations ADD COLUMN x int", GRANT, WRITE),
    Case("CREATE TEMP TABLE x (a int)", "CREATE TEMP TABLE x (a int)", GRANT, WRITE),
    Case("DO $$BEGIN END$$", "DO $$BEGIN END$$", GRANT, OTHER),
    Case("CREATE FUNCTION storage.f() ... LANGUAGE sql",
         "CREATE FUNCTION storage.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", GRANT, OTHER),
    Case("CREATE FUNCTION storage.g() ... LANGUAGE plpgsql",
         "CREATE FUNCTION storage.g() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END'", GRANT, OTHER),
    Case("CREATE SCHEMA x", "CREATE SCHEMA x", GRANT, OTHER),
    Case("SET ROLE <runtime>", "SET ROLE {runtime}", GRANT, OTHER),
    Case("SET SESSION AUTHORIZATION <runtime>", "SET SESSION AUTHORIZATION {runtime}", GRANT, OTHER),
    Case("SELECT set_config('role', '<runtime>', false)", "SELECT set_config('role', '{runtime}', false)",
         GRANT, OTHER),
    # --- recorded -------------------------------------------------------------------------------
    Case("SET search_path = public", "SET search_path = public", RECORD, SEARCH_PATH),
    Case("SET client_encoding = 'SJIS'", "SET client_encoding = 'SJIS'", RECORD, OTHER),
    Case("SET standard_conforming_strings = off", "SET standard_conforming_strings = off", RECORD, OTHER),
    Case("SELECT lo_create(0)", "SELECT lo_create(0)", RECORD, WRITE),
    Case("SELECT query_to_xml('select 1', true, true, '')", "SELECT query_to_xml('select 1', true, true, '')",
         RECORD, OTHER),
    Case("CREATE VIEW storage.v AS SELECT * FROM pg_catalog.pg_settings",
         "CREATE VIEW storage.v AS SELECT * FROM pg_catalog.pg_settings", RECORD, OTHER),
    Case("LISTEN x", "LISTEN x", RECORD, None, proxy_tx=OTHER, tx_differs=True),
    Case("SELECT pg_advisory_lock(1)", "SELECT pg_advisory_lock(1)", RECORD, None, proxy_tx=OTHER, tx_differs=True),
    Case("SELECT set_config('work_mem', '1MB', false)", "SELECT set_config('work_mem', '1MB', false)",
         RECORD, None),
]

# The proxy URIs the statements are judged on: the pooled URI (`pooled: true`, transaction
# pooling in the contract) and the session URI.
PROXY_URIS = ("pooled", "session")


@dataclass
class Outcome:
    allowed: bool
    sqlstate: str | None = None
    message: str | None = None
    hint: str | None = None

    def show(self) -> str:
        return "allowed" if self.allowed else f"refused {self.sqlstate} {self.message}"


def run_rolled_back(conn, sql: str, copy_in: bool) -> Outcome:
    """Run one statement in its own transaction (psycopg sends BEGIN), then roll back."""
    try:
        if copy_in:
            with conn.cursor().copy(sql):
                pass  # no rows; if the server accepted the COPY it ends here, then rolls back
        else:
            conn.execute(sql)
        outcome = Outcome(True)
    except psycopg.Error as e:
        outcome = Outcome(False, e.sqlstate, e.diag.message_primary, e.diag.message_hint)
    finally:
        conn.rollback()
    return outcome


def workspace(dev) -> str:
    return dev.proxy.user.split(".", 1)[1]


def direct_conninfo(dev) -> dict:
    ws = workspace(dev)
    up = dev.upstream
    return dict(host=up.host, port=up.port, dbname=f"ws_{ws}", user=f"ws_{ws}_customer",
                password=dev.proxy.password, connect_timeout=15)


def proxy_url(dev, uri: str) -> str:
    return dev.session_database_url if uri == "session" else dev.database_url


def role_config(dev) -> str:
    ws = workspace(dev)
    return psql_value(dev.superuser_url_for(f"ws_{ws}"),
                      f"SELECT coalesce(array_to_string(rolconfig, ','), '') FROM pg_roles WHERE rolname = 'ws_{ws}_customer'")


@pytest.fixture(scope="module")
def observed(dev):
    ws = workspace(dev)
    names = dict(customer=f"ws_{ws}_customer", runtime=f"ws_{ws}_runtime")
    config_before = role_config(dev)
    results: dict[str, dict[str, Outcome]] = {}
    try:
        with psycopg.connect(**direct_conninfo(dev)) as conn:
            for case in CASES:
                results[case.label] = {"server": run_rolled_back(conn, case.sql.format(**names), case.copy_in)}
    finally:
        # Rolled back, so nothing changed; should the server have committed anyway, undo it.
        if role_config(dev) != config_before:
            psql_value(dev.superuser_url_for(f"ws_{ws}"),
                       f"ALTER ROLE ws_{ws}_customer RESET ALL; SELECT 1")
            pytest.fail(f"the customer role's settings changed: {config_before!r} -> {role_config(dev)!r}")
    for uri in PROXY_URIS:
        with psycopg.connect(proxy_url(dev, uri)) as conn:
            for case in CASES:
                results[case.label][uri] = run_rolled_back(conn, case.sql.format(**names), case.copy_in)

    width = max(len(c.label) for c in CASES)
    print("\n\ndefence in depth: the customer role directly on the server, and through the proxy")
    print(f"{'statement':<{width}}  {'group':<10}  {'server':<60}  proxy (pooled URI / session URI)")
    for case in CASES:
        r = results[case.label]
        proxy = " / ".join("allowed" if r[u].allowed else f"denied {r[u].sqlstate}" for u in PROXY_URIS)
        print(f"{case.label:<{width}}  {case.group:<10}  {r['server'].show()[:60]:<60}  {proxy}")
    return results


def test_direct_login_still_works_after(dev, observed):
    # The rolled-back ALTER ROLE ... PASSWORD left the password alone.
    with psycopg.connect(**direct_conninfo(dev), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (f"ws_{workspace(dev)}_customer",)
        assert conn.execute("SHOW work_mem").fetchone() != ("1MB",)
        assert conn.execute("SHOW search_path").fetchone() == ('""',)
    assert "work_mem" not in role_config(dev)


@pytest.mark.parametrize("case", [c for c in CASES if c.group == PROXY_ONLY], ids=lambda c: c.label)
def test_server_allows_what_only_the_proxy_stops(observed, case):
    r = observed[case.label]
    assert r["server"].allowed, (
        f"the server refused {case.label!r} ({r['server'].show()}): it is not proxy-only any more; "
        "move it to the grant group and update README.md's Security table")


@pytest.mark.parametrize("case", [c for c in CASES if c.group == GRANT], ids=lambda c: c.label)
def test_server_grants_refuse(observed, case):
    r = observed[case.label]["server"]
    assert not r.allowed, f"the server let the customer role run {case.label!r}: a grant is missing"
    assert r.sqlstate == "42501", r.show()


@pytest.mark.parametrize("uri", PROXY_URIS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_proxy_answers(observed, case, uri):
    got = observed[case.label][uri]
    want = case.proxy_answer(uri)
    if want is None:
        assert got.allowed, f"{case.label!r} should be allowed through the {uri} URI: {got.show()}"
        return
    assert not got.allowed, f"the proxy let {case.label!r} through the {uri} URI"
    assert (got.sqlstate, got.message, got.hint) == (want.sqlstate, want.message, want.hint), got


def only_the_proxy_stops(observed) -> list[str]:
    """Allowed by the server directly, denied by the proxy (on at least one URI kind)."""
    return [c.label for c in CASES if observed[c.label]["server"].allowed and c.proxy_denies_somewhere]


def test_readme_lists_what_only_the_proxy_stops(observed):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Security\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert m, "README.md has no '## Security' section"
    listed = re.findall(r"^\|\s*`([^`]+)`\s*\|", m.group(1), re.M)
    assert sorted(listed) == sorted(only_the_proxy_stops(observed)), (
        "README.md's Security table and what the server allows directly disagree:\n"
        f"listed only in README: {sorted(set(listed) - set(only_the_proxy_stops(observed)))}\n"
        f"observed, not listed: {sorted(set(only_the_proxy_stops(observed)) - set(listed))}")
