"""Audit entries that no store write makes by itself: configuration file changes.

The store audits what it changes (decisions, per-space settings, purges, forgets);
exports audit themselves in ``bot.evidence``. What the admin changes in the TOML file
or the environment is noticed at startup: the effective configuration (secrets
redacted) is compared with the one last recorded, and a difference is audited with
the keys that changed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.config import Settings
from bot.redact import redact_urls
from bot.store import SqlStore
from bot.store.codec import dumps

CONFIG_KIND = "config_file"


def config_snapshot(settings: Settings) -> dict[str, Any]:
    """The effective configuration as JSON: pydantic masks the tokens, and every URL
    (the database's, the webhook's) loses its credentials (``bot.redact``)."""
    return redact_urls(settings.model_dump(mode="json"))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = _flatten(old), _flatten(new)
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


async def audit_config(store: SqlStore, settings: Settings, actor: str = "watchkeeper") -> bool:
    """Audit the configuration if it differs from the last one recorded; returns whether
    an entry was written."""
    snapshot = config_snapshot(settings)
    digest = hashlib.sha256(dumps(snapshot).encode()).hexdigest()
    last = await store.last_audit(CONFIG_KIND)
    if last is not None and last.detail.get("sha256") == digest:
        return False
    previous = last.detail.get("config", {}) if last is not None else {}
    changed = changed_keys(previous, snapshot) if last is not None else ["(first start)"]
    await store.audit(
        CONFIG_KIND, actor, {"sha256": digest, "changed": changed, "config": snapshot}
    )
    return True
