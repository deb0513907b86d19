"""Delivery of stored alerts to the moderators, with retries: nothing lost, nothing twice.

Every alert is written to the store (with a delivery job) before any platform call.
This worker claims the oldest job of each space (so alerts leave in case order per
space), sends it, and records the platform's message id. Rate limits, server and
network errors, and even errors the sink calls permanent (a missing permission)
delay a job with exponential backoff; nothing is ever dropped. A job pending for
longer than ``STALE_AFTER`` is logged once and reported by ``watchkeeper check``.

Exactly once across crashes: a claim counts an attempt before the platform is
called, so a job that was (or may have been) tried before is sent again with the
same idempotency key, which a platform that deduplicates (Discord's ``nonce`` with
``enforce_nonce``) turns into a no-op; a sink whose platform cannot deduplicate
implements ``find_posted`` and the worker asks it before re-sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot import metrics
from bot.clock import utcnow
from bot.models import Case
from bot.reminders import reminder_text
from bot.store import SqlStore
from bot.store.casework import REMINDER
from bot.store.delivery import Claim

log = logging.getLogger(__name__)

BASE_BACKOFF = 1.0
MAX_BACKOFF = 300.0
LEASE_SECONDS = 120.0
"""How long a claim holds a job; a claim older than this is taken over by another worker."""
DIGEST_DELAY_SECONDS = 60.0
"""A digest waits this long after its first case, to list the rest of the flood too."""
STALE_AFTER = timedelta(minutes=30)
"""A job pending longer than this is reported by ``watchkeeper check`` and the log."""
STALE_CHECK_SECONDS = 60.0


class DeliveryError(Exception):
    """A failed delivery. ``retryable`` errors are expected to pass by themselves (429,
    5xx, network); the others need a person (a permission), but are retried too."""

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


@runtime_checkable
class Reminder(Protocol):
    """Optional: sinks that can reply to an alert (``bot.reminders``)."""

    async def remind(self, case: Case, platform_message_id: str, text: str, key: str) -> str:
        """Reply to the alert ``platform_message_id`` with ``text``, pinging the
        moderators, in the moderators' channel only; returns the reply's id."""
        ...


@runtime_checkable
class PostLookup(Protocol):
    """Optional, for sinks whose platform cannot deduplicate a retried post by key (or
    only for a while, as Discord's nonce): find an earlier post carrying the key (in
    message metadata, an embed footer) before sending it again."""

    async def find_posted(self, space_id: str, idempotency_key: str) -> str | None:
        """The platform message id of an earlier post with this key, if there is one."""
        ...


def backoff(
    attempts: int,
    retry_after: float | None = None,
    base: float = BASE_BACKOFF,
    ceiling: float = MAX_BACKOFF,
) -> float:
    delay = min(ceiling, base * (2 ** max(attempts, 0)))
    return max(delay, retry_after or 0.0)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class OutboxWorker:
    def __init__(
        self,
        store: SqlStore,
        sinks: dict[str, AlertSink],
        wakeup: asyncio.Event | None = None,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 1.0,
        *,
        lease_seconds: float = LEASE_SECONDS,
        digest_delay: float = DIGEST_DELAY_SECONDS,
        base_backoff: float = BASE_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        name: str | None = None,
    ) -> None:
        self.store = store
        self.sinks = sinks
        self.wakeup = wakeup or asyncio.Event()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.digest_delay = digest_delay
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.name = name or worker_name()
        self._reported: set[int] = set()
        self._last_stale_check: datetime | None = None
        self._stopping = False

    def stop(self) -> None:
        """Let ``run()`` return once the delivery under way is recorded: a send cut off
        by cancellation would keep its claim until the lease ran out."""
        self._stopping = True
        self.wakeup.set()

    async def recover(self) -> int:
        """After a restart: take back the jobs a dead process had claimed. They keep their
        attempt count, so they are re-checked before being sent again."""
        now = None if self.store.single_process else self.clock()
        released = await self.store.release_claims(now)
        if released:
            log.info("%d interrupted delivery job(s) will be re-checked and resent", released)
        return released

    async def run(self) -> None:
        """Deliver until cancelled."""
        await self.recover()
        while not self._stopping:
            await self.deliver_due()
            await self.report_stale()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self.poll_seconds)
            self.wakeup.clear()

    async def drain(self) -> int:
        """At shutdown: send what is due, digests included without their wait."""
        return await self.deliver_due(digest_delay=0.0)

    async def deliver_due(self, digest_delay: float | None = None) -> int:
        """Send every job that is due now, space heads first; returns how many were sent."""
        delay = self.digest_delay if digest_delay is None else digest_delay
        delivered = 0
        while True:
            claims = await self.store.claim_deliveries(
                self.name, self.clock(), list(self.sinks), self.lease_seconds, delay
            )
            if not claims:
                return delivered
            # Different spaces go out concurrently; within a space, one job at a time.
            results = await asyncio.gather(*(self._deliver(claim) for claim in claims))
            sent = sum(results)
            delivered += sent
            if not sent:
                return delivered

    async def _deliver(self, claim: Claim) -> bool:
        sink = self.sinks[claim.lead.platform]
        cases = [case for job in claim.jobs if (case := await self.store.get_case(job.case_id))]
        try:
            message_id = await self._send(sink, claim, cases)
        except DeliveryError as exc:
            return await self._failed(claim, str(exc), exc.retryable, exc.retry_after)
        except (OSError, TimeoutError) as exc:
            return await self._failed(claim, f"network error: {exc!r}", True, None)
        except Exception as exc:  # a sink bug must not stop delivery for every space
            log.exception("delivery %d: the %s sink failed", claim.lead.id, claim.lead.platform)
            return await self._failed(claim, f"{type(exc).__name__}: {exc}", False, None)
        rendered = cases[0].updated_at if claim.kind == "update" and cases else None
        await self.store.mark_delivered(claim, message_id, self.clock(), rendered)
        metrics.delivered(claim.lead.platform, claim.kind)
        numbers = ", ".join(str(case.number) for case in cases) or "purged"
        log.info("delivered %s for case %s (%s)", claim.kind, numbers, claim.lead.space_id)
        self._reported.difference_update(job.id for job in claim.jobs)
        return True

    async def _send(self, sink: AlertSink, claim: Claim, cases: list[Case]) -> str | None:
        if not cases:
            return None  # purged meanwhile: nothing left to show
        if claim.kind in ("post", "digest") and claim.maybe_sent and isinstance(sink, PostLookup):
            found = await sink.find_posted(claim.lead.space_id, claim.key)
            if found is not None:
                log.info("delivery %d had reached the platform before: not resent", claim.lead.id)
                return found
        if claim.kind == REMINDER:
            case = cases[0]
            text = reminder_text(case, self.clock())
            if text is None or not case.platform_message_id or not isinstance(sink, Reminder):
                return None  # acted on meantime, listed in a digest, or a sink without replies
            return await sink.remind(case, case.platform_message_id, text, claim.key)
        if claim.kind == "post":
            return await sink.post(cases[0], claim.key)
        if claim.kind == "digest":
            return await sink.post_digest(claim.lead.space_id, cases, claim.key)
        case = cases[0]
        if case.platform_message_id:
            if await self.store.last_rendered(case.id) == case.updated_at:
                return case.platform_message_id  # already shows this version of the case
            await sink.update(case, case.platform_message_id)
            return case.platform_message_id
        return None  # listed in a digest: there is no alert of its own to edit

    async def _failed(
        self, claim: Claim, error: str, retryable: bool, retry_after: float | None
    ) -> bool:
        attempts = max(job.attempts for job in claim.jobs)
        ceiling = self.max_backoff
        delay = backoff(attempts, retry_after, self.base_backoff, ceiling)
        if not retryable:
            delay = max(delay, min(ceiling, 60.0))  # a person must act; keep trying, gently
        await self.store.mark_retry(claim, error, self.clock() + timedelta(seconds=delay))
        metrics.delivery_failed(claim.lead.platform, retryable)
        log.warning(
            "delivery %d (%s, space %s) failed: %s; retrying in %.1fs",
            claim.lead.id,
            claim.kind,
            claim.lead.space_id,
            error,
            delay,
        )
        if not retryable and claim.lead.id not in self._reported:
            self._reported.add(claim.lead.id)
            log.error("delivery %d needs attention: %s", claim.lead.id, error)
        return False

    async def report_stale(self) -> int:
        """Log, once per job, the alerts that have waited longer than ``STALE_AFTER``."""
        now = self.clock()
        if self._last_stale_check and now - self._last_stale_check < timedelta(
            seconds=STALE_CHECK_SECONDS
        ):
            return 0
        self._last_stale_check = now
        fresh = [
            job
            for job in await self.store.stale_deliveries(now - STALE_AFTER)
            if job.id not in self._reported
        ]
        for job in fresh:
            self._reported.add(job.id)
            minutes = (now - job.created_at).total_seconds() / 60
            log.error(
                "the %s of case %d (%s %s) has waited %.0f minutes for delivery after %d "
                "attempt(s): %s",
                job.kind,
                job.number,
                job.platform,
                job.space_id,
                minutes,
                job.attempts,
                job.last_error or "no platform configured for it",
            )
        return len(fresh)
