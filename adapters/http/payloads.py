"""What the API reads and writes: incoming messages and decisions, outgoing cases.

Requests are validated with pydantic, so every rejected field is named in the 422
response. The shapes here and in ``openapi.py`` describe the same contract.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from adapters.http.errors import ApiError
from bot.clock import isoformat, utcnow
from bot.models import Action, AgeBand, Case, Message, Participant
from bot.store.apikeys import API_PLATFORM

Id = Annotated[str, Field(min_length=1, max_length=200)]

EARLIEST_TS = 0.0
LATEST_TS = 4e9
"""Message times the API accepts, in seconds since the epoch (1970 to 2096): any time
outside them is a client's mistake, and one that the store could not read back."""
MAX_DEPTH = 16
"""JSON nesting the API accepts: a message is three levels deep."""
MAX_NUMBER_CHARS = 32
"""Digits (and sign, point, exponent) of one JSON number: no field needs more."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Author(_Strict):
    id: Id
    name: str = Field("", max_length=200)
    age_band: Literal["minor", "adult", "unknown"] | None = None


class MessageIn(_Strict):
    space: Id
    channel: Id
    id: Id
    author: Author
    text: str = Field(max_length=40_000)
    ts: datetime | Annotated[float, Field(ge=0, le=4e9)] | None = None
    """ISO 8601 (``Z`` allowed) or seconds since the epoch; absent: when received."""
    dm: bool = False
    thread: Id | None = None
    reply_to: Id | None = None
    mentions: list[Id] = Field(default_factory=list, max_length=100)
    link: str | None = Field(None, max_length=2000)

    @field_validator("ts")
    @classmethod
    def _sane_time(cls, ts: datetime | float | None) -> datetime | float | None:
        """Compared as an instant, so that an extreme offset (``-23:59`` on the last
        second of year 9999) cannot carry a time out of range when turned into UTC."""
        if isinstance(ts, datetime):
            instant = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
            if not EARLIEST_TS <= instant.timestamp() <= LATEST_TS:
                raise ValueError("must be between 1970-01-01 and 2096-10-02 (UTC)")
        return ts

    def to_message(self, received: datetime) -> Message:
        if self.ts is None:
            ts = received
        elif isinstance(self.ts, datetime):
            ts = self.ts if self.ts.tzinfo else self.ts.replace(tzinfo=UTC)
        else:
            ts = datetime.fromtimestamp(self.ts, UTC)
        return Message(
            platform=API_PLATFORM,
            space_id=self.space,
            channel_id=self.channel,
            message_id=self.id,
            author=Participant(
                self.author.id, self.author.name, AgeBand.parse(self.author.age_band)
            ),
            text=self.text,
            ts=ts,
            is_dm=self.dm,
            thread_id=self.thread,
            reply_to=self.reply_to,
            mentions=tuple(self.mentions),
            link=self.link,
        )


class Batch(_Strict):
    messages: list[MessageIn] = Field(min_length=1)


class DecisionIn(_Strict):
    action: Literal[
        "acknowledge", "escalate", "dismiss", "confirm", "close", "reopen", "claim", "note"
    ]
    actor: Id
    actor_name: str = Field("", max_length=200)
    reason: str = Field("", max_length=2000)

    @property
    def as_action(self) -> Action:
        return Action(self.action)


def _number(text: str) -> float | int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number longer than {MAX_NUMBER_CHARS} characters")
    if not any(c in text for c in ".eE"):
        return int(text)
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: the depth is what is being checked)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json(body: bytes) -> Any:
    """The body as JSON, or a 400 naming what is wrong: not JSON, nested deeper than
    ``MAX_DEPTH``, a number longer than ``MAX_NUMBER_CHARS``, ``NaN`` or ``Infinity``."""
    try:
        data = json.loads(body, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}", "bad_json") from None
    except RecursionError:
        raise ApiError(400, f"the body nests deeper than {MAX_DEPTH} levels", "bad_json") from None
    except ValueError as exc:
        raise ApiError(400, f"the body is not acceptable JSON: {exc}", "bad_json") from None
    if _depth(data) > MAX_DEPTH:
        raise ApiError(400, f"the body nests deeper than {MAX_DEPTH} levels", "bad_json")
    return data


def _invalid(exc: ValidationError) -> ApiError:
    details = [
        {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
        for e in exc.errors(include_url=False)[:20]
    ]
    first = details[0] if details else {"field": "", "problem": "invalid"}
    return ApiError(422, f"{first['field'] or 'body'}: {first['problem']}", details=details)


def parse_messages(body: bytes, batch_max: int) -> list[Message]:
    """One message object, or ``{"messages": [...]}``, as domain messages."""
    data = parse_json(body)
    if isinstance(data, dict) and "messages" in data:
        adapter: TypeAdapter[Any] = TypeAdapter(Batch)
    else:
        adapter = TypeAdapter(MessageIn)
    try:
        parsed = adapter.validate_python(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    items = parsed.messages if isinstance(parsed, Batch) else [parsed]
    if len(items) > batch_max:
        raise ApiError(422, f"at most {batch_max} messages per request", "batch_too_large")
    now = utcnow()
    return [item.to_message(now) for item in items]


def parse_decision(body: bytes) -> DecisionIn:
    try:
        return DecisionIn.model_validate(parse_json(body))
    except ValidationError as exc:
        raise _invalid(exc) from None


def case_json(case: Case) -> dict[str, Any]:
    """A case as the API and the webhook show it."""
    return {
        "id": case.id,
        "number": case.number,
        "space": case.space_id,
        "kind": case.kind.value,
        "state": case.state.value,
        "level": case.level.value,
        "score": round(case.score, 4),
        "suspect": case.suspect_id,
        "conversation": case.conversation,
        "created_at": isoformat(case.created_at),
        "updated_at": isoformat(case.updated_at),
        "participants": [
            {"id": p.user_id, "name": p.display_name, "age_band": p.age_band.value}
            for p in case.participants
        ],
        "signals": [
            {"name": s.name, "quote": s.quote, "message_id": s.message_id, "author": s.author_id}
            for s in case.signals
        ],
        "evidence": [
            {
                "message_id": e.message_id,
                "channel": e.channel_id,
                "author": e.author_id,
                "ts": isoformat(e.ts),
                "link": e.link,
            }
            for e in case.evidence
        ],
        "decisions": [
            {
                "action": d.action.value,
                "actor": d.actor_id,
                "reason": d.reason,
                "at": isoformat(d.at),
            }
            for d in case.decisions
        ],
        "summary": case.summary,
    }
