"""Platform interactions applied once: a replayed button press changes nothing.

A moderator's press arrives as a signed payload; whoever captures one can send it
again while its signature is fresh (Slack: five minutes). Each applied interaction is
remembered by a hash of the identifiers the platform gave it (``trigger_id``,
``action_ts``...), in the store so that every process sees it; keys age out with
``purge`` after a day.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.clock import to_epoch
from bot.store.sql import SqlStore


def interaction_key(*identifiers: object) -> str:
    """A key for an interaction from its platform identifiers (none of them personal)."""
    return hashlib.sha256("\x1f".join(str(i) for i in identifiers).encode()).hexdigest()


async def first_time(store: SqlStore, platform: str, key: str, now: datetime) -> bool:
    """Record ``key``; False when it was recorded before (a replay or a redelivery)."""
    rows = await store.driver.fetch(
        "INSERT INTO interactions (platform, key, at) VALUES (?, ?, ?) "
        "ON CONFLICT (platform, key) DO NOTHING RETURNING key",
        (platform, key, to_epoch(now)),
    )
    return bool(rows)
