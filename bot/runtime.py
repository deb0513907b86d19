"""Assembles a running watchkeeper: store, scorer, engine, delivery worker, heartbeat.

Adapters get a ``Runtime`` and use ``runtime.engine``; they register their alert sink
before ``start()``. ``close()`` flushes buffered messages and gives pending alerts a
last chance to go out before the store closes.

The background tasks (delivery, scoring the inbox, flushing, retention) run under
``supervise``: a task that fails is logged, counted, reported as down (``/readyz``
answers 503 and ``watchkeeper health`` fails, through the heartbeat file) and
restarted with a growing delay; it counts as up again once it has run ``SETTLE_SECONDS``
without failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import metrics
from bot.audit import audit_config
from bot.config import Settings
from bot.engine import Engine
from bot.heartbeat import HEARTBEAT_FILE, HEARTBEAT_SECONDS, heartbeat_text
from bot.outbox import AlertSink, OutboxWorker
from bot.reminders import remind_periodically
from bot.retention import purge_periodically
from bot.scoring import load_scorer
from bot.store import SqlStore, store_for

log = logging.getLogger(__name__)

SETTLE_SECONDS = 30.0
"""A restarted task that runs this long without failing counts as up again."""
MAX_RESTART_DELAY = 60.0


class Runtime:
    def __init__(self, settings: Settings, store: SqlStore | None = None) -> None:
        self.settings = settings
        self.store = store or store_for(settings.storage)
        self.engine = Engine(settings, self.store, load_scorer(settings))
        self.sinks: dict[str, AlertSink] = {}
        self.worker = OutboxWorker(self.store, self.sinks, self.engine.delivery_wakeup)
        self._tasks: list[asyncio.Task[None]] = []
        self.down: dict[str, str] = {}
        """Supervised tasks that failed and have not yet run a while again: why."""
        self._last_failure: dict[str, BaseException] = {}

    @property
    def heartbeat_path(self) -> Path:
        return self.settings.storage.data_dir / HEARTBEAT_FILE

    def add_sink(self, sink: AlertSink) -> None:
        self.sinks[sink.platform] = sink

    async def start(self) -> None:
        await self.store.open()
        await audit_config(self.store, self.settings)
        self._tasks = [
            self.supervise("outbox", self.worker.run),
            asyncio.create_task(self._heartbeat(), name="heartbeat"),
            self.supervise("flusher", self._flusher),
            self.supervise("retention", lambda: purge_periodically(self.store, self.settings)),
            self.supervise("reminders", self._reminders),
        ]

    async def _reminders(self) -> None:
        await remind_periodically(self.store, self.settings, self.engine.delivery_wakeup)

    def supervise(self, name: str, run: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``run()`` as a task named ``name``, restarting it whenever it fails; the
        task ends when ``run()`` returns (asked to stop) or is cancelled."""
        return asyncio.create_task(self._supervised(name, run), name=name)

    async def _supervised(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        delay = 1.0
        while True:
            started = time.monotonic()
            try:
                await run()
                return
            except Exception as exc:
                if time.monotonic() - started > SETTLE_SECONDS:
                    delay = 1.0
                self._last_failure[name] = exc
                self.down[name] = f"failed ({type(exc).__name__}), restarting"
                why = type(exc).__name__
                log.error("task %s failed (%s); restarting in %.0f s", name, why, delay)
                log.debug("task %s: the failure", name, exc_info=True)
                metrics.task_restarted(name)
                self._beat()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RESTART_DELAY)
                asyncio.get_running_loop().call_later(SETTLE_SECONDS, self._settled, name, exc)

    def _settled(self, name: str, failure: BaseException) -> None:
        """``name`` ran ``SETTLE_SECONDS`` since restarting after ``failure``: up again,
        unless it failed once more meanwhile (then a later call clears it)."""
        if self._last_failure.get(name) is failure:
            self.down.pop(name, None)
            self._beat()

    async def close(self, drain_seconds: float = 5.0) -> None:
        """Flush buffered state, deliver what is due (briefly), and close the store."""
        await self.engine.flush()
        self.worker.stop()
        delivering = [task for task in self._tasks if task.get_name() == "outbox"]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*delivering, return_exceptions=True), timeout=drain_seconds
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.worker.drain(), timeout=drain_seconds)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.close()

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _beat(self) -> None:
        with contextlib.suppress(OSError):  # a full disk must not stop the bot
            self.heartbeat_path.write_text(heartbeat_text(time.time(), self.down))

    async def _heartbeat(self) -> None:
        self.heartbeat_path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            self._beat()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            await self.engine.flush()
