"""Nothing waits silently: reminders for cases that wait on a moderator.

An open high or critical case that nobody acknowledged within
``alerts.renotify_minutes`` pings the moderator role once, and an acknowledged case
that nobody touched for ``alerts.stale_days`` is re-surfaced once per lapse. Both are
replies to the case's alert in the moderators' channel (never anywhere else), queued
in the outbox like every alert, so a restart delays a reminder and never loses it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.clock import utcnow
from bot.config import Settings
from bot.models import Case, CaseState
from bot.store import SqlStore

log = logging.getLogger(__name__)

REMIND_EVERY_SECONDS = 60.0


async def queue_due(store: SqlStore, settings: Settings, now: datetime | None = None) -> int:
    """Queue the reminders due now; returns how many."""
    alerts = settings.alerts
    queued = await store.queue_reminders(
        now or utcnow(), alerts.renotify_minutes * 60, alerts.stale_days * 86400
    )
    if queued:
        log.info("queued %d reminder(s) for cases waiting on a moderator", len(queued))
    return len(queued)


def reminder_text(case: Case, now: datetime) -> str | None:
    """What the reply says (no member's words in it), or None if the case no longer
    waits on anyone (it moved on after the reminder was queued)."""
    if case.state is CaseState.OPEN:
        minutes = (now - case.created_at).total_seconds() / 60
        return (
            f"Case {case.number} ({case.level.value}) has waited {minutes:.0f} minutes and "
            "no moderator has acknowledged it."
        )
    if case.state is CaseState.ACKNOWLEDGED:
        days = (now - case.updated_at).total_seconds() / 86400
        return (
            f"Case {case.number} is acknowledged but has not changed for {days:.0f} days: "
            "close it, or add a note saying why it stays open."
        )
    return None


async def remind_periodically(
    store: SqlStore, settings: Settings, wakeup: asyncio.Event, every: float = REMIND_EVERY_SECONDS
) -> None:
    """Queue due reminders every ``every`` seconds until cancelled; a failure is logged
    and retried next time, it never stops the bot."""
    while True:
        await asyncio.sleep(every)
        try:
            if await queue_due(store, settings):
                wakeup.set()
        except Exception:
            log.exception("could not queue reminders (retrying in %.0fs)", every)
