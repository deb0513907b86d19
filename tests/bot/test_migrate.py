"""``watchkeeper migrate``: a lived-in SQLite store, copied into PostgreSQL, is the same
store: cases, decisions, deliveries, audit chain, API keys, and new ids after the
copied ones."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import utcnow
from bot.models import Action, Decision
from bot.store.apikeys import authenticate, create_key
from bot.store.base import StoredMessage
from bot.store.postgres import postgres_store
from bot.store.sqlite import sqlite_store
from tests import pg
from tests.bot.store.test_backends import ADULT, CHILD, new_case
from tests.conftest import message

pytestmark = pytest.mark.postgres


async def lived_in(path: Path) -> str:
    """A SQLite store with a bit of everything; returns an API key made in it."""
    async with sqlite_store(path) as store:
        await store.append_messages(
            [
                StoredMessage("k1", message(a, t, at=i))
                for i, (a, t) in enumerate([(ADULT, "hi"), (CHILD, "hey")])
            ]
        )
        await store.save_conversation("k1", "console", "s1", utcnow(), 0.9, new_case().level, "u1")
        first = await store.create_case(new_case("s1", "k1"))
        await store.create_case(new_case("s2", "k2"))
        await store.record_decision(Decision(first.id, Action.ESCALATE, "m1", "Mod", utcnow()), 365)
        claims = await store.claim_deliveries("w", utcnow() + timedelta(seconds=1), ["console"])
        await store.mark_delivered(claims[0], "msg-1", utcnow())
        await store.set_space_setting("console", "s1", "alert_level", "high", "m1")
        _, key = await create_key(store, ["s1"])
        return key


async def test_migrate_copies_everything_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "wk.db"
    key = await lived_in(source)
    async with pg.fresh_schema() as (url, schema):
        target_url = pg.schema_url(url, schema)
        assert (
            await asyncio.to_thread(main, ["migrate", "--from", str(source), "--to", target_url])
            == 0
        )
        assert "audit chain verified" in capsys.readouterr().out
        async with sqlite_store(source) as original, postgres_store(url, schema=schema) as copy:
            assert await copy.list_cases() == await original.list_cases()
            assert await copy.audit_entries() == await original.audit_entries()
            assert await copy.verify_audit() != (True, None)  # not without the key
            copy.audit_key = original.audit_key
            assert await copy.verify_audit() == (True, None)
            assert await copy.load_window("k1", 10) == await original.load_window("k1", 10)
            assert await copy.space_settings("console", "s1") == {"alert_level": "high"}
            assert await copy.outbox_backlog() == await original.outbox_backlog()
            assert (await authenticate(copy, key)) is not None
            later = await copy.create_case(new_case("s1", "k3"))
            assert later.id > max(c.id for c in await original.list_cases())
            assert later.number == 2
        # A second run refuses: the target is no longer empty.
        assert (
            await asyncio.to_thread(main, ["migrate", "--from", str(source), "--to", target_url])
            == 2
        )
        assert "not empty" in capsys.readouterr().err


async def test_nul_bytes_are_removed_as_the_live_store_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite keeps a NUL byte in a name or an id; PostgreSQL text cannot: the copy
    drops it (as the live store drops it from message text) instead of failing."""
    source = tmp_path / "wk.db"
    odd = ADULT.__class__("u\x001", "Ro\x00bin", ADULT.age_band)
    async with sqlite_store(source) as store:
        await store.append_messages([StoredMessage("k", message(odd, "hi", message_id="m\x001"))])
    async with pg.fresh_schema() as (url, schema):
        target = pg.schema_url(url, schema)
        code = await asyncio.to_thread(main, ["migrate", "--from", str(source), "--to", target])
        assert code == 0
        assert "3 value(s) had NUL bytes" in capsys.readouterr().out
        async with postgres_store(url, schema=schema) as copy:
            rows = await copy.driver.fetch(
                "SELECT author_id, author_name, message_id FROM messages"
            )
    assert rows == [("u1", "Robin", "m1")]
