"""The runtime's retention task, and what purge/forget tell the admin."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.retention import describe_forget, describe_purge, purge_periodically
from bot.store import SqlStore
from bot.store.base import StoredMessage
from bot.store.retention import ForgetCounts, HeldCase, PurgeCounts
from tests.conftest import make_settings, message, person


async def test_the_runtime_task_purges_periodically(store: SqlStore, tmp_path: Path) -> None:
    # T0 is long ago: past any window.
    await store.append_messages([StoredMessage("k", message(person("u1"), "hello", at=0))])
    settings = make_settings(tmp_path, storage={"window_days": 1})
    task = asyncio.create_task(purge_periodically(store, settings, every=0.01, first_after=0))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if not await store.load_window("k", 10):
            break
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await store.load_window("k", 10) == []
    (entry,) = await store.audit_entries("purge")  # audited once; empty purges are not
    assert entry.actor == "watchkeeper" and entry.detail["messages"] == 1


def test_reports_say_what_was_kept_and_why() -> None:
    purged = describe_purge(PurgeCounts(messages=5, conversations=2, cases=1, held_cases=1))
    assert purged[0] == (
        "deleted 5 message(s), 2 conversation score(s) and 1 case(s) past retention"
    )
    assert "on hold after an escalation" in purged[1]
    until = utcnow() + timedelta(days=300)
    held = HeldCase(7, 3, "discord", "g1", "escalated", until, "k", 12)
    forgot = describe_forget(ForgetCounts(4, 1, 2, [held], decisions_kept=1))
    assert forgot[1] == (
        f"kept 12 message(s) in case 3 (discord g1, escalated): on hold until "
        f"{until:%Y-%m-%d} after an escalation (evidence preservation)"
    )
    assert "as a moderator" in forgot[2]
