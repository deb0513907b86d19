"""Forgotten and purged text leaves no copy in the SQLite files, even while another
process (the running bot) has the database open."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.store.base import StoredMessage
from bot.store.sqlite import sqlite_store
from tests.conftest import message, person

MARKER = "tangerine-kite-7731"
ADULT, CHILD = person("u1", "adult"), person("u2", "minor")


def on_disk(database: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists())


async def test_forget_leaves_no_copy_in_the_database_or_its_wal(tmp_path: Path) -> None:
    database = tmp_path / "watchkeeper.db"
    async with sqlite_store(database) as bot, sqlite_store(database) as cli:
        rows = await bot.driver.fetch("PRAGMA secure_delete")
        assert rows == [(1,)]
        await bot.append_messages(
            [
                StoredMessage("k", message(ADULT, f"{MARKER} {i}", at=i, message_id=f"a{i}"))
                for i in range(50)
            ]
            + [StoredMessage("k", message(CHILD, "ok", at=60, message_id="b"))]
        )
        assert MARKER.encode() in on_disk(database)
        await cli.forget_user("console", ADULT.user_id, utcnow(), "admin")
        assert MARKER.encode() not in on_disk(database)


async def test_purge_leaves_no_copy_either(tmp_path: Path) -> None:
    database = tmp_path / "watchkeeper.db"
    async with sqlite_store(database) as bot, sqlite_store(database) as cli:
        await bot.append_messages(
            [
                StoredMessage("k", message(ADULT, f"{MARKER} {i}", message_id=f"a{i}"))
                for i in range(50)
            ]
        )
        assert MARKER.encode() in on_disk(database)
        later = utcnow() + timedelta(days=3650)
        counts = await cli.purge(later, window_days=1, case_retention_days=1, keep_messages=200)
        assert counts.messages == 50
        assert MARKER.encode() not in on_disk(database)
