"""Scores the messages the HTTP API accepted, one process per space at a time.

Every process that accepts messages runs an ``InboxConsumer``. A consumer scores a
space only while it holds the space's lease (``bot/store/inbox.py``): it takes the
lease for a space it accepted messages for itself (with a load balancer that routes by
API key, that is the process the space's traffic goes to), or for any space whose
messages have waited unclaimed longer than ``orphan_after`` (their process died or
does not consume). So every space has one scorer, its conversations live in that
process's memory, and several processes produce the cases one process would.

When a lease comes back after another process held it, the consumer drops what it
remembered of the space (``Engine.forget_space``), and the engine rebuilds each
conversation from the store's window, as after a restart.

A batch costs two statements on the store: one takes the oldest messages of every space
this process holds (``inbox.take``: the lease table says which, in the same query), one
writes the results (windows, latest scores, and the inbox rows deleted, all or nothing:
``Engine.flush(done=...)``). Leases are renewed every third of their time in one
statement, a space this process was told about is taken in one (and, if another
process holds it, not asked for again for a third of a lease), and the inbox is
searched for orphaned spaces at most every half ``orphan_after``.

No message can stop scoring: one that cannot be read back, or on which scoring
fails, is set aside in the dead-letter table with the reason
(``bot/store/deadletters.py``) and the messages behind it are scored. Only the store
being unavailable makes a round wait and retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot import metrics
from bot.clock import utcnow
from bot.engine import Engine
from bot.models import Message
from bot.store import SqlStore, deadletters
from bot.store import inbox as queue
from bot.store.base import is_transient

log = logging.getLogger(__name__)

Space = tuple[str, str]


def process_name() -> str:
    """Unique per process, readable in the lease table: host, pid, a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class InboxConsumer:
    def __init__(
        self,
        store: SqlStore,
        engine: Engine,
        owner: str | None = None,
        *,
        lease_seconds: float = 15.0,
        batch: int = 500,
        poll_seconds: float = 0.1,
        orphan_after: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.engine = engine
        self.owner = owner or process_name()
        self.lease_seconds = lease_seconds
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.orphan_after = timedelta(seconds=orphan_after)
        self.clock = clock
        self.wakeup = asyncio.Event()
        self.accepted = queue.Accepted()
        """What this process put in the inbox (``queue.put(..., consumer.accepted)``):
        taken back without decoding."""
        self._hints: set[Space] = set()
        self._leases: dict[Space, tuple[int, datetime]] = {}
        """Spaces held: the lease generation and when it runs out."""
        self._known: dict[Space, int] = {}
        """The generation under which this process's memory of a space was built."""
        self._stopping = False
        self._last_renewal = datetime.min.replace(tzinfo=self.clock().tzinfo)
        self._last_orphan_search = self._last_renewal
        self._refused: dict[Space, datetime] = {}
        """Spaces told about that another process held when asked, and until when not
        to ask again (behind a round-robin load balancer every process hears of every
        space, on every request)."""

    def notify(self, spaces: Iterable[Space]) -> None:
        """This process accepted messages for ``spaces``: score them soon."""
        self._hints.update(spaces)
        self.wakeup.set()

    async def run(self) -> None:
        """Score until ``stop()``; a failed round is logged and retried."""
        failures = 0
        while not self._stopping:
            try:
                busy = await self.step()
                failures = 0
            except Exception as exc:  # a round must never end scoring for good
                failures += 1
                if is_transient(exc):
                    log.warning("inbox: store unavailable (%s); retrying", type(exc).__name__)
                else:
                    log.error("inbox: scoring round failed (%s); retrying", type(exc).__name__)
                    log.debug("inbox: the failure", exc_info=True)
                await asyncio.sleep(min(5.0, self.poll_seconds * 2**failures))
                busy = 0
            if busy or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self.poll_seconds)
            self.wakeup.clear()

    async def stop(self) -> None:
        """Ask ``run()`` to return after the batch under way."""
        self._stopping = True
        self.wakeup.set()

    async def release(self) -> None:
        """After ``run()`` returned: write out what was scored, give the leases back
        (other processes take the spaces over at once) and forget the spaces."""
        await self.engine.flush()
        with contextlib.suppress(OSError, TimeoutError):
            await queue.release_all(self.store, self.owner, self.clock())
        for space in self._leases:
            await self.engine.forget_space(*space)
        self._leases.clear()
        self._known.clear()

    async def step(self) -> int:
        """One round over the waiting spaces; returns how many messages were scored."""
        now = self.clock()
        if now - self._last_renewal > timedelta(seconds=self.lease_seconds / 3):
            await self._renew(now)
        hints, self._hints = self._hints, set()
        for space in hints:
            if self._refused.get(space, now) > now:
                continue
            if await self._hold(space, now):
                self._refused.pop(space, None)
            else:
                self._refused[space] = now + timedelta(seconds=self.lease_seconds / 3)
        if now - self._last_orphan_search >= self.orphan_after / 2:
            self._last_orphan_search = now
            for waiting in await queue.pending(self.store):
                space = (waiting.platform, waiting.space_id)
                if space not in self._leases and now - waiting.oldest >= self.orphan_after:
                    await self._hold(space, now)
        if not self._leases or self._stopping:
            return 0
        batch = await queue.take(
            self.store, self.owner, now, self.lease_seconds / 2, self.batch, self.accepted
        )
        for space, generation in batch.generations.items():
            await self._adopt(space, generation)
        poisoned: list[queue.Taken] = []
        reasons: list[str] = []
        readable: dict[int, queue.Taken] = {}
        for item in batch.taken:
            if item.message is None:
                poisoned.append(item)
                reasons.append(item.problem or "unreadable")
            else:
                readable[id(item.message)] = item

        def failed(message: Message, exc: Exception) -> None:
            if is_transient(exc):
                raise exc  # the store, not the message: the whole round is retried
            poisoned.append(readable.pop(id(message)))
            reasons.append(f"scoring failed: {type(exc).__name__}: {exc}")

        await self.engine.ingest_many(
            [item.message for item in readable.values() if item.message is not None], failed
        )
        if poisoned:
            await self._set_aside(poisoned, reasons)
        # The windows and the inbox in one write: whoever scores these spaces next finds
        # the messages in the windows, and a crash before it leaves them in the inbox.
        await self.engine.flush(done=[item.id for item in readable.values()])
        return len(batch.taken)

    async def _set_aside(self, poisoned: list[queue.Taken], reasons: list[str]) -> None:
        for item, reason in zip(poisoned, reasons, strict=True):
            # The reason can quote the message: only its kind goes to the log.
            log.warning(
                "inbox: message %d of %s/%s set aside as a dead letter (%s)",
                item.id,
                item.platform,
                item.space_id,
                reason.split(":")[0],
            )
        metrics.dead_letters(len(poisoned))
        letters = [item.dead_letter(reason) for item, reason in zip(poisoned, reasons, strict=True)]
        await deadletters.set_aside(
            self.store, letters, [item.id for item in poisoned], self.clock()
        )

    async def _hold(self, space: Space, now: datetime) -> bool:
        """Make sure this process holds the space for at least half a lease more."""
        held = self._leases.get(space)
        if held is not None and held[1] - now > timedelta(seconds=self.lease_seconds / 2):
            return True
        generation = await queue.acquire(self.store, *space, self.owner, now, self.lease_seconds)
        if generation is None:
            self._leases.pop(space, None)
            return False
        await self._adopt(space, generation)
        self._leases[space] = (generation, now + timedelta(seconds=self.lease_seconds))
        return True

    async def _adopt(self, space: Space, generation: int) -> None:
        if self._known.get(space, generation) != generation:
            log.info("inbox: took over %s/%s from another process", *space)
            await self.engine.forget_space(*space)
        self._known[space] = generation

    async def _renew(self, now: datetime) -> None:
        live = await queue.renew_all(self.store, self.owner, now, self.lease_seconds)
        until = now + timedelta(seconds=self.lease_seconds)
        for space, generation in live.items():
            await self._adopt(space, generation)
        self._leases = {space: (generation, until) for space, generation in live.items()}
        self._last_renewal = now
        self._refused = {space: until for space, until in self._refused.items() if until > now}
