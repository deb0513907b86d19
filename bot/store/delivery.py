"""The outbox tables: delivery jobs, claimed with a lease, one space head at a time.

A job moves ``pending -> sending -> sent``. Claiming it ("sending", with
``claimed_by`` and ``claimed_until``) counts an attempt *before* the platform is
called, so a job found in "sending" after a crash, or pending with attempts > 0,
may already have reached the platform: the worker then relies on the idempotency
key, or asks the platform first. Only the oldest unsent job of each space (its
*head*) is ever claimed, so jobs leave in case order per space, whichever process
claims them; a claim is a compare-and-set on the job's state, so two processes never
hold the same job (PostgreSQL may add ``FOR UPDATE SKIP LOCKED`` to avoid waiting).

Digest jobs (cases opened while a space was over its flood limit) are grouped: the
head digest job waits ``digest_delay`` to collect company, then every digest job of
the space up to the next regular alert joins its *batch* (``batch_id`` = the head's
id). The batch is written down at claim time, so a retried digest lists the same
cases under the same key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_epoch, to_epoch
from bot.models import Delivery
from bot.store.base import Driver

UNSENT = ("pending", "sending")
_JOB_COLUMNS = (
    "id, case_id, kind, platform, space_id, attempts, state, next_attempt_at, claimed_until, "
    "batch_id, created_at, payload"
)


def enqueue_statement(
    case_id: int, platform: str, space_id: str, kind: str, now: float
) -> tuple[str, tuple[object, ...]]:
    """The statement that queues a case's delivery job, and its parameters."""
    columns = "case_id, platform, space_id, kind, next_attempt_at, created_at"
    if kind == "update":
        # An update not yet claimed will render the case as it is when it runs, so one
        # is enough; one already being sent may have rendered an older state.
        return (
            f"INSERT INTO outbox ({columns}) SELECT CAST(? AS INTEGER), ?, ?, ?, "
            "CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION) WHERE NOT EXISTS "
            "(SELECT 1 FROM outbox WHERE case_id = ? AND kind = 'update' "
            "AND state = 'pending')",
            (case_id, platform, space_id, kind, now, now, case_id),
        )
    return (
        f"INSERT INTO outbox ({columns}) VALUES (?, ?, ?, ?, ?, ?)",
        (case_id, platform, space_id, kind, now, now),
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """One unit of delivery work held by one worker: a post or update, or a digest."""

    jobs: tuple[Delivery, ...]
    token: str

    @property
    def lead(self) -> Delivery:
        return self.jobs[0]

    @property
    def kind(self) -> str:
        return self.lead.kind

    @property
    def space(self) -> tuple[str, str]:
        return self.lead.platform, self.lead.space_id

    @property
    def key(self) -> str:
        """The idempotency key: the same for every attempt of this job (or batch)."""
        return f"wk-{self.lead.id}"

    @property
    def maybe_sent(self) -> bool:
        """An earlier attempt was made, and may have reached the platform."""
        return any(job.attempts > 0 for job in self.jobs)


@dataclass(frozen=True, slots=True)
class StaleJob:
    id: int
    case_id: int
    number: int
    platform: str
    space_id: str
    kind: str
    attempts: int
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    case_id: int
    kind: str
    platform: str
    space_id: str
    attempts: int
    state: str
    next_attempt_at: float
    claimed_until: float | None
    batch_id: int | None
    created_at: float
    payload: str

    @classmethod
    def of(cls, row: Sequence[Any]) -> _Row:
        return cls(*row)

    def delivery(self, attempts: int | None = None) -> Delivery:
        return Delivery(
            self.id,
            self.case_id,
            self.kind,
            self.platform,
            self.space_id,
            self.attempts if attempts is None else attempts,
            json.loads(self.payload),
        )


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class DeliveryQueries:
    """The outbox half of ``SqlStore``."""

    driver: Driver

    async def _enqueue(
        self, tx: Driver, case_id: int, platform: str, space_id: str, kind: str, now: float
    ) -> None:
        await tx.execute(*enqueue_statement(case_id, platform, space_id, kind, now))

    async def claim_deliveries(
        self,
        worker: str,
        now: datetime,
        platforms: Sequence[str],
        lease_seconds: float = 120.0,
        digest_delay: float = 0.0,
        digest_max: int = 25,
        limit: int = 50,
    ) -> list[Claim]:
        """Claim the due head job (or digest batch) of up to ``limit`` spaces."""
        if not platforms:
            return []
        t = to_epoch(now)
        token = f"{worker}:{uuid.uuid4().hex[:12]}"
        claims: list[Claim] = []
        async with self.driver.transaction() as tx:
            heads = await tx.fetch(
                f"SELECT {_JOB_COLUMNS} FROM outbox WHERE id IN (SELECT MIN(id) FROM outbox "
                f"WHERE state IN (?, ?) AND platform IN ({_marks(len(platforms))}) "
                "GROUP BY platform, space_id) ORDER BY id",
                (*UNSENT, *platforms),
            )
            for head in map(_Row.of, heads):
                if len(claims) >= limit:
                    break
                if not _due(head, t, digest_delay):
                    continue
                members = await self._members(tx, head, digest_max)
                ids = [m.id for m in members]
                batch = head.id if head.kind == "digest" else None
                got = await tx.fetch(
                    "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_until = ?, "
                    f"attempts = attempts + 1, batch_id = ? WHERE id IN ({_marks(len(ids))}) "
                    "AND (state = 'pending' OR (state = 'sending' AND claimed_until <= ?)) "
                    f"RETURNING {_JOB_COLUMNS}",
                    (token, t + lease_seconds, batch, *ids, t),
                )
                rows = sorted((_Row.of(r) for r in got), key=lambda row: row.id)
                if rows and rows[0].id == head.id:
                    # ``attempts`` as it was before this claim: > 0 means "maybe sent".
                    jobs = tuple(r.delivery(r.attempts - 1) for r in rows)
                    claims.append(Claim(jobs, token))
        return claims

    async def _members(self, tx: Driver, head: _Row, digest_max: int) -> list[_Row]:
        if head.kind != "digest":
            return [head]
        if head.batch_id is not None:  # a batch formed earlier: the very same cases again
            rows = await tx.fetch(
                f"SELECT {_JOB_COLUMNS} FROM outbox WHERE batch_id = ? AND state IN (?, ?) "
                "ORDER BY id",
                (head.batch_id, *UNSENT),
            )
            return [_Row.of(r) for r in rows]
        stop = await tx.fetch(
            "SELECT MIN(id) FROM outbox WHERE platform = ? AND space_id = ? AND state IN (?, ?) "
            "AND kind = 'post' AND id > ?",
            (head.platform, head.space_id, *UNSENT, head.id),
        )
        before = stop[0][0] if stop else None
        bound, params = ("AND id < ? ", (before,)) if before is not None else ("", ())
        rows = await tx.fetch(
            f"SELECT {_JOB_COLUMNS} FROM outbox WHERE platform = ? AND space_id = ? "
            "AND kind = 'digest' AND state = 'pending' AND batch_id IS NULL AND id >= ? "
            f"{bound}ORDER BY id LIMIT ?",
            (head.platform, head.space_id, head.id, *params, digest_max),
        )
        return [_Row.of(r) for r in rows]

    async def mark_delivered(
        self,
        claim: Claim,
        platform_message_id: str | None,
        now: datetime,
        rendered: datetime | None = None,
    ) -> None:
        """Record success; a post's message id is kept on its case for later edits.

        ``rendered``: the case version (its ``updated_at``) an update showed, so a later
        update job with nothing new to show is not sent again."""
        ids = [job.id for job in claim.jobs]
        payload = json.dumps({"rendered": to_epoch(rendered)} if rendered else {})
        sent = (
            "UPDATE outbox SET state = 'sent', sent_at = ?, platform_message_id = ?, "
            "claimed_until = NULL, last_error = NULL, payload = ? "
            f"WHERE claimed_by = ? AND state = 'sending' AND id IN ({_marks(len(ids))})"
        )
        params = (to_epoch(now), platform_message_id, payload, claim.token, *ids)
        if claim.kind != "post" or platform_message_id is None:
            await self.driver.execute(sent, params)  # one statement: no transaction needed
            return
        async with self.driver.transaction() as tx:
            await tx.execute(sent, params)
            await tx.execute(
                "UPDATE cases SET platform_message_id = ? WHERE id = ?",
                (platform_message_id, claim.lead.case_id),
            )

    async def mark_retry(self, claim: Claim, error: str, next_attempt_at: datetime) -> None:
        """Give the job back, due again at ``next_attempt_at``; a digest keeps its batch."""
        ids = [job.id for job in claim.jobs]
        await self.driver.execute(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, claimed_until = NULL, "
            "last_error = ?, next_attempt_at = ? "
            f"WHERE claimed_by = ? AND state = 'sending' AND id IN ({_marks(len(ids))})",
            (error[:500], to_epoch(next_attempt_at), claim.token, *ids),
        )

    async def release_claims(self, now: datetime | None = None) -> int:
        """Give back claims whose lease ended (all claims when ``now`` is None: only for
        a single-process store at startup, where every claim belongs to a dead process).
        Returns how many jobs came back; their attempts keep them "maybe sent"."""
        where = "state = 'sending'"
        params: tuple[Any, ...] = ()
        if now is not None:
            where += " AND claimed_until <= ?"
            params = (to_epoch(now),)
        rows = await self.driver.fetch(f"SELECT COUNT(*) FROM outbox WHERE {where}", params)
        await self.driver.execute(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, claimed_until = NULL "
            f"WHERE {where}",
            params,
        )
        return int(rows[0][0])

    async def due_deliveries(self, now: datetime, limit: int = 50) -> list[Delivery]:
        """A read-only view of the queue: pending jobs that may run now, in order, skipping
        spaces whose earlier job is backing off (``claim_deliveries`` is what workers use)."""
        rows = await self.driver.fetch(
            f"SELECT {_JOB_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?",
            (limit * 4,),
        )
        due, blocked = [], set()
        for row in map(_Row.of, rows):
            space = (row.platform, row.space_id)
            if space in blocked:
                continue
            if row.next_attempt_at > to_epoch(now):
                blocked.add(space)
                continue
            due.append(row.delivery())
            if len(due) >= limit:
                break
        return due

    async def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many jobs wait, and since when the oldest has waited."""
        rows = await self.driver.fetch(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state IN (?, ?)", UNSENT
        )
        count, oldest = rows[0]
        return int(count), from_epoch(oldest) if oldest is not None else None

    async def stale_deliveries(self, created_before: datetime, limit: int = 100) -> list[StaleJob]:
        """Unsent jobs older than ``created_before``, oldest first, with their case number."""
        rows = await self.driver.fetch(
            "SELECT o.id, o.case_id, c.number, o.platform, o.space_id, o.kind, o.attempts, "
            "o.last_error, o.created_at FROM outbox o JOIN cases c ON c.id = o.case_id "
            "WHERE o.state IN (?, ?) AND o.created_at < ? ORDER BY o.id LIMIT ?",
            (*UNSENT, to_epoch(created_before), limit),
        )
        return [
            StaleJob(int(i), int(c), int(n), p, s, k, int(a), e, from_epoch(at))
            for i, c, n, p, s, k, a, e, at in rows
        ]

    async def last_rendered(self, case_id: int) -> datetime | None:
        """The case version the last delivered update of a case showed."""
        rows = await self.driver.fetch(
            "SELECT payload FROM outbox WHERE case_id = ? AND kind = 'update' AND state = 'sent' "
            "ORDER BY id DESC LIMIT 1",
            (case_id,),
        )
        rendered = json.loads(rows[0][0]).get("rendered") if rows else None
        return from_epoch(rendered) if rendered is not None else None

    async def deliveries_of(self, case_id: int) -> list[dict[str, Any]]:
        """A case's delivery jobs, for ``watchkeeper case``."""
        rows = await self.driver.fetch(
            "SELECT id, kind, state, attempts, last_error, created_at, sent_at, "
            "platform_message_id FROM outbox WHERE case_id = ? ORDER BY id",
            (case_id,),
        )
        return [
            {
                "id": int(i),
                "kind": kind,
                "state": state,
                "attempts": int(attempts),
                "last_error": error,
                "created_at": from_epoch(created),
                "sent_at": from_epoch(sent) if sent is not None else None,
                "platform_message_id": message_id,
            }
            for i, kind, state, attempts, error, created, sent, message_id in rows
        ]


def _due(head: _Row, t: float, digest_delay: float) -> bool:
    if head.state == "sending":
        return head.claimed_until is None or head.claimed_until <= t
    if head.next_attempt_at > t:
        return False
    if head.kind == "digest" and head.batch_id is None and head.attempts == 0:
        return head.created_at + digest_delay <= t  # still collecting the rest of the flood
    return True
