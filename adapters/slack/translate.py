"""Slack message events to ``bot.models.Message``: pure functions, no API calls.

This runs for every message in every watched channel, so it stays cheap: no
permalink (the alert sink asks for permalinks of the few messages an alert cites),
no user lookup (Slack renders ``<@U…>`` as names in alerts; the event's own
``user_profile`` gives a display name when Slack includes one).

Edits: Slack sends ``message_changed`` with the new text under ``message``. The new
text is scored as a new observation of the same conversation, with the message id
``<ts>~edit-<edit ts>`` so the engine does not mistake it for a redelivery of the
original; ``source_ts`` recovers the original ts for permalinks. Edits that leave
the text unchanged (link unfurls, attachments) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.clock import from_epoch
from bot.models import AgeBand, Message, Participant

PLATFORM = "slack"
EDIT_MARK = "~edit-"

WATCHED_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})
"""Subtypes that are something a person wrote; joins, topics, bots and deletions are not."""

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True, slots=True)
class Incoming:
    """What the listener needs to know about a message event before building a Message."""

    channel: str
    channel_type: str
    user: str
    text: str
    ts: str
    at: str
    """When it was written: the ts, or the edit's ts for an edit."""
    message_id: str
    thread_ts: str | None
    display_name: str
    is_edit: bool

    @property
    def is_dm_to_app(self) -> bool:
        return self.channel_type == "im"

    @property
    def is_dm(self) -> bool:
        return self.channel_type in ("im", "mpim")


def parse_mentions(text: str) -> tuple[str, ...]:
    """User ids mentioned as ``<@U…>`` (or ``<@U…|name>``), in order, without repeats."""
    return tuple(dict.fromkeys(_MENTION.findall(text)))


def source_ts(message_id: str) -> str:
    """The Slack ts of the message a watchkeeper message id refers to (edits included)."""
    return message_id.split(EDIT_MARK, 1)[0]


def incoming(event: dict[str, Any], bot_user_id: str | None) -> Incoming | None:
    """The person-written message in an event, or None for anything not to watch."""
    subtype = event.get("subtype") or ""
    is_edit = subtype == "message_changed"
    if is_edit:
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if message.get("text", "") == previous.get("text", ""):
            return None  # unfurls and attachment changes: nothing new was written
        if (message.get("subtype") or "") not in WATCHED_SUBTYPES:
            return None
        edit_ts = (message.get("edited") or {}).get("ts") or event.get("ts") or ""
    elif subtype not in WATCHED_SUBTYPES:
        return None
    else:
        message = event
        edit_ts = ""
    user = message.get("user") or ""
    text = message.get("text") or ""
    ts = message.get("ts") or ""
    if not user or not ts or not text.strip():
        return None
    if message.get("bot_id") or message.get("bot_profile") or user == bot_user_id:
        return None
    thread_ts = message.get("thread_ts")
    profile = message.get("user_profile") or {}
    return Incoming(
        channel=event.get("channel") or message.get("channel") or "",
        channel_type=event.get("channel_type") or "",
        user=user,
        text=text,
        ts=ts,
        at=edit_ts or ts,
        message_id=f"{ts}{EDIT_MARK}{edit_ts}" if is_edit else ts,
        thread_ts=thread_ts if thread_ts and thread_ts != ts else None,
        display_name=profile.get("display_name") or profile.get("real_name") or "",
        is_edit=is_edit,
    )


def to_message(item: Incoming, team_id: str, band: AgeBand) -> Message:
    """The platform-neutral message: team = space, ts = message id, thread root = reply."""
    return Message(
        platform=PLATFORM,
        space_id=team_id,
        channel_id=item.channel,
        message_id=item.message_id,
        author=Participant(item.user, item.display_name, band),
        text=item.text,
        ts=from_epoch(float(item.at)),
        is_dm=item.is_dm,
        thread_id=item.thread_ts,
        reply_to=item.thread_ts,
        mentions=parse_mentions(item.text),
    )
