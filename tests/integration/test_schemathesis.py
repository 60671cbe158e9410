"""Fuzzing the HTTP API against its own OpenAPI document with schemathesis (issue 5):
no 5xx, and no answer that breaks the document (status codes, content types, headers
and bodies as documented; schema-violating requests refused; unknown methods 405).

Two bounded passes against the live `sluice dev`:
  * a workspace admin key on everything but the operator endpoints, on a workspace of
    its own (rotate and terminate_sessions must never touch `demo`, whose URIs the
    other tests use);
  * the operator token on the operator endpoints only, without the stateful phase (so
    it never chains into revoking keys it did not make).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from test_http_api import API, new_key, new_workspace

MAX_EXAMPLES = os.environ.get("SLUICETEST_SCHEMATHESIS_EXAMPLES", "10")


def schemathesis_command() -> list[str]:
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe:
        return [exe]
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("schemathesis is not installed (CI=true: a missing prerequisite is a failure)", pytrace=False)
        pytest.skip("schemathesis is not installed (pip install schemathesis)")
    return [sys.executable, "-m", "schemathesis.cli"]


def run_schemathesis(base: str, token: str, tmp_path, *args: str, max_time: int) -> None:
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
    command = schemathesis_command() + [
        "--config-file", config,
        "run", f"{base}/openapi.json",
        "--url", base,
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all",
        "--max-examples", MAX_EXAMPLES,
        "--max-time", str(max_time),
        "--request-timeout", "60",
        "--seed", "20261121",
        "--workers", "1",
        *args,
    ]
    # Hypothesis keeps its example database in the working directory: not in the repository.
    r = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=max_time + 240,
                       env={**os.environ, "NO_COLOR": "1"})
    output = r.stdout + r.stderr
    assert r.returncode == 0, "schemathesis found problems:\n" + output[-20000:]
    assert "Selected:" in output and " 0 generated" not in output, output[-3000:]


@pytest.fixture(scope="module")
def api(dev) -> API:
    base = dev.get("SLUICE_API")
    if not base:
        pytest.fail(f"{dev.path} has no SLUICE_API", pytrace=False)
    return API(base)


def test_workspace_key_endpoints_hold_to_the_document(dev, api, tmp_path):
    operator = dev["SLUICE_OPERATOR_TOKEN"]
    wid = new_workspace(api, operator, "fuzz")
    key = new_key(api, operator, wid, "admin")
    api.ok("POST", "/api/v2/ingestion/provision", key)
    run_schemathesis(api.base, key, tmp_path, "--exclude-path-regex", "^/api/v2/workspaces", max_time=75)


def test_operator_endpoints_hold_to_the_document(dev, api, tmp_path):
    run_schemathesis(api.base, dev["SLUICE_OPERATOR_TOKEN"], tmp_path,
                     "--include-path-regex", "^/api/v2/workspaces",
                     "--phases", "examples,coverage,fuzzing", max_time=45)
