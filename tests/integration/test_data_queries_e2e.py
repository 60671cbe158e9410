"""Issue 6's end-to-end acceptance, in one flow against the real server through `sluice dev`:
create a table, deploy `active_people_by_domain` (a `:domain` string and an integer `:limit`
with a default), invoke it, update it by PATCH, find `wsq_active_people_by_domain` in the
registry, and invoke it through `sluice tools execute` and through `sluice mcp`.
"""

from __future__ import annotations

import json
import uuid

import pytest

from test_agent_tools import MCPSession, http, http_ok, sluice_tools

NAME = "active_people_by_domain"
TABLE = "e2e_people"


@pytest.fixture(scope="module")
def api(dev) -> str:
    return dev["SLUICE_API"].rstrip("/")


@pytest.fixture(scope="module")
def keys(dev, api):
    """An update key and a view key of the dev workspace, revoked afterwards."""
    workspace = http_ok(api, "GET", "/api/v2/ingestion/status", dev["SLUICE_API_KEY"])["workspace_id"]
    operator = dev["SLUICE_OPERATOR_TOKEN"]
    made = {}
    for permission in ("update", "view"):
        made[permission] = http_ok(api, "POST", f"/api/v2/workspaces/{workspace}/api-keys", operator,
                                   {"permission": permission, "label": f"e2e {permission}"}, status=201)
    yield workspace, made["update"]["key"], made["view"]["key"]
    for key in made.values():
        http(api, "DELETE", f"/api/v2/workspaces/{workspace}/api-keys/{key['id']}", operator)


def _clean(api, workspace, update):
    for query in http_ok(api, "GET", f"/v1/{workspace}/data_queries", update):
        if query["name"] == NAME:
            http_ok(api, "DELETE", f"/v1/{workspace}/data_queries/{query['id']}", update, status=204)
    http(api, "DELETE", f"/v1/{workspace}/tables/{TABLE}", update)


def test_active_people_by_domain_end_to_end(dev, api, keys):
    workspace, update, view = keys
    _clean(api, workspace, update)
    try:
        table = http_ok(api, "POST", f"/v1/{workspace}/tables", update, {"name": TABLE, "columns": [
            {"name": "id", "type": "bigint", "primary_key": True},
            {"name": "email", "type": "text", "nullable": False},
            {"name": "domain", "type": "text"},
            {"name": "active", "type": "boolean"},
        ]}, status=201)
        assert table["name"] == TABLE and [c["name"] for c in table["columns"]] == ["id", "email", "domain", "active"]
        assert any(t["name"] == TABLE for t in http_ok(api, "GET", f"/v1/{workspace}/tables", view))
        http_ok(api, "POST", "/api/v2/tools/query_customer_db", update, {"sql": f"""
            INSERT INTO storage.{TABLE} VALUES
              (1, 'ann@acme.com', 'acme.com', true), (2, 'bob@acme.com', 'acme.com', false),
              (3, 'cy@acme.com', 'acme.com', true), (4, 'di@other.org', 'other.org', true)"""})

        created = http_ok(api, "POST", f"/v1/{workspace}/data_queries", update, {
            "name": NAME,
            "description": "Active people of an email domain.",
            "sql_template": f"SELECT email FROM storage.{TABLE} WHERE active AND domain = :domain ORDER BY email LIMIT :limit",
            "parameters": [
                {"name": "domain", "type": "string", "description": "The email domain"},
                {"name": "limit", "type": "integer", "description": "Rows at most", "default": 1},
            ],
        }, status=201)
        query_id = created["id"]
        assert created["deployed_by"] and created["deployed_at"] and created["last_invoked_at"] is None
        # "UUID of the API key that deployed": the id POST .../api-keys returned for that key.
        assert str(uuid.UUID(created["deployed_by"])) == created["deployed_by"]
        assert f"_{created['deployed_by']}_" in update
        # Exactly the seed's "Response Fields".
        assert set(created) == {"id", "name", "description", "sql_template", "parameters", "timeout_ms",
                                "deployed_at", "deployed_by", "last_invoked_at"}, sorted(created)

        invoked = http_ok(api, "POST", f"/v1/{workspace}/data_queries/{query_id}/invoke", view,
                          {"input": {"domain": "acme.com"}})
        assert invoked["query_id"] == query_id and invoked["name"] == NAME
        assert set(invoked) == {"query_id", "name", "columns", "rows", "row_count", "truncated", "elapsed_ms"}, sorted(invoked)
        assert invoked["rows"] == [["ann@acme.com"]] and invoked["row_count"] == 1 and invoked["truncated"] is False

        patched = http_ok(api, "PATCH", f"/v1/{workspace}/data_queries/{query_id}", update, {
            "description": "Active people of an email domain, by email.",
            "parameters": [
                {"name": "domain", "type": "string", "description": "The email domain"},
                {"name": "limit", "type": "integer", "description": "Rows at most", "default": 10},
            ],
        })
        assert patched["description"].endswith("by email.") and patched["parameters"][1]["default"] == 10
        assert http_ok(api, "GET", f"/v1/{workspace}/data_queries/{query_id}", view)["last_invoked_at"]

        tools = http_ok(api, "GET", f"/v1/{workspace}/tools", view)
        tool = next(t for t in tools if t["name"] == f"wsq_{NAME}")
        assert tool["description"] == patched["description"]
        assert tool["input_schema"]["required"] == ["domain"]
        assert tool["input_schema"]["properties"]["limit"] == {
            "type": "integer", "description": "Rows at most", "default": 10}

        cli = sluice_tools(dev, api, view, "execute", f"wsq_{NAME}", "--payload", json.dumps({"domain": "acme.com"}), "--json")
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout)["rows"] == [["ann@acme.com"], ["cy@acme.com"]]
        human = sluice_tools(dev, api, view, "execute", f"wsq_{NAME}", "--payload", '{"domain": "acme.com"}')
        assert human.returncode == 0 and "cy@acme.com" in human.stdout and "email" in human.stdout, human.stdout

        session = MCPSession(dev, api, view)
        try:
            session.initialize()
            listed = session.result("tools/list")
            names = [t["name"] for t in listed["tools"]]
            assert "query_customer_db" in names and f"wsq_{NAME}" in names
            result = session.call(f"wsq_{NAME}", {"domain": "acme.com", "limit": 1})
            assert result.get("isError") is not True, result
            assert result["structuredContent"]["rows"] == [["ann@acme.com"]]
            assert any("ann@acme.com" in c.get("text", "") for c in result["content"])
            wrong = session.call(f"wsq_{NAME}", {"domain": 5})
            assert wrong.get("isError") is True
        finally:
            session.close()
    finally:
        _clean(api, workspace, update)
