"""Helpers shared by the integration tests (imported by conftest.py and the tests).

The tests run against a live `sluice dev` whose `dev.env` (KEY=VALUE, shell-sourceable)
is named by SLUICE_DEV_ENV (scripts/test.sh exports it). With CI=true anything missing
(the env file, a driver, a client binary) is a failure, never a skip.
"""

from __future__ import annotations

import importlib
import os
import secrets
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CA_PEM = REPO_ROOT / "certs" / "ca.pem"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
JDBC_JAR = Path("/usr/share/java/postgresql.jar")

REQUIRED_KEYS = (
    "DATABASE_URL",
    "SESSION_DATABASE_URL",
    "UPSTREAM_SUPERUSER_URL",
    "SLUICE_PID",
    "SLUICE_BIN",
    "SLUICE_OPERATOR_TOKEN",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """A prerequisite is absent: fail under CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"{what} (CI=true: a missing prerequisite is a failure)", pytrace=False)
    pytest.skip(what)


def require_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as e:  # pragma: no cover - depends on the machine
        missing(f"Python module {name!r} is not importable: {e}")


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None and (PG_BIN / name).exists():
        path = str(PG_BIN / name)
    if path is None:
        missing(f"{name} is not installed")
    return path


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse a shell-sourceable KEY=VALUE file (quotes, `export`, comments)."""
    env: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True, posix=True)
        except ValueError:
            words = [line]
        if words and words[0] == "export":
            words = words[1:]
        if not words or "=" not in words[0]:
            continue
        key, _, value = words[0].partition("=")
        env[key.strip()] = value
    return env


# --- URIs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PgURI:
    uri: str
    user: str
    password: str
    host: str
    port: int
    dbname: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, uri: str) -> "PgURI":
        u = urlsplit(uri)
        assert u.scheme in ("postgresql", "postgres"), f"not a PostgreSQL URI: {uri!r}"
        return cls(
            uri=uri,
            user=unquote(u.username or ""),
            password=unquote(u.password or ""),
            host=u.hostname or "127.0.0.1",
            port=u.port or 5432,
            dbname=unquote(u.path.lstrip("/")) or unquote(u.username or ""),
            params=dict(parse_qsl(u.query, keep_blank_values=True)),
        )


def with_params(uri: str, **params: str | None) -> str:
    """Set (or with None, remove) query parameters of a URI."""
    u = urlsplit(uri)
    q = dict(parse_qsl(u.query, keep_blank_values=True))
    for k, v in params.items():
        if v is None:
            q.pop(k, None)
        else:
            q[k] = v
    return urlunsplit((u.scheme, u.netloc, u.path, urlencode(q, quote_via=quote), u.fragment))


def with_userinfo(uri: str, user: str | None = None, password: str | None = None, dbname: str | None = None) -> str:
    u = urlsplit(uri)
    p = PgURI.parse(uri)
    user = p.user if user is None else user
    password = p.password if password is None else password
    netloc = quote(user, safe="")
    if password:
        netloc += ":" + quote(password, safe="")
    netloc += f"@{u.hostname}:{u.port or 5432}"
    path = u.path if dbname is None else "/" + quote(dbname, safe="")
    return urlunsplit((u.scheme, netloc, path, u.query, u.fragment))


def unique_name(prefix: str = "t_") -> str:
    return prefix + secrets.token_hex(6)


# --- the live environment ----------------------------------------------------------


@dataclass
class DevEnv:
    path: Path
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    @property
    def database_url(self) -> str:
        return self.values["DATABASE_URL"]

    @property
    def session_database_url(self) -> str:
        return self.values["SESSION_DATABASE_URL"]

    @property
    def superuser_url(self) -> str:
        return self.values["UPSTREAM_SUPERUSER_URL"]

    @property
    def proxy(self) -> PgURI:
        return PgURI.parse(self.database_url)

    @property
    def upstream(self) -> PgURI:
        return PgURI.parse(self.superuser_url)

    def superuser_url_for(self, dbname: str) -> str:
        return with_userinfo(self.superuser_url, dbname=dbname)

    def setting(self, name: str) -> str | None:
        """A SLUICE_* setting as sluice dev got it: the test process's environment, else dev.env."""
        return os.environ.get(name) or self.values.get(name)

    def sluice_environ(self) -> dict[str, str]:
        """Environment for running `$SLUICE_BIN <command>` against the same state as `sluice dev`."""
        # sluice reads every SLUICE_* variable as configuration and rejects unknown keys:
        # drop the test harness's own SLUICE_TEST_* variables.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_TEST_")}
        env.update(self.values)
        env.setdefault("SLUICE_STATE_DIR", str(self.path.parent))
        env.setdefault("SLUICE_UPSTREAMS", with_params(self.superuser_url, name="primary"))
        # `reveal` prints the proxy's address: make it the one this sluice dev listens on.
        env.setdefault("SLUICE_PORT", str(self.proxy.port))
        for key, name in (("SLUICE_TLS_CERT", "server.pem"), ("SLUICE_TLS_KEY", "server-key.pem")):
            if (REPO_ROOT / "certs" / name).is_file():
                env.setdefault(key, str(REPO_ROOT / "certs" / name))
        return env


def load_dev_env() -> DevEnv:
    name = os.environ.get("SLUICE_DEV_ENV")
    path = Path(name) if name else REPO_ROOT / ".sluice" / "dev.env"
    if not path.is_file():
        missing(
            f"no sluice dev environment: SLUICE_DEV_ENV={name!r} and {path} does not exist "
            "(run scripts/test.sh, or scripts/dev.sh and point SLUICE_DEV_ENV at .sluice/dev.env)"
        )
    values = parse_env_file(path)
    absent = [k for k in REQUIRED_KEYS if not values.get(k)]
    if absent:
        pytest.fail(f"{path} lacks required keys {absent}; it has {sorted(values)}", pytrace=False)
    return DevEnv(path=path, values=values)


# --- client subprocesses -----------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without libpq PG* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.setdefault("LANG", "C.UTF-8")
    env["PGCONNECT_TIMEOUT"] = "15"
    env["PGCLIENTENCODING"] = "UTF8"
    env.update(extra)
    return env


def run(cmd: list[str], *, env: dict[str, str] | None = None, input: str | None = None,
        timeout: float = 120, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, env=env if env is not None else clean_env(), input=input, timeout=timeout,
        capture_output=True, text=True, encoding="utf-8", errors="replace", cwd=cwd,
    )


def psql(uri: str, *args: str, input: str | None = None, timeout: float = 120,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """psql -X with ON_ERROR_STOP; returns the CompletedProcess (never raises on exit code)."""
    exe = require_binary("psql")
    return run([exe, "-X", "-v", "ON_ERROR_STOP=1", "-d", uri, *args],
               input=input, timeout=timeout, env=env)


def psql_ok(uri: str, *args: str, **kw) -> str:
    r = psql(uri, *args, **kw)
    assert r.returncode == 0, f"psql {' '.join(args)} failed ({r.returncode}):\n{r.stderr}\n{r.stdout}"
    return r.stdout


def psql_value(uri: str, sql: str, **kw) -> str:
    return psql_ok(uri, "-At", "-c", sql, **kw).strip()


def assert_proxy_serves(dev: DevEnv) -> None:
    """A fresh, normal psql connection through the proxy still gets a right answer."""
    out = psql_value(dev.database_url, "SELECT 40 + 2", timeout=30)
    assert out == "42", out


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
