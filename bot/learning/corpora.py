"""Loaders for labelled conversations: Conversation JSONL (the interchange format).

A malformed line is reported with its line number and skipped; the rest is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bot.errors import InputError
from bot.messages import (
    BadMessage,
    read_age_band,
    read_id,
    read_mentions,
    read_optional_id,
    read_text,
    read_time,
)
from bot.models import AgeBand, Message, Participant

LABELS = ("grooming", "benign")
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class WrongFormat(InputError):
    """The file is not Conversation JSONL at all: nothing in it can be read."""


def looks_like_a_message(obj: Any) -> bool:
    """A line of message JSONL (what ``run --input`` reads), not a conversation."""
    return isinstance(obj, dict) and "messages" not in obj and {"author", "text"} <= obj.keys()


@dataclass(frozen=True, slots=True)
class Line:
    author: str
    text: str
    ts: datetime
    tactics: tuple[str, ...] = ()
    """Annotated warning signs in this message, where a corpus provides them."""
    id: str | None = None
    reply_to: str | None = None
    """The ``id`` of the message this one replies to, when the platform would say so."""
    mentions: tuple[str, ...] = ()
    """Authors this message mentions, when the platform would say so."""


@dataclass(slots=True)
class Conversation:
    id: str
    label: str | None
    suspect: str | None
    context: str
    participants: dict[str, AgeBand]
    messages: list[Line] = field(default_factory=list)

    @property
    def is_grooming(self) -> bool:
        return self.label == "grooming"

    def to_messages(self, platform: str = "jsonl", space_id: str = "corpus") -> list[Message]:
        """As engine messages: a DM, or a channel with only the replies and mentions the
        file gives (the tracker pairs the rest as it does live)."""
        is_dm = self.context == "dm"
        return [
            Message(
                platform=platform,
                space_id=space_id,
                channel_id=f"dm-{self.id}" if is_dm else f"ch-{self.id}",
                message_id=line.id or f"{self.id}#{index + 1}",
                author=Participant(
                    line.author, "", self.participants.get(line.author, AgeBand.UNKNOWN)
                ),
                text=line.text,
                ts=line.ts,
                is_dm=is_dm,
                reply_to=line.reply_to,
                mentions=line.mentions,
            )
            for index, line in enumerate(self.messages)
        ]


def parse_conversation(obj: Any) -> Conversation:
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object")
    conv_id = obj.get("id")
    if not isinstance(conv_id, str | int) or conv_id == "":
        raise InputError('missing "id"')
    label = obj.get("label")
    if label is not None and label not in LABELS:
        raise InputError(f'"label" must be "grooming", "benign" or null, not {label!r}')
    raw_messages = obj.get("messages")
    if not isinstance(raw_messages, list):
        raise InputError('"messages" must be a list')
    participants: dict[str, AgeBand] = {}
    raw_participants = obj.get("participants") or {}
    if not isinstance(raw_participants, dict):
        raise InputError('"participants" must be an object')
    for user, info in raw_participants.items():
        band = info.get("age_band") if isinstance(info, dict) else None
        try:
            participants[str(user)] = read_age_band(band)
        except BadMessage as exc:
            raise InputError(f"participant {str(user)[:40]!r}: {exc}") from None
    lines = []
    for index, item in enumerate(raw_messages):
        try:
            lines.append(_line(item, index))
        except BadMessage as exc:
            raise InputError(f"message {index + 1}: {exc}") from None
    suspect = obj.get("suspect")
    context = obj.get("context") or "dm"
    if context not in ("dm", "channel"):
        raise InputError(f'"context" must be "dm" or "channel", not {context!r}')
    return Conversation(
        str(conv_id), label, str(suspect) if suspect else None, context, participants, lines
    )


def _line(item: Any, index: int) -> Line:
    """One message of a conversation, its fields read by the message codec; one without
    ``ts`` is dated 30 seconds per message before it after ``_EPOCH``."""
    if not isinstance(item, dict):
        raise BadMessage("", "expected a JSON object")
    tactics = item.get("tactics") or ()
    return Line(
        read_id(item.get("author"), "author"),
        read_text(item.get("text")),
        read_time(item.get("ts")) or _EPOCH + timedelta(seconds=30 * index),
        tuple(str(t) for t in tactics) if isinstance(tactics, list) else (),
        read_optional_id(item.get("id"), "id"),
        read_optional_id(item.get("reply_to"), "reply_to"),
        read_mentions(item.get("mentions")),
    )


def read_conversations(
    stream: IO[str], errors: list[str] | None = None, source: str = "input"
) -> Iterator[Conversation]:
    """Yield conversations; problems go to ``errors`` as 'source:line: reason'.

    A file whose first record is a message rather than a conversation raises
    ``WrongFormat``: skipping its every line would report nothing useful.
    """
    first = True
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            if first and looks_like_a_message(obj):
                raise WrongFormat(
                    f"{source}: this is message JSONL (one message per line, for "
                    "`watchkeeper run --input`); this command reads Conversation JSONL "
                    "(one conversation per line, see the README's Formats)"
                )
            first = False
            yield parse_conversation(obj)
        except WrongFormat:
            raise
        except (json.JSONDecodeError, InputError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            if errors is not None:
                errors.append(f"{source}:{number}: skipped: {reason}")


def load_conversations(path: Path, errors: list[str] | None = None) -> list[Conversation]:
    with path.open(encoding="utf-8", errors="replace") as stream:
        return list(read_conversations(stream, errors, str(path)))
