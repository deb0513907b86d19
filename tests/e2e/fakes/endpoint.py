"""A fake moderator channel over HTTP on 127.0.0.1, and the test sink that posts to it.

Two flavours of platform, by the first path segment:

- ``/nonce/...`` deduplicates posts by idempotency key, the way Discord's
  ``enforce_nonce`` does: the same key again returns the message already created.
- ``/plain/...`` creates a message for every post, like a platform without keys;
  its sink must look (``GET ...?key=``) before re-sending.

Faults are injected at random (seeded): 429 with ``retry_after``, 500 before the
message is stored, and 500 *after* it is stored (the caller cannot know it went
through). A stored post is answered only after a short delay, so a process killed in
that window has reached the platform without learning it.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.models import Case
from bot.outbox import DeliveryError


@dataclass
class Faults:
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_500_after: float = 0.0
    """A 500 after the message was stored: the post did happen."""
    storm: int = 0
    """The first ``storm`` requests all fail (429 and 500 in turn)."""
    delay: tuple[float, float] = (0.0, 0.0)
    seed: int = 7


@dataclass
class Posted:
    id: str
    flavour: str
    space: str
    key: str
    kind: str
    cases: list[int]


@dataclass
class FakeEndpoint:
    faults: Faults = field(default_factory=Faults)
    messages: list[Posted] = field(default_factory=list)
    edits: list[tuple[str, int]] = field(default_factory=list)
    requests: int = 0
    posts: int = 0
    failed: dict[str, int] = field(default_factory=lambda: {"429": 0, "500": 0, "500-after": 0})
    in_flight: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._random = random.Random(self.faults.seed)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeEndpoint:
        app = web.Application()
        app.router.add_post("/{flavour}/spaces/{space}/messages", self._post)
        app.router.add_get("/{flavour}/spaces/{space}/messages", self._lookup)
        app.router.add_patch("/{flavour}/spaces/{space}/messages/{id}", self._edit)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _fault(self) -> web.Response | None:
        self.requests += 1
        if self.requests <= self.faults.storm:
            return self._fail("429" if self.requests % 2 else "500")
        roll = self._random.random()
        if roll < self.faults.rate_429:
            return self._fail("429")
        if roll < self.faults.rate_429 + self.faults.rate_500:
            return self._fail("500")
        return None

    def _fail(self, kind: str) -> web.Response:
        self.failed[kind] += 1
        if kind == "429":
            return web.json_response({"message": "slow down", "retry_after": 0.05}, status=429)
        return web.json_response({"message": "oops"}, status=500)

    async def _post(self, request: web.Request) -> web.Response:
        fault = self._fault()
        if fault is not None:
            return fault
        body = await request.json()
        flavour, space = request.match_info["flavour"], request.match_info["space"]
        self.posts += 1
        existing = next(
            (m for m in self.messages if m.key == body["key"] and flavour == "nonce"), None
        )
        posted = existing or Posted(
            f"{flavour}-{len(self.messages) + 1}",
            flavour,
            space,
            body["key"],
            body["kind"],
            list(body["cases"]),
        )
        if existing is None:
            self.messages.append(posted)
        self.in_flight += 1
        try:
            await asyncio.sleep(self._random.uniform(*self.faults.delay))
        finally:
            self.in_flight -= 1
        if self._random.random() < self.faults.rate_500_after:
            self.failed["500-after"] += 1
            return web.json_response({"message": "stored, then failed"}, status=500)
        return web.json_response({"id": posted.id})

    async def _lookup(self, request: web.Request) -> web.Response:
        fault = self._fault()
        if fault is not None:
            return fault
        key = request.query.get("key", "")
        found = next((m.id for m in self.messages if m.key == key), None)
        return web.json_response({"id": found})

    async def _edit(self, request: web.Request) -> web.Response:
        fault = self._fault()
        if fault is not None:
            return fault
        body = await request.json()
        self.edits.append((request.match_info["id"], int(body["case"])))
        return web.json_response({"id": request.match_info["id"]})

    def created(self, flavour: str, space: str) -> list[Posted]:
        return [m for m in self.messages if m.flavour == flavour and m.space == space]


class HttpSink:
    """The alert sink of a platform that deduplicates by key (``/nonce``)."""

    flavour = "nonce"

    def __init__(self, platform: str, base_url: str) -> None:
        self.platform = platform
        self.base = f"{base_url}/{self.flavour}/spaces"
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        try:
            async with self.session.request(method, url, **kw) as response:
                body = await response.json()
                if response.status == 429:
                    raise DeliveryError("429", retry_after=float(body.get("retry_after", 1)))
                if response.status >= 500:
                    raise DeliveryError(f"HTTP {response.status}")
                if response.status >= 400:
                    raise DeliveryError(f"HTTP {response.status}", retryable=False)
                return body
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"network: {exc}") from None

    async def _create(self, space: str, kind: str, cases: list[Case], key: str) -> str:
        body = {"key": key, "kind": kind, "cases": [c.number for c in cases]}
        return str((await self._call("POST", f"{self.base}/{space}/messages", json=body))["id"])

    async def post(self, case: Case, idempotency_key: str) -> str:
        return await self._create(case.space_id, "post", [case], idempotency_key)

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        return await self._create(space_id, "digest", cases, idempotency_key)

    async def update(self, case: Case, platform_message_id: str) -> None:
        url = f"{self.base}/{case.space_id}/messages/{platform_message_id}"
        await self._call("PATCH", url, json={"case": case.number, "state": case.state.value})


class LookupHttpSink(HttpSink):
    """A platform without idempotency keys (``/plain``): look before re-sending."""

    flavour = "plain"

    async def find_posted(self, space_id: str, idempotency_key: str) -> str | None:
        found = await self._call(
            "GET", f"{self.base}/{space_id}/messages", params={"key": idempotency_key}
        )
        return found["id"]
