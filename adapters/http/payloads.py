"""What the API reads and writes: incoming messages and decisions, outgoing cases.

Requests are validated with pydantic (the shape of a body: its keys, required and
unknown ones) and a message's fields by the message codec (``bot.messages``), so every
rejected field is named in the 422 response. The shapes here and in ``openapi.py``
describe the same contract.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from adapters.http.errors import ApiError
from bot.clock import isoformat, utcnow
from bot.messages import MAX_ID_CHARS, BadMessage, decode_message
from bot.models import Action, Case, Message
from bot.store.apikeys import API_PLATFORM

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]

MAX_DEPTH = 16
"""JSON nesting the API accepts: a message is three levels deep."""
MAX_NUMBER_CHARS = 32
"""Digits (and sign, point, exponent) of one JSON number: no field needs more."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Author(_Strict):
    id: Any
    name: Any = None
    age_band: Any = None


class MessageIn(_Strict):
    """The envelope of one message: its keys, which are required, and no others. The
    values are read and checked by the message codec (``bot.messages``), as every other
    way in reads them; ``openapi.py`` documents the same rules."""

    space: Any
    channel: Any
    id: Any
    author: Author
    text: Any
    ts: Any = None
    """ISO 8601 (``Z`` allowed) or seconds since the epoch; absent: when received."""
    dm: Any = None
    thread: Any = None
    reply_to: Any = None
    mentions: Any = None
    link: Any = None

    def fields(self) -> dict[str, Any]:
        """The message's fields, named as the message codec names them."""
        fields = self.model_dump(exclude={"author"})
        fields |= {
            "author": self.author.id,
            "author_name": self.author.name,
            "age_band": self.author.age_band,
        }
        return fields

    def to_message(self, received: datetime) -> Message:
        """The message; ``BadMessage`` names the first field that breaks a rule."""
        return decode_message(self.fields(), API_PLATFORM, received)


AUTHOR_FIELDS = {"author": "author.id", "author_name": "author.name", "age_band": "author.age_band"}
"""The codec's names of the author's fields, as this envelope nests them."""


class Batch(_Strict):
    messages: list[MessageIn] = Field(min_length=1)


MESSAGE_KEYS = frozenset(MessageIn.model_fields)
REQUIRED_KEYS = frozenset(n for n, f in MessageIn.model_fields.items() if f.is_required())
AUTHOR_KEYS = frozenset(Author.model_fields)
AUTHOR_REQUIRED = frozenset(n for n, f in Author.model_fields.items() if f.is_required())


def _plain_fields(item: Any) -> dict[str, Any] | None:
    """The codec's fields of a message object whose envelope is what ``MessageIn``
    accepts as it is (its keys and no others, an author object with an id); None for
    anything else, which ``MessageIn`` then reads, to say what is wrong. The envelope's
    values are all ``Any``: pydantic would pass them on unchanged, as this does."""
    if type(item) is not dict or not REQUIRED_KEYS <= item.keys() <= MESSAGE_KEYS:
        return None
    author = item["author"]
    if type(author) is not dict or not AUTHOR_REQUIRED <= author.keys() <= AUTHOR_KEYS:
        return None
    fields = dict(item)
    fields["author"] = author["id"]
    fields["author_name"] = author.get("name")
    fields["age_band"] = author.get("age_band")
    return fields


def _plain_batch(data: Any, batched: bool) -> list[dict[str, Any]] | None:
    """Every message's fields when the whole body has the plain shape (the common case,
    read without building a model per message); None when any part has not."""
    if not batched:
        fields = _plain_fields(data)
        return [fields] if fields is not None else None
    items = data["messages"]
    if len(data) != 1 or type(items) is not list or not items:
        return None
    plain = [_plain_fields(item) for item in items]
    return None if None in plain else plain  # type: ignore[return-value]


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
    """How deeply ``value`` nests: level by level (iteratively, as the depth is what is
    being checked), looking only at the containers of each."""
    if type(value) is not dict and type(value) is not list:
        return 0
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is dict or type(child) is list
        ]
    return depth


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
    batched = isinstance(data, dict) and "messages" in data
    items = _plain_batch(data, batched)
    if items is None:
        items = [item.fields() for item in _validated(data, batched)]
    if len(items) > batch_max:
        raise ApiError(422, f"at most {batch_max} messages per request", "batch_too_large")
    now = utcnow()
    where = "messages.{}." if batched else ""
    return [_message(fields, now, where.format(i)) for i, fields in enumerate(items)]


BATCH: TypeAdapter[Batch] = TypeAdapter(Batch)
ONE: TypeAdapter[MessageIn] = TypeAdapter(MessageIn)


def _validated(data: Any, batched: bool) -> list[MessageIn]:
    """The envelope read by pydantic: a 422 naming every part that is wrong."""
    try:
        return BATCH.validate_python(data).messages if batched else [ONE.validate_python(data)]
    except ValidationError as exc:
        raise _invalid(exc) from None


def _message(fields: dict[str, Any], received: datetime, where: str) -> Message:
    """A message's fields as a message, or a 422 naming its path in the body (``where``)."""
    try:
        return decode_message(fields, API_PLATFORM, received)
    except BadMessage as exc:
        field = where + AUTHOR_FIELDS.get(exc.field, exc.field)
        message = f"{where[:-1]}: {exc}" if where else str(exc)
        raise ApiError(422, message, details=[{"field": field, "problem": exc.problem}]) from None


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
