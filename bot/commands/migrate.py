"""``watchkeeper migrate --to postgresql://...``: move a SQLite store to PostgreSQL.

Every table is copied with its ids, in one transaction (all or nothing), into an
empty PostgreSQL store at the same schema version; then the id sequences are moved
past the copied ids, the row counts are compared table by table, and the audit hash
chain is verified on the copy and compared with the original's last hash. Stop the
bot first: messages arriving during the copy would be left behind.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.common import Context, UsageError
from bot.redact import redact_url
from bot.store import SqlStore
from bot.store.sqlite import sqlite_store

if TYPE_CHECKING:
    from bot.store.postgres import PostgresStore

TABLES = (
    "messages",
    "conversations",
    "cases",
    "outbox",
    "decisions",
    "audit",
    "space_settings",
    "api_keys",
    "inbox",
    "dead_letters",
    "interactions",
)
"""In an order that satisfies the foreign keys (cases before outbox and decisions)."""
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Copied:
    counts: dict[str, int]
    audit_head: str | None
    nul_values: int = 0
    """Values whose NUL bytes were removed (PostgreSQL text cannot hold them)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate", help="copy the SQLite store into an empty PostgreSQL database"
    )
    parser.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="PATH",
        help="the SQLite file (default: the configured one)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    if not args.to.startswith(("postgresql://", "postgres://")):
        raise UsageError("--to must be a postgresql:// URL")
    settings = context.settings
    source = Path(args.source) if args.source else settings.storage.sqlite_path
    if settings.storage.url.startswith("sqlite:///") and not args.source:
        source = Path(settings.storage.url.removeprefix("sqlite:///"))
    if not source.is_file():
        raise UsageError(f"{source}: no SQLite store there")
    secret = settings.storage.password
    password = secret.get_secret_value() if secret else None
    copied = asyncio.run(migrate(source, args.to, password))
    for table, count in copied.counts.items():
        print(f"{table:16} {count:>9} rows copied")
    if copied.nul_values:
        print(f"{copied.nul_values} value(s) had NUL bytes, removed (PostgreSQL cannot store them)")
    print("audit chain verified on the copy; counts match")
    print(f'now set [storage] url = "{redact_url(args.to)}" (with its password) and restart')
    return 0


async def migrate(source_path: Path, url: str, password: str | None = None) -> Copied:
    from bot.store.postgres import postgres_store  # asyncpg: only when migrating

    async with sqlite_store(source_path) as source:
        target = postgres_store(url, password=password)
        async with target:
            target.audit_key = source.audit_key  # the copied chain is verified with it
            return await copy_store(source, target)


async def copy_store(source: SqlStore, target: PostgresStore) -> Copied:
    """Copy every row; raise ``UsageError`` if the target is not empty or does not
    match afterwards."""
    for table in TABLES:
        if await _count(target, table):
            raise UsageError(f"the PostgreSQL store is not empty (table {table}); nothing copied")
    with_ids = []
    cleaned: dict[str, int] = {}
    async with target.driver.transaction() as tx:
        for table in TABLES:
            columns = await _columns(source, table)
            if "id" in columns:
                with_ids.append(table)
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            rows = await source.driver.fetch(f"SELECT {names} FROM {table} ORDER BY 1")
            if table != "audit":  # audit details are JSON: a NUL is escaped there
                rows, cleaned[table] = _without_nul(rows)
            for start in range(0, len(rows), BATCH):
                await tx.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[start : start + BATCH]
                )
    await target.driver.reset_sequences(with_ids)
    counts = {}
    for table in TABLES:
        expected, got = await _count(source, table), await _count(target, table)
        if expected != got:
            raise UsageError(f"{table}: {expected} rows in SQLite but {got} copied")
        counts[table] = got
    intact, broken = await target.verify_audit()
    if not intact:
        raise UsageError(f"the copied audit chain breaks at entry {broken}")
    head = await source.driver.fetch("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
    copied_head = await target.driver.fetch("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
    if head != copied_head:
        raise UsageError("the copied audit chain does not end where the original does")
    return Copied(counts, head[0][0] if head else None, sum(cleaned.values()))


def _without_nul(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int]:
    """The rows with NUL bytes removed from their strings (PostgreSQL text cannot hold
    them; the live store drops them from message text the same way), and how many
    values changed."""
    changed = 0
    out = []
    for row in rows:
        if any(isinstance(v, str) and "\x00" in v for v in row):
            changed += sum(isinstance(v, str) and "\x00" in v for v in row)
            row = tuple(v.replace("\x00", "") if isinstance(v, str) else v for v in row)
        out.append(row)
    return out, changed


async def _count(store: SqlStore, table: str) -> int:
    rows = await store.driver.fetch(f"SELECT COUNT(*) FROM {table}")
    return int(rows[0][0])


async def _columns(source: SqlStore, table: str) -> list[str]:
    rows = await source.driver.fetch(f"PRAGMA table_info({table})")
    return [str(row[1]) for row in rows]
