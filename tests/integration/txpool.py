"""Helpers for the transaction-pooling tests (test_transaction_pooling.py).

- `SluiceServe`: a private `sluice serve` with a small pool (one event loop, `pool_size`
  server connections per workspace role), against the same control store and upstream as
  the `sluice dev` the suite runs on. The issue's acceptance needs exact pool sizes (1 to be
  sure two clients share one server connection, 2 for the 20-client driver runs), which the
  shared `sluice dev` does not have.
- `Wire`: a raw protocol client (on top of pgwire.py) that speaks the simple and the
  extended protocol message by message, so a test can decide exactly where each `Sync`
  (and so each transaction boundary, where the proxy hands the server connection back) is.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import pgwire
from policywire import bind_msg, execute_msg, parse_msg, sync_msg
from sluicetest import DevEnv, PgURI

# Keys of dev.env (or the harness's environment) that `sluice serve` must not get.
_DROP_KEYS = ("SLUICE_PID", "SLUICE_BIN", "SLUICE_DEV_ENV", "SLUICE_PG_PORT")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def with_port(uri: str, port: int) -> str:
    u = urlsplit(uri)
    netloc = u.netloc.rsplit("@", 1)
    host = u.hostname or "127.0.0.1"
    hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    new = (netloc[0] + "@" + hostport) if len(netloc) == 2 else hostport
    return urlunsplit((u.scheme, new, u.path, u.query, u.fragment))


class SluiceServe:
    """`$SLUICE_BIN serve` on free ports with one event loop and `pool_size` connections."""

    def __init__(self, dev: DevEnv, pool_size: int, log_dir: Path, name: str,
                 query_wait_timeout: float = 2, extra_env: dict[str, str] | None = None):
        self.dev = dev
        self.pool_size = pool_size
        self.port = free_port()
        self.http_port = free_port()
        while self.http_port == self.port:
            self.http_port = free_port()
        env = dev.sluice_environ()
        for key in list(env):
            if key in _DROP_KEYS or key.startswith("SLUICE_API") or key.startswith("SLUICETEST_"):
                env.pop(key, None)
        state = env["SLUICE_STATE_DIR"]
        env.update(
            SLUICE_MASTER_KEY_FILE=str(Path(state) / "master.key"),
            SLUICE_PORT=str(self.port),
            SLUICE_HTTP_PORT=str(self.http_port),
            SLUICE_THREADS="1",
            SLUICE_POOL_SIZE=str(pool_size),
            SLUICE_QUERY_WAIT_TIMEOUT=str(query_wait_timeout),
            # Twenty clients' TLS and SCRAM at once (a JVM's among them) on a small, loaded
            # machine: the authentication timeout is not what these tests are about.
            SLUICE_AUTH_TIMEOUT="30",
        )
        env.update(extra_env or {})
        self.env = env
        self.log_path = log_dir / f"sluice-{name}.log"
        self.proc: subprocess.Popen | None = None
        self.database_url = with_port(dev.database_url, self.port)

    def start(self, timeout: float = 60) -> "SluiceServe":
        bin_path = self.dev["SLUICE_BIN"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([bin_path, "serve"], env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sluice serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sluice serve did not listen on {self.port} within {timeout}s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    @property
    def uri(self) -> PgURI:
        return PgURI.parse(self.database_url)


def serve(dev: DevEnv, pool_size: int, log_dir: Path, name: str, query_wait_timeout: float,
          extra_env: dict[str, str] | None = None) -> SluiceServe:
    """A started `SluiceServe` (shutdown grace period 2 s, so a module's teardown is quick);
    if it does not start, the test fails with its log."""
    s = SluiceServe(dev, pool_size, log_dir, name, query_wait_timeout=query_wait_timeout,
                    extra_env={"SLUICE_SHUTDOWN_GRACE_PERIOD": "2", **(extra_env or {})})
    try:
        s.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    return s


# --- raw protocol ---------------------------------------------------------------------


def _cstr(s: str) -> bytes:
    return s.encode() + b"\0"


def describe_statement_msg(name: str) -> bytes:
    return pgwire.message(b"D", b"S" + _cstr(name))


def describe_portal_msg(name: str = "") -> bytes:
    return pgwire.message(b"D", b"P" + _cstr(name))


def close_statement_msg(name: str) -> bytes:
    return pgwire.message(b"C", b"S" + _cstr(name))


def flush_msg() -> bytes:
    return pgwire.message(b"H", b"")


@dataclass
class Result:
    """What came back up to (and including) ReadyForQuery."""
    messages: list[pgwire.Msg]

    @property
    def kinds(self) -> str:
        return "".join(m.kind.decode() for m in self.messages)

    @property
    def errors(self) -> list[dict[str, str]]:
        return [m.fields for m in self.messages if m.kind == b"E"]

    @property
    def error(self) -> dict[str, str] | None:
        errs = self.errors
        return errs[0] if errs else None

    @property
    def sqlstate(self) -> str | None:
        e = self.error
        return e.get("C") if e else None

    @property
    def rows(self) -> list[list[str | None]]:
        return pgwire.data_rows(self.messages)

    @property
    def value(self) -> str | None:
        rows = self.rows
        assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value, got {rows} ({self.describe()})"
        return rows[0][0]

    @property
    def status(self) -> str:
        z = [m for m in self.messages if m.kind == b"Z"]
        return z[-1].payload.decode() if z else "?"

    def ok(self) -> "Result":
        assert not self.errors, f"unexpected error: {self.describe()}"
        return self

    def describe(self) -> str:
        parts = []
        for m in self.messages:
            if m.kind in (b"E", b"N"):
                f = m.fields
                parts.append(f"{m.kind.decode()}[{f.get('C')} {f.get('M')!r}]")
            else:
                parts.append(m.kind.decode())
        return " ".join(parts)


class Wire:
    """One raw client connection to a proxy (plain TCP, SCRAM), message by message."""

    def __init__(self, uri: str, timeout: float = 15, **params: str):
        p = PgURI.parse(uri)
        self.conn = pgwire.Conn(p.host, p.port, timeout=timeout)
        self.host, self.port = p.host, p.port
        try:
            if "options" in p.params and "options" not in params:
                params["options"] = p.params["options"]
            self.auth = pgwire.scram_authenticate(self.conn, p.user, p.password, p.dbname, **params)
        except BaseException:
            self.conn.close()
            raise
        if not self.auth.ok:
            self.conn.close()
            raise AssertionError(f"login failed: {self.auth.error and self.auth.error.fields}")
        self.parameters = dict(self.auth.parameters)

    def close(self) -> None:
        self.conn.close()

    def terminate(self) -> None:
        try:
            self.conn.send(pgwire.message(b"X", b""))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.terminate()

    def send(self, *messages: bytes) -> None:
        self.conn.send(b"".join(messages))

    def read_until_ready(self, timeout: float = 30) -> Result:
        out = []
        while True:
            m = self.conn.read_message(timeout)
            out.append(m)
            if m.kind == b"S":
                k, v, _ = m.payload.split(b"\0", 2)
                self.parameters[k.decode()] = v.decode()
            if m.kind == b"Z":
                return Result(out)

    def read_messages(self, count: int, timeout: float = 30) -> list[pgwire.Msg]:
        return [self.conn.read_message(timeout) for _ in range(count)]

    # simple protocol
    def query(self, sql: str, timeout: float = 30) -> Result:
        self.send(pgwire.query_message(sql))
        return self.read_until_ready(timeout)

    def value(self, sql: str) -> str | None:
        return self.query(sql).ok().value

    def pid(self) -> int:
        return int(self.value("SELECT pg_backend_pid()"))

    # extended protocol, one Sync each
    def prepare(self, name: str, sql: str, param_types: tuple[int, ...] = ()) -> Result:
        self.send(parse_msg(sql, name, param_types), sync_msg())
        return self.read_until_ready()

    def execute(self, name: str, params: tuple[str | None, ...] = (), describe: bool = True) -> Result:
        msgs = [bind_msg(params, "", name)]
        if describe:
            msgs.append(describe_portal_msg(""))
        msgs += [execute_msg(""), sync_msg()]
        self.send(*msgs)
        return self.read_until_ready()

    def describe_statement(self, name: str) -> Result:
        self.send(describe_statement_msg(name), sync_msg())
        return self.read_until_ready()

    def close_statement(self, name: str) -> Result:
        self.send(close_statement_msg(name), sync_msg())
        return self.read_until_ready()

    @property
    def backend_key(self) -> tuple[int, int]:
        assert self.auth.backend_key is not None, "no BackendKeyData"
        return self.auth.backend_key

    def send_cancel(self) -> None:
        """A CancelRequest with this connection's key, on a new plain connection."""
        pid, secret = self.backend_key
        s = socket.create_connection((self.host, self.port), timeout=5)
        try:
            s.sendall(struct.pack("!iiii", 16, 80877102, pid, secret))
            s.settimeout(5)
            try:
                s.recv(16)
            except OSError:
                pass
        finally:
            s.close()
