"""A platform's webhook receiver on 127.0.0.1: records every alert, checks signatures.

It can refuse the first few requests (``fail_first``) with 503, to show that the
outbox retries, and it deduplicates by ``X-Watchkeeper-Delivery`` the way the docs
tell receivers to, while counting the duplicates it saw.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from adapters.http.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


@dataclass
class Received:
    delivery: str
    event: dict[str, Any]
    signed: bool


@dataclass
class FakeWebhook:
    secret: str
    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    refused_deliveries: list[str] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> FakeWebhook:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.refused < self.fail_first:
            self.refused += 1
            self.refused_deliveries.append(request.headers.get(DELIVERY_HEADER, ""))
            return web.json_response({"error": "try later"}, status=503)
        signed = verify(
            self.secret.encode(),
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
        )
        delivery = request.headers.get(DELIVERY_HEADER, "")
        async with self._arrived:
            self.received.append(Received(delivery, json.loads(body), signed))
            self._arrived.notify_all()
        return web.json_response({"id": f"hook-{delivery}"})

    def events(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.event["type"] == kind]

    async def wait_for(self, kind: str, count: int, within: float = 20.0) -> list[Received]:
        async def enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.events(kind)) >= count)

        await asyncio.wait_for(enough(), within)
        return self.events(kind)
