"""asyncpg through the proxy: named prepared statements, binary COPY, timeout -> cancel."""

from __future__ import annotations

import asyncio
import time

import pytest

from sluicetest import require_module

asyncpg = require_module("asyncpg")

URL_KINDS = ["DATABASE_URL", "SESSION_DATABASE_URL"]


def arun(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def connect(uri):
    return await asyncpg.connect(dsn=uri, timeout=30)


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_prepared_statement_executed_with_different_args(dev, url_key):
    async def body():
        conn = await connect(dev[url_key])
        try:
            reference = await conn.fetch(
                "SELECT identity_key, display_name FROM dl_resolved.people ORDER BY identity_key LIMIT 8"
            )
            assert len(reference) == 8
            stmt = await conn.prepare(
                "SELECT identity_key, display_name FROM dl_resolved.people WHERE identity_key = $1"
            )
            assert [a.name for a in stmt.get_attributes()] == ["identity_key", "display_name"]
            for rec in reference:
                rows = await stmt.fetch(rec["identity_key"])
                assert [tuple(r) for r in rows] == [tuple(rec)]
            # a second statement interleaved with the first one
            double = await conn.prepare("SELECT $1::int * 2 AS d, $2::text AS t")
            for i in range(6):
                assert tuple(await double.fetchrow(i, f"ü{i}")) == (2 * i, f"ü{i}")
                assert (await stmt.fetchval(reference[i]["identity_key"], column=1)) == reference[i]["display_name"]
            assert await conn.fetchval("SELECT count(*) FROM dl_resolved.people") >= 200
        finally:
            await conn.close()

    arun(body())


def test_copy_records_to_table(dev, storage_table):
    table = storage_table()
    schema, name = table.split(".")
    records = [(i, f"Zoë {i}", i * 1.5, i % 2 == 0) for i in range(1, 501)]

    async def body():
        conn = await connect(dev.database_url)
        try:
            await conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, name text, score double precision, even boolean)")
            status = await conn.copy_records_to_table(
                name, schema_name=schema, records=records, columns=["id", "name", "score", "even"]
            )
            assert status == f"COPY {len(records)}"
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == len(records)
            got = await conn.fetch(f"SELECT id, name, score, even FROM {table} ORDER BY id")
            assert [tuple(r) for r in got] == records
        finally:
            await conn.close()

    arun(body())


@pytest.mark.parametrize("url_key", URL_KINDS)
def test_timeout_cancels_and_connection_survives(dev, url_key):
    async def body():
        conn = await connect(dev[url_key])
        try:
            start = time.monotonic()
            with pytest.raises((asyncio.TimeoutError, TimeoutError)):
                await conn.fetch("SELECT pg_sleep(30)", timeout=0.5)
            elapsed = time.monotonic() - start
            assert elapsed < 1.5, f"timeout took {elapsed:.2f}s"
            # asyncpg sent a CancelRequest; if it did not reach the server the connection
            # would stay busy with pg_sleep(30) and this would time out.
            t1 = time.monotonic()
            assert await asyncio.wait_for(conn.fetchval("SELECT 1"), 5) == 1
            assert time.monotonic() - t1 < 5
            assert await conn.fetchval("SELECT count(*) FROM dl_resolved.people") >= 200
        finally:
            await conn.close()

    arun(body())


def test_transaction_and_rollback(dev, storage_table):
    table = storage_table()

    async def body():
        conn = await connect(dev.database_url)
        try:
            await conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
            async with conn.transaction():
                await conn.executemany(f"INSERT INTO {table} VALUES ($1)", [(i,) for i in range(10)])
            with pytest.raises(ZeroDivisionError):
                async with conn.transaction():
                    await conn.execute(f"INSERT INTO {table} VALUES (100)")
                    raise ZeroDivisionError
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 10
        finally:
            await conn.close()

    arun(body())
