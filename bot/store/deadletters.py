"""Messages set aside because they could not be scored (the dead-letter table).

An inbox message that cannot be read back, or that makes scoring fail, would otherwise
stay at the head of its space's queue and be retried forever, and every message behind
it (other spaces' too, taken in the same batch) would wait with it. It is moved here
instead, with the reason, so that scoring goes on and an admin can see what was set
aside (``watchkeeper deadletters``, ``watchkeeper check``, ``/metrics``).

The body is kept as it was received: it is a member's message, so it ages out with
the conversation windows (``purge``) and goes with its author on ``forget``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_epoch, to_epoch
from bot.store.sql import SqlStore

MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message that was set aside, and why."""

    platform: str
    space_id: str
    author_id: str | None
    body: str
    reason: str
    received_at: float
    failed_at: datetime | None = None
    id: int | None = None


async def set_aside(
    store: SqlStore, letters: Sequence[DeadLetter], inbox_ids: Sequence[int], now: datetime
) -> None:
    """Keep ``letters`` and take their messages (``inbox_ids``) out of the inbox, in one
    transaction: a crash in between neither loses them nor keeps them twice."""
    if not letters:
        return
    async with store.driver.transaction() as tx:
        for letter in letters:
            await tx.execute(
                "INSERT INTO dead_letters (platform, space_id, author_id, body, reason, "
                "received_at, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    letter.platform,
                    letter.space_id,
                    letter.author_id,
                    letter.body.replace("\x00", ""),
                    letter.reason[:MAX_REASON],
                    letter.received_at,
                    to_epoch(now),
                ),
            )
        for inbox_id in inbox_ids:
            await tx.execute("DELETE FROM inbox WHERE id = ?", (inbox_id,))


async def count(store: SqlStore) -> int:
    rows = await store.driver.fetch("SELECT COUNT(*) FROM dead_letters")
    return int(rows[0][0])


async def newest(store: SqlStore, limit: int = 50) -> list[DeadLetter]:
    """The most recently set-aside messages, newest first."""
    rows = await store.driver.fetch(
        "SELECT id, platform, space_id, author_id, body, reason, received_at, failed_at "
        "FROM dead_letters ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [
        DeadLetter(
            platform=platform,
            space_id=space_id,
            author_id=author_id,
            body=body,
            reason=reason,
            received_at=float(received_at),
            failed_at=from_epoch(failed_at),
            id=int(id_),
        )
        for id_, platform, space_id, author_id, body, reason, received_at, failed_at in rows
    ]
