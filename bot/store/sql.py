"""``SqlStore``: every store operation, written once for SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_epoch, to_epoch, utcnow
from bot.models import (
    Case,
    CaseKind,
    CaseState,
    Decision,
    Delivery,
    EvidenceRef,
    Level,
    Participant,
    Signal,
)
from bot.store import codec, schema
from bot.store.base import Driver, StoredMessage, message_from_row

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
MESSAGE_COLUMNS = (
    "conversation, platform, space_id, channel_id, thread_id, message_id, author_id, "
    "author_name, age_band, text, ts, is_dm, reply_to, link"
)


@dataclass(frozen=True, slots=True)
class NewCase:
    platform: str
    space_id: str
    kind: CaseKind
    conversation: str
    suspect_id: str | None
    level: Level
    score: float
    participants: Sequence[Participant]
    signals: Sequence[Signal]
    evidence: Sequence[EvidenceRef]
    summary: str = ""


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


class SqlStore:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    # -- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        await self.driver.connect()
        await self.migrate()

    async def close(self) -> None:
        await self.driver.close()

    async def __aenter__(self) -> SqlStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        await self.driver.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )
        rows = await self.driver.fetch("SELECT MAX(version) FROM schema_version")
        return int(rows[0][0] or 0)

    async def migrate(self) -> None:
        current = await self.schema_version()
        for version in range(current + 1, schema.SCHEMA_VERSION + 1):
            async with self.driver.transaction() as tx:
                # Another process may have migrated while we waited for the lock.
                rows = await tx.fetch("SELECT MAX(version) FROM schema_version")
                if int(rows[0][0] or 0) >= version:
                    continue
                for statement in schema.statements(version, self.driver.id_type):
                    await tx.execute(statement)
                await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            log.info("store migrated to schema version %d", version)

    # -- conversation windows ----------------------------------------------------------

    async def append_messages(self, items: Sequence[StoredMessage]) -> None:
        if not items:
            return
        rows = [
            (
                item.conversation,
                m.platform,
                m.space_id,
                m.channel_id,
                m.thread_id,
                m.message_id,
                m.author.user_id,
                m.author.display_name,
                m.author.age_band.value,
                m.text.replace("\x00", ""),
                to_epoch(m.ts),
                int(m.is_dm),
                m.reply_to,
                m.link,
            )
            for item in items
            for m in (item.message,)
        ]
        await self.driver.executemany(
            f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (conversation, message_id) DO NOTHING",
            rows,
        )

    async def load_window(self, conversation: str, limit: int) -> list[StoredMessage]:
        rows = await self.driver.fetch(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation = ? "
            "ORDER BY id DESC LIMIT ?",
            (conversation, limit),
        )
        return [message_from_row(row) for row in reversed(rows)]

    async def trim_window(self, conversation: str, keep: int) -> None:
        """Delete all but the newest ``keep`` messages of a conversation."""
        await self.driver.execute(
            "DELETE FROM messages WHERE conversation = ? AND id NOT IN "
            "(SELECT id FROM messages WHERE conversation = ? ORDER BY id DESC LIMIT ?)",
            (conversation, conversation, keep),
        )

    async def save_conversation(
        self,
        conversation: str,
        platform: str,
        space_id: str,
        last_ts: datetime,
        score: float,
        level: Level,
        suspect_id: str | None,
    ) -> None:
        await self.driver.execute(
            "INSERT INTO conversations (conversation, platform, space_id, last_ts, score, level, "
            "suspect_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation) DO UPDATE SET "
            "last_ts = excluded.last_ts, score = excluded.score, level = excluded.level, "
            "suspect_id = excluded.suspect_id",
            (conversation, platform, space_id, to_epoch(last_ts), score, level.value, suspect_id),
        )

    # -- cases -------------------------------------------------------------------------

    async def create_case(self, new: NewCase, delivery_kind: str = "post") -> Case:
        """Store a case and its delivery job together: nothing is shown before it is kept."""
        now = to_epoch(utcnow())
        async with self.driver.transaction() as tx:
            rows = await tx.fetch(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM cases "
                "WHERE platform = ? AND space_id = ?",
                (new.platform, new.space_id),
            )
            number = int(rows[0][0])
            case_id = await tx.insert(
                "INSERT INTO cases (platform, space_id, number, kind, conversation, suspect_id, "
                "level, score, state, created_at, updated_at, participants, signals, evidence, "
                "summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.platform,
                    new.space_id,
                    number,
                    new.kind.value,
                    new.conversation,
                    new.suspect_id,
                    new.level.value,
                    new.score,
                    CaseState.OPEN.value,
                    now,
                    now,
                    codec.encode_participants(new.participants),
                    codec.encode_signals(new.signals),
                    codec.encode_evidence(new.evidence),
                    new.summary,
                ),
            )
            await self._enqueue(tx, case_id, new.platform, new.space_id, delivery_kind, now)
            await self._audit(
                tx,
                "case_opened",
                "watchkeeper",
                {
                    "case_id": case_id,
                    "platform": new.platform,
                    "space_id": new.space_id,
                    "number": number,
                    "kind": new.kind.value,
                    "level": new.level.value,
                },
            )
        case = await self.get_case(case_id)
        assert case is not None
        return case

    async def update_case_risk(
        self,
        case_id: int,
        level: Level,
        score: float,
        signals: Sequence[Signal],
        evidence: Sequence[EvidenceRef],
        participants: Sequence[Participant],
        notify: bool,
    ) -> None:
        """Refresh a case with the latest risk; ``notify`` re-renders the posted alert."""
        now = to_epoch(utcnow())
        async with self.driver.transaction() as tx:
            await tx.execute(
                "UPDATE cases SET level = ?, score = ?, signals = ?, evidence = ?, "
                "participants = ?, updated_at = ? WHERE id = ?",
                (
                    level.value,
                    score,
                    codec.encode_signals(signals),
                    codec.encode_evidence(evidence),
                    codec.encode_participants(participants),
                    now,
                    case_id,
                ),
            )
            if notify:
                rows = await tx.fetch(
                    "SELECT platform, space_id FROM cases WHERE id = ?", (case_id,)
                )
                platform, space_id = rows[0]
                await self._enqueue(tx, case_id, platform, space_id, "update", now)
                await self._audit(
                    tx, "case_upgraded", "watchkeeper", {"case_id": case_id, "level": level.value}
                )

    async def get_case(self, case_id: int) -> Case | None:
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)
        )
        return await self._with_decisions(rows[0]) if rows else None

    async def case_by_number(self, platform: str, space_id: str, number: int) -> Case | None:
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE platform = ? AND space_id = ? "
            "AND number = ?",
            (platform, space_id, number),
        )
        return await self._with_decisions(rows[0]) if rows else None

    async def latest_case(self, conversation: str) -> Case | None:
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE conversation = ? AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (conversation, CaseKind.RISK.value),
        )
        return await self._with_decisions(rows[0]) if rows else None

    async def list_cases(
        self,
        platform: str | None = None,
        space_id: str | None = None,
        open_only: bool = False,
        limit: int = 200,
    ) -> list[Case]:
        where, params = [], []
        if platform is not None:
            where.append("platform = ?")
            params.append(platform)
        if space_id is not None:
            where.append("space_id = ?")
            params.append(space_id)
        if open_only:
            where.append("state IN (?, ?, ?)")
            params += [
                CaseState.OPEN.value,
                CaseState.ACKNOWLEDGED.value,
                CaseState.ESCALATED.value,
            ]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases {clause} ORDER BY id LIMIT ?",
            (*params, limit),
        )
        return [await self._with_decisions(row) for row in rows]

    async def record_decision(self, decision: Decision, hold_days: float) -> Case:
        """Apply a moderator's action: state change, audit entry, and an alert refresh."""
        at = to_epoch(decision.at)
        async with self.driver.transaction() as tx:
            rows = await tx.fetch(
                "SELECT platform, space_id FROM cases WHERE id = ?", (decision.case_id,)
            )
            if not rows:
                raise KeyError(decision.case_id)
            platform, space_id = rows[0]
            await tx.insert(
                "INSERT INTO decisions (case_id, action, actor_id, actor_name, at, reason) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    decision.case_id,
                    decision.action.value,
                    decision.actor_id,
                    decision.actor_name,
                    at,
                    decision.reason,
                ),
            )
            state = decision.action.resulting_state
            if state is CaseState.ESCALATED:
                await tx.execute(
                    "UPDATE cases SET state = ?, updated_at = ?, hold_until = ? WHERE id = ?",
                    (state.value, at, at + hold_days * 86400, decision.case_id),
                )
            else:
                await tx.execute(
                    "UPDATE cases SET state = ?, updated_at = ? WHERE id = ?",
                    (state.value, at, decision.case_id),
                )
            await self._enqueue(tx, decision.case_id, platform, space_id, "update", at)
            await self._audit(
                tx,
                "decision",
                decision.actor_id,
                {
                    "case_id": decision.case_id,
                    "action": decision.action.value,
                    "actor_name": decision.actor_name,
                    "reason": decision.reason,
                },
            )
        case = await self.get_case(decision.case_id)
        assert case is not None
        return case

    async def _with_decisions(self, row: Sequence[Any]) -> Case:
        decision_rows = await self.driver.fetch(
            "SELECT case_id, action, actor_id, actor_name, at, reason FROM decisions "
            "WHERE case_id = ? ORDER BY id",
            (row[0],),
        )
        return codec.case_from_row(row, [codec.decision_from_row(r) for r in decision_rows])

    # -- outbox ------------------------------------------------------------------------

    async def _enqueue(
        self, tx: Driver, case_id: int, platform: str, space_id: str, kind: str, now: float
    ) -> None:
        await tx.insert(
            "INSERT INTO outbox (case_id, platform, space_id, kind, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, platform, space_id, kind, now, now),
        )

    async def due_deliveries(self, now: datetime, limit: int = 50) -> list[Delivery]:
        """Pending jobs that may run now, keeping case order within each space: a space's
        later jobs wait while an earlier one is backing off."""
        rows = await self.driver.fetch(
            "SELECT id, case_id, kind, platform, space_id, attempts, next_attempt_at, payload "
            "FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?",
            (limit * 4,),
        )
        due, blocked = [], set()
        for id_, case_id, kind, platform, space_id, attempts, next_at, payload in rows:
            space = (platform, space_id)
            if space in blocked:
                continue
            if next_at > to_epoch(now):
                blocked.add(space)
                continue
            due.append(
                Delivery(
                    int(id_),
                    int(case_id),
                    kind,
                    platform,
                    space_id,
                    int(attempts),
                    json.loads(payload),
                )
            )
            if len(due) >= limit:
                break
        return due

    async def mark_delivered(
        self, delivery: Delivery, platform_message_id: str | None, now: datetime
    ) -> None:
        async with self.driver.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 "
                "WHERE id = ?",
                (to_epoch(now), delivery.id),
            )
            if platform_message_id is not None:
                await tx.execute(
                    "UPDATE cases SET platform_message_id = ? WHERE id = ?",
                    (platform_message_id, delivery.case_id),
                )

    async def mark_retry(
        self, delivery: Delivery, error: str, next_attempt_at: datetime, give_up: bool = False
    ) -> None:
        await self.driver.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
            "state = ? WHERE id = ?",
            (
                error[:500],
                to_epoch(next_attempt_at),
                "failed" if give_up else "pending",
                delivery.id,
            ),
        )

    async def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many jobs wait, and since when the oldest has waited."""
        rows = await self.driver.fetch(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'"
        )
        count, oldest = rows[0]
        return int(count), from_epoch(oldest) if oldest is not None else None

    # -- per-space settings ------------------------------------------------------------

    async def space_settings(self, platform: str, space_id: str) -> dict[str, Any]:
        rows = await self.driver.fetch(
            "SELECT key, value FROM space_settings WHERE platform = ? AND space_id = ?",
            (platform, space_id),
        )
        return {key: json.loads(value) for key, value in rows}

    async def set_space_setting(
        self, platform: str, space_id: str, key: str, value: Any, actor: str
    ) -> None:
        async with self.driver.transaction() as tx:
            await tx.execute(
                "INSERT INTO space_settings (platform, space_id, key, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (platform, space_id, key) DO UPDATE SET value = excluded.value",
                (platform, space_id, key, codec.dumps(value)),
            )
            await self._audit(
                tx,
                "config_change",
                actor,
                {
                    "platform": platform,
                    "space_id": space_id,
                    "key": key,
                    "value": value,
                },
            )

    # -- audit -------------------------------------------------------------------------

    async def audit(self, kind: str, actor: str, detail: dict[str, Any]) -> None:
        async with self.driver.transaction() as tx:
            await self._audit(tx, kind, actor, detail)

    async def _audit(self, tx: Driver, kind: str, actor: str, detail: dict[str, Any]) -> None:
        rows = await tx.fetch("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")
        prev = rows[0][0] if rows else GENESIS_HASH
        at = to_epoch(utcnow())
        body = codec.dumps(detail)
        await tx.insert(
            "INSERT INTO audit (at, kind, actor, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (at, kind, actor, body, prev, audit_hash(prev, at, kind, actor, body)),
        )

    async def audit_entries(self) -> list[AuditEntry]:
        rows = await self.driver.fetch(
            "SELECT id, at, kind, actor, detail, prev_hash, hash FROM audit ORDER BY id"
        )
        return [
            AuditEntry(int(i), from_epoch(at), kind, actor, json.loads(detail), prev, h)
            for i, at, kind, actor, detail, prev, h in rows
        ]

    async def verify_audit(self) -> tuple[bool, int | None]:
        """Check the hash chain; returns (intact, id of the first broken entry)."""
        rows = await self.driver.fetch(
            "SELECT id, at, kind, actor, detail, prev_hash, hash FROM audit ORDER BY id"
        )
        prev = GENESIS_HASH
        for id_, at, kind, actor, detail, prev_hash, stored_hash in rows:
            if prev_hash != prev or audit_hash(prev, at, kind, actor, detail) != stored_hash:
                return False, int(id_)
            prev = stored_hash
        return True, None
