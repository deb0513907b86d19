"""Least data: purge what is past its retention, and forget a person on request.

The rules (the store applies them in one transaction each, with an audit entry):

- A conversation's messages leave the store ``storage.window_days`` after they were
  written, and beyond its newest ``storage.window_messages`` - unless moderators are
  still working a case on it (open, acknowledged, escalated) or a case on it is on
  hold.
- Closed, dismissed and confirmed cases are deleted ``storage.case_retention_days``
  after their last change, with their decisions, delivery jobs and messages, unless
  on hold. Escalating a case holds it for ``storage.hold_days`` (365 by default: the
  preservation period US providers owe after a CyberTipline report).
- ``forget`` removes a person's messages and conversation scores, and their words and
  name from cases, except in conversations that a hold keeps; it says what it kept.
  It refuses a person who is party to a case still being worked on or held (naming
  the cases) unless forced, and can say what it would do without doing it.

The runtime purges every hour; ``watchkeeper purge`` does it on demand.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.clock import utcnow
from bot.config import Settings
from bot.models import Case, CaseState
from bot.store import SqlStore
from bot.store.retention import ForgetCounts, PurgeCounts

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 3600.0
FIRST_PURGE_AFTER_SECONDS = 60.0


async def purge(
    store: SqlStore,
    settings: Settings,
    now: datetime | None = None,
    actor: str = "watchkeeper",
    audit_always: bool = False,
) -> PurgeCounts:
    storage = settings.storage
    return await store.purge(
        now or utcnow(),
        window_days=storage.window_days,
        case_retention_days=storage.case_retention_days,
        keep_messages=storage.window_messages,
        actor=actor,
        audit_always=audit_always,
    )


class StillNeeded(Exception):
    """The person is party to cases moderators are still working on, or that a hold
    keeps: forgetting them would blank the words those cases rest on."""

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases
        named = ", ".join(
            f"case {c.number} ({c.platform} {c.space_id}, {c.state.value}"
            + (", on hold" if c.state is not CaseState.ESCALATED and c.hold_until else "")
            + ")"
            for c in cases[:10]
        )
        more = f" and {len(cases) - 10} more" if len(cases) > 10 else ""
        super().__init__(
            f"they are party to open or held {named}{more}: close those cases first, or "
            "pass --force (what a hold keeps is kept even then)"
        )


async def forget(
    store: SqlStore,
    platform: str,
    user_id: str,
    actor: str,
    now: datetime | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
) -> ForgetCounts:
    """Forget a person; ``StillNeeded`` unless ``force`` when a case still rests on them.
    With ``dry_run``, the counts of what would go, and nothing changes."""
    moment = now or utcnow()
    if not force:
        needed = [
            c
            for c in await store.cases_for_user(platform, user_id)
            if c.is_open or (c.hold_until is not None and c.hold_until > moment)
        ]
        if needed:
            raise StillNeeded(needed)
    return await store.forget_user(platform, user_id, moment, actor, dry_run=dry_run)


def describe_purge(counts: PurgeCounts) -> list[str]:
    lines = [
        f"deleted {counts.messages} message(s), {counts.conversations} conversation score(s) "
        f"and {counts.cases} case(s) past retention"
    ]
    if counts.held_cases:
        lines.append(
            f"kept {counts.held_cases} finished case(s) past retention: they are on hold "
            "after an escalation"
        )
    return lines


def describe_forget(counts: ForgetCounts) -> list[str]:
    lines = [
        f"deleted {counts.messages} message(s) and {counts.conversations} conversation "
        f"score(s); removed their words and name from {counts.cases_scrubbed} case(s)"
    ]
    for held in counts.held:
        lines.append(
            f"kept {held.messages_kept} message(s) in case {held.number} "
            f"({held.platform} {held.space_id}, {held.state}): on hold until "
            f"{held.hold_until:%Y-%m-%d} after an escalation (evidence preservation)"
        )
    if counts.decisions_kept:
        lines.append(
            f"kept {counts.decisions_kept} decision(s) they made as a moderator: the audit "
            "trail of who decided what"
        )
    return lines


async def purge_periodically(
    store: SqlStore,
    settings: Settings,
    every: float = PURGE_EVERY_SECONDS,
    first_after: float = FIRST_PURGE_AFTER_SECONDS,
) -> None:
    """Purge ``first_after`` seconds after startup (a short replay never purges), then
    every ``every`` seconds until cancelled; a failure is logged and retried next time,
    it never stops the bot."""
    await asyncio.sleep(first_after)
    while True:
        try:
            counts = await purge(store, settings)
        except Exception:
            log.exception("retention purge failed; trying again in %.0fs", every)
        else:
            if counts.messages or counts.cases or counts.conversations:
                log.info("retention: %s", "; ".join(describe_purge(counts)))
        await asyncio.sleep(every)
