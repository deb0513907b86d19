"""The audit log: an append-only table whose entries are hash-chained, with a key.

Each entry's hash (HMAC-SHA256 keyed with ``bot/store/auditkey.py``'s key) covers its
own content and the previous entry's hash, so editing or deleting an entry breaks the
chain at the next verification, and recomputing the hashes after an edit needs the
key, which is not in the store. Cutting the newest entries off leaves a valid chain:
``watchkeeper audit head`` prints the head to note elsewhere, and ``audit verify
--expect HASH`` checks that it is still in the chain.

The chain is appended inside the same transaction as the change it records, so a
decision and its audit entry exist together or not at all. Every case change
(opened, updated, decided, scrubbed by ``forget``) records ``case_sha256``, a hash of
the case's content and its decisions as they are after the change, so an edited case
row or a deleted decision no longer matches its latest entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import from_epoch, to_epoch, utcnow
from bot.store import codec
from bot.store.auditkey import (
    KEY_ENV,
    AuditKey,
    AuditKeyError,
    create_key,
    from_environment,
    read_key,
)
from bot.store.base import Driver
from bot.store.delivery import enqueue_statement

GENESIS_HASH = "0" * 64
AUDIT_COLUMNS = "id, at, kind, actor, detail, prev_hash, hash"
CASE_CONTENT = (
    "platform, space_id, number, kind, conversation, suspect_id, level, score, state, "
    "created_at, participants, signals, evidence, summary"
)
"""What a case's hash covers: what moderators and courts rely on (not the delivery
bookkeeping: the posted message's id, the hold date, the last update time)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def audit_hash(
    prev_hash: str, at: float, kind: str, actor: str, detail: str, key: bytes | None = None
) -> str:
    """Each audit entry's hash covers its content and the previous entry's hash; keyed
    (HMAC) for every entry written since the key exists, plain SHA-256 before."""
    material = "\x1f".join([prev_hash, repr(float(at)), kind, actor, detail]).encode()
    if key is None:
        return hashlib.sha256(material).hexdigest()
    return hmac.new(key, material, hashlib.sha256).hexdigest()


DECISION_CONTENT = "action, actor_id, actor_name, at, reason"
LAST_HASH = "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"


_REAL_CONTENT = [n for n, c in enumerate(CASE_CONTENT.split(", ")) if c in ("score", "created_at")]


def content_digest(content: Sequence[Any], decisions: Sequence[Sequence[Any]]) -> str:
    """The hash of a case's ``CASE_CONTENT`` values and its decisions'
    ``DECISION_CONTENT`` values, as a ``SELECT`` reads them back. (SQLite's
    ``RETURNING`` gives a whole number in a floating-point column as an integer.)"""
    values = list(content)
    for n in _REAL_CONTENT:
        values[n] = float(values[n])
    material = [values, [list(d) for d in decisions]]
    return hashlib.sha256(codec.dumps(material).encode()).hexdigest()


async def case_digest(db: Driver, case_id: int) -> str | None:
    """The hash of a case's content and decisions as stored now (None: no such case)."""
    rows = await db.fetch(f"SELECT {CASE_CONTENT} FROM cases WHERE id = ?", (case_id,))
    if not rows:
        return None
    decisions = await db.fetch(
        f"SELECT {DECISION_CONTENT} FROM decisions WHERE case_id = ? ORDER BY id", (case_id,)
    )
    return content_digest(rows[0], decisions)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What ``audit verify`` found: each problem in one line (none: all is well)."""

    entries: int
    head: str
    problems: list[str]


class AuditLog:
    """The audit half of ``SqlStore``."""

    driver: Driver
    audit_key: AuditKey | None = None
    audit_key_path: Path | None = None
    """Where the key file is (or is to be created); None: the environment's key only."""

    async def load_audit_key(self) -> None:
        """Find the key (environment, then file), or create the file when the chain has
        no keyed entry yet. A keyed chain whose key is gone is ``AuditKeyError``.

        Only a SQLite store (one process) creates the file: processes sharing a
        PostgreSQL store must share one key, so there it comes from ``KEY_ENV`` or a file
        put in place (``migrate`` leaves the SQLite store's in ``data_dir``)."""
        key = from_environment()
        if key is None and self.audit_key_path is not None:
            key = read_key(self.audit_key_path)
        if key is None and self.audit_key_path is not None:
            keyed = await self.driver.fetch("SELECT COUNT(*) FROM audit WHERE keyed = 1")
            if int(keyed[0][0]):
                raise AuditKeyError(
                    f"{self.audit_key_path}: the audit key is missing, and the "
                    f"audit chain needs it: restore it from your backup (or set {KEY_ENV})"
                )
            if self.driver.dialect == "sqlite":
                last = await self.driver.fetch("SELECT COALESCE(MAX(id), 0) FROM audit")
                key = create_key(self.audit_key_path, int(last[0][0]) + 1)
        self.audit_key = key

    async def audit(self, kind: str, actor: str, detail: dict[str, Any]) -> None:
        async with self.driver.transaction() as tx:
            await self._audit(tx, kind, actor, detail)

    async def _audit(
        self,
        tx: Driver,
        kind: str,
        actor: str,
        detail: dict[str, Any],
        case_id: int | None = None,
    ) -> int:
        """Append an entry; with ``case_id``, it records the case's content hash."""
        if case_id is not None:
            detail = {**detail, "case_id": case_id, "case_sha256": await case_digest(tx, case_id)}
        # With several processes (PostgreSQL) two appends must not read the same last
        # hash: the driver serialises them until this transaction ends.
        await tx.serialise("audit")
        rows = await tx.fetch(LAST_HASH)
        return await self._append(tx, rows[0][0] if rows else GENESIS_HASH, kind, actor, detail)

    async def _append(
        self, tx: Driver, prev: str, kind: str, actor: str, detail: dict[str, Any]
    ) -> int:
        """Append an entry after ``prev``, the chain's last hash as read in ``tx`` after
        ``tx.serialise("audit")``; returns the entry's id. For a transaction that read
        the last hash along with something else it needed (one statement less)."""
        return await tx.insert(*self._append_statement(prev, kind, actor, detail))

    def _append_statement(
        self, prev: str, kind: str, actor: str, detail: dict[str, Any]
    ) -> tuple[str, tuple[object, ...]]:
        """The INSERT of an entry after ``prev`` (see ``_append``), and its parameters."""
        at = to_epoch(utcnow())
        body = codec.dumps(detail)
        key = self.audit_key.secret if self.audit_key is not None else None
        return (
            "INSERT INTO audit (at, kind, actor, detail, prev_hash, hash, keyed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                kind,
                actor,
                body,
                prev,
                audit_hash(prev, at, kind, actor, body, key),
                int(bool(key)),
            ),
        )

    async def _queue_and_append(
        self, tx: Driver, job: tuple[int, str, str, str, float], prev: str, kind: str,
        detail: dict[str, Any],
    ) -> int:  # fmt: skip
        """A case's delivery job (``enqueue_statement``) and the entry recording the
        change, by ``watchkeeper``: on PostgreSQL one statement (the job in a ``WITH``),
        one round trip less while the audit lock is held; two on SQLite."""
        queue_sql, queue_params = enqueue_statement(*job)
        append_sql, append_params = self._append_statement(prev, kind, "watchkeeper", detail)
        if tx.dialect == "postgresql":
            return await tx.insert(
                f"WITH job AS ({queue_sql}) {append_sql}", (*queue_params, *append_params)
            )
        await tx.execute(queue_sql, queue_params)
        return await tx.insert(append_sql, append_params)

    async def audit_head(self) -> str:
        rows = await self.driver.fetch(LAST_HASH)
        return str(rows[0][0]) if rows else GENESIS_HASH

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
        rows = await self.driver.fetch(f"SELECT {AUDIT_COLUMNS}, keyed FROM audit ORDER BY id")
        key = self.audit_key
        prev, keyed_seen = GENESIS_HASH, False
        for id_, at, kind, actor, detail, prev_hash, stored_hash, keyed in rows:
            must_be_keyed = keyed_seen or (key is not None and key.since and id_ >= key.since)
            if keyed:
                if key is None:
                    return False, int(id_)
                expected = audit_hash(prev, at, kind, actor, detail, key.secret)
                keyed_seen = True
            elif must_be_keyed:
                return False, int(id_)  # rewritten without the key
            else:
                expected = audit_hash(prev, at, kind, actor, detail)
            if prev_hash != prev or not hmac.compare_digest(expected, stored_hash):
                return False, int(id_)
            prev = stored_hash
        return True, None

    async def verify_all(self, expect: str | None = None) -> AuditReport:
        """The chain, the head a caller noted earlier, and every case against the hash
        its latest entry recorded."""
        problems = []
        intact, broken = await self.verify_audit()
        if not intact:
            problems.append(f"audit chain broken at entry {broken}: it or an entry before it "
                            "was altered, or written without the key")  # fmt: skip
        if expect is not None:
            found = await self.driver.fetch("SELECT id FROM audit WHERE hash = ?", (expect,))
            if not found:
                problems.append(f"the head {expect} is no longer in the chain: entries were "
                                "cut off or the chain was rewritten")  # fmt: skip
        problems += await self._verify_cases()
        count = await self.driver.fetch("SELECT COUNT(*) FROM audit")
        return AuditReport(int(count[0][0]), await self.audit_head(), problems)

    async def _verify_cases(self) -> list[str]:
        recorded: dict[int, str] = {}
        rows = await self.driver.fetch("SELECT detail FROM audit ORDER BY id")
        for (detail,) in rows:
            entry = json.loads(detail)
            if isinstance(entry, dict) and entry.get("case_sha256") and "case_id" in entry:
                recorded[int(entry["case_id"])] = str(entry["case_sha256"])
        problems = []
        for case_id, digest in sorted(recorded.items()):
            now = await case_digest(self.driver, case_id)
            if now is not None and now != digest:
                problems.append(
                    f"case id {case_id} differs from its last audited state: its row or "
                    "its decisions were changed outside watchkeeper"
                )
        return problems
