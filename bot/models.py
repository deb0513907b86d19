"""The platform-neutral domain: what adapters build and what the core reasons about.

Nothing here knows about Discord or Slack. Adapters translate platform events into
these objects and render ``Case`` objects back in the platform's own UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

MAX_TEXT_CHARS = 4000
"""Longer messages are cut to this many characters before they are stored or scored."""


class AgeBand(StrEnum):
    MINOR = "minor"
    ADULT = "adult"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: str | None) -> AgeBand:
        if not value:
            return cls.UNKNOWN
        try:
            return cls(str(value).lower())
        except ValueError:
            return cls.UNKNOWN


class Level(StrEnum):
    """Risk levels, in increasing order of urgency."""

    NONE = "none"
    WATCH = "watch"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.NONE: 0, Level.WATCH: 1, Level.HIGH: 2, Level.CRITICAL: 3}


class CaseKind(StrEnum):
    RISK = "risk"
    """Raised by the detector."""
    REPORT = "report"
    """Raised by a person: a member who reported a concern privately."""


class CaseState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"
    CLOSED = "closed"


class Action(StrEnum):
    """What a moderator can do to a case. ``bot.lifecycle`` says which state each one
    leads to from which state; a note and a claim record who did what without moving
    a case on (a claim also acknowledges an open case)."""

    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    DISMISS = "dismiss"
    CONFIRM = "confirm"
    CLOSE = "close"
    REOPEN = "reopen"
    CLAIM = "claim"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Participant:
    user_id: str
    display_name: str = ""
    age_band: AgeBand = AgeBand.UNKNOWN
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message, as every adapter delivers it to the engine."""

    platform: str
    space_id: str
    channel_id: str
    message_id: str
    author: Participant
    text: str
    ts: datetime
    is_dm: bool = False
    thread_id: str | None = None
    reply_to: str | None = None
    """The id of the message this one replies to, when the platform says so."""
    mentions: tuple[str, ...] = ()
    """User ids mentioned in the message."""
    link: str | None = None
    """A link back to the message on its platform (jump link, permalink)."""

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT_CHARS:
            object.__setattr__(self, "text", self.text[:MAX_TEXT_CHARS])


@dataclass(frozen=True, slots=True, order=True)
class ConversationKey:
    """Identifies a conversation: a DM thread, or a pair of people in a space.

    Pairs are keyed by space, not by channel: two people who move from one channel
    of a server to another are still the same conversation.
    """

    platform: str
    space_id: str
    kind: str  # "dm" | "pair"
    ref: str
    """A DM's channel id; a pair's two user ids, sorted, joined by ``|`` (``pair_ref``)."""

    @classmethod
    def dm(cls, platform: str, space_id: str, channel_id: str) -> ConversationKey:
        return cls(platform, space_id, "dm", channel_id)

    @classmethod
    def pair(cls, platform: str, space_id: str, a: str, b: str) -> ConversationKey:
        return cls(platform, space_id, "pair", pair_ref(a, b))

    @property
    def members(self) -> tuple[str, str]:
        """A pair's two user ids, sorted; ValueError for a DM or a ref ``pair_ref``
        would not have built (a key stored before ids with ``|`` were escaped)."""
        if self.kind != "pair":
            raise ValueError(f"not a pair: {self}")
        return pair_members(self.ref)

    def __str__(self) -> str:
        return f"{self.platform}:{self.space_id}:{self.kind}:{self.ref}"

    @classmethod
    def parse(cls, text: str, platform: str, space_id: str) -> ConversationKey:
        """The key ``str`` made ``text`` of, in a known space (a space id may hold a
        ``:``); ValueError when ``text`` is not in that space."""
        prefix = f"{platform}:{space_id}:"
        kind, colon, ref = text.removeprefix(prefix).partition(":")
        if not text.startswith(prefix) or not colon:
            raise ValueError(f"not a conversation of {prefix}: {text!r}")
        return cls(platform, space_id, kind, ref)


def pair_ref(a: str, b: str) -> str:
    """A pair's ref: its two ids, sorted, joined by ``|``. When neither id has a ``|``
    (Discord and Slack ids never do) that is all, so keys stored before this encoding
    are unchanged. Otherwise each id has ``\\`` and ``|`` escaped with a ``\\``: such a
    ref has two ``|`` or more and a plain one exactly one, so no two pairs share a ref
    ("a|b" with "c" is ``a\\|b|c``; "a" with "b|c" is ``a|b\\|c``)."""
    first, second = sorted((a, b))
    if _SEPARATOR in first or _SEPARATOR in second:
        first, second = escape_member(first), escape_member(second)
    return f"{first}{_SEPARATOR}{second}"


def pair_members(ref: str) -> tuple[str, str]:
    """The two ids of a ref ``pair_ref`` built; ValueError for any other text."""
    if ref.count(_SEPARATOR) == 1:
        first, second = ref.split(_SEPARATOR)
    else:
        escaped = _ESCAPED_PAIR.fullmatch(ref)
        if escaped is None:
            raise ValueError(f"not a pair ref: {ref!r}")
        first, second = (_UNESCAPE.sub(r"\1", part) for part in escaped.groups())
    if pair_ref(first, second) != ref:
        raise ValueError(f"not a pair ref: {ref!r}")
    return first, second


_SEPARATOR = "|"
_ESCAPE = "\\"
_ESCAPED_PAIR = re.compile(r"((?:[^\\|]|\\.)*)\|((?:[^\\|]|\\.)*)", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def escape_member(user_id: str) -> str:
    """How ``user_id`` reads in a pair ref where an id has a ``|``."""
    return user_id.replace(_ESCAPE, _ESCAPE * 2).replace(_SEPARATOR, _ESCAPE + _SEPARATOR)


@dataclass(frozen=True, slots=True)
class Signal:
    """One warning sign, with the message that showed it: a reason, not a verdict."""

    name: str
    weight: float
    message_id: str
    quote: str
    """A short excerpt of the triggering message (never more than ~120 characters)."""
    author_id: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    level: Level
    suspect: str | None
    """The author the risk attaches to."""
    signals: tuple[Signal, ...] = ()
    message_count: int = 0

    def with_signals(self, signals: tuple[Signal, ...]) -> Score:
        """This score with these reasons: what ``dataclasses.replace`` makes, at a third of
        its cost (the engine adds reasons to most messages of a conversation that alerts)."""
        return Score(self.probability, self.level, self.suspect, signals, self.message_count)


@dataclass(frozen=True, slots=True)
class Decision:
    """A moderator's action on a case: an audit record and, later, a training label."""

    case_id: int
    action: Action
    actor_id: str
    actor_name: str
    at: datetime
    reason: str = ""


@dataclass(slots=True)
class Case:
    """An alert, and what moderators did about it.

    ``number`` counts per space (what moderators see, "case 12"); ``id`` is global.
    """

    id: int
    number: int
    platform: str
    space_id: str
    kind: CaseKind
    conversation: str
    suspect_id: str | None
    level: Level
    score: float
    state: CaseState
    created_at: datetime
    updated_at: datetime
    participants: list[Participant] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    evidence: list[EvidenceRef] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    summary: str = ""
    """For reports: what the reporter wrote. For risk cases: empty."""
    platform_message_id: str | None = None
    """The id of the alert message in the moderator channel, once delivered."""
    hold_until: datetime | None = None
    history: list[PriorCase] = field(default_factory=list)
    """The suspect's earlier cases in this space, oldest first (filled by ``get_case``)."""

    @property
    def is_open(self) -> bool:
        return self.state in (CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.ESCALATED)


@dataclass(frozen=True, slots=True)
class PriorCase:
    """One line of a suspect's history: enough to name it on a new alert."""

    number: int
    kind: CaseKind
    level: Level
    state: CaseState
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """A pointer to a message that triggered a signal: enough to jump to it."""

    message_id: str
    channel_id: str
    author_id: str
    ts: datetime
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A job in the outbox: post a new alert, or update one already posted."""

    id: int
    case_id: int
    kind: str  # "post" | "update" | "digest"
    platform: str
    space_id: str
    attempts: int
    payload: dict
