"""The embedded default: one SQLite file in WAL mode, through aiosqlite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.sql import SqlStore


class SqliteDriver:
    dialect = "sqlite"
    id_type = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        # One connection serves the whole process; a transaction must not interleave
        # with another coroutine's statements, so writers take turns.
        self._lock = asyncio.Lock()
        self._in_tx: asyncio.Task[Any] | None = None

    async def connect(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    def _owns_tx(self) -> bool:
        return self._in_tx is not None and self._in_tx is asyncio.current_task()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._owns_tx():
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        async with self._turn():
            await self.db.execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self._turn():
            if self._owns_tx():
                await self.db.executemany(sql, rows)
                return
            await self.db.execute("BEGIN")
            try:
                await self.db.executemany(sql, rows)
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._turn(), self.db.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._turn(), self.db.execute(sql, params) as cursor:
            return int(cursor.lastrowid or 0)

    async def lock_audit(self) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already makes writers take turns."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDriver]:
        async with self._lock:
            self._in_tx = asyncio.current_task()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self.db.execute("ROLLBACK")
                    raise
                await self.db.execute("COMMIT")
            finally:
                self._in_tx = None


def sqlite_store(path: Path | str) -> SqlStore:
    return SqlStore(SqliteDriver(path))
