"""Every store test runs twice: on SQLite and on PostgreSQL (a fresh schema each time).

The PostgreSQL runs are skipped, with the reason shown by ``pytest -ra``, when no
server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.store import SqlStore
from bot.store.postgres import postgres_store
from bot.store.sqlite import sqlite_store
from tests import pg

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

OpenStore = Callable[[], Awaitable[SqlStore]]
"""Opens another store on the same database: a second process, as far as the store knows."""


@pytest.fixture(params=BACKENDS)
async def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStore]:
    opened: list[SqlStore] = []
    if request.param == "sqlite":

        async def factory() -> SqlStore:
            store = sqlite_store(tmp_path / "store.db")
            await store.open()
            opened.append(store)
            return store

        yield factory
    else:
        async with pg.fresh_schema() as (url, schema):

            async def factory() -> SqlStore:
                store = postgres_store(url, schema=schema)
                await store.open()
                opened.append(store)
                return store

            yield factory
            for store in opened:
                await store.close()
            opened.clear()
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_store: OpenStore) -> SqlStore:
    return await open_store()
