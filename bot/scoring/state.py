"""Per-conversation scoring state, updated at a cost proportional to one message.

The state keeps one small ``Observation`` per message in the window (signals,
whether it was a question, the text model's partial sum) and running totals per
author. Adding a message adds its observation to the totals; a message leaving the
window subtracts it. So the totals always equal what a from-scratch pass over the
same window would compute (read with the few messages before it as context), and
scoring reads only the totals.

People often type one thought as several short lines. Consecutive lines of one
author a few seconds apart form a *turn*: signals and text are read over the turn's
last lines joined (``OpenTurn``), and each line is credited with what it adds, so a
phrase split across lines is still found while every line keeps its own observation
(id, link, position in the window).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.models import AgeBand
from bot.scoring.signals import Hit

ANSWER_LOOKBACK = 4
"""How many earlier messages a bare age may answer."""
TURN_GAP = timedelta(seconds=20)
"""Lines of one author at most this far apart belong to one turn."""
TURN_LINES = 6
"""A line is read together with at most this many lines of its turn (itself included)."""
TURN_CHARS = 320
"""... and with no more of them than fit in this many characters."""
CONTEXT_MESSAGES = max(ANSWER_LOOKBACK, TURN_LINES)
"""How many messages back an observation may look (a bare age, a turn, who a message
is aimed at): a from-scratch score of a window reads this many messages before it as
context, and equals the incremental score."""
AIMED = frozenset({"discomfort", "concern_report"})
"""Signals that count for the person they are aimed at, not for the room."""
_AGE_TALK = frozenset({"age_probe", "minor_disclosure", "adult_disclosure"})
_ANSWERED = {name: Hit(name, 0.0) for name in ("minor_disclosure", "adult_disclosure")}
"""The hits an answered age adds (shared: a window holds no copies of them)."""
_SCANNED_IDS = 16
"""Up to this many messages, whether the window holds a message id is read from the
window itself; past it, from a set of the window's ids."""


@dataclass(frozen=True, slots=True)
class TurnLine:
    """One line of an open turn, kept only while the turn may continue."""

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


@dataclass(frozen=True, slots=True)
class Observation:
    """What the scorer keeps of one message: no text beyond a short quote."""

    seq: int
    message_id: str
    author_id: str
    ts: datetime
    hits: tuple[Hit, ...]
    is_question: bool
    text_sum: float
    """The text model's score contribution of this message (0 for the rule scorer)."""
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


@dataclass(slots=True)
class AuthorTotals:
    messages: int = 0
    turns: int = 0
    questions: int = 0
    text_sum: float = 0.0
    tactic_seqs: dict[str, list[int]] = field(default_factory=dict)
    """For each signal name, the sequence numbers of the window's messages showing it
    (never empty: a name leaves with its last message)."""

    def distinct(self) -> list[str]:
        return list(self.tactic_seqs)

    def count(self, name: str) -> int:
        seqs = self.tactic_seqs.get(name)
        return len(seqs) if seqs else 0

    def said_minor(self) -> bool:
        return "minor_disclosure" in self.tactic_seqs

    def said_adult(self) -> bool:
        """An adult age given, and no minor one."""
        seqs = self.tactic_seqs
        return "adult_disclosure" in seqs and "minor_disclosure" not in seqs


@dataclass(slots=True)
class ConversationState:
    max_messages: int = 200
    observations: list[Observation] = field(default_factory=list)
    """The window, oldest first (a list: smaller than a deque for the few messages of
    most conversations; dropping the oldest of at most a few hundred costs little)."""
    authors: dict[str, AuthorTotals] = field(default_factory=dict)
    age_bands: dict[str, AgeBand] = field(default_factory=dict)
    """Age bands the platform gave (roles, profile); not inferred from text."""
    first_author: str | None = None
    next_seq: int = 0
    received: dict[tuple[str, str], int] = field(default_factory=dict)
    """(author, signal) -> how many messages in the window aim that signal at them."""
    turn_author: str | None = None
    turn: tuple[TurnLine, ...] = ()
    """The last lines of the open turn (at most ``TURN_LINES``), newest last."""
    signal_counts: dict[str, int] = field(default_factory=dict)
    """Signal name -> how many messages in the window show it, whoever wrote them."""
    adults: int = 0
    """How many of the window's authors are adults: by their platform age band, else by
    an adult age they gave (and no minor one). Kept as authors come, go and speak, so
    reading who is on the other side of someone costs the same with any number."""
    minors: int = 0
    """... and how many are minors (by band, else a minor age they gave)."""
    _ids: set[str] | None = field(default=None, repr=False, compare=False)
    """The window's message ids, once the window is too long to scan (``holds``)."""

    def holds(self, message_id: str) -> bool:
        """Whether the message with this id is in the window (a platform redelivered it,
        or a replay repeats it)."""
        if self._ids is None:
            if len(self.observations) <= _SCANNED_IDS:
                return any(o.message_id == message_id for o in self.observations)
            self._ids = {o.message_id for o in self.observations}
        return message_id in self._ids

    def add(
        self, observation: Observation, age_band: AgeBand = AgeBand.UNKNOWN
    ) -> list[Observation]:
        """Add one message; returns the observations that left the window to make room."""
        author = observation.author_id
        ages_before = self.age_of(author) if author in self.authors else None
        if age_band is not AgeBand.UNKNOWN:
            self.age_bands[author] = age_band
        observation = self._with_answered_age(observation)
        if observation.line is not None:
            self._extend_turn(observation)
            # Dropped in place, not copied: nothing else holds this fresh observation.
            object.__setattr__(observation, "line", None)
        else:
            self.turn = ()
            self.turn_author = None
        self.observations.append(observation)
        if self._ids is not None:
            self._ids.add(observation.message_id)
        self.next_seq = observation.seq + 1
        totals = self.authors.get(author)
        if totals is None:
            totals = self.authors[author] = AuthorTotals()
        if self.first_author is None:
            self.first_author = author
        totals.messages += 1
        totals.turns += not observation.continues_turn
        totals.questions += observation.is_question
        totals.text_sum += observation.text_sum
        counts = self.signal_counts
        for hit in observation.hits:
            totals.tactic_seqs.setdefault(hit.name, []).append(observation.seq)
            counts[hit.name] = counts.get(hit.name, 0) + 1
            if observation.target is not None and hit.name in AIMED:
                key = (observation.target, hit.name)
                self.received[key] = self.received.get(key, 0) + 1
        self._recount_ages(author, ages_before)
        evicted = []
        while len(self.observations) > self.max_messages:
            evicted.append(self.evict_oldest())
        return evicted

    def _extend_turn(self, observation: Observation) -> None:
        assert observation.line is not None
        if observation.continues_turn:
            self.turn = (*self.turn[1 - TURN_LINES :], observation.line)
        else:
            self.turn = (observation.line,)
            self.turn_author = observation.author_id

    def open_turn(self, author: str, ts: datetime) -> tuple[TurnLine, ...]:
        """The earlier lines of ``author``'s turn that a line at ``ts`` continues.

        The newest lines that fit in ``TURN_CHARS`` (with the new line's share left to
        the caller), at most ``TURN_LINES - 1`` of them; empty if the line starts a turn.
        """
        if author != self.turn_author or not self.turn:
            return ()
        if ts - self.turn[-1].ts > TURN_GAP or ts < self.turn[-1].ts:
            return ()
        return self.turn[1 - TURN_LINES :]

    def addressee(self, author: str, reply_to: str | None, mentions: tuple[str, ...]) -> str | None:
        """Who a message of ``author`` is aimed at: the author of the message it replies
        to, else someone it mentions, else the last other speaker; looking back at most
        ``CONTEXT_MESSAGES`` messages."""
        recent = list(itertools.islice(reversed(self.observations), CONTEXT_MESSAGES))
        if reply_to is not None:
            for earlier in recent:
                if earlier.message_id == reply_to and earlier.author_id != author:
                    return earlier.author_id
        for mentioned in mentions:
            if mentioned != author:
                return mentioned
        return next((e.author_id for e in recent if e.author_id != author), None)

    def _with_answered_age(self, observation: Observation) -> Observation:
        """ "13" soon after someone else asked an age (or gave theirs) is an age.

        Up to ``ANSWER_LOOKBACK`` messages back, and not past the author's own last
        message, so that in a channel everyone answering "how old is everyone" in turn
        ("14", "13 turning 14", "15") is read.
        """
        age = observation.age_answer
        if age is None:
            return observation
        asked = False
        for earlier in itertools.islice(reversed(self.observations), ANSWER_LOOKBACK):
            if earlier.author_id == observation.author_id:
                break  # they have spoken since: that question was theirs to answer then
            if earlier.age_answer is not None or any(h.name in _AGE_TALK for h in earlier.hits):
                asked = True
                break
        if not asked:  # "how old r u" -> "13", or "14 wbu" -> "15"
            return observation
        name = "minor_disclosure" if age < 18 else "adult_disclosure"
        if any(hit.name == name for hit in observation.hits):
            return observation
        return replace(observation, hits=(*observation.hits, _ANSWERED[name]))

    def age_of(self, author: str) -> tuple[bool, bool]:
        """(adult, minor) for ``author``: the platform's age band first, else what they
        said in the window."""
        band = self.age_bands.get(author, AgeBand.UNKNOWN)
        if band is not AgeBand.UNKNOWN:
            return band is AgeBand.ADULT, band is AgeBand.MINOR
        totals = self.authors.get(author)
        if totals is None:
            return False, False
        return totals.said_adult(), totals.said_minor()

    def _recount_ages(self, author: str, before: tuple[bool, bool] | None) -> None:
        """Update ``adults`` and ``minors`` after ``author`` changed (``before``: their
        ages then, None if they were not in the window)."""
        after = self.age_of(author) if author in self.authors else None
        if after == before:
            return
        if before is not None:
            self.adults -= before[0]
            self.minors -= before[1]
        if after is not None:
            self.adults += after[0]
            self.minors += after[1]

    def evict_oldest(self) -> Observation:
        old = self.observations.pop(0)
        if self._ids is not None:
            self._ids.discard(old.message_id)
        author = old.author_id
        ages_before = self.age_of(author)
        totals = self.authors[author]
        totals.messages -= 1
        totals.turns -= not old.continues_turn
        totals.questions -= old.is_question
        totals.text_sum -= old.text_sum
        counts = self.signal_counts
        for hit in old.hits:
            seqs = totals.tactic_seqs[hit.name]
            del seqs[0]
            if not seqs:
                del totals.tactic_seqs[hit.name]
            left = counts[hit.name] - 1
            if left:
                counts[hit.name] = left
            else:
                del counts[hit.name]
            if old.target is not None and hit.name in AIMED:
                key = (old.target, hit.name)
                left = self.received[key] - 1
                if left:
                    self.received[key] = left
                else:
                    del self.received[key]
        if totals.messages == 0:
            del self.authors[author]
        self._recount_ages(author, ages_before)
        self.first_author = self.observations[0].author_id if self.observations else None
        return old

    def evict_before(self, cutoff: datetime) -> list[Observation]:
        """Drop observations older than ``cutoff``; returns those that left the window."""
        dropped = []
        while self.observations and self.observations[0].ts < cutoff:
            dropped.append(self.evict_oldest())
        return dropped

    @property
    def message_count(self) -> int:
        return len(self.observations)

    def observation(self, seq: int) -> Observation | None:
        """The observation with sequence number ``seq``, if it is still in the window."""
        if not self.observations:
            return None
        index = seq - self.observations[0].seq
        if 0 <= index < len(self.observations):
            found = self.observations[index]
            if found.seq == seq:
                return found
        return next((o for o in self.observations if o.seq == seq), None)
