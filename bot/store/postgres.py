"""PostgreSQL through asyncpg: for several bot processes sharing one store.

``SqlStore`` writes its queries once with ``?`` placeholders; this driver rewrites them
to PostgreSQL's ``$1, $2, ...`` (cached per query text, so the rewrite costs nothing
after the first use, and asyncpg then caches the prepared statement per connection).

Where SQLite serialises every writer by itself (``BEGIN IMMEDIATE``), PostgreSQL lets
transactions from several processes interleave. Four places care, and each is handled
here rather than in the shared queries:

- schema migrations: ``PostgresStore.migrate`` holds a session advisory lock, so
  processes starting together migrate one after the other (the later ones find
  nothing left to do);
- the audit hash chain: ``serialise("audit")`` takes a transaction advisory lock, so
  two appends never chain to the same predecessor;
- case numbers, counted per space as ``MAX(number) + 1``: ``create_case`` takes the
  same lock first (its audit entry needs it anyway), so two processes never compute
  the same number (``UNIQUE (platform, space_id, number)`` would refuse it);
- reminders: every process runs the reminder round, and ``serialise("reminders")``
  makes them take turns, so the later one sees the reminder already queued.

Outbox jobs are claimed with a compare-and-set and a lease (``bot/store/delivery.py``),
which is already safe across processes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """``?`` placeholders to ``$n``, leaving quoted literals and identifiers alone."""
    out: list[str] = []
    number = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


async def _as_it_was(connection: asyncpg.Connection) -> None:
    """How a connection goes back to the pool: as it is (asyncpg has already rolled
    back a transaction left open). asyncpg's default sends a reset query (unlock,
    close cursors, unlisten, reset settings) on every release, one more round trip for
    every statement run on the pool; no session here changes any of that (settings
    are fixed at connect, and ``exclusive`` unlocks its own lock)."""


_LOCK = "SELECT {how}(hashtextextended('watchkeeper:{name}:' || current_schema(), 0))"
"""Advisory locks are per database; naming them by schema keeps schemas independent."""


class _Connection:
    """The statements of ``Driver`` over one asyncpg connection or the pool."""

    _target: asyncpg.Pool | asyncpg.Connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._target.execute(translate(sql), *params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:  # asyncpg runs the batch atomically
            await self._target.executemany(translate(sql), rows)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self._target.fetch(translate(sql), *params)]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(await self._target.fetchval(translate(sql) + " RETURNING id", *params))

    async def serialise(self, name: str) -> None:
        """Make the transactions that serialise ``name`` take turns across processes,
        until this one ends."""
        await self._target.execute(_LOCK.format(how="pg_advisory_xact_lock", name=name))

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL's own vacuum and WAL recycling handle deleted rows."""


class _Transaction(_Connection):
    dialect = "postgresql"
    id_type = "BIGSERIAL PRIMARY KEY"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._target = self._connection = connection

    async def connect(self) -> None:  # the Driver protocol; a transaction is already open
        return None

    async def close(self) -> None:
        return None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Transaction]:
        async with self._connection.transaction():  # a savepoint
            yield self


class PostgresDriver(_Connection):
    """A connection pool; each transaction runs on one connection of it."""

    dialect = "postgresql"
    id_type = "BIGSERIAL PRIMARY KEY"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        password: str | None = None,
        min_size: int = POOL_MIN,
        max_size: int = POOL_MAX,
    ) -> None:
        self.url = url
        self.schema = schema
        self.password = password
        self.min_size = min_size
        self.max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._target = None  # type: ignore[assignment]  # the pool, once connected

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    async def connect(self) -> None:
        settings = {"search_path": self.schema} if self.schema else None
        if self.schema:
            # A private schema (tests, or several deployments in one database).
            first = await asyncpg.connect(self.url, password=self.password)
            try:
                await first.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            except asyncpg.UniqueViolationError:
                pass  # another process created it at the same moment
            finally:
                await first.close()
        self._pool = await asyncpg.create_pool(
            self.url,
            password=self.password,
            min_size=self.min_size,
            max_size=self.max_size,
            server_settings=settings,
            reset=_as_it_was,
        )
        self._target = self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Transaction]:
        async with self.pool.acquire() as connection, connection.transaction():
            yield _Transaction(connection)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Hold the lock ``name`` across several transactions (e.g. all migrations):
        other processes asking for it wait until the block ends."""
        async with self.pool.acquire() as connection:
            await connection.execute(_LOCK.format(how="pg_advisory_lock", name=name))
            try:
                yield
            finally:
                await connection.execute(_LOCK.format(how="pg_advisory_unlock", name=name))

    async def reset_sequences(self, tables: list[str]) -> None:
        """After rows were inserted with their ids (``watchkeeper migrate``): new ids
        continue after the largest copied one."""
        for table in tables:
            await self.pool.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
            )


class PostgresStore(SqlStore):
    """``SqlStore`` whose migrations take turns across processes."""

    driver: PostgresDriver

    async def migrate(self) -> None:
        async with self.driver.exclusive("migrate"):
            await super().migrate()


def postgres_store(
    url: str, schema: str | None = None, password: str | None = None
) -> PostgresStore:
    """A store on ``url``; ``schema`` keeps its tables in a schema of their own;
    ``password``, when given, is used instead of one in the URL (so it may hold any
    character, and come from a secret file)."""
    return PostgresStore(PostgresDriver(url, schema=schema, password=password))
