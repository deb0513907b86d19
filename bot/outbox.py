"""Delivery of stored alerts to the moderators, with retries: nothing lost.

Every alert is written to the store (with a delivery job) before any platform call.
This worker sends pending jobs in order per space, retries with exponential backoff
on rate limits, server and network errors, and records the platform's message id
on success. A restart simply resumes the pending jobs; sinks make a retried post
idempotent where their platform allows (a nonce, message metadata).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import utcnow
from bot.models import Case, Delivery
from bot.store import SqlStore

log = logging.getLogger(__name__)

BASE_BACKOFF = 1.0
MAX_BACKOFF = 300.0
STALE_AFTER = timedelta(minutes=30)
"""A job pending longer than this is reported by ``watchkeeper check`` and the log."""


class DeliveryError(Exception):
    """A failed delivery. ``retryable`` errors are tried again later."""

    def __init__(self, message: str, retryable: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class AlertSink(Protocol):
    """What an adapter provides to show alerts in its moderator channel."""

    platform: str

    async def post(self, case: Case, idempotency_key: str) -> str:
        """Post a new alert; returns the platform's message id. Posting twice with the
        same key must not show two alerts where the platform can prevent it."""
        ...

    async def update(self, case: Case, platform_message_id: str) -> None:
        """Re-render an alert already posted (new level, a decision)."""
        ...

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        """One message listing cases opened while the space was over its flood limit."""
        ...


def backoff(attempts: int, retry_after: float | None = None) -> float:
    delay = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(attempts, 0)))
    return max(delay, retry_after or 0.0)


class OutboxWorker:
    def __init__(
        self,
        store: SqlStore,
        sinks: dict[str, AlertSink],
        wakeup: asyncio.Event | None = None,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self.sinks = sinks
        self.wakeup = wakeup or asyncio.Event()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._stale_reported: set[int] = set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            await self.deliver_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self.poll_seconds)
            self.wakeup.clear()

    async def deliver_due(self) -> int:
        """Send every job that is due now; returns how many were delivered."""
        delivered = 0
        while True:
            jobs = [
                j for j in await self.store.due_deliveries(self.clock()) if j.platform in self.sinks
            ]
            if not jobs:
                return delivered
            progress = False
            failed_spaces: set[tuple[str, str]] = set()
            for job in jobs:
                space = (job.platform, job.space_id)
                if space in failed_spaces:
                    continue
                if await self._deliver(job):
                    delivered += 1
                    progress = True
                else:
                    failed_spaces.add(space)
            if not progress:
                return delivered

    async def _deliver(self, job: Delivery) -> bool:
        sink = self.sinks[job.platform]
        case = await self.store.get_case(job.case_id)
        if case is None:  # purged meanwhile
            await self.store.mark_delivered(job, None, self.clock())
            return True
        key = f"wk-{job.id}"
        try:
            if job.kind == "post":
                message_id: str | None = await sink.post(case, key)
            elif job.kind == "digest":
                message_id = await sink.post_digest(job.space_id, [case], key)
            elif case.platform_message_id:
                await sink.update(case, case.platform_message_id)
                message_id = case.platform_message_id
            else:
                message_id = None  # listed in a digest: there is no alert of its own to edit
        except DeliveryError as exc:
            return await self._failed(job, str(exc), exc.retryable, exc.retry_after)
        except (OSError, TimeoutError) as exc:
            return await self._failed(job, f"network error: {exc}", True, None)
        await self.store.mark_delivered(job, message_id, self.clock())
        log.info("delivered %s for case %d", job.kind, case.number)
        return True

    async def _failed(
        self, job: Delivery, error: str, retryable: bool, retry_after: float | None
    ) -> bool:
        now = self.clock()
        delay = backoff(job.attempts, retry_after)
        await self.store.mark_retry(job, error, now + timedelta(seconds=delay))
        level = logging.WARNING if retryable else logging.ERROR
        log.log(
            level,
            "delivery %d (case id %d) failed: %s; retrying in %.0fs",
            job.id,
            job.case_id,
            error,
            delay,
        )
        if not retryable and job.id not in self._stale_reported:
            self._stale_reported.add(job.id)
            log.error("delivery %d needs attention: %s", job.id, error)
        return False
