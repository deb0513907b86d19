"""Who is calling, and whether they may right now: API keys and per-key rate limits.

A verified key is remembered for ``CACHE_SECONDS`` so a busy client costs one hash,
not one query, per request (so a revoked key stops working within that time).
Rate limits are token buckets per key and per process: behind a load balancer with
N processes a key gets up to N times its limit, which the docs say. A key created with
its own limit (``apikey create --rate-limit``) has that one instead of the configured
``http.rate_limit_per_minute``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from aiohttp import web

from adapters.http.errors import ApiError
from bot.store import SqlStore
from bot.store.apikeys import ApiKey, authenticate

CACHE_SECONDS = 10.0


class KeyRing:
    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._cache: dict[str, tuple[ApiKey, float]] = {}

    async def require(self, request: web.Request) -> ApiKey:
        """The caller's key, or a 401."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("send an API key: Authorization: Bearer wk_...")
        token = token.strip()
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and now - cached[1] < CACHE_SECONDS:
            return cached[0]
        key = await authenticate(self.store, token)
        if key is None:
            self._cache.pop(digest, None)
            raise _unauthorized("the API key is not valid (unknown, revoked or mistyped)")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (key, now)
        return key


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="watchkeeper"'})


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` tokens per key (or the key's own limit), refilled continuously; a
    burst may use them all."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}

    def charge(self, key_id: str, cost: int = 1, per_minute: int | None = None) -> None:
        """Take ``cost`` tokens, or raise 429 saying when enough will be back."""
        capacity = float(per_minute or self.per_minute)
        rate = capacity / 60.0
        now = time.monotonic()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if cost <= bucket.tokens:
            bucket.tokens -= cost
            return
        wait = math.ceil((min(cost, capacity) - bucket.tokens) / rate)
        raise ApiError(
            429,
            f"rate limit of {int(capacity)} per minute reached; retry in {wait}s",
            headers={"Retry-After": str(max(wait, 1))},
        )
