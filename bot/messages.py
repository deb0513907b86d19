"""Message JSONL: one message per line, as ``watchkeeper run --input`` and the terminal
adapter read it, and as real chat logs are stored for evaluation (``bot.learning.chatlogs``).

    {"space": "demo", "channel": "general", "id": "m1", "author": "u1",
     "author_name": "Sam", "age_band": "adult", "text": "hi", "ts": "2025-03-01T18:02:11Z",
     "reply_to": null, "mentions": [], "dm": false}

Only ``author`` and ``text`` are required. The codec lives in the core so that offline
tools read a line exactly as the terminal adapter does, without importing an adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.clock import parse_timestamp, utcnow
from bot.errors import InputError
from bot.models import AgeBand, Message, Participant

CONSOLE = "console"
"""The platform of messages read from JSONL: the terminal's."""


class BadLine(InputError, ValueError):
    """An input line that is not a message; reported with its number and skipped."""


def parse_message(obj: Any, line_number: int, now: Callable[[], datetime] = utcnow) -> Message:
    """One line of message JSONL as a ``Message``; ``line_number`` names a line that
    has no ``id``, ``now`` dates a line without ``ts``."""
    if not isinstance(obj, dict):
        raise BadLine("expected a JSON object")
    author = obj.get("author")
    if not isinstance(author, str | int) or author == "":
        raise BadLine('"author" is required')
    text = obj.get("text")
    if not isinstance(text, str):
        raise BadLine('"text" must be a string')
    try:
        ts = parse_timestamp(obj["ts"]) if obj.get("ts") else now()
    except (TypeError, ValueError):
        raise BadLine(f'bad "ts": {obj.get("ts")!r}') from None
    mentions = obj.get("mentions") or []
    if not isinstance(mentions, list):
        raise BadLine('"mentions" must be a list')
    is_dm = bool(obj.get("dm", False))
    channel = str(obj.get("channel") or ("dm" if is_dm else "general"))
    return Message(
        platform=CONSOLE,
        space_id=str(obj.get("space") or "console"),
        channel_id=channel,
        message_id=str(obj.get("id") or f"line-{line_number}"),
        author=Participant(
            str(author), str(obj.get("author_name") or ""), AgeBand.parse(obj.get("age_band"))
        ),
        text=text,
        ts=ts,
        is_dm=is_dm,
        thread_id=str(obj["thread"]) if obj.get("thread") else None,
        reply_to=str(obj["reply_to"]) if obj.get("reply_to") else None,
        mentions=tuple(str(m) for m in mentions),
    )
