"""Opening a SQLite store while another process holds the file (SQLite only).

The other process is a plain ``sqlite3`` connection holding a write lock, the way a
bot process or a CLI command in the middle of a transaction would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.store.base import StoreUnavailableError
from bot.store.sqlite import sqlite_store


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection, in WAL mode, in the middle of an exclusive transaction."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE IF NOT EXISTS other (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO other VALUES (1)")
    return holder


async def test_opening_waits_for_a_lock_that_clears(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    holder = hold_write_lock(path)
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))
    release.start()
    store = sqlite_store(path)
    try:
        await store.open()
        assert await store.schema_version() > 0
    finally:
        await store.close()
        release.join()
        holder.close()


async def test_a_lock_that_outlasts_the_deadline_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    holder = hold_write_lock(path)
    store = sqlite_store(path, open_deadline=0.5)
    try:
        with pytest.raises(StoreUnavailableError, match=r"store\.db is locked by another process"):
            await store.open()
        # Nothing was left open: no connection thread keeps the process alive.
        assert not [t for t in threading.enumerate() if t.name.startswith("aiosqlite")]
        assert store.driver._db is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_many_stores_opening_at_once_all_open(tmp_path: Path) -> None:
    """The start-up race of the flaky test, made likely: twelve openers at once."""
    stores = [sqlite_store(tmp_path / "store.db") for _ in range(12)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        versions = {await store.schema_version() for store in stores}
        assert len(versions) == 1
    finally:
        for store in stores:
            await store.close()


def test_a_locked_store_is_one_line_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli
    from bot.store import sqlite as sqlite_module

    data = tmp_path / "data"
    data.mkdir()
    holder = hold_write_lock(data / "watchkeeper.db")
    monkeypatch.setenv("WATCHKEEPER_STORAGE__DATA_DIR", str(data))
    monkeypatch.setattr(sqlite_module, "OPEN_DEADLINE_SECONDS", 0.3)
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(["cases"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "is locked by another process" in err[0]
