"""The message codec: every message that comes from outside is read here, by one set
of rules, whatever carried it.

Four envelopes carry messages: message JSONL (one message per line: ``watchkeeper run
--input``, the terminal adapter, ``alert-rate``), the HTTP API's payloads
(``adapters/http/payloads.py``), the store's inbox rows (``bot/store/inbox.py``) and
Conversation JSONL (``bot/learning/corpora.py``). Each keeps its own shape (which keys
it has, their defaults, what wraps a message) and hands the message's fields here,
named as message JSONL names them:

    {"space": "demo", "channel": "general", "id": "m1", "author": "u1",
     "author_name": "Sam", "age_band": "adult", "bot": false, "text": "hi",
     "ts": "2025-03-01T18:02:11Z", "dm": false, "thread": null, "reply_to": null,
     "mentions": [], "link": null}

The rules. NUL characters are dropped from every string (PostgreSQL text cannot hold
them) before it is checked. Ids (space, channel, id, author, thread, reply_to, each
mention) are non-empty strings of at most ``MAX_ID_CHARS``, or whole numbers (platform
ids are numbers in many exports: Discord's are), read as their decimal text; the
author's name at most ``MAX_NAME_CHARS``, the text ``MAX_INPUT_TEXT_CHARS``, the link
``MAX_LINK_CHARS``, at most ``MAX_MENTIONS`` mentions. An age band is "minor", "adult"
or "unknown", in any case. A time is ISO 8601 (naive: UTC) or seconds since the epoch,
an instant from 1970 to 2096 (what the store can read back); it is kept in UTC. ``dm``
and ``bot`` are true or false. An absent field and ``null`` are the same, and so is an
empty string for a field that may be absent. A field that breaks a rule is a
``BadMessage``: one line naming the field.

The codec lives in the core so that offline tools read a message exactly as the
adapters do, without importing an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.clock import from_epoch, parse_timestamp, utcnow
from bot.errors import InputError
from bot.models import AgeBand, Message, Participant

CONSOLE = "console"
"""The platform of messages read from message JSONL: the terminal's."""

MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
MAX_INPUT_TEXT_CHARS = 40_000
"""What a message may carry; the engine keeps the first ``bot.models.MAX_TEXT_CHARS``."""
MAX_LINK_CHARS = 2_000
MAX_MENTIONS = 100
EARLIEST_TS = 0.0
LATEST_TS = 4e9
"""Message times, in seconds since the epoch (1970-01-01 to 2096-10-02 UTC)."""
AGE_BANDS = tuple(band.value for band in AgeBand)
_BANDS = {band.value: band for band in AgeBand}


class BadMessage(InputError, ValueError):
    """A message that breaks the codec's rules. ``field`` names the field ("" for the
    message as a whole); ``problem`` says what is wrong with it; the text is one line."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f'"{field}" {problem}' if field else problem)
        self.field = field
        self.problem = problem


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), "another type")


def _string(value: Any, field: str, limit: int) -> str:
    if type(value) is str and len(value) <= limit and "\x00" not in value:
        return value  # the common case, as the rules below read it
    if not isinstance(value, str):
        raise BadMessage(field, f"must be a string, not {_kind(value)}")
    value = value.replace("\x00", "")
    if len(value) > limit:
        raise BadMessage(field, f"must be at most {limit} characters")
    return value


def read_id(value: Any, field: str) -> str:
    if type(value) is str and 0 < len(value) <= MAX_ID_CHARS and "\x00" not in value:
        return value  # the common case, as the rules below read it
    if value is None:
        raise BadMessage(field, "is required")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        raise BadMessage(field, f"must be a string or a whole number, not {_kind(value)}")
    text = _string(value, field, MAX_ID_CHARS)
    if not text:
        raise BadMessage(field, "must not be empty")
    return text


def read_optional_id(value: Any, field: str) -> str | None:
    return None if value is None or value == "" else read_id(value, field)


def read_name(value: Any) -> str:
    return "" if value is None else _string(value, "author_name", MAX_NAME_CHARS)


def read_text(value: Any) -> str:
    if value is None:
        raise BadMessage("text", "is required")
    return _string(value, "text", MAX_INPUT_TEXT_CHARS)


def read_age_band(value: Any, field: str = "age_band") -> AgeBand:
    if value is None or value == "":
        return AgeBand.UNKNOWN
    band = _BANDS.get(value.lower()) if isinstance(value, str) else None
    if band is None:
        raise BadMessage(field, 'must be "minor", "adult" or "unknown"')
    return band


def read_flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadMessage(field, f"must be true or false, not {_kind(value)}")
    return value


def read_mentions(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadMessage("mentions", f"must be a list of ids, not {_kind(value)}")
    if len(value) > MAX_MENTIONS:
        raise BadMessage("mentions", f"must list at most {MAX_MENTIONS} ids")
    return tuple(read_id(item, "mentions") for item in value)


def read_time(value: Any, field: str = "ts") -> datetime | None:
    """An ISO 8601 time or seconds since the epoch, in UTC; None when absent. The range
    is checked on the instant, so an extreme offset (``-23:59`` on the last second of
    year 9999) cannot carry a time out of range when it is turned into UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = parse_timestamp(value)
        except ValueError:
            raise BadMessage(field, f"is not an ISO 8601 time: {value[:40]!r}") from None
        instant: float = moment.timestamp()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment, instant = None, value
    else:
        problem = f"must be an ISO 8601 time or seconds since 1970, not {_kind(value)}"
        raise BadMessage(field, problem)
    if not EARLIEST_TS <= instant <= LATEST_TS:  # NaN fails too
        raise BadMessage(field, "must be between 1970 and 2096 (1970-01-01 to 2096-10-02 UTC)")
    return moment.astimezone(UTC) if moment else from_epoch(instant)


def read_link(value: Any) -> str | None:
    return None if value is None else _string(value, "link", MAX_LINK_CHARS)


def decode_message(
    fields: Mapping[str, Any], platform: str, received: datetime | None = None
) -> Message:
    """A message from its fields (named as in message JSONL; other keys are ignored);
    ``received`` dates one without ``ts`` (None: ``ts`` is required)."""
    ts = read_time(fields.get("ts")) or received
    if ts is None:
        raise BadMessage("ts", "is required")
    return Message(
        platform=read_id(platform, "platform"),
        space_id=read_id(fields.get("space"), "space"),
        channel_id=read_id(fields.get("channel"), "channel"),
        message_id=read_id(fields.get("id"), "id"),
        author=Participant(
            read_id(fields.get("author"), "author"),
            read_name(fields.get("author_name")),
            read_age_band(fields.get("age_band")),
            read_flag(fields.get("bot"), "bot"),
        ),
        text=read_text(fields.get("text")),
        ts=ts,
        is_dm=read_flag(fields.get("dm"), "dm"),
        thread_id=read_optional_id(fields.get("thread"), "thread"),
        reply_to=read_optional_id(fields.get("reply_to"), "reply_to"),
        mentions=read_mentions(fields.get("mentions")),
        link=read_link(fields.get("link")),
    )


def parse_message(obj: Any, line_number: int, now: Callable[[], datetime] = utcnow) -> Message:
    """One line of message JSONL. Its own defaults: space "console", channel "dm" or
    "general", id "line-N" (``line_number``), the time ``now()``."""
    if not isinstance(obj, dict):
        raise BadMessage("", "expected a JSON object")
    defaults = {
        "space": CONSOLE,
        "channel": "dm" if obj.get("dm") is True else "general",
        "id": f"line-{line_number}",
    }
    fields = {**obj, **{k: v for k, v in defaults.items() if obj.get(k) in (None, "")}}
    return decode_message(fields, CONSOLE, now())
