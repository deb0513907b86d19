"""Deleting what the bot no longer needs, and what a person asks it to forget.

What keeps data (the *keepers*): a case that moderators are still working on (open,
acknowledged, escalated) keeps its conversation's messages past the window, and a
case on hold (escalated, ``hold_until`` in the future) keeps them, and itself, past
every retention period and every ``forget``. Everything else ages out. Each purge or
forget runs in one transaction with its audit entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import from_epoch, to_epoch
from bot.models import CaseKind, CaseState, escape_member, pair_members
from bot.store import codec
from bot.store.audit import AuditLog
from bot.store.base import Driver

WORKING = (CaseState.OPEN.value, CaseState.ACKNOWLEDGED.value, CaseState.ESCALATED.value)
FINISHED = (CaseState.CLOSED.value, CaseState.DISMISSED.value, CaseState.CONFIRMED.value)
REMOVED = "[removed on request]"
INTERACTIONS_KEPT = 86400.0
"""Seconds an applied interaction's key is kept: far past any replay window (Slack
refuses a signature more than five minutes old)."""

# Conversations whose messages outlive the window: a case is being worked on, or held.
_KEPT_CONVERSATIONS = "SELECT conversation FROM cases WHERE state IN (?, ?, ?) OR hold_until > ?"


@dataclass(slots=True)
class PurgeCounts:
    messages: int = 0
    conversations: int = 0
    cases: int = 0
    held_cases: int = 0
    """Finished cases past their retention that a hold kept."""


@dataclass(frozen=True, slots=True)
class HeldCase:
    id: int
    number: int
    platform: str
    space_id: str
    state: str
    hold_until: datetime
    conversation: str
    messages_kept: int


@dataclass(slots=True)
class ForgetCounts:
    messages: int = 0
    conversations: int = 0
    cases_scrubbed: int = 0
    held: list[HeldCase] = field(default_factory=list)
    decisions_kept: int = 0
    """Decisions the person made as a moderator: the audit trail keeps them."""


class _RolledBack(Exception):
    """Ends a dry run's transaction (so it is rolled back) carrying what it counted."""

    def __init__(self, counts: ForgetCounts) -> None:
        self.counts = counts


def user_hash(platform: str, user_id: str) -> str:
    """How the audit log names a forgotten person: enough to check, not to read."""
    return hashlib.sha256(f"{platform}:{user_id}".encode()).hexdigest()[:16]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RetentionQueries(AuditLog):
    """The retention half of ``SqlStore``."""

    driver: Driver

    async def purge(
        self,
        now: datetime,
        window_days: float,
        case_retention_days: float,
        keep_messages: int,
        actor: str = "watchkeeper",
        audit_always: bool = False,
    ) -> PurgeCounts:
        t = to_epoch(now)
        counts = PurgeCounts()
        async with self.driver.transaction() as tx:
            await tx.serialise("audit")  # before any case's row: see ``update_case_risk``
            await self._purge_cases(tx, t, t - case_retention_days * 86400, counts)
            await self._purge_windows(tx, t, t - window_days * 86400, keep_messages, counts)
            if audit_always or counts.messages or counts.conversations or counts.cases:
                detail: dict[str, Any] = {
                    "messages": counts.messages,
                    "conversations": counts.conversations,
                    "cases": counts.cases,
                    "held_cases": counts.held_cases,
                    "window_days": window_days,
                    "case_retention_days": case_retention_days,
                }
                await self._audit(tx, "purge", actor, detail)
        if counts.messages or counts.cases:
            await self.driver.checkpoint()
        return counts

    async def _purge_cases(self, tx: Driver, t: float, before: float, counts: PurgeCounts) -> None:
        finished = "state IN (?, ?, ?) AND updated_at < ?"
        held = await tx.fetch(
            f"SELECT COUNT(*) FROM cases WHERE {finished} AND hold_until > ?",
            (*FINISHED, before, t),
        )
        counts.held_cases = int(held[0][0])
        rows = await tx.fetch(
            f"SELECT id, conversation, updated_at FROM cases WHERE {finished} "
            "AND (hold_until IS NULL OR hold_until <= ?)",
            (*FINISHED, before, t),
        )
        for case_id, conversation, updated_at in rows:
            for table, column in (("decisions", "case_id"), ("outbox", "case_id")):
                await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (case_id,))
            await tx.execute("DELETE FROM cases WHERE id = ?", (case_id,))
            # The messages the case was about go with it, unless another case keeps them.
            counts.messages += await self._delete_messages(
                tx,
                f"conversation = ? AND ts <= ? AND conversation NOT IN ({_KEPT_CONVERSATIONS})",
                (conversation, updated_at, *WORKING, t),
            )
        counts.cases = len(rows)

    async def _purge_windows(
        self, tx: Driver, t: float, before: float, keep_messages: int, counts: PurgeCounts
    ) -> None:
        kept = (*WORKING, t)
        counts.messages += await self._delete_messages(
            tx, f"ts < ? AND conversation NOT IN ({_KEPT_CONVERSATIONS})", (before, *kept)
        )
        # A window is also bounded in length: only the newest ``keep_messages`` stay.
        counts.messages += await self._delete_messages(
            tx,
            "id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY conversation "
            "ORDER BY id DESC) AS rn FROM messages) ranked WHERE rn > ?) "
            f"AND conversation NOT IN ({_KEPT_CONVERSATIONS})",
            (keep_messages, *kept),
        )
        where = (
            f"last_ts < ? AND conversation NOT IN ({_KEPT_CONVERSATIONS}) "
            "AND conversation NOT IN (SELECT conversation FROM messages)"
        )
        rows = await tx.fetch(f"SELECT COUNT(*) FROM conversations WHERE {where}", (before, *kept))
        await tx.execute(f"DELETE FROM conversations WHERE {where}", (before, *kept))
        counts.conversations += int(rows[0][0])
        # Messages set aside unscored (bot/store/deadletters.py) age out with windows.
        counts.messages += await self._delete_counted(
            tx, "dead_letters", "failed_at < ?", (before,)
        )
        await tx.execute("DELETE FROM interactions WHERE at < ?", (t - INTERACTIONS_KEPT,))

    async def _delete_counted(
        self, tx: Driver, table: str, where: str, params: tuple[Any, ...]
    ) -> int:
        rows = await tx.fetch(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)
        await tx.execute(f"DELETE FROM {table} WHERE {where}", params)
        return int(rows[0][0])

    async def _delete_messages(self, tx: Driver, where: str, params: tuple[Any, ...]) -> int:
        rows = await tx.fetch(f"SELECT COUNT(*) FROM messages WHERE {where}", params)
        await tx.execute(f"DELETE FROM messages WHERE {where}", params)
        return int(rows[0][0])

    # -- forget ------------------------------------------------------------------------

    async def forget_user(
        self, platform: str, user_id: str, now: datetime, actor: str, dry_run: bool = False
    ) -> ForgetCounts:
        """Remove a person's messages and conversation scores, and their words and name
        from cases, except where a hold keeps them (reported to the authorities). A
        ``dry_run`` does all of it in its transaction, counts, and rolls it back."""
        try:
            return await self._forget_user(platform, user_id, now, actor, dry_run)
        except _RolledBack as done:
            return done.counts

    async def _forget_user(
        self, platform: str, user_id: str, now: datetime, actor: str, dry_run: bool
    ) -> ForgetCounts:
        t = to_epoch(now)
        counts = ForgetCounts()
        async with self.driver.transaction() as tx:
            await tx.serialise("audit")  # before any case's row: see ``update_case_risk``
            held_rows = await tx.fetch(
                "SELECT id, number, platform, space_id, state, hold_until, conversation "
                "FROM cases WHERE platform = ? AND hold_until > ? ORDER BY id",
                (platform, t),
            )
            held_conversations = {row[6] for row in held_rows}
            authored = await tx.fetch(
                "SELECT conversation, COUNT(*) FROM messages WHERE platform = ? AND author_id = ? "
                "GROUP BY conversation",
                (platform, user_id),
            )
            by_conversation = {conversation: int(n) for conversation, n in authored}
            for id_, number, plat, space, state, hold_until, conversation in held_rows:
                kept = by_conversation.get(conversation, 0)
                if kept or await self._involves(tx, id_, platform, user_id):
                    held = HeldCase(
                        int(id_),
                        int(number),
                        plat,
                        space,
                        state,
                        from_epoch(hold_until),
                        conversation,
                        kept,
                    )
                    counts.held.append(held)
            for conversation, n in by_conversation.items():
                if conversation in held_conversations:
                    continue
                await tx.execute(
                    "DELETE FROM messages WHERE conversation = ? AND platform = ? "
                    "AND author_id = ?",
                    (conversation, platform, user_id),
                )
                counts.messages += n
            counts.messages += await self._delete_counted(
                tx, "dead_letters", "platform = ? AND author_id = ?", (platform, user_id)
            )
            counts.conversations = await self._forget_conversations(
                tx, platform, user_id, set(by_conversation), held_conversations
            )
            counts.cases_scrubbed = await self._scrub_cases(tx, platform, user_id, t)
            decided = await tx.fetch(
                "SELECT COUNT(*) FROM decisions d JOIN cases c ON c.id = d.case_id "
                "WHERE c.platform = ? AND d.actor_id = ?",
                (platform, user_id),
            )
            counts.decisions_kept = int(decided[0][0])
            await self._audit(
                tx,
                "forget",
                actor,
                {
                    "platform": platform,
                    "user_hash": user_hash(platform, user_id),
                    "messages": counts.messages,
                    "conversations": counts.conversations,
                    "cases_scrubbed": counts.cases_scrubbed,
                    "held_cases": [h.id for h in counts.held],
                },
            )
            if dry_run:
                raise _RolledBack(counts)
        await self.driver.checkpoint()
        return counts

    async def _forget_conversations(
        self, tx: Driver, platform: str, user_id: str, authored: set[str], held: set[str]
    ) -> int:
        """Conversation scores that are about the person: theirs, or a pair they are in."""
        prefix = _like_escape(f"{platform}:")
        # Pairs whose ref holds the id, plain or escaped (``pair_ref``): a superset, so
        # each is parsed to see that the person is one of the two.
        rows = await tx.fetch(
            "SELECT conversation, space_id, suspect_id FROM conversations WHERE platform = ? AND "
            "(suspect_id = ? OR conversation LIKE ? ESCAPE '\\' OR conversation LIKE ? "
            "ESCAPE '\\')",
            (
                platform,
                user_id,
                f"{prefix}%:pair:%{_like_escape(user_id)}%",
                f"{prefix}%:pair:%{_like_escape(escape_member(user_id))}%",
            ),
        )
        about = {
            conversation
            for conversation, space_id, suspect in rows
            if suspect == user_id or _in_pair(conversation, f"{platform}:{space_id}:", user_id)
        }
        candidates = about | authored
        existing = 0
        for conversation in sorted(candidates - held):
            found = await tx.fetch(
                "SELECT COUNT(*) FROM conversations WHERE conversation = ?", (conversation,)
            )
            existing += int(found[0][0])
            await tx.execute("DELETE FROM conversations WHERE conversation = ?", (conversation,))
        return existing

    async def _involves(self, tx: Driver, case_id: int, platform: str, user_id: str) -> bool:
        rows = await tx.fetch(
            "SELECT suspect_id, participants, signals, kind, conversation FROM cases WHERE id = ?",
            (case_id,),
        )
        return bool(rows) and _case_involves(rows[0], platform, user_id)

    async def _scrub_cases(self, tx: Driver, platform: str, user_id: str, t: float) -> int:
        rows = await tx.fetch(
            "SELECT suspect_id, participants, signals, kind, conversation, id, summary "
            "FROM cases WHERE platform = ? AND (hold_until IS NULL OR hold_until <= ?)",
            (platform, t),
        )
        scrubbed = 0
        for row in rows:
            if not _case_involves(row[:5], platform, user_id):
                continue
            participants = [
                {**p, "display_name": ""} if p["user_id"] == user_id else p
                for p in json.loads(row[1])
            ]
            signals = [
                {**s, "quote": REMOVED} if s.get("author_id") == user_id else s
                for s in json.loads(row[2])
            ]
            summary = REMOVED if _reported_by(row[3], row[4], user_id) else row[6]
            await tx.execute(
                "UPDATE cases SET participants = ?, signals = ?, summary = ? WHERE id = ?",
                (codec.dumps(participants), codec.dumps(signals), summary, row[5]),
            )
            await self._audit(tx, "case_scrubbed", "watchkeeper", {}, case_id=int(row[5]))
            scrubbed += 1
        return scrubbed


def _in_pair(conversation: str, space_prefix: str, user_id: str) -> bool:
    """``user_id`` is one of the pair ``conversation`` names; a key stored before ids
    with ``|`` were escaped is read the old way (the first or the last of its ``|`` parts)."""
    ref = conversation.removeprefix(f"{space_prefix}pair:")
    if ref == conversation:
        return False
    try:
        return user_id in pair_members(ref)
    except ValueError:
        return ref.startswith(f"{user_id}|") or ref.endswith(f"|{user_id}")


def _reported_by(kind: str, conversation: str, user_id: str) -> bool:
    return kind == CaseKind.REPORT.value and conversation.endswith(f":report:{user_id}")


def _case_involves(row: Any, platform: str, user_id: str) -> bool:
    suspect_id, participants, signals, kind, conversation = row
    return (
        suspect_id == user_id
        or any(p.get("user_id") == user_id for p in json.loads(participants))
        or any(s.get("author_id") == user_id for s in json.loads(signals))
        or _reported_by(kind, conversation, user_id)
    )
