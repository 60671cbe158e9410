"""Helpers for the statement-policy tests (test_policy_wire.py, test_defence_in_depth.py).

The contract's answers (shared/spec/policy.md, "Answers"), one representative statement
per denial reason, URI tweaks for startup options, and the extended-protocol and
FunctionCall messages the raw client (pgwire.py) does not build itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pgwire
from sluicetest import DevEnv, PgURI, with_params

URL_KINDS = ["DATABASE_URL", "SESSION_DATABASE_URL"]


@dataclass(frozen=True)
class Denial:
    reason: str
    sqlstate: str
    message: str
    hint: str | None
    position: str | None = None


WRITE = Denial(
    "write", "42501",
    "Customer DB writes are only allowed for schema-qualified storage tables.",
    "Rewrite the statement to target storage.<table> exactly.",
)
OTHER = Denial(
    "other", "42501",
    "Only read statements or schema-qualified storage tables are supported.",
    "Rewrite the statement to target storage.<table> exactly, or make the query read-only.",
)
SEARCH_PATH = Denial(
    "search_path", "42501",
    "SET search_path is not supported; schema-qualify table names instead.",
    "Write dl_resolved.people or storage.<table>, not an unqualified name.",
)
# The parser's own message and position (PostgreSQL's wording for `SELEC 1`).
SYNTAX = Denial("syntax", "42601", 'syntax error at or near "SELEC"', None, "1")

WRITE_SQL = (
    "INSERT INTO dl_cache.person_enrichments (identity_key, full_name, fetched_at, updated_at) "
    "VALUES ('policy-wire-test', 'Never Written', now(), now())"
)

# reason -> (statement, expected answer); one representative statement per reason.
REPRESENTATIVE: dict[str, tuple[str, Denial]] = {
    "write": (WRITE_SQL, WRITE),
    "other": ("DO $$BEGIN END$$", OTHER),
    "search_path": ("SET search_path = public", SEARCH_PATH),
    "syntax": ("SELEC 1", SYNTAX),
}
REASONS = list(REPRESENTATIVE)


# --- URIs ---------------------------------------------------------------------------


def uri_options(uri: str) -> str:
    """The `options` query parameter of a URI ('' when absent)."""
    return dict(parse_qsl(urlsplit(uri).query, keep_blank_values=True)).get("options", "")


def with_extra_options(uri: str, extra: str) -> str:
    """Append `extra` (e.g. '-c search_path=public') to the URI's `options`, keeping what
    is there (the session URI carries `-c sluice.pooling=session`)."""
    current = uri_options(uri)
    return with_params(uri, options=(current + " " + extra).strip())


def raw_login(dev: DevEnv, url_key: str, *, tls: bool = False, extra_options: str = "",
              **params: str) -> tuple[pgwire.Conn, pgwire.AuthResult]:
    """Open a raw protocol connection to the proxy for the URI `url_key` (its user,
    password and `options`), SCRAM-authenticate, return (conn, result). The caller closes."""
    p = PgURI.parse(dev[url_key])
    options = (uri_options(dev[url_key]) + " " + extra_options).strip()
    if options:
        params = {"options": options, **params}
    conn = pgwire.Conn(p.host, p.port)
    try:
        if tls:
            conn.start_tls()
        res = pgwire.scram_authenticate(conn, p.user, p.password, p.dbname, **params)
    except BaseException:
        conn.close()
        raise
    return conn, res


# --- frontend messages the raw client lacks ----------------------------------------


def _cstr(s: str) -> bytes:
    return s.encode() + b"\0"


def parse_msg(sql: str, name: str = "", param_types: tuple[int, ...] = ()) -> bytes:
    body = _cstr(name) + _cstr(sql) + struct.pack("!h", len(param_types))
    body += b"".join(struct.pack("!I", t) for t in param_types)
    return pgwire.message(b"P", body)


def bind_msg(params: tuple[str | None, ...] = (), portal: str = "", stmt: str = "",
             binary_results: bool = False) -> bytes:
    """Text parameters; results in text, or all in binary."""
    body = _cstr(portal) + _cstr(stmt) + struct.pack("!h", 0) + struct.pack("!h", len(params))
    for v in params:
        if v is None:
            body += struct.pack("!i", -1)
        else:
            b = v.encode()
            body += struct.pack("!i", len(b)) + b
    body += struct.pack("!hh", 1, 1) if binary_results else struct.pack("!h", 0)
    return pgwire.message(b"B", body)


def describe_portal_msg(portal: str = "") -> bytes:
    return pgwire.message(b"D", b"P" + _cstr(portal))


def execute_msg(portal: str = "", max_rows: int = 0) -> bytes:
    return pgwire.message(b"E", _cstr(portal) + struct.pack("!i", max_rows))


def sync_msg() -> bytes:
    return pgwire.message(b"S", b"")


def function_call_msg(fn_oid: int, args: tuple[bytes | None, ...] = (), text: bool = True) -> bytes:
    """FunctionCall ('F'): OID, argument format codes, arguments, result format."""
    fmt = 0 if text else 1
    body = struct.pack("!I", fn_oid)
    body += struct.pack("!h", 1) + struct.pack("!h", fmt)
    body += struct.pack("!h", len(args))
    for a in args:
        if a is None:
            body += struct.pack("!i", -1)
        else:
            body += struct.pack("!i", len(a)) + a
    body += struct.pack("!h", fmt)
    return pgwire.message(b"F", body)


def read_until_ready(conn: pgwire.Conn, timeout: float = 30) -> list[pgwire.Msg]:
    out = []
    while True:
        m = conn.read_message(timeout)
        out.append(m)
        if m.kind == b"Z":
            return out


def kinds(msgs: list[pgwire.Msg]) -> str:
    """Backend message kinds as a string, e.g. '12CEZ'."""
    return "".join(m.kind.decode() for m in msgs)


def command_tags(msgs: list[pgwire.Msg]) -> list[str]:
    return [m.payload.rstrip(b"\0").decode() for m in msgs if m.kind == b"C"]


def assert_denial_fields(fields: dict[str, str], want: Denial, severity: str = "ERROR") -> None:
    """Check an ErrorResponse's fields (one-letter codes) against the contract."""
    assert fields.get("V", fields.get("S")) == severity, fields
    assert fields.get("C") == want.sqlstate, fields
    assert fields.get("M") == want.message, fields
    assert fields.get("H") == want.hint, fields
    if want.position is not None:
        assert fields.get("P") == want.position, fields
