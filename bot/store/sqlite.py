"""The embedded default: one SQLite file in WAL mode, through aiosqlite."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.auditkey import KEY_FILE
from bot.store.base import StoreUnavailableError, StoreUnusableError
from bot.store.sql import SqlStore

BUSY_TIMEOUT_SECONDS = 5.0
"""How long one statement waits for another process's lock before failing."""

OPEN_DEADLINE_SECONDS = 15.0
"""How long opening keeps retrying a lock that outlasts the busy timeout (a long
write in another process) before it gives up with a clear error."""


class SqliteDriver:
    dialect = "sqlite"
    id_type = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path | str, open_deadline: float | None = None) -> None:
        self.path = Path(path)
        self.open_deadline = OPEN_DEADLINE_SECONDS if open_deadline is None else open_deadline
        self._db: aiosqlite.Connection | None = None
        # One connection serves the whole process; a transaction must not interleave
        # with another coroutine's statements, so writers take turns.
        self._lock = asyncio.Lock()
        self._in_tx: asyncio.Task[Any] | None = None

    async def connect(self) -> None:
        """Open the file, waiting out another process's lock for a while; a file that is
        not a SQLite database, or a place where none can be, is ``StoreUnusableError``."""
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnusableError(
                    f"{self.path.parent}: cannot create the data directory ({error.strerror})"
                ) from None
        deadline = time.monotonic() + self.open_deadline
        while True:
            try:
                self._db = await self._open_connection()
                return
            except sqlite3.DatabaseError as error:
                if "locked" not in str(error):
                    raise StoreUnusableError(
                        f"{self.path}: not a usable SQLite database ({error})"
                    ) from None
                if time.monotonic() >= deadline:
                    raise StoreUnavailableError(
                        f"{self.path} is locked by another process "
                        f"(waited {self.open_deadline:g} s); try again when it is done"
                    ) from error
            await asyncio.sleep(0.1)

    async def _open_connection(self) -> aiosqlite.Connection:
        """One configured connection, closed again if any step of its setup fails.

        The busy timeout is given to ``connect`` itself so that it is in force before
        the first statement: switching to WAL needs a moment's exclusive lock, and
        processes starting together would otherwise fail on it at once. Taking the
        write lock once (and releasing it) proves the file is not held past the busy
        timeout by another process, so the migration that follows does not fail on it.
        """
        db = await aiosqlite.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            await db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            # Deleted rows (forget, purge) are overwritten, not left in free pages.
            await db.execute("PRAGMA secure_delete=ON")
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("ROLLBACK")
            await (await db.execute("SELECT COUNT(*) FROM sqlite_master")).fetchall()
        except BaseException:
            await db.close()
            raise
        return db

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

    # A statement with its result is one trip to the connection's thread, not two or
    # three (execute, fetch, close): each trip costs both threads a wake-up.

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._turn():
            return [tuple(row) for row in await self.db.execute_fetchall(sql, params)]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._turn():
            cursor = await self.db.execute(sql, params)  # done with: nothing to close
            return int(cursor.lastrowid or 0)

    async def serialise(self, name: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already makes writers take turns."""

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it, so that deleted
        text does not linger in ``-wal`` (after ``forget`` and ``purge``). Another
        process reading at that moment can keep part of it until its next checkpoint."""
        async with self._turn():
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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


def sqlite_store(path: Path | str, open_deadline: float | None = None) -> SqlStore:
    """A store on the SQLite file ``path``; its audit key file sits beside it."""
    store = SqlStore(SqliteDriver(path, open_deadline))
    if str(path) != ":memory:":
        store.audit_key_path = Path(path).parent / KEY_FILE
    return store
