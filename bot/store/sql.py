"""``SqlStore``: every store operation, written once for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot import lifecycle
from bot.clock import to_epoch, utcnow
from bot.models import (
    Case,
    CaseKind,
    CaseState,
    ConversationKey,
    Decision,
    EvidenceRef,
    Level,
    Participant,
    Signal,
)
from bot.store import codec, schema
from bot.store.audit import (
    CASE_CONTENT,
    GENESIS_HASH,
    LAST_HASH,
    AuditEntry,
    audit_hash,
    content_digest,
)
from bot.store.base import Driver
from bot.store.casework import CaseworkQueries
from bot.store.delivery import Claim, DeliveryQueries
from bot.store.retention import RetentionQueries
from bot.store.windows import WindowQueries

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "CaseChanges",
    "CaseWrite",
    "Claim",
    "NewCase",
    "SqlStore",
    "audit_hash",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CaseWrite:
    """A case as a change left it, and the audit entry that recorded the change (so the
    writer can tell its own changes from other processes' in ``case_changes``)."""

    case: Case
    entry: int


DECISIONS = (
    "SELECT case_id, action, actor_id, actor_name, at, reason FROM decisions "
    "WHERE case_id = ? ORDER BY id"
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


CHANGES_LOOKED_UP = 500
"""``case_changes`` names the conversations of at most this many changed cases (one
bounded query); past it, it says that any may have changed."""


@dataclass(frozen=True, slots=True)
class CaseChanges:
    """What ``SqlStore.case_changes`` found."""

    mark: int
    """The newest audit entry seen: ask again from here."""
    conversations: frozenset[ConversationKey] | None
    """The conversations whose cases changed; None: any case may have (an entry not
    about one case, such as a purge)."""


def _conversation_key(platform: str, space_id: str, name: str) -> ConversationKey | None:
    """The key whose name a case stores (platform and space may hold ``:`` too)."""
    prefix = f"{platform}:{space_id}:"
    kind, colon, ref = name.removeprefix(prefix).partition(":")
    if not name.startswith(prefix) or not colon:
        return None
    return ConversationKey(platform, space_id, kind, ref)


class SqlStore(WindowQueries, DeliveryQueries, RetentionQueries, CaseworkQueries):
    """Every store operation; the outbox, audit and retention parts live beside it."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    @property
    def single_process(self) -> bool:
        """SQLite is the embedded, one-process store: a delivery claimed before a restart
        belongs to a process that is gone. PostgreSQL claims expire by their lease."""
        return self.driver.dialect == "sqlite"

    # -- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and bring the schema up to date; a failure half-way leaves nothing
        open (an unclosed SQLite connection's thread would keep the process alive)."""
        await self.driver.connect()
        try:
            await self.migrate()
            await self.load_audit_key()
        except BaseException:
            await self.driver.close()
            raise

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

    # -- cases -------------------------------------------------------------------------

    async def create_case(self, new: NewCase, delivery_kind: str = "post") -> Case:
        """Store a case and its delivery job together: nothing is shown before it is kept.
        Returns it as ``get_case`` does (with the suspect's earlier cases)."""
        written = await self.open_case(new, delivery_kind)
        case = await self.get_case(written.case.id)
        assert case is not None
        return case

    async def open_case(self, new: NewCase, delivery_kind: str = "post") -> CaseWrite:
        """Store a case, its delivery job and its audit entry in one transaction; returns
        the case as stored (without ``history``) and the entry.

        Four statements: the audit lock, the case's number and the chain's last hash
        (one query), the case, the job with the entry (one statement on PostgreSQL; two
        on SQLite). The entry's content hash is computed
        from what is written (a new case has no decisions), not read back."""
        now = to_epoch(utcnow())
        score = float(new.score)
        participants = codec.encode_participants(new.participants)
        signals = codec.encode_signals(new.signals)
        evidence = codec.encode_evidence(new.evidence)
        state = CaseState.OPEN.value
        async with self.driver.transaction() as tx:
            # Taken before anything is read: the audit lock also makes processes number
            # a space's cases one at a time (PostgreSQL).
            await tx.serialise("audit")
            rows = await tx.fetch(
                "SELECT (SELECT COALESCE(MAX(number), 0) + 1 FROM cases "
                f"WHERE platform = ? AND space_id = ?), ({LAST_HASH})",
                (new.platform, new.space_id),
            )
            number, prev = int(rows[0][0]), rows[0][1] or GENESIS_HASH
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
                    score,
                    state,
                    now,
                    now,
                    participants,
                    signals,
                    evidence,
                    new.summary,
                ),
            )
            content = (
                new.platform,
                new.space_id,
                number,
                new.kind.value,
                new.conversation,
                new.suspect_id,
                new.level.value,
                score,
                state,
                now,
                participants,
                signals,
                evidence,
                new.summary,
            )
            entry = await self._queue_and_append(
                tx,
                (case_id, new.platform, new.space_id, delivery_kind, now),
                prev,
                "case_opened",
                {
                    "case_id": case_id,
                    "platform": new.platform,
                    "space_id": new.space_id,
                    "number": number,
                    "kind": new.kind.value,
                    "level": new.level.value,
                    "case_sha256": content_digest(content, []),
                },
            )
        row = (case_id, number, *content[:2], *content[3:10], now, *content[10:], None, None)
        return CaseWrite(codec.case_from_row(row, []), entry)

    async def update_case_risk(
        self,
        case_id: int,
        level: Level,
        score: float,
        signals: Sequence[Signal],
        evidence: Sequence[EvidenceRef],
        participants: Sequence[Participant],
    ) -> CaseWrite:
        """Refresh a case with the latest risk and re-render its posted alert in place;
        returns the case as updated (without ``history``) and the audit entry.

        Four statements, five if the case has decisions: the audit lock, the update
        (which returns the case, how many decisions it has and the chain's last hash),
        its decisions if any, and the alert's refresh job (unless one is waiting) with
        the entry (one statement on PostgreSQL)."""
        now = to_epoch(utcnow())
        async with self.driver.transaction() as tx:
            # The audit lock before the case's row, as every transaction that takes both
            # does (no two of them can wait for each other); and before the last hash is
            # read (PostgreSQL reads what committed before the statement began).
            await tx.serialise("audit")
            rows = await tx.fetch(
                "UPDATE cases SET level = ?, score = ?, signals = ?, evidence = ?, "
                f"participants = ?, updated_at = ? WHERE id = ? RETURNING {codec.CASE_COLUMNS}, "
                f"{CASE_CONTENT}, (SELECT COUNT(*) FROM decisions WHERE case_id = cases.id), "
                f"({LAST_HASH})",
                (
                    level.value,
                    float(score),
                    codec.encode_signals(signals),
                    codec.encode_evidence(evidence),
                    codec.encode_participants(participants),
                    now,
                    case_id,
                ),
            )
            if not rows:
                raise KeyError(case_id)
            row = rows[0]
            width = len(codec.CASE_COLUMNS.split(","))
            case_row, content = row[:width], row[width:-2]
            decided, prev = int(row[-2]), row[-1] or GENESIS_HASH
            decisions = await tx.fetch(DECISIONS, (case_id,)) if decided else []
            digest = content_digest(content, [d[1:] for d in decisions])
            entry = await self._queue_and_append(
                tx,
                (case_id, case_row[2], case_row[3], "update", now),
                prev,
                "case_updated",
                {"level": level.value, "case_id": case_id, "case_sha256": digest},
            )
        case = codec.case_from_row(case_row, [codec.decision_from_row(d) for d in decisions])
        return CaseWrite(case, entry)

    async def get_case(self, case_id: int) -> Case | None:
        """The case, its decisions, and the suspect's earlier cases in its space."""
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,)
        )
        return await self._one(rows)

    async def case_by_number(self, platform: str, space_id: str, number: int) -> Case | None:
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE platform = ? AND space_id = ? "
            "AND number = ?",
            (platform, space_id, number),
        )
        return await self._one(rows)

    async def _one(self, rows: list[tuple[Any, ...]]) -> Case | None:
        if not rows:
            return None
        case = await self._with_decisions(rows[0])
        case.history = await self.suspect_history(case)
        return case

    async def cases_numbered(
        self, number: int, platform: str | None = None, space_id: str | None = None
    ) -> list[Case]:
        """Every case with this per-space number (one per space that has it)."""
        where, params = ["number = ?"], [number]
        for column, value in (("platform", platform), ("space_id", space_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE {' AND '.join(where)} ORDER BY id",
            params,
        )
        return [await self._with_decisions(row) for row in rows]

    async def cases_with_decision(self, actions: Sequence[str]) -> list[Case]:
        """Cases that a moderator ever decided with one of ``actions`` (training labels)."""
        marks = ", ".join("?" * len(actions))
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE id IN "
            f"(SELECT case_id FROM decisions WHERE action IN ({marks})) ORDER BY id",
            tuple(actions),
        )
        return [await self._with_decisions(row) for row in rows]

    async def latest_case(self, conversation: str) -> Case | None:
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases WHERE conversation = ? AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (conversation, CaseKind.RISK.value),
        )
        return await self._with_decisions(rows[0]) if rows else None

    async def case_changes(self, since: int | None, own: Collection[int] = ()) -> CaseChanges:
        """The conversations whose cases changed after audit entry ``since`` (None: only
        the mark to ask from next time), leaving out the changes recorded by the entries
        ``own`` (the caller's own writes, whose result it already holds).

        Every change to a case (opened, updated, decided, scrubbed, deleted) writes an
        audit entry in the same transaction, and entries are numbered in commit order:
        appends take turns under the audit lock until their transaction ends (an
        advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite). So an entry not yet
        visible is always numbered after every entry seen, and asking from the last
        mark never skips a change, whichever process made it."""
        if since is None:
            rows = await self.driver.fetch("SELECT COALESCE(MAX(id), 0) FROM audit")
            return CaseChanges(int(rows[0][0]), frozenset())
        rows = await self.driver.fetch(
            "SELECT id, detail FROM audit WHERE id > ? ORDER BY id", (since,)
        )
        if not rows:
            return CaseChanges(since, frozenset())
        mark = int(rows[-1][0])
        case_ids = {json.loads(detail).get("case_id") for id_, detail in rows if id_ not in own}
        if not case_ids:
            return CaseChanges(mark, frozenset())
        if None in case_ids or len(case_ids) > CHANGES_LOOKED_UP:
            # A purge, forget or settings change: anything may have changed; or more
            # changes than are worth looking up one by one (a long quiet spell).
            return CaseChanges(mark, None)
        marks = ", ".join("?" * len(case_ids))
        found = await self.driver.fetch(
            f"SELECT platform, space_id, conversation FROM cases WHERE id IN ({marks})",
            tuple(case_ids),
        )
        keys = {_conversation_key(*row) for row in found}
        if len(found) < len(case_ids) or None in keys:  # a case that is gone
            return CaseChanges(mark, None)
        return CaseChanges(mark, frozenset(key for key in keys if key is not None))

    async def list_cases(
        self,
        platform: str | None = None,
        space_id: str | None = None,
        open_only: bool = False,
        limit: int = 200,
        newest: bool = False,
    ) -> list[Case]:
        """Cases in order of opening; with ``newest``, the latest ``limit`` of them."""
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
        order = "DESC" if newest else "ASC"
        rows = await self.driver.fetch(
            f"SELECT {codec.CASE_COLUMNS} FROM cases {clause} ORDER BY id {order} LIMIT ?",
            (*params, limit),
        )
        return [await self._with_decisions(row) for row in sorted(rows, key=lambda r: r[0])]

    async def record_decision(self, decision: Decision, hold_days: float) -> Case:
        """Apply a moderator's action: state change, audit entry, and an alert refresh.

        ``TransitionRefused`` if the action does not follow from the case's state. The
        state is compared again as it is written, so of two moderators acting at once
        on one case (two processes, PostgreSQL), the second is refused, not applied
        over the first."""
        at = to_epoch(decision.at)
        async with self.driver.transaction() as tx:
            await tx.serialise("audit")  # before the case's row: see ``update_case_risk``
            rows = await tx.fetch(
                "SELECT platform, space_id, number, state FROM cases WHERE id = ?",
                (decision.case_id,),
            )
            if not rows:
                raise KeyError(decision.case_id)
            platform, space_id, number, before = rows[0]
            before_state = CaseState(before)
            state = lifecycle.check(int(number), before_state, decision.action)
            hold = ", hold_until = ?" if state is CaseState.ESCALATED else ""
            held = (at + hold_days * 86400,) if hold else ()
            changed = await tx.fetch(
                f"UPDATE cases SET state = ?, updated_at = ?{hold} WHERE id = ? AND state = ? "
                "RETURNING id",
                (state.value, at, *held, decision.case_id, before),
            )
            if not changed:
                raise lifecycle.TransitionRefused(
                    f"Case {number} changed while you were deciding: look at the alert again."
                )
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
            await self._enqueue(tx, decision.case_id, platform, space_id, "update", at)
            await self._audit(
                tx,
                "decision",
                decision.actor_id,
                {
                    "case_id": decision.case_id,
                    "action": decision.action.value,
                    "state": state.value,
                    "actor_name": decision.actor_name,
                    "reason": decision.reason,
                },
                case_id=decision.case_id,
            )
        case = await self.get_case(decision.case_id)
        assert case is not None
        return case

    async def _with_decisions(self, row: Sequence[Any]) -> Case:
        decision_rows = await self.driver.fetch(DECISIONS, (row[0],))
        return codec.case_from_row(row, [codec.decision_from_row(r) for r in decision_rows])

    # -- per-space settings ------------------------------------------------------------

    async def space_settings(self, platform: str, space_id: str) -> dict[str, Any]:
        rows = await self.driver.fetch(
            "SELECT key, value FROM space_settings WHERE platform = ? AND space_id = ?",
            (platform, space_id),
        )
        return {key: json.loads(value) for key, value in rows}

    async def spaces_with_settings(self, platform: str) -> list[str]:
        """The spaces of ``platform`` that have stored settings (``/watchkeeper setup``)."""
        rows = await self.driver.fetch(
            "SELECT DISTINCT space_id FROM space_settings WHERE platform = ? ORDER BY space_id",
            (platform,),
        )
        return [space_id for (space_id,) in rows]

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
