"""A minimal raw PostgreSQL protocol 3.0 client for byte-level tests.

It speaks just enough to poke at the proxy: SSLRequest + TLS, StartupMessage,
SCRAM-SHA-256 (client side, RFC 5802/7677, with server-signature check),
reading backend messages, and observing when the peer closes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

PROTOCOL_3_0 = 196608
SSL_REQUEST_CODE = 80877103

AUTH_OK = 0
AUTH_SASL = 10
AUTH_SASL_CONTINUE = 11
AUTH_SASL_FINAL = 12


class Closed(Exception):
    """The peer closed the connection (EOF or reset)."""


def int32(n: int) -> bytes:
    return struct.pack("!i", n)


def uint32(n: int) -> bytes:
    return struct.pack("!I", n)


def startup_packet(params: dict[str, str], protocol: int = PROTOCOL_3_0) -> bytes:
    body = int32(protocol)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return int32(len(body) + 4) + body


def message(kind: bytes, payload: bytes) -> bytes:
    return kind + int32(len(payload) + 4) + payload


def query_message(sql: str) -> bytes:
    return message(b"Q", sql.encode() + b"\0")


def parse_error_fields(payload: bytes) -> dict[str, str]:
    """Fields of an ErrorResponse / NoticeResponse payload, keyed by their one-letter code."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(payload) and payload[i] != 0:
        code = chr(payload[i])
        end = payload.index(b"\0", i + 1)
        fields[code] = payload[i + 1:end].decode("utf-8", "replace")
        i = end + 1
    return fields


@dataclass
class Msg:
    kind: bytes
    payload: bytes

    @property
    def auth_code(self) -> int | None:
        if self.kind == b"R" and len(self.payload) >= 4:
            return struct.unpack("!i", self.payload[:4])[0]
        return None

    @property
    def fields(self) -> dict[str, str]:
        return parse_error_fields(self.payload)

    @property
    def sqlstate(self) -> str | None:
        return self.fields.get("C") if self.kind in (b"E", b"N") else None

    def raw(self) -> bytes:
        return message(self.kind, self.payload)


class Conn:
    def __init__(self, host: str, port: int, timeout: float = 15.0):
        self.host = host
        self.port = port
        self.sock: socket.socket = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.tls = False
        self.server_cert_der: bytes | None = None

    # --- plumbing --------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for data")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError) as e:
            raise Closed(repr(e)) from e
        except ssl.SSLError as e:
            raise Closed(repr(e)) from e
        if not chunk:
            raise Closed("EOF")
        self.buf += chunk

    def recv_exact(self, n: int, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.buf) < n:
            self._fill(deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_message(self, timeout: float | None = None) -> Msg:
        header = self.recv_exact(5, timeout)
        kind = header[:1]
        (length,) = struct.unpack("!i", header[1:])
        if length < 4 or length > 64 * 1024 * 1024:
            raise ValueError(f"implausible backend message length {length} for {kind!r}")
        return Msg(kind, self.recv_exact(length - 4, timeout))

    def read_until_closed(self, timeout: float) -> tuple[bytes, bool, float]:
        """Read everything until the peer closes. Returns (bytes, closed, seconds waited)."""
        start = time.monotonic()
        deadline = start + timeout
        data = self.buf
        self.buf = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return data, False, time.monotonic() - start
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return data, False, time.monotonic() - start
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
                return data, True, time.monotonic() - start
            if not chunk:
                return data, True, time.monotonic() - start
            data += chunk

    # --- protocol steps ----------------------------------------------------------------
    def start_tls(self) -> None:
        """SSLRequest; on 'S', wrap the socket in TLS without verifying the certificate."""
        self.send(int32(8) + int32(SSL_REQUEST_CODE))
        answer = self.recv_exact(1)
        if answer != b"S":
            raise AssertionError(f"SSLRequest answered {answer!r}, expected b'S'")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname=None)
        self.tls = True
        self.server_cert_der = self.sock.getpeercert(binary_form=True)

    def startup(self, user: str, database: str = "customer_db", **params: str) -> None:
        self.send(startup_packet({"user": user, "database": database, **params}))


def _h(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


@dataclass
class AuthResult:
    ok: bool
    messages: list[Msg] = field(default_factory=list)
    error: Msg | None = None
    mechanisms: list[str] = field(default_factory=list)
    server_first: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    backend_key: tuple[int, int] | None = None

    @property
    def kinds(self) -> list[tuple[str, int | None]]:
        return [(m.kind.decode(), m.auth_code) for m in self.messages]


def scram_authenticate(conn: Conn, user: str, password: str, database: str = "customer_db",
                       verify_server: bool = True, **params: str) -> AuthResult:
    """StartupMessage + SCRAM-SHA-256 (no channel binding, gs2 'n,,') up to ReadyForQuery
    or the first ErrorResponse. Never raises for an authentication failure."""
    res = AuthResult(ok=False)

    def read() -> Msg:
        m = conn.read_message()
        res.messages.append(m)
        return m

    conn.startup(user, database, **params)
    m = read()
    if m.kind == b"E":
        res.error = m
        return res
    assert m.kind == b"R" and m.auth_code == AUTH_SASL, f"expected AuthenticationSASL, got {m}"
    res.mechanisms = [x.decode() for x in m.payload[4:].split(b"\0") if x]
    assert "SCRAM-SHA-256" in res.mechanisms, res.mechanisms

    client_nonce = base64.b64encode(os.urandom(18)).decode()
    client_first_bare = f"n=,r={client_nonce}"
    gs2 = "n,,"
    first = (gs2 + client_first_bare).encode()
    conn.send(message(b"p", b"SCRAM-SHA-256\0" + int32(len(first)) + first))

    m = read()
    if m.kind == b"E":
        res.error = m
        return res
    assert m.kind == b"R" and m.auth_code == AUTH_SASL_CONTINUE, f"expected SASLContinue, got {m}"
    server_first = m.payload[4:].decode()
    res.server_first = server_first
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
    assert nonce.startswith(client_nonce), "server nonce does not extend the client nonce"
    assert iterations >= 4096, f"iteration count {iterations} is below RFC 7677's minimum"

    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = _h(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    final_without_proof = f"c={base64.b64encode(gs2.encode()).decode()},r={nonce}"
    auth_message = f"{client_first_bare},{server_first},{final_without_proof}".encode()
    proof = bytes(a ^ b for a, b in zip(client_key, _h(stored_key, auth_message)))
    final = f"{final_without_proof},p={base64.b64encode(proof).decode()}".encode()
    conn.send(message(b"p", final))

    m = read()
    if m.kind == b"E":
        res.error = m
        return res
    assert m.kind == b"R" and m.auth_code == AUTH_SASL_FINAL, f"expected SASLFinal, got {m}"
    server_final = m.payload[4:].decode()
    if verify_server:
        expected = base64.b64encode(_h(_h(salted, b"Server Key"), auth_message)).decode()
        assert server_final == f"v={expected}", f"bad server signature: {server_final!r}"

    while True:
        m = read()
        if m.kind == b"E":
            res.error = m
            return res
        if m.kind == b"S":
            k, v, _ = m.payload.split(b"\0", 2)
            res.parameters[k.decode()] = v.decode()
        elif m.kind == b"K":
            res.backend_key = struct.unpack("!ii", m.payload[:8])
        elif m.kind == b"Z":
            res.ok = True
            return res


def simple_query(conn: Conn, sql: str, timeout: float = 30) -> list[Msg]:
    """Send a simple Query and read up to ReadyForQuery."""
    conn.send(query_message(sql))
    out = []
    while True:
        m = conn.read_message(timeout)
        out.append(m)
        if m.kind == b"Z":
            return out


def data_rows(msgs: list[Msg]) -> list[list[str | None]]:
    rows = []
    for m in msgs:
        if m.kind != b"D":
            continue
        (n,) = struct.unpack("!h", m.payload[:2])
        i, row = 2, []
        for _ in range(n):
            (ln,) = struct.unpack("!i", m.payload[i:i + 4])
            i += 4
            if ln < 0:
                row.append(None)
            else:
                row.append(m.payload[i:i + ln].decode())
                i += ln
        rows.append(row)
    return rows


def split_messages(data: bytes) -> list[Msg]:
    """Split a byte stream of complete backend messages (stops at an incomplete tail)."""
    out = []
    i = 0
    while i + 5 <= len(data):
        kind = data[i:i + 1]
        (length,) = struct.unpack("!i", data[i + 1:i + 5])
        if length < 4 or i + 1 + length > len(data):
            break
        out.append(Msg(kind, data[i + 5:i + 1 + length]))
        i += 1 + length
    return out
