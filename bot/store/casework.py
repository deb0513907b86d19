"""The moderators' view across cases: one person's cases, and cases waiting on someone.

A suspect's earlier cases in a space are named on every new alert about them; one
person's cases (as suspect or party) answer ``watchkeeper cases --user``; and the
reminders queue a "renotify" delivery (a reply to the alert in the moderators'
channel) for a high or critical case nobody acknowledged in time, and for an
acknowledged case nobody has touched for ``stale_days``. The delivery row itself is
the record that the reminder was sent, so each case is reminded once per lapse.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.clock import from_epoch, to_epoch
from bot.models import Case, CaseKind, CaseState, Level, PriorCase
from bot.store import codec
from bot.store.base import Driver
from bot.store.retention import _case_involves, _like_escape

REMINDER = "renotify"
"""The outbox kind of a reminder."""


class CaseworkQueries:
    """The cross-case half of ``SqlStore``."""

    driver: Driver
    if TYPE_CHECKING:  # provided by the other halves of ``SqlStore``

        async def _enqueue(
            self, tx: Driver, case_id: int, platform: str, space_id: str, kind: str, t: float
        ) -> None: ...

        async def _with_decisions(self, row: Any) -> Case: ...

    async def suspect_history(self, case: Case) -> list[PriorCase]:
        """The suspect's cases in the same space opened before ``case``, oldest first."""
        if not case.suspect_id:
            return []
        rows = await self.driver.fetch(
            "SELECT number, kind, level, state, created_at FROM cases WHERE platform = ? "
            "AND space_id = ? AND suspect_id = ? AND id < ? ORDER BY id",
            (case.platform, case.space_id, case.suspect_id, case.id),
        )
        return [
            PriorCase(int(n), CaseKind(k), Level(lv), CaseState(s), from_epoch(at))
            for n, k, lv, s, at in rows
        ]

    async def cases_for_user(
        self, platform: str | None, user_id: str, space_id: str | None = None
    ) -> list[Case]:
        """Every case a person is party to (suspect, participant, reporter), oldest first."""
        where = "(suspect_id = ? OR participants LIKE ? ESCAPE '\\' " \
                "OR conversation LIKE ? ESCAPE '\\')"  # fmt: skip
        params: list[Any] = [
            user_id,
            f"%{_like_escape(codec.dumps(user_id))}%",
            f"%:report:{_like_escape(user_id)}",
        ]
        if platform is not None:
            where += " AND platform = ?"
            params.append(platform)
        if space_id is not None:
            where += " AND space_id = ?"
            params.append(space_id)
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE {where} ORDER BY id", params
        )
        cases = [await self._with_decisions(row) for row in rows]
        return [c for c in cases if _involves(c, user_id)]

    async def platforms_seen(self) -> set[str]:
        """Every platform the store holds anything of (cases, conversations, API keys)."""
        rows = await self.driver.fetch(
            "SELECT platform FROM cases UNION SELECT platform FROM conversations "
            "UNION SELECT platform FROM api_keys"
        )
        return {row[0] for row in rows}

    async def queue_reminders(
        self, now: datetime, renotify_after_seconds: float, stale_after_seconds: float
    ) -> list[int]:
        """Queue a reminder for each case that waits on a moderator; returns their ids."""
        t = to_epoch(now)
        queued: list[int] = []
        async with self.driver.transaction() as tx:
            await tx.serialise("reminders")  # every process runs this round
            unanswered = await tx.fetch(
                "SELECT id, platform, space_id FROM cases WHERE state = ? AND level IN (?, ?) "
                "AND created_at <= ? AND platform_message_id IS NOT NULL AND id NOT IN "
                "(SELECT case_id FROM outbox WHERE kind = ?)",
                (
                    CaseState.OPEN.value,
                    Level.HIGH.value,
                    Level.CRITICAL.value,
                    t - renotify_after_seconds,
                    REMINDER,
                ),
            )
            untouched = await tx.fetch(
                "SELECT id, platform, space_id FROM cases c WHERE state = ? AND updated_at <= ? "
                "AND platform_message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.case_id = c.id AND o.kind = ? AND o.created_at >= c.updated_at)",
                (CaseState.ACKNOWLEDGED.value, t - stale_after_seconds, REMINDER),
            )
            for case_id, platform, space_id in [*unanswered, *untouched]:
                await self._enqueue(tx, int(case_id), platform, space_id, REMINDER, t)
                queued.append(int(case_id))
        return queued

    async def stale_cases(self, now: datetime, stale_after_seconds: float) -> list[Case]:
        """Acknowledged cases nobody has touched for ``stale_after_seconds``."""
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE state = ? AND updated_at <= ? "
            "ORDER BY id",
            (CaseState.ACKNOWLEDGED.value, to_epoch(now) - stale_after_seconds),
        )
        return [await self._with_decisions(row) for row in rows]


def _involves(case: Case, user_id: str) -> bool:
    row = (
        case.suspect_id,
        json.dumps([{"user_id": p.user_id} for p in case.participants]),
        json.dumps([{"author_id": s.author_id} for s in case.signals]),
        case.kind.value,
        case.conversation,
    )
    return _case_involves(row, case.platform, user_id)
