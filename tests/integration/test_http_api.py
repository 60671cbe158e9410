"""The HTTP API end to end (api.md, issue 5) against the live `sluice dev`: plain HTTP
calls, as curl would make them, then psql and raw-wire sessions through the proxy with
the URIs the API hands out.

The main flow: create a workspace -> create an admin key -> status (not provisioned) ->
provision -> status (active) -> reveal -> psql with that URI -> rotate -> the old URI
fails with 28P01, the new one works, a session opened before still works -> rotate with
terminate_sessions ends it (57P01) -> drop the database by hand -> status says not
provisioned -> provision restores it. The last test greps the log of this sluice
(SLUICE_TEST_LOG, exported by scripts/test.sh) for every secret the tests used.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import pgwire
from sluicetest import PgURI, missing, psql, psql_value

# Every password, key and token these tests saw; test_zz_no_secret_in_the_log greps for them.
USED_SECRETS: set[str] = set()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self):
        return json.loads(self.text) if self.text else None

    def error(self, status: int, code: str) -> dict:
        """Asserts api.md's error shape and returns its `error` object."""
        assert self.status == status, f"expected {status}, got {self.status}: {self.text}"
        assert self.headers.get("content-type", "").startswith("application/json"), self.headers
        assert self.headers.get("x-request-id"), "every answer carries X-Request-Id"
        body = self.body
        assert set(body) == {"error"}, body
        err = body["error"]
        assert err["status"] == status and err["code"] == code, err
        assert isinstance(err["message"], str) and err["message"], err
        assert set(err) <= {"status", "code", "message", "details", "sqlstate", "hint", "position"}, err
        for detail in err.get("details", []):
            assert set(detail) == {"field", "message"}, detail
        return err


@dataclass
class API:
    base: str
    timeout: float = 120
    calls: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, token: str | None = None, body=None,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        self.calls.append(f"{method} {path}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                             response.read().decode())
        except urllib.error.HTTPError as e:
            return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode())

    def ok(self, method: str, path: str, token: str | None = None, body=None, status: int = 200, **kw):
        reply = self.call(method, path, token, body, **kw)
        assert reply.status == status, f"{method} {path}: expected {status}, got {reply.status}: {reply.text}"
        return reply.body


@pytest.fixture(scope="module")
def api(dev) -> API:
    base = dev.get("SLUICE_API")
    if not base:
        pytest.fail(f"{dev.path} has no SLUICE_API: sluice dev must write it (operations.md)", pytrace=False)
    client = API(base)
    assert client.ok("GET", "/healthz") == {"status": "ok"}
    return client


@pytest.fixture(scope="module")
def operator(dev) -> str:
    token = dev["SLUICE_OPERATOR_TOKEN"]
    USED_SECRETS.add(token)
    return token


def new_workspace(api: API, operator: str, prefix: str) -> str:
    wid = f"{prefix}_{secrets.token_hex(4)}"
    body = api.ok("POST", "/api/v2/workspaces", operator, {"id": wid, "name": f"HTTP test {wid}"}, status=201)
    assert body["id"] == wid and body["name"] == f"HTTP test {wid}" and body["created_at"]
    return wid


def new_key(api: API, operator: str, wid: str, permission: str) -> str:
    body = api.ok("POST", f"/api/v2/workspaces/{wid}/api-keys", operator,
                  {"permission": permission, "label": f"e2e {permission}"}, status=201)
    assert body["permission"] == permission and body["id"] in body["key"]
    assert set(body) == {"id", "key", "permission", "label", "created_at"}, sorted(body)
    USED_SECRETS.add(body["key"])
    return body["key"]


def remember(uri: str) -> PgURI:
    parsed = PgURI.parse(uri)
    USED_SECRETS.add(parsed.password)
    return parsed


def raw_session(uri: PgURI) -> pgwire.Conn:
    """A raw-wire session through the proxy, logged in, the way the URI says."""
    conn = pgwire.Conn(uri.host, uri.port)
    if uri.params.get("sslmode") == "require":
        conn.start_tls()
    extra = {"options": uri.params["options"]} if "options" in uri.params else {}
    res = pgwire.scram_authenticate(conn, uri.user, uri.password, uri.dbname, **extra)
    assert res.ok, f"login as {uri.user} failed: {res.error and res.error.fields}"
    return conn


def select_one(conn: pgwire.Conn) -> str | None:
    rows = pgwire.data_rows(pgwire.simple_query(conn, "SELECT 1"))
    return rows[0][0] if rows else None


def login_error(uri: PgURI) -> str | None:
    """The SQLSTATE of a failed login, or None when it succeeds."""
    with pgwire.Conn(uri.host, uri.port) as conn:
        if uri.params.get("sslmode") == "require":
            conn.start_tls()
        res = pgwire.scram_authenticate(conn, uri.user, uri.password, uri.dbname)
        return None if res.ok else res.error.sqlstate


def drop_database_by_hand(dev, dbname: str) -> None:
    admin = dev.superuser_url
    r = psql(admin, "-c", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    assert r.returncode == 0, r.stderr


def test_customer_data_access_end_to_end(dev, api, operator):
    wid = new_workspace(api, operator, "http")
    key = new_key(api, operator, wid, "admin")

    # Status before provisioning: asked of the server, so not provisioned.
    status = api.ok("GET", "/api/v2/ingestion/status", key)
    assert status["workspace_id"] == wid
    assert status["provisioned"] is False
    assert status["plane"]["status"] == "absent" and status["plane"]["detail"]
    assert status["database"] == "customer_db"
    assert status["schemas"] == ["dl_cache", "dl_override", "dl_resolved", "dl_meta", "storage"]
    api.call("POST", "/api/v2/ingestion/connection-uris/reveal", key, {}).error(409, "not_provisioned")

    # Provision: 200 with the status once active, then status says active.
    provisioned = api.ok("POST", "/api/v2/ingestion/provision", key)
    assert provisioned["provisioned"] is True and provisioned["plane"]["status"] == "active"
    status = api.ok("GET", "/api/v2/ingestion/status", key)
    assert status["provisioned"] is True and status["plane"]["status"] == "active"

    # Metadata names the proxy's public address.
    meta = api.ok("GET", "/api/v2/ingestion/connection-uris/metadata", key)
    assert meta["project"]["id"] == wid and meta["database"] == "customer_db"
    [role] = meta["roles"]
    assert role["kind"] == "customer" and role["name"] == f"customer.{wid}"
    assert (role["pooled_host"], role["pooled_port"]) == (dev.proxy.host, dev.proxy.port)

    # Reveal: pooled (transaction) and session URIs through the proxy.
    revealed = api.ok("POST", "/api/v2/ingestion/connection-uris/reveal", key, {"kind": "customer", "pooled": True})
    assert revealed["kind"] == "customer" and revealed["pooled"] is True
    assert revealed["role"] == f"customer.{wid}" and revealed["database"] == "customer_db"
    old = remember(revealed["uri"])
    assert (old.host, old.port, old.user, old.dbname) == (dev.proxy.host, dev.proxy.port, f"customer.{wid}", "customer_db")
    assert old.params.get("sslmode") == dev.proxy.params.get("sslmode")
    session_uri = remember(api.ok("POST", "/api/v2/ingestion/connection-uris/reveal", key, {"pooled": False})["uri"])
    assert "sluice.pooling=session" in session_uri.params.get("options", "")
    assert session_uri.password == old.password

    assert psql_value(old.uri, "SELECT 40 + 2") == "42"
    assert psql_value(session_uri.uri, "SELECT count(*) FROM dl_meta.schema_migrations") != "0"

    # Sessions opened before the rotation, in both pooling modes.
    before_tx = raw_session(old)
    before_session = raw_session(session_uri)
    try:
        assert select_one(before_tx) == "1" and select_one(before_session) == "1"

        rotated = api.ok("POST", "/api/v2/ingestion/connection-uris/rotate", key, {"kind": "customer"})
        assert rotated["kind"] == "customer" and rotated["rotated_at"]
        assert set(rotated) == {"kind", "rotated_at", "uri"}, sorted(rotated)
        new = remember(rotated["uri"])
        assert new.password != old.password and len(new.password) >= 32
        assert (new.host, new.port, new.user) == (old.host, old.port, old.user)

        # From the moment the answer arrived: the old password fails with 28P01...
        assert login_error(old) == "28P01"
        r = psql(old.uri, "-c", "SELECT 1", timeout=60)
        assert r.returncode != 0 and "password authentication failed" in r.stderr, r.stderr
        # ...the new one works...
        assert psql_value(new.uri, "SELECT 40 + 2") == "42"
        # ...and sessions opened before still work (pooled server connections log in anew).
        for _ in range(3):
            assert select_one(before_tx) == "1"
            assert select_one(before_session) == "1"

        # Rotate with terminate_sessions: the open sessions end with FATAL 57P01.
        ended = api.ok("POST", "/api/v2/ingestion/connection-uris/rotate", key, {"terminate_sessions": True})
        newest = remember(ended["uri"])
        assert ended["terminated_sessions"] >= 2, ended
        for conn in (before_tx, before_session):
            data, closed, _ = conn.read_until_closed(timeout=15)
            errors = [m for m in pgwire.split_messages(data) if m.kind == b"E"]
            assert closed, "the session should have been closed"
            assert errors and errors[-1].sqlstate == "57P01", [m.fields for m in errors]
            assert errors[-1].fields.get("S") == "FATAL"
            assert "rotated" in errors[-1].fields.get("M", ""), errors[-1].fields
        assert login_error(new) == "28P01"
        assert psql_value(newest.uri, "SELECT 1") == "1"
    finally:
        before_tx.close()
        before_session.close()

    # A data query to invoke once the database is gone.
    api.ok("POST", f"/v1/{wid}/tables", key, {"name": "kept", "columns": [{"name": "id", "type": "bigint"}]}, status=201)
    query = api.ok("POST", f"/v1/{wid}/data_queries", key, {
        "name": "count_kept", "description": "Rows of kept.", "sql_template": "SELECT count(*) FROM storage.kept",
        "parameters": [],
    }, status=201)
    assert api.ok("POST", f"/v1/{wid}/data_queries/{query['id']}/invoke", key, {})["rows"] == [[0]]

    # Dropped by hand: status says not provisioned, provision restores it.
    drop_database_by_hand(dev, f"ws_{wid}")
    status = api.ok("GET", "/api/v2/ingestion/status", key)
    assert status["provisioned"] is False and status["plane"]["status"] == "absent", status
    api.call("POST", "/api/v2/ingestion/connection-uris/reveal", key, {}).error(409, "not_provisioned")
    # api.md: a data query's execution failure is 503 (and says why).
    gone = api.call("POST", f"/v1/{wid}/data_queries/{query['id']}/invoke", key, {}).error(503, "execution_failed")
    assert "dropped" in gone["message"], gone
    restored = api.ok("POST", "/api/v2/ingestion/provision", key)
    assert restored["provisioned"] is True and restored["plane"]["status"] == "active"
    assert psql_value(newest.uri, "SELECT count(*) FROM dl_meta.schema_migrations") != "0"


def test_longest_workspace_id_works_end_to_end(dev, api, operator):
    """api.md allows ids of 63 characters; server names of long ids are shortened, not refused."""
    wid = ("long_" + secrets.token_hex(4)).ljust(63, "x")
    assert len(wid) == 63
    api.ok("POST", "/api/v2/workspaces", operator, {"id": wid, "name": "Longest id"}, status=201)
    api.call("POST", "/api/v2/workspaces", operator, {"id": wid + "x", "name": "Too long"}).error(422, "validation_failed")
    key = new_key(api, operator, wid, "admin")
    provisioned = api.ok("POST", "/api/v2/ingestion/provision", key)
    assert provisioned["provisioned"] is True and provisioned["plane"]["status"] == "active"
    for pooled in (True, False):
        uri = remember(api.ok("POST", "/api/v2/ingestion/connection-uris/reveal", key, {"pooled": pooled})["uri"])
        assert uri.user == f"customer.{wid}"
        # ws_ + 38 characters of the id + _ + 12 hex digits + _customer: 63 bytes, untruncated.
        role = psql_value(uri.uri, "SELECT current_user")
        assert len(role) == 63 and role.startswith(f"ws_{wid[:38]}_") and role.endswith("_customer"), role
        assert all(c in "0123456789abcdef" for c in role[3 + 38 + 1:3 + 38 + 1 + 12]), role
        assert psql_value(uri.uri, "SELECT count(*) >= 1 FROM dl_meta.schema_migrations") == "t"


def test_permissions_and_workspace_fences(dev, api, operator):
    a = new_workspace(api, operator, "fence_a")
    b = new_workspace(api, operator, "fence_b")
    admin_a = new_key(api, operator, a, "admin")
    view_a = new_key(api, operator, a, "view")

    # No token: 401; a view key reads status but cannot provision, reveal or rotate: 403.
    api.call("GET", "/api/v2/ingestion/status").error(401, "unauthorized")
    api.call("GET", "/api/v2/ingestion/status", "sluice_not_a_key").error(401, "unauthorized")
    assert api.ok("GET", "/api/v2/ingestion/status", view_a)["workspace_id"] == a
    for method, path in [("POST", "/api/v2/ingestion/provision"),
                         ("GET", "/api/v2/ingestion/connection-uris/metadata"),
                         ("POST", "/api/v2/ingestion/connection-uris/reveal"),
                         ("POST", "/api/v2/ingestion/connection-uris/rotate")]:
        api.call(method, path, view_a, {} if method == "POST" else None).error(403, "forbidden")

    # Operator endpoints are the operator's.
    api.call("GET", "/api/v2/workspaces", admin_a).error(403, "forbidden")
    api.call("POST", f"/api/v2/workspaces/{a}/api-keys", admin_a, {"permission": "admin"}).error(403, "forbidden")
    listed = api.ok("GET", "/api/v2/workspaces", operator)
    assert {a, b} <= {w["id"] for w in listed}

    # A key of A learns nothing about B: the same 404 as for a workspace that does not exist.
    other = api.call("POST", f"/api/v2/workspaces/{b}/api-keys", admin_a, {"permission": "admin"}).error(404, "workspace_not_found")
    nowhere = api.call("POST", "/api/v2/workspaces/no_such_ws_x/api-keys", admin_a, {"permission": "admin"}).error(404, "workspace_not_found")
    assert other["message"].replace(b, "no_such_ws_x") == nowhere["message"]
    api.call("GET", "/api/v2/ingestion/status", admin_a, headers={"X-Workspace-Id": b}).error(404, "workspace_not_found")

    # The runtime role is the operator's alone.
    api.ok("POST", "/api/v2/ingestion/provision", admin_a)
    api.call("POST", "/api/v2/ingestion/connection-uris/reveal", admin_a, {"kind": "runtime"}).error(403, "forbidden")
    runtime = api.ok("POST", "/api/v2/ingestion/connection-uris/reveal", operator, {"kind": "runtime"},
                     headers={"X-Workspace-Id": a})
    assert runtime["role"] == f"runtime.{a}"
    remember(runtime["uri"])
    # The operator may name the workspace as a query parameter or in the body too.
    assert api.ok("POST", f"/api/v2/ingestion/connection-uris/reveal?workspace_id={a}", operator,
                  {"kind": "runtime"})["uri"] == runtime["uri"]
    assert api.ok("POST", "/api/v2/ingestion/connection-uris/reveal", operator,
                  {"kind": "runtime", "workspace_id": a})["uri"] == runtime["uri"]
    api.call("POST", "/api/v2/ingestion/connection-uris/reveal", operator, {"kind": "runtime"}).error(400, "workspace_required")
    # A key naming another workspace learns nothing of it.
    api.call("POST", "/api/v2/ingestion/connection-uris/reveal", admin_a, {"workspace_id": b}).error(404, "workspace_not_found")

    # Unknown members are 400, bodies over 1 MiB are 413.
    api.call("POST", "/api/v2/ingestion/connection-uris/rotate", admin_a, {"terminate_session": True}).error(400, "unknown_field")
    api.call("POST", "/api/v2/workspaces", operator, raw=b'{"id": "x", "name": "' + b"x" * (1 << 20) + b'"}').error(413, "payload_too_large")

    # Revoking a key takes effect with the next request.
    keys = api.ok("GET", f"/api/v2/workspaces/{a}/api-keys", operator)
    view_id = next(k["id"] for k in keys if k["permission"] == "view")
    assert all("key" not in k for k in keys)
    reply = api.call("DELETE", f"/api/v2/workspaces/{a}/api-keys/{view_id}", operator)
    assert reply.status == 204 and reply.text == ""
    api.call("GET", "/api/v2/ingestion/status", view_a).error(401, "unauthorized")


def test_cli_creates_keys_with_the_same_code(dev, api, operator):
    wid = new_workspace(api, operator, "cli")
    r = subprocess.run([dev["SLUICE_BIN"], "apikey", "create", wid, "--permission", "view", "--label", "cli"],
                       env=dev.sluice_environ(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip().splitlines()[-1]
    USED_SECRETS.add(key)
    assert api.ok("GET", "/api/v2/ingestion/status", key)["workspace_id"] == wid
    api.call("POST", "/api/v2/ingestion/provision", key, {}).error(403, "forbidden")
    r = subprocess.run([dev["SLUICE_BIN"], "apikey", "create", wid, "--permission", "root"],
                       env=dev.sluice_environ(), capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "permission" in (r.stderr + r.stdout)


def test_service_endpoints(api):
    assert api.ok("GET", "/readyz") == {"status": "ready"}
    document = api.ok("GET", "/openapi.json")
    assert document["openapi"].startswith("3.1")
    for path in ["/api/v2/workspaces", "/api/v2/workspaces/{id}/api-keys", "/api/v2/workspaces/{id}/api-keys/{key_id}",
                 "/api/v2/ingestion/status", "/api/v2/ingestion/provision",
                 "/api/v2/ingestion/connection-uris/metadata", "/api/v2/ingestion/connection-uris/reveal",
                 "/api/v2/ingestion/connection-uris/rotate", "/healthz", "/readyz", "/metrics", "/openapi.json"]:
        assert path in document["paths"], path
    reply = api.call("GET", "/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
    # The proxy's swift-metrics counters and the API's own, in one registry.
    for name in ["sluice_proxy_client_connections_total", "sluice_pool_waits_total",
                 "sluice_http_requests_total", "sluice_upstream_errors_total"]:
        assert name in reply.text, name
    api.call("PUT", "/healthz").error(405, "method_not_allowed")
    api.call("GET", "/no/such/endpoint").error(404, "not_found")


def test_zz_no_secret_in_the_log(dev, api, operator):
    """No password, key or token of these tests in any log line of this sluice."""
    name = os.environ.get("SLUICE_TEST_LOG")
    if not name:
        missing("SLUICE_TEST_LOG is not set: scripts/test.sh names the captured sluice log there")
    path = Path(name)
    assert path.is_file(), path
    time.sleep(0.5)  # let the last lines reach the file
    text = path.read_text(encoding="utf-8", errors="replace")
    assert "route=/api/v2/ingestion/connection-uris/rotate" in text, "the API's requests should be in this log"
    secrets_used = {s for s in USED_SECRETS if s}
    if len(secrets_used) < 5:
        pytest.skip("the flow tests of this module did not run: too few secrets to look for")
    leaked = sorted(s[:6] + "..." for s in secrets_used if s in text)
    assert not leaked, f"{len(leaked)} secret(s) used by the tests appear in {path}: {leaked}"
