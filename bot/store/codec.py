"""JSON encoding of the parts of a case that are stored as documents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.clock import from_epoch, to_epoch
from bot.models import (
    Action,
    AgeBand,
    Case,
    CaseKind,
    CaseState,
    Decision,
    EvidenceRef,
    Level,
    Participant,
    Signal,
)

CASE_COLUMNS = (
    "id, number, platform, space_id, kind, conversation, suspect_id, level, score, state, "
    "created_at, updated_at, participants, signals, evidence, summary, platform_message_id, "
    "hold_until"
)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def encode_participants(participants: Sequence[Participant]) -> str:
    return dumps(
        [
            {"user_id": p.user_id, "display_name": p.display_name, "age_band": p.age_band.value}
            for p in participants
        ]
    )


def encode_signals(signals: Sequence[Signal]) -> str:
    return dumps(
        [
            {
                "name": s.name,
                "weight": s.weight,
                "message_id": s.message_id,
                "quote": s.quote,
                "author_id": s.author_id,
            }
            for s in signals
        ]
    )


def encode_evidence(evidence: Sequence[EvidenceRef]) -> str:
    return dumps(
        [
            {
                "message_id": e.message_id,
                "channel_id": e.channel_id,
                "author_id": e.author_id,
                "ts": to_epoch(e.ts),
                "link": e.link,
            }
            for e in evidence
        ]
    )


def case_from_row(row: Sequence[Any], decisions: list[Decision]) -> Case:
    (
        id_,
        number,
        platform,
        space_id,
        kind,
        conversation,
        suspect_id,
        level,
        score,
        state,
        created_at,
        updated_at,
        participants,
        signals,
        evidence,
        summary,
        platform_message_id,
        hold_until,
    ) = row
    return Case(
        id=int(id_),
        number=int(number),
        platform=platform,
        space_id=space_id,
        kind=CaseKind(kind),
        conversation=conversation,
        suspect_id=suspect_id,
        level=Level(level),
        score=float(score),
        state=CaseState(state),
        created_at=from_epoch(created_at),
        updated_at=from_epoch(updated_at),
        participants=[
            Participant(p["user_id"], p["display_name"], AgeBand.parse(p["age_band"]))
            for p in json.loads(participants)
        ],
        signals=[Signal(**s) for s in json.loads(signals)],
        evidence=[
            EvidenceRef(
                e["message_id"], e["channel_id"], e["author_id"], from_epoch(e["ts"]), e.get("link")
            )
            for e in json.loads(evidence)
        ],
        decisions=decisions,
        summary=summary,
        platform_message_id=platform_message_id,
        hold_until=from_epoch(hold_until) if hold_until is not None else None,
    )


def decision_from_row(row: Sequence[Any]) -> Decision:
    case_id, action, actor_id, actor_name, at, reason = row
    return Decision(int(case_id), Action(action), actor_id, actor_name, from_epoch(at), reason)
