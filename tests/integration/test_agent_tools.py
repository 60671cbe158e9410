"""Agent tools from outside (api.md, "Agent tool" and "Workspace data queries") against the
live `sluice dev`: `sluice tools list|execute` from a shell, and `sluice mcp` spoken to as an
agent runtime does (newline-delimited JSON-RPC on its stdin/stdout).

Keys are made for the dev stack's own workspace (`demo`, provisioned by `sluice dev`) with the
operator token; the data-query tests make a storage table and a data query through the HTTP
API and remove them afterwards.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from sluicetest import run

# The contract's answers to a write outside storage (policy.md, "Answers").
DENIAL_MESSAGES = (
    "Customer DB writes are only allowed for schema-qualified storage tables.",
    "Only read statements or schema-qualified storage tables are supported.",
)
DENIED_SQL = "DROP TABLE dl_meta.schema_migrations"
MCP_PROTOCOL_VERSION = "2025-06-18"
TIMEOUT = 120


# --- HTTP -----------------------------------------------------------------------------


def http(base: str, method: str, path: str, token: str | None, body=None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text) if text else None
        except ValueError:
            return e.code, text


def http_ok(base: str, method: str, path: str, token: str | None, body=None, status: int = 200):
    got, answer = http(base, method, path, token, body)
    assert got == status, f"{method} {path}: expected {status}, got {got}: {answer}"
    return answer


@pytest.fixture(scope="module")
def api(dev) -> str:
    base = dev.get("SLUICE_API")
    if not base:
        pytest.fail(f"{dev.path} has no SLUICE_API: sluice dev must write it", pytrace=False)
    return base.rstrip("/")


@pytest.fixture(scope="module")
def workspace(dev, api) -> str:
    """The workspace `sluice dev` provisioned (the one of its admin key)."""
    admin = dev.get("SLUICE_API_KEY")
    if not admin:
        return "demo"
    return http_ok(api, "GET", "/api/v2/ingestion/status", admin)["workspace_id"]


def _make_key(dev, api: str, workspace: str, permission: str):
    operator = dev["SLUICE_OPERATOR_TOKEN"]
    made = http_ok(api, "POST", f"/api/v2/workspaces/{workspace}/api-keys", operator,
                   {"permission": permission, "label": f"agent tools test ({permission})"}, status=201)
    yield made["key"]
    http(api, "DELETE", f"/api/v2/workspaces/{workspace}/api-keys/{made['id']}", operator)


@pytest.fixture(scope="module")
def update_key(dev, api, workspace):
    yield from _make_key(dev, api, workspace, "update")


@pytest.fixture(scope="module")
def view_key(dev, api, workspace):
    yield from _make_key(dev, api, workspace, "view")


@pytest.fixture(scope="module")
def data_query(dev, api, workspace, update_key):
    """A storage table with two rows and a data query over it: (tool name, query id)."""
    suffix = secrets.token_hex(5)
    table = f"people_{suffix}"
    name = f"find_people_{suffix}"
    http_ok(api, "POST", f"/v1/{workspace}/tables", update_key,
            {"name": table, "columns": [{"name": "email", "type": "text"}]}, status=201)
    query_id = None
    try:
        inserted = http_ok(api, "POST", "/api/v2/tools/query_customer_db", update_key,
                           {"sql": f"INSERT INTO storage.{table} (email) VALUES ('ann@example.com'), ('bob@example.org')"})
        assert inserted["command"] == "INSERT", inserted
        created = http_ok(api, "POST", f"/v1/{workspace}/data_queries", update_key, {
            "name": name,
            "description": "People whose email matches a LIKE pattern.",
            "sql_template": f"SELECT email FROM storage.{table} WHERE email LIKE :pattern ORDER BY email LIMIT :lim",
            "parameters": [
                {"name": "pattern", "type": "string", "description": "A LIKE pattern, e.g. %@example.com"},
                {"name": "lim", "type": "integer", "description": "At most this many rows", "default": 10},
            ],
        }, status=201)
        query_id = created["id"]
        yield f"wsq_{name}", query_id
    finally:
        if query_id is not None:
            http(api, "DELETE", f"/v1/{workspace}/data_queries/{query_id}", update_key)
        http(api, "DELETE", f"/v1/{workspace}/tables/{table}", update_key)


# --- the CLI --------------------------------------------------------------------------


def tools_env(api: str, key: str) -> dict[str, str]:
    """Only SLUICE_API and SLUICE_API_KEY: nothing else of the dev stack leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "PG"))}
    env.update(SLUICE_API=api, SLUICE_API_KEY=key, LANG="C.UTF-8")
    return env


def sluice_tools(dev, api: str, key: str, *args: str) -> subprocess.CompletedProcess:
    return run([dev["SLUICE_BIN"], "tools", *args], env=tools_env(api, key), timeout=TIMEOUT)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstderr: {result.stderr}\nstdout: {result.stdout}"
    return result.stdout


def test_cli_list_json(dev, api, view_key):
    tools = json.loads(ok(sluice_tools(dev, api, view_key, "list", "--json")))
    assert isinstance(tools, list), tools
    by_name = {tool["name"]: tool for tool in tools}
    assert "query_customer_db" in by_name, sorted(by_name)
    for tool in tools:
        assert isinstance(tool["description"], str) and tool["description"], tool
        assert tool["input_schema"]["type"] == "object", tool
    assert "sql" in by_name["query_customer_db"]["input_schema"]["properties"]


def test_cli_list_human(dev, api, view_key):
    out = ok(sluice_tools(dev, api, view_key, "list"))
    lines = out.splitlines()
    assert lines[0].split(" | ")[0].strip() == "tool", out
    assert any(line.startswith("query_customer_db ") for line in lines), out
    assert "sql: string" in out, out
    assert lines[-1].startswith("(") and "of workspace" in lines[-1], out


def test_cli_execute_json(dev, api, view_key):
    out = ok(sluice_tools(dev, api, view_key, "execute", "query_customer_db",
                          "--payload", '{"sql":"SELECT 1 AS one"}', "--json"))
    body = json.loads(out)
    assert [c["name"] for c in body["columns"]] == ["one"], body
    assert body["rows"] == [[1]] and body["row_count"] == 1 and body["truncated"] is False, body
    assert body["command"] == "SELECT" and "elapsed_ms" in body, body


def test_cli_execute_human(dev, api, view_key):
    out = ok(sluice_tools(dev, api, view_key, "execute", "query_customer_db", "--payload",
                          '{"sql":"SELECT 1 AS one, \'a\'::text AS word, NULL::int AS nothing"}'))
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[0].split("|")] == ["one", "word", "nothing"], out
    assert set(lines[1]) <= {"-", "+"}, out
    assert [cell.strip() for cell in lines[2].split("|")] == ["1", '"a"', "null"], out
    assert lines[3] == "(1 row)", out


def test_cli_denied_statement(dev, api, update_key):
    result = sluice_tools(dev, api, update_key, "execute", "query_customer_db",
                          "--payload", json.dumps({"sql": DENIED_SQL}))
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    assert any(m in result.stderr for m in DENIAL_MESSAGES), result.stderr
    assert "42501" in result.stderr, result.stderr

    result = sluice_tools(dev, api, update_key, "execute", "query_customer_db",
                          "--payload", json.dumps({"sql": DENIED_SQL}), "--json")
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert error["status"] == 403 and error["sqlstate"] == "42501", error
    assert error["message"] in DENIAL_MESSAGES, error


def test_cli_bad_input(dev, api, view_key):
    result = sluice_tools(dev, api, view_key, "execute", "query_customer_db", "--payload", "{not json")
    assert result.returncode != 0 and "payload" in result.stderr, result.stderr
    result = sluice_tools(dev, api, view_key, "execute", "query_customer_db", "--payload", "[1]")
    assert result.returncode != 0 and "JSON object" in result.stderr, result.stderr
    result = sluice_tools(dev, api, view_key, "execute", "wsq_no_such_query_" + secrets.token_hex(4), "--payload", "{}")
    assert result.returncode == 2 and "unknown tool" in result.stderr, result.stderr
    result = sluice_tools(dev, api, "sk_not_a_key_" + secrets.token_hex(8), "list")
    assert result.returncode == 1 and result.stderr.startswith("error: "), result.stderr


def test_cli_data_query_tool(dev, api, view_key, data_query):
    tool_name, query_id = data_query
    tools = json.loads(ok(sluice_tools(dev, api, view_key, "list", "--json")))
    tool = next((t for t in tools if t["name"] == tool_name), None)
    assert tool is not None, [t["name"] for t in tools]
    assert tool["query_id"] == query_id, tool
    schema = tool["input_schema"]
    assert schema["type"] == "object", schema
    assert schema["properties"]["pattern"]["type"] == "string", schema
    assert schema["properties"]["lim"]["type"] == "integer", schema
    assert "pattern" in schema.get("required", []) and "lim" not in schema.get("required", []), schema

    body = json.loads(ok(sluice_tools(dev, api, view_key, "execute", tool_name,
                                      "--payload", '{"pattern": "%@example.com"}', "--json")))
    assert body["query_id"] == query_id and body["rows"] == [["ann@example.com"]], body
    assert body["row_count"] == 1 and body["truncated"] is False, body

    out = ok(sluice_tools(dev, api, view_key, "execute", tool_name, "--payload", '{"pattern": "%", "lim": 5}'))
    lines = out.splitlines()
    assert lines[0].strip() == "email", out
    assert [line.strip() for line in lines[2:4]] == ['"ann@example.com"', '"bob@example.org"'], out
    assert lines[-1] == "(2 rows)", out

    result = sluice_tools(dev, api, view_key, "execute", tool_name, "--payload", '{"pattern": 5}')
    assert result.returncode == 1 and result.stdout == "", (result.stdout, result.stderr)


# --- MCP ------------------------------------------------------------------------------


class MCPSession:
    """`sluice mcp` as a subprocess, spoken to as an MCP client (newline-delimited JSON-RPC)."""

    def __init__(self, dev, api: str, key: str):
        self.key = key
        self.proc = subprocess.Popen(
            [dev["SLUICE_BIN"], "mcp"], env=tools_env(api, key), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self):
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def send(self, message: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict | None = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params: dict | None = None, timeout: float = TIMEOUT) -> dict:
        """Sends a request and returns its whole response (result or error)."""
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, **({"params": params} if params is not None else {})})
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no answer to {method} within {timeout}s; stderr:\n{''.join(self.stderr_lines)}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"sluice mcp closed stdout before answering {method}; stderr:\n{''.join(self.stderr_lines)}")
            message = json.loads(line)  # stdout carries nothing but protocol
            assert message.get("jsonrpc") == "2.0", message
            if message.get("id") == ident and "method" not in message:
                return message

    def result(self, method: str, params: dict | None = None) -> dict:
        response = self.request(method, params)
        assert "error" not in response, response
        return response["result"]

    def initialize(self) -> dict:
        result = self.result("initialize", {
            "protocolVersion": MCP_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "sluice-pytest", "version": "1.0"},
        })
        self.notify("notifications/initialized")
        return result

    def call(self, name: str, arguments: dict) -> dict:
        return self.result("tools/call", {"name": name, "arguments": arguments})

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("sluice mcp did not exit within 60s of stdin closing")


@pytest.fixture
def mcp(dev, api, update_key):
    session = MCPSession(dev, api, update_key)
    yield session
    if session.proc.poll() is None:
        session.proc.kill()
        session.proc.wait()
    for line in session.stdout_lines:
        json.loads(line)  # every stdout line is a JSON-RPC message
    assert update_key not in "".join(session.stderr_lines), "the API key must never be logged"


def text_of(result: dict) -> str:
    return "\n".join(c["text"] for c in result["content"] if c["type"] == "text")


def test_mcp_session(mcp):
    init = mcp.initialize()
    assert init["protocolVersion"] == MCP_PROTOCOL_VERSION, init
    assert init["serverInfo"]["name"] == "sluice", init
    assert "tools" in init["capabilities"], init

    tools = {tool["name"]: tool for tool in mcp.result("tools/list")["tools"]}
    assert "query_customer_db" in tools, sorted(tools)
    schema = tools["query_customer_db"]["inputSchema"]
    assert schema["type"] == "object" and "sql" in schema["properties"], schema
    assert tools["query_customer_db"]["description"], tools["query_customer_db"]

    result = mcp.call("query_customer_db", {"sql": "SELECT 1 AS one"})
    assert result.get("isError") in (None, False), result
    structured = result["structuredContent"]
    assert structured["rows"] == [[1]], structured
    assert [c["name"] for c in structured["columns"]] == ["one"], structured
    assert structured["row_count"] == 1 and structured["truncated"] is False, structured
    table = text_of(result)
    assert "one" in table and "(1 row)" in table, table

    # A denial is a tool result with isError, not a JSON-RPC error.
    response = mcp.request("tools/call", {"name": "query_customer_db", "arguments": {"sql": DENIED_SQL}})
    assert "error" not in response, response
    denied = response["result"]
    assert denied["isError"] is True, denied
    text = text_of(denied)
    assert any(m in text for m in DENIAL_MESSAGES) and "42501" in text, text

    # So is a server error and an unknown tool.
    failed = mcp.call("query_customer_db", {"sql": "SELECT * FROM dl_resolved.no_such_table"})
    assert failed["isError"] is True and "42P01" in text_of(failed), failed
    unknown = mcp.call("wsq_no_such_query_" + secrets.token_hex(4), {})
    assert unknown["isError"] is True and "unknown tool" in text_of(unknown), unknown

    # The session still works after errors, and ends cleanly when stdin closes.
    again = mcp.call("query_customer_db", {"sql": "SELECT 2 AS two"})
    assert again["structuredContent"]["rows"] == [[2]], again
    assert mcp.close() == 0, "".join(mcp.stderr_lines)


def test_mcp_data_query_tool(mcp, data_query):
    tool_name, _ = data_query
    mcp.initialize()
    tools = {tool["name"]: tool for tool in mcp.result("tools/list")["tools"]}
    assert tool_name in tools, sorted(tools)
    schema = tools[tool_name]["inputSchema"]
    assert schema["properties"]["pattern"]["type"] == "string", schema
    assert schema["properties"]["lim"]["type"] == "integer", schema

    result = mcp.call(tool_name, {"pattern": "%@example.org"})
    assert result.get("isError") in (None, False), result
    assert result["structuredContent"]["rows"] == [["bob@example.org"]], result
    assert result["structuredContent"]["row_count"] == 1, result

    result = mcp.call(tool_name, {"pattern": "%", "lim": 1})
    assert result["structuredContent"]["row_count"] == 1, result

    # A wrong argument type is the API's 422, returned as a tool error.
    wrong = mcp.call(tool_name, {"pattern": "%", "lim": "many"})
    assert wrong["isError"] is True and text_of(wrong), wrong
    assert mcp.close() == 0, "".join(mcp.stderr_lines)


def test_string_arguments_take_the_type_of_their_use(dev, api, workspace, update_key, view_key):
    """A `string` argument compared with a uuid, date or timestamptz column works, as a quoted
    literal would (it is sent with an unspecified type, which the server infers)."""
    suffix = secrets.token_hex(5)
    table = f"events_{suffix}"
    http_ok(api, "POST", f"/v1/{workspace}/tables", update_key,
            {"name": table, "columns": [{"name": "id", "type": "uuid"}, {"name": "day", "type": "date"},
                                        {"name": "at", "type": "timestamptz"}, {"name": "label", "type": "text"}]},
            status=201)
    query_id = None
    try:
        http_ok(api, "POST", "/api/v2/tools/query_customer_db", update_key, {"sql":
                f"INSERT INTO storage.{table} VALUES ('6f1c2d3e-0000-4000-8000-000000000001', '2026-01-02', "
                f"'2026-01-02T10:00:00Z', 'one'), ('6f1c2d3e-0000-4000-8000-000000000002', '2026-03-04', "
                f"'2026-03-04T10:00:00Z', 'two')"})
        created = http_ok(api, "POST", f"/v1/{workspace}/data_queries", update_key, {
            "name": f"events_{suffix}",
            "description": "Events by id, day and time.",
            "sql_template": f"SELECT label FROM storage.{table} WHERE id = :id OR (day >= :from_day AND at < :before) "
                            "ORDER BY label",
            "parameters": [{"name": "id", "type": "string", "description": "an event id"},
                           {"name": "from_day", "type": "string", "description": "first day"},
                           {"name": "before", "type": "string", "description": "a time"}],
        }, status=201)
        query_id = created["id"]
        invoked = http_ok(api, "POST", f"/v1/{workspace}/data_queries/{query_id}/invoke", view_key, {"input": {
            "id": "6f1c2d3e-0000-4000-8000-000000000001", "from_day": "2026-03-01", "before": "2026-03-05T00:00:00Z"}})
        assert invoked["rows"] == [["one"], ["two"]], invoked
        # A string that is not a valid uuid is the server's error (503), not a crash.
        status, body = http(api, "POST", f"/v1/{workspace}/data_queries/{query_id}/invoke", view_key, {"input": {
            "id": "not-a-uuid", "from_day": "2026-03-01", "before": "2026-03-05T00:00:00Z"}})
        assert status == 503, body
    finally:
        if query_id is not None:
            http(api, "DELETE", f"/v1/{workspace}/data_queries/{query_id}", update_key)
        http(api, "DELETE", f"/v1/{workspace}/tables/{table}", update_key)
