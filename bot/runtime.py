"""Assembles a running watchkeeper: store, scorer, engine, delivery worker, heartbeat.

Adapters get a ``Runtime`` and use ``runtime.engine``; they register their alert sink
before ``start()``. ``close()`` flushes buffered messages and gives pending alerts a
last chance to go out before the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from bot.audit import audit_config
from bot.config import Settings
from bot.engine import Engine
from bot.heartbeat import HEARTBEAT_FILE, HEARTBEAT_SECONDS
from bot.outbox import AlertSink, OutboxWorker
from bot.retention import purge_periodically
from bot.scoring import load_scorer
from bot.store import SqlStore, store_for

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, store: SqlStore | None = None) -> None:
        self.settings = settings
        self.store = store or store_for(settings.storage)
        self.engine = Engine(settings, self.store, load_scorer(settings))
        self.sinks: dict[str, AlertSink] = {}
        self.worker = OutboxWorker(self.store, self.sinks, self.engine.delivery_wakeup)
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def heartbeat_path(self) -> Path:
        return self.settings.storage.data_dir / HEARTBEAT_FILE

    def add_sink(self, sink: AlertSink) -> None:
        self.sinks[sink.platform] = sink

    async def start(self) -> None:
        await self.store.open()
        await audit_config(self.store, self.settings)
        self._tasks = [
            asyncio.create_task(self.worker.run(), name="outbox"),
            asyncio.create_task(self._heartbeat(), name="heartbeat"),
            asyncio.create_task(self._flusher(), name="flusher"),
            asyncio.create_task(purge_periodically(self.store, self.settings), name="retention"),
        ]

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

    async def _heartbeat(self) -> None:
        self.heartbeat_path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            self.heartbeat_path.write_text(f"{time.time():.0f}\n")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            await self.engine.flush()
