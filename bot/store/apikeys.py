"""API keys for the HTTP ingest API: shown once, kept only as a hash, scoped to spaces.

A key reads ``wk_<key id>_<secret>``. The key id (public, 12 hex digits) finds the row;
the SHA-256 of the whole key is compared in constant time. The secret is 32 random
bytes, so a fast hash is enough: nobody can guess such a key from its hash, and a slow
KDF (scrypt) would only slow every request down.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_epoch, to_epoch, utcnow
from bot.store.sql import SqlStore

PREFIX = "wk_"
API_PLATFORM = "http"
"""The platform name of everything that arrives through the HTTP API."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    platform: str
    spaces: tuple[str, ...]
    label: str
    created_at: datetime
    revoked_at: datetime | None
    rate_limit: int | None = None
    """Messages (plus other requests) a minute, per process; None: the configured one."""

    def may_use(self, space_id: str) -> bool:
        return space_id in self.spaces


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _key_id(key: str) -> str | None:
    if not key.startswith(PREFIX):
        return None
    key_id, _, secret = key.removeprefix(PREFIX).partition("_")
    return key_id if len(key_id) == 12 and secret else None


async def create_key(
    store: SqlStore,
    spaces: Sequence[str],
    label: str = "",
    actor: str = "cli",
    rate_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``spaces``; returns it with the secret text, which is never stored.
    ``rate_limit``: its own limit a minute, instead of the configured one."""
    if not spaces or any(not s for s in spaces):
        raise ValueError("an API key needs at least one space")
    if rate_limit is not None and rate_limit < 1:
        raise ValueError("a key's rate limit must be at least 1 a minute")
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    async with store.driver.transaction() as tx:
        await tx.insert(
            "INSERT INTO api_keys (key_id, secret_hash, platform, spaces, label, created_at, "
            "rate_limit_per_minute) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key_id, _digest(key), API_PLATFORM, json.dumps(list(spaces)), label, to_epoch(now),
             rate_limit),
        )  # fmt: skip
        detail = {"key_id": key_id, "spaces": list(spaces), "label": label}
        if rate_limit is not None:
            detail["rate_limit_per_minute"] = rate_limit
        await store._audit(tx, "api_key_created", actor, detail)
    return ApiKey(key_id, API_PLATFORM, tuple(spaces), label, now, None, rate_limit), key


async def authenticate(store: SqlStore, key: str) -> ApiKey | None:
    """The live key this text is, or None (unknown, wrong secret, or revoked)."""
    key_id = _key_id(key)
    if key_id is None:
        return None
    rows = await store.driver.fetch(
        "SELECT key_id, secret_hash, platform, spaces, label, created_at, revoked_at, "
        "rate_limit_per_minute FROM api_keys WHERE key_id = ?",
        (key_id,),
    )
    if not rows:
        return None
    key_id, stored_hash, platform, spaces, label, created, revoked, limit = rows[0]
    if not hmac.compare_digest(stored_hash, _digest(key)) or revoked is not None:
        return None
    return ApiKey(
        key_id, platform, tuple(json.loads(spaces)), label, from_epoch(created), None, limit
    )


async def list_keys(store: SqlStore) -> list[ApiKey]:
    rows = await store.driver.fetch(
        "SELECT key_id, platform, spaces, label, created_at, revoked_at, rate_limit_per_minute "
        "FROM api_keys ORDER BY id"
    )
    return [
        ApiKey(
            k,
            p,
            tuple(json.loads(s)),
            label,
            from_epoch(c),
            from_epoch(r) if r is not None else None,
            limit,
        )
        for k, p, s, label, c, r, limit in rows
    ]


async def revoke_key(store: SqlStore, key_id: str, actor: str = "cli") -> bool:
    """Revoke a key by id; False when there is no such live key."""
    async with store.driver.transaction() as tx:
        rows = await tx.fetch(
            "SELECT COUNT(*) FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", (key_id,)
        )
        if not int(rows[0][0]):
            return False
        await tx.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", (to_epoch(utcnow()), key_id)
        )
        await store._audit(tx, "api_key_revoked", actor, {"key_id": key_id})
    return True
