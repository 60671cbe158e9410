"""SCRAM-SHA-256 at the proxy: wrong passwords, channel binding, and no way to tell an
unknown workspace or role from a wrong password (operations.md, "Names a client sees")."""

from __future__ import annotations

import asyncio
import secrets

import pytest

import pgwire
from sluicetest import CA_PEM, psql, psql_value, require_module, with_params, with_userinfo


def workspace_of(dev) -> str:
    user = dev.proxy.user
    assert "." in user, user
    return user.split(".", 1)[1]


def wrong_password() -> str:
    return "wrong-" + secrets.token_hex(8)


def test_wrong_password_psql(dev):
    uri = with_userinfo(dev.database_url, password=wrong_password())
    r = psql(uri, "-v", "VERBOSITY=verbose", "-At", "-c", "SELECT 1", timeout=30)
    assert r.returncode != 0, r.stdout
    assert f'password authentication failed for user "{dev.proxy.user}"' in r.stderr, r.stderr


def test_wrong_password_sqlstate_on_the_wire(dev):
    p = dev.proxy
    with pgwire.Conn(p.host, p.port) as c:
        res = pgwire.scram_authenticate(c, p.user, wrong_password())
        assert not res.ok
        assert res.error is not None, res.kinds
        f = res.error.fields
        assert f.get("S") == "FATAL", f
        assert f.get("C") == "28P01", f
        assert f.get("M") == f'password authentication failed for user "{p.user}"', f
        _, closed, _ = c.read_until_closed(10)
        assert closed, "the proxy kept the connection open after a failed authentication"


def test_wrong_password_asyncpg_sqlstate(dev):
    asyncpg = require_module("asyncpg")
    uri = with_userinfo(dev.database_url, password=wrong_password())

    async def body():
        with pytest.raises(asyncpg.exceptions.InvalidPasswordError) as info:
            await asyncpg.connect(dsn=uri, timeout=30)
        assert info.value.sqlstate == "28P01"
        assert f'password authentication failed for user "{dev.proxy.user}"' in str(info.value)

    asyncio.run(body())


def test_right_password_on_the_wire_plaintext(dev):
    # Full SCRAM exchange by hand, including the check of the server's signature
    # (proves the proxy knows the real verifier, not a mock).
    p = dev.proxy
    with pgwire.Conn(p.host, p.port) as c:
        res = pgwire.scram_authenticate(c, p.user, p.password)
        assert res.ok, (res.kinds, res.error and res.error.fields)
        assert "SCRAM-SHA-256" in res.mechanisms
        assert res.backend_key is not None, "no BackendKeyData"
        for name in ("server_version", "client_encoding", "standard_conforming_strings"):
            assert name in res.parameters, res.parameters
        assert res.parameters["standard_conforming_strings"] == "on"
        rows = pgwire.data_rows(pgwire.simple_query(c, "SELECT count(*) FROM dl_resolved.people"))
        assert int(rows[0][0]) >= 200


def test_right_password_on_the_wire_tls(dev):
    p = dev.proxy
    with pgwire.Conn(p.host, p.port) as c:
        c.start_tls()
        res = pgwire.scram_authenticate(c, p.user, p.password)
        assert res.ok, (res.kinds, res.error and res.error.fields)
        # Over TLS the proxy should offer channel binding as well.
        assert "SCRAM-SHA-256-PLUS" in res.mechanisms, res.mechanisms
        assert pgwire.data_rows(pgwire.simple_query(c, "SELECT 6 * 7")) == [["42"]]


def test_channel_binding_require(dev):
    uri = with_params(dev.database_url, sslmode="require", channel_binding="require")
    assert psql_value(uri, "SELECT count(*) FROM dl_resolved.people", timeout=30) not in ("", "0")


def test_channel_binding_require_verify_full(dev):
    uri = with_params(dev.database_url, sslmode="verify-full", sslrootcert=str(CA_PEM), channel_binding="require")
    assert psql_value(uri, "SELECT 1", timeout=30) == "1"


def _failed_login(dev, user: str) -> pgwire.AuthResult:
    p = dev.proxy
    with pgwire.Conn(p.host, p.port) as c:
        res = pgwire.scram_authenticate(c, user, wrong_password())
        _, closed, _ = c.read_until_closed(10)
        assert closed, f"connection for {user} not closed after the failure"
    return res


def test_unknown_workspace_unknown_role_and_wrong_password_are_indistinguishable(dev):
    ws = workspace_of(dev)
    users = {
        "wrong password": dev.proxy.user,
        "unknown workspace": "customer.nosuchws",
        "unknown role": f"nosuchrole.{ws}",
    }
    results = {label: _failed_login(dev, user) for label, user in users.items()}

    for label, res in results.items():
        assert res.error is not None, f"{label}: no ErrorResponse ({res.kinds})"
        assert res.error.sqlstate == "28P01", f"{label}: {res.error.fields}"
        assert res.error.fields.get("M") == f'password authentication failed for user "{users[label]}"', res.error.fields

    def normalized(label):
        return results[label].error.raw()[5:].replace(users[label].encode(), b"<user>")

    reference = normalized("wrong password")
    for label in users:
        # Same message flow (SASL offer, SASL continue, error) ...
        assert results[label].kinds == results["wrong password"].kinds, (label, results[label].kinds)
        assert results[label].mechanisms == results["wrong password"].mechanisms, label
        # ... the same SCRAM parameters apart from the random salt and nonce ...
        it = dict(kv.split("=", 1) for kv in results[label].server_first.split(","))["i"]
        ref_it = dict(kv.split("=", 1) for kv in results["wrong password"].server_first.split(","))["i"]
        assert it == ref_it, f"{label}: iteration count {it} differs from {ref_it}"
        # ... and a byte-identical ErrorResponse once the user name is substituted.
        assert normalized(label) == reference, f"{label}: {normalized(label)!r} != {reference!r}"
