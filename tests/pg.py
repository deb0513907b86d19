"""PostgreSQL for tests: the server on 127.0.0.1:5432 when there is one, a fresh schema
per test, and a clear skip when there is none.

``WATCHKEEPER_TEST_PG_URL`` names another server; otherwise the usual local users are
tried (``postgres``, then ``root``) on database ``test`` with trust authentication.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import cache

import asyncpg
import pytest

CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


@cache
def server_url() -> str | None:
    """The first URL that answers, or None; asked once per test run."""
    explicit = os.environ.get("WATCHKEEPER_TEST_PG_URL")
    for url in (explicit,) if explicit else CANDIDATES:
        try:
            # Its own thread: the caller may already be inside an event loop.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, _ping(url)).result()
        except (OSError, asyncpg.PostgresError, TimeoutError):
            continue
        return url
    return None


async def _ping(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=2)
    await connection.close()


SKIP_REASON = "no PostgreSQL answering on 127.0.0.1:5432 (database 'test', trust auth)"


def require_server() -> str:
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


def new_schema() -> str:
    return f"wk_test_{uuid.uuid4().hex[:12]}"


def schema_url(url: str, schema: str) -> str:
    """A URL whose connections use ``schema`` (asyncpg passes unknown query parameters
    on as server settings), for processes configured by URL alone."""
    return f"{url}?search_path={schema}"


async def drop_schema(url: str, schema: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[tuple[str, str]]:
    """(server URL, schema name): created empty, dropped afterwards."""
    url = require_server()
    schema = new_schema()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    try:
        yield url, schema
    finally:
        await drop_schema(url, schema)
