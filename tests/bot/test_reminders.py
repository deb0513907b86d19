"""Reminders: an unanswered high or critical case pings once; a stale acknowledged case
is re-surfaced once per lapse; both as replies to the alert, through the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.models import Action, Case, Decision, Level
from bot.reminders import queue_due
from bot.store import SqlStore
from tests.bot.test_outbox import Clock, FakePlatform, new_case, worker
from tests.conftest import make_settings


class RepliesPlatform(FakePlatform):
    """A moderator channel that can also take replies to an alert."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: list[tuple[str, str]] = []  # (alert id, text)

    async def remind(self, case: Case, platform_message_id: str, text: str, key: str) -> str:
        self._maybe_fail()
        self.replies.append((platform_message_id, text))
        return f"reply-{len(self.replies)}"


async def test_an_unanswered_case_pings_once_and_a_stale_one_resurfaces(
    store: SqlStore, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, alerts={"renotify_minutes": 30, "stale_days": 7})
    quiet = await store.create_case(new_case("s1", 1))
    await store.create_case(replace(new_case("s1", 2), level=Level.WATCH))  # never pings
    sink, clock = RepliesPlatform(), Clock()
    outbox = worker(store, sink, clock)
    assert await outbox.deliver_due() == 2  # both alerts posted
    start = clock.now

    assert await queue_due(store, settings, start + timedelta(minutes=29)) == 0
    clock.now = start + timedelta(minutes=31)
    assert await queue_due(store, settings, clock.now) == 1
    assert await queue_due(store, settings, clock.now + timedelta(hours=5)) == 0  # once
    await outbox.deliver_due()
    [(alert, text)] = sink.replies
    posted = await store.get_case(quiet.id)
    assert posted is not None and alert == posted.platform_message_id
    assert text.startswith(f"Case {quiet.number} (high) has waited 31 minutes")

    # Acknowledged, then left alone: re-surfaced after stale_days, once per lapse.
    acked_at = start + timedelta(hours=1)
    await store.record_decision(Decision(quiet.id, Action.ACKNOWLEDGE, "m1", "Mo", acked_at), 365)
    assert await queue_due(store, settings, acked_at + timedelta(days=6)) == 0
    clock.now = acked_at + timedelta(days=8)
    assert await queue_due(store, settings, clock.now) == 1
    assert await queue_due(store, settings, clock.now) == 0
    await outbox.deliver_due()
    assert "is acknowledged but has not changed for 8 days" in sink.replies[-1][1]
    note_at = clock.now + timedelta(hours=1)
    await store.record_decision(
        Decision(quiet.id, Action.NOTE, "m1", "Mo", note_at, "waiting for the parents"), 365
    )
    assert await queue_due(store, settings, note_at + timedelta(days=6)) == 0
    assert await queue_due(store, settings, note_at + timedelta(days=7, hours=1)) == 1


async def test_a_case_acted_on_before_its_reminder_goes_out_is_not_reminded(
    store: SqlStore, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    case = await store.create_case(new_case("s1", 1))
    sink, clock = RepliesPlatform(), Clock()
    outbox = worker(store, sink, clock)
    await outbox.deliver_due()
    assert await queue_due(store, settings, clock.now + timedelta(minutes=45)) == 1
    await store.record_decision(Decision(case.id, Action.DISMISS, "m1", "Mo", clock.now), 365)
    await outbox.deliver_due()
    assert sink.replies == []
