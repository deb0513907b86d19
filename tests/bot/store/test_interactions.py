"""An interaction key is accepted once, by any process, and ages out with purge."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utcnow
from bot.store import SqlStore
from bot.store.interactions import first_time, interaction_key
from tests.bot.store.conftest import OpenStore


async def test_a_key_is_first_once_across_processes(open_store: OpenStore) -> None:
    one, two = await open_store(), await open_store()
    key = interaction_key("1.abc", "1765000000.000100")
    assert await first_time(one, "slack", key, utcnow())
    assert not await first_time(two, "slack", key, utcnow())
    assert not await first_time(one, "slack", key, utcnow())
    assert await first_time(one, "discord", key, utcnow())  # per platform
    assert await first_time(one, "slack", interaction_key("2.def", "1765000000.000100"), utcnow())


async def test_keys_age_out_with_purge(store: SqlStore) -> None:
    old = utcnow() - timedelta(days=2)
    key = interaction_key("1.abc")
    assert await first_time(store, "slack", key, old)
    await store.purge(utcnow(), window_days=30, case_retention_days=30, keep_messages=200)
    assert await first_time(store, "slack", key, utcnow())
