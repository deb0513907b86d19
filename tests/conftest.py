"""Shared factories: small domain objects, a real SQLite store in a temp dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import AgeBand, Message, Participant
from bot.store import SqlStore
from bot.store.sqlite import sqlite_store

T0 = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
_ids = count(1)


def person(user_id: str, band: str = "unknown", name: str = "") -> Participant:
    return Participant(user_id, name or user_id.title(), AgeBand(band))


def message(
    author: Participant,
    text: str,
    *,
    at: float = 0.0,
    space: str = "s1",
    channel: str = "c1",
    dm: bool = False,
    reply_to: str | None = None,
    mentions: tuple[str, ...] = (),
    message_id: str | None = None,
    platform: str = "console",
) -> Message:
    return Message(
        platform=platform,
        space_id=space,
        channel_id=channel,
        message_id=message_id or f"m{next(_ids)}",
        author=author,
        text=text,
        ts=T0 + timedelta(seconds=at),
        is_dm=dm,
        reply_to=reply_to,
        mentions=mentions,
    )


def make_settings(tmp_path: Path, **sections: dict) -> Settings:
    storage = {"data_dir": tmp_path / "data", **sections.pop("storage", {})}
    return Settings(storage=storage, **sections)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    database = sqlite_store(tmp_path / "store.db")
    await database.open()
    yield database
    await database.close()
