"""The audit log: an append-only table whose entries are hash-chained.

Each entry's hash covers its own content and the previous entry's hash, so editing
or deleting an entry in the middle breaks the chain at the next verification. The
chain is appended inside the same transaction as the change it records, so a
decision and its audit entry exist together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_epoch, to_epoch, utcnow
from bot.store import codec
from bot.store.base import Driver

GENESIS_HASH = "0" * 64
AUDIT_COLUMNS = "id, at, kind, actor, detail, prev_hash, hash"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def audit_hash(prev_hash: str, at: float, kind: str, actor: str, detail: str) -> str:
    """Each audit entry's hash covers its content and the previous entry's hash."""
    material = "\x1f".join([prev_hash, repr(float(at)), kind, actor, detail])
    return hashlib.sha256(material.encode()).hexdigest()


class AuditLog:
    """The audit half of ``SqlStore``."""

    driver: Driver

    async def audit(self, kind: str, actor: str, detail: dict[str, Any]) -> None:
        async with self.driver.transaction() as tx:
            await self._audit(tx, kind, actor, detail)

    async def _audit(self, tx: Driver, kind: str, actor: str, detail: dict[str, Any]) -> None:
        # With several processes (PostgreSQL) two appends must not read the same last
        # hash: the driver serialises them until this transaction ends.
        await tx.lock_audit()
        rows = await tx.fetch("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
        prev = rows[0][0] if rows else GENESIS_HASH
        at = to_epoch(utcnow())
        body = codec.dumps(detail)
        await tx.insert(
            "INSERT INTO audit (at, kind, actor, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (at, kind, actor, body, prev, audit_hash(prev, at, kind, actor, body)),
        )

    async def audit_entries(
        self, kind: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Entries in chain order; with ``limit``, the newest ``limit`` of them."""
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        if limit is not None:
            rows = await self.driver.fetch(
                f"SELECT {AUDIT_COLUMNS} FROM audit {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
            rows.reverse()
        else:
            rows = await self.driver.fetch(
                f"SELECT {AUDIT_COLUMNS} FROM audit {where} ORDER BY id", params
            )
        return [
            AuditEntry(int(i), from_epoch(at), k, actor, json.loads(detail), prev, h)
            for i, at, k, actor, detail, prev, h in rows
        ]

    async def audit_count(self) -> int:
        rows = await self.driver.fetch("SELECT COUNT(*) FROM audit")
        return int(rows[0][0])

    async def last_audit(self, kind: str) -> AuditEntry | None:
        entries = await self.audit_entries(kind, limit=1)
        return entries[0] if entries else None

    async def verify_audit(self) -> tuple[bool, int | None]:
        """Check the hash chain; returns (intact, id of the first broken entry)."""
        rows = await self.driver.fetch(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY id")
        prev = GENESIS_HASH
        for id_, at, kind, actor, detail, prev_hash, stored_hash in rows:
            if prev_hash != prev or audit_hash(prev, at, kind, actor, detail) != stored_hash:
                return False, int(id_)
            prev = stored_hash
        return True, None
