"""Alerts for the API's spaces, POSTed to the platform's webhook, signed.

Each request carries:

- ``X-Watchkeeper-Timestamp``: seconds since the epoch when it was signed;
- ``X-Watchkeeper-Signature: sha256=<hex>``: HMAC-SHA256, keyed with the webhook
  secret, of ``<timestamp>.`` followed by the exact body bytes (the timestamp is
  signed too, so a captured request cannot be replayed later with a new one);
- ``X-Watchkeeper-Delivery`` (and ``Idempotency-Key``): the same on every retry of one
  alert (or alert update), so the receiver can drop a duplicate, and different for
  every other: it is derived from the case's creation time (to the microsecond), its
  id and the outbox job, so two installations, or one whose database was reset, never
  send the same id for different alerts.

Delivery goes through the outbox: a 429 or 5xx answer, a timeout or a refused
connection is retried with backoff; other 4xx answers need the admin's attention.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp

from adapters.http.payloads import case_json
from bot.clock import to_epoch
from bot.models import Case
from bot.outbox import DeliveryError
from bot.store.apikeys import API_PLATFORM

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Watchkeeper-Signature"
TIMESTAMP_HEADER = "X-Watchkeeper-Timestamp"
DELIVERY_HEADER = "X-Watchkeeper-Delivery"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


MAX_AGE_SECONDS = 300


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    header: str,
    max_age: float = MAX_AGE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does (and the tests): refuse a timestamp more than ``max_age``
    seconds away (a captured request replayed later), then recompute the signature and
    compare in constant time."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > max_age:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def delivery_id(case: Case, key: str) -> str:
    """The delivery id of one alert or update of ``case``: stable across its retries
    (``key`` is), unique across installations and database resets (the case's
    creation time is part of it)."""
    seed = f"{to_epoch(case.created_at):.6f}|{case.id}|{key}"
    return "wk-" + hashlib.sha256(seed.encode()).hexdigest()[:32]


class WebhookSink:
    """``AlertSink`` for the HTTP API's platform: the "moderator channel" is a URL."""

    platform = API_PLATFORM

    def __init__(self, url: str, secret: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.secret = secret.encode()
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def post(self, case: Case, idempotency_key: str) -> str:
        delivery = delivery_id(case, idempotency_key)
        event = {"type": "case.opened", "delivery": delivery, "case": case_json(case)}
        answer = await self._send(event, delivery)
        return str(answer.get("id") or delivery)

    async def update(self, case: Case, platform_message_id: str) -> None:
        key = delivery_id(case, f"{platform_message_id}:update:{to_epoch(case.updated_at):.6f}")
        event = {
            "type": "case.updated",
            "delivery": key,
            "alert": platform_message_id,
            "case": case_json(case),
        }
        await self._send(event, key)

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        delivery = delivery_id(cases[0], idempotency_key)
        event = {
            "type": "cases.digest",
            "delivery": delivery,
            "space": space_id,
            "cases": [case_json(c) for c in cases],
        }
        answer = await self._send(event, delivery)
        return str(answer.get("id") or delivery)

    async def _send(self, event: dict[str, Any], key: str) -> dict[str, Any]:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            DELIVERY_HEADER: key,
            "Idempotency-Key": key,
            "User-Agent": "watchkeeper-webhook",
        }
        # A session per alert: alerts are rare, and nothing is left open at shutdown.
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as session,
                session.post(self.url, data=body, headers=headers) as response,
            ):
                text = await response.text()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}: {exc}") from None
        if status == 429 or status >= 500 or status == 408:
            raise DeliveryError(
                f"webhook answered {status}", retryable=True, retry_after=_seconds(retry_after)
            )
        if status >= 400:
            raise DeliveryError(
                f"webhook refused the alert: {status} {text[:200]}", retryable=False
            )
        try:
            answer = json.loads(text) if text else {}
        except json.JSONDecodeError:
            answer = {}
        return answer if isinstance(answer, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
