"""What the scorer keeps of one message (``Observation``), made by ``base.observe``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.scoring.signals import Hit


@dataclass(slots=True)
class TurnLine:
    """One line of an open turn, kept only while the turn may continue.

    Like ``Observation``, made for every message and not frozen: a frozen dataclass
    sets each field through ``object.__setattr__``, a call per field per message."""

    ts: datetime
    normalized: str
    text: str
    names: frozenset[str]
    """The signals found in this line's reading (its turn's lines up to it, joined)."""
    contribution: int
    """The text model's contribution of that reading."""


@dataclass(frozen=True, slots=True)
class Detail:
    """What only a message that can become evidence keeps (one with a signal or an age):
    most messages have none, so the window of an ordinary conversation stays small."""

    quote: str
    channel_id: str = ""
    link: str | None = None
    age_answer: int | None = None
    """A bare number like "13" or "14 wbu": an age only if it answers an age question."""
    target: str | None = None
    """For discomfort and reports: the author they are aimed at (reply, mention, or the
    last other speaker)."""


@dataclass(slots=True)
class Observation:
    """What the scorer keeps of one message: no text beyond a short quote. Treated as
    read-only once made (``ConversationState.add`` alone drops its ``line``)."""

    seq: int
    message_id: str
    author_id: str
    ts: datetime
    hits: tuple[Hit, ...]
    is_question: bool
    text_sum: int
    """The text model's score contribution of this message, in millionths (0 for the
    rule scorer)."""
    detail: Detail | None = None
    continues_turn: bool = False
    """This line continues its author's turn (same author, a few seconds later)."""
    line: TurnLine | None = field(default=None, compare=False, repr=False)
    """The line's text, handed to ``ConversationState.add`` for the open turn and then
    dropped: the window keeps no text."""

    @property
    def quote(self) -> str:
        return self.detail.quote if self.detail else ""

    @property
    def channel_id(self) -> str:
        return self.detail.channel_id if self.detail else ""

    @property
    def link(self) -> str | None:
        return self.detail.link if self.detail else None

    @property
    def age_answer(self) -> int | None:
        return self.detail.age_answer if self.detail else None

    @property
    def target(self) -> str | None:
        return self.detail.target if self.detail else None
