"""Per-conversation scoring state, updated at a cost proportional to one message.

The state keeps what scoring needs of each message in the window (signals, whether
it was a question, the text model's partial sum: a few dozen bytes for most messages,
see ``window.py``) and running totals per author. Adding a message adds its
observation to the totals; a message leaving the window subtracts it. So the totals
always equal what a from-scratch pass over the same window would compute (read with
the few messages before it as context), and scoring reads only the totals.

People often type one thought as several short lines. Consecutive lines of one
author a few seconds apart form a *turn*: signals and text are read over the turn's
last lines joined (``OpenTurn``), and each line is credited with what it adds, so a
phrase split across lines is still found while every line keeps its own observation
(id, link, position in the window).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from bot.models import AgeBand
from bot.scoring.observation import Observation, TurnLine
from bot.scoring.signals import WORDING, Hit
from bot.scoring.window import Window, micros

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
_NONE: Mapping = MappingProxyType({})
"""What a count or a list of signals is while there are none (shared, read only: most
authors and conversations show no signal, and an empty dict costs 64 bytes)."""


def _none() -> Mapping:
    return _NONE


@dataclass(slots=True)
class AuthorTotals:
    messages: int = 0
    turns: int = 0
    questions: int = 0
    text_sum: float = 0.0
    tactic_seqs: Mapping[str, list[int]] = field(default_factory=_none)
    """For each signal name but ``wording``, the sequence numbers of the window's
    messages showing it (never empty: a name leaves with its last message)."""
    wording: int = 0
    """... and how many lines drove the text score by their wording (the ``wording``
    signal: kept apart, as most lines that show a signal show only this one; evidence
    finds which they are in the window, ``Window.worded``, only for a score that alerts)."""
    band: AgeBand = AgeBand.UNKNOWN
    """The age band the platform last gave for this author (roles, profile)."""

    def distinct(self) -> list[str]:
        return [*self.tactic_seqs, WORDING] if self.wording else list(self.tactic_seqs)

    def count(self, name: str) -> int:
        """How many of the window's messages show the signal ``name``."""
        if name == WORDING:
            return self.wording
        seqs = self.tactic_seqs.get(name)
        return len(seqs) if seqs else 0

    def said_minor(self) -> bool:
        return "minor_disclosure" in self.tactic_seqs

    def said_adult(self) -> bool:
        """An adult age given, and no minor one."""
        seqs = self.tactic_seqs
        return "adult_disclosure" in seqs and "minor_disclosure" not in seqs


@dataclass(slots=True, eq=False)
class ConversationState(Window):
    """A conversation's window (its columns inherited: one object where a state and its
    window were two) and the running totals over it."""

    max_messages: int = 200
    authors: dict[str, AuthorTotals] = field(default_factory=dict)
    received: Mapping[tuple[str, str], int] = field(default_factory=_none)
    """(author, signal) -> how many messages in the window aim that signal at them."""
    turn_author: str | None = None
    turn: TurnLine | tuple[TurnLine, ...] = ()
    """The last lines of the open turn (at most ``TURN_LINES``), newest last; a turn of
    one line (most) is that line, without a tuple around it."""
    signal_counts: Mapping[str, int] = field(default_factory=_none)
    """Signal name (but ``wording``) -> how many messages in the window show it,
    whoever wrote them."""
    adults: int = 0
    """How many of the window's authors are adults: by their platform age band, else by
    an adult age they gave (and no minor one). Kept as authors come, go and speak, so
    reading who is on the other side of someone costs the same with any number."""
    minors: int = 0
    """... and how many are minors (by band, else a minor age they gave)."""
    _bands_gone: dict[str, AgeBand] | None = field(default=None, repr=False, compare=False)
    """The age bands of authors who left the window (an author's ``band`` while in it):
    a band the platform gave once still holds when they speak again."""

    def __post_init__(self) -> None:
        Window.__init__(self)

    @property
    def observations(self) -> Window:
        """The window, oldest first: the state itself."""
        return self

    @property
    def next_seq(self) -> int:
        return self._first + (len(self._refs) >> 1)

    @next_seq.setter
    def next_seq(self, seq: int) -> None:
        """Number an empty window's next message ``seq`` (a from-scratch read of a later
        part of a conversation)."""
        self.start_at(seq)

    def add(self, observation: Observation, age_band: AgeBand = AgeBand.UNKNOWN) -> None:
        """Add one message, dropping the oldest ones past ``max_messages``."""
        author = observation.author_id
        detail = observation.detail
        if detail is not None and detail.age_answer is not None:  # a bare number: an age?
            observation = self._with_answered_age(observation)
        totals = self.authors.get(author)
        # An author's ages change only with their band or a signal (an age disclosed):
        # most messages leave them, and the counts of adults and minors, as they were.
        ages_before: tuple[bool, bool] | None = None
        if totals is None:
            totals = self.authors[author] = AuthorTotals()
            if self._bands_gone is not None:
                totals.band = self._bands_gone.pop(author, AgeBand.UNKNOWN)
            ages_change = True
        else:
            ages_change = bool(observation.hits) or (
                age_band is not AgeBand.UNKNOWN and age_band is not totals.band
            )
            if ages_change:
                ages_before = self.age_of(author)
        if age_band is not AgeBand.UNKNOWN:
            totals.band = age_band
        if observation.line is not None:
            self._extend_turn(observation)
            # Dropped in place, not copied: nothing else holds this fresh observation.
            observation.line = None
        else:
            self.turn = ()
            self.turn_author = None
        self.append(observation)
        totals.messages += 1
        totals.turns += not observation.continues_turn
        totals.questions += observation.is_question
        totals.text_sum += observation.text_sum
        if observation.hits:
            self._count_hits(totals, observation)
        if ages_change:
            self._recount_ages(author, ages_before)
        while len(self._refs) > 2 * self.max_messages:
            self.evict_oldest()

    def _count_hits(self, totals: AuthorTotals, observation: Observation) -> None:
        seq = observation.seq
        for hit in observation.hits:
            name = hit.name
            if name == WORDING:
                totals.wording += 1
                continue
            if not totals.tactic_seqs:
                totals.tactic_seqs = {}
            if not self.signal_counts:
                self.signal_counts = {}
            seqs, counts = totals.tactic_seqs, self.signal_counts
            assert isinstance(seqs, dict) and isinstance(counts, dict)
            seqs.setdefault(name, []).append(seq)
            counts[name] = counts.get(name, 0) + 1
            if observation.target is not None and name in AIMED:
                if not self.received:
                    self.received = {}
                received = self.received
                assert isinstance(received, dict)
                key = (observation.target, name)
                received[key] = received.get(key, 0) + 1

    def _extend_turn(self, observation: Observation) -> None:
        line = observation.line
        assert line is not None
        if observation.continues_turn:
            turn = self.turn
            self.turn = (*turn[1 - TURN_LINES :], line) if type(turn) is tuple else (turn, line)
        else:
            self.turn = line
            self.turn_author = observation.author_id

    def open_turn(self, author: str, ts: datetime) -> tuple[TurnLine, ...]:
        """The earlier lines of ``author``'s turn that a line at ``ts`` continues.

        The newest lines that fit in ``TURN_CHARS`` (with the new line's share left to
        the caller), at most ``TURN_LINES - 1`` of them; empty if the line starts a turn.
        """
        turn = self.turn
        if author != self.turn_author or not turn:
            return ()
        lines = turn if type(turn) is tuple else (turn,)
        last = lines[-1].ts
        if ts - last > TURN_GAP or ts < last:
            return ()
        return lines[1 - TURN_LINES :]

    def addressee(self, author: str, reply_to: str | None, mentions: tuple[str, ...]) -> str | None:
        """Who a message of ``author`` is aimed at: the author of the message it replies
        to, else someone it mentions, else the last other speaker; looking back at most
        ``CONTEXT_MESSAGES`` messages."""
        recent = list(self.last(CONTEXT_MESSAGES))
        if reply_to is not None:
            for message_id, earlier_author in recent:
                if message_id == reply_to and earlier_author != author:
                    return earlier_author
        for mentioned in mentions:
            if mentioned != author:
                return mentioned
        return next((a for _, a in recent if a != author), None)

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
        window = self
        next_seq = window.next_seq
        for back, (_, author) in enumerate(window.last(ANSWER_LOOKBACK), start=1):
            if author == observation.author_id:
                break  # they have spoken since: that question was theirs to answer then
            notable = window.notable(next_seq - back)
            if notable is not None and (
                notable.age_answer is not None or any(h.name in _AGE_TALK for h in notable.hits)
            ):
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
        totals = self.authors.get(author)
        if totals is None:
            gone = self._bands_gone.get(author) if self._bands_gone is not None else None
            return gone is AgeBand.ADULT, gone is AgeBand.MINOR
        band = totals.band
        if band is not AgeBand.UNKNOWN:
            return band is AgeBand.ADULT, band is AgeBand.MINOR
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

    def evict_oldest(self) -> None:
        author, question, continues, text_sum, notable = self.pop_oldest()
        ages_before = self.age_of(author)
        totals = self.authors[author]
        totals.messages -= 1
        totals.turns -= not continues
        totals.questions -= question
        totals.text_sum -= text_sum
        if notable is not None and notable.hits:
            self._uncount_hits(totals, notable.hits, notable.target)
        if totals.messages == 0:
            del self.authors[author]
            if totals.band is not AgeBand.UNKNOWN:
                if self._bands_gone is None:
                    self._bands_gone = {}
                self._bands_gone[author] = totals.band
        self._recount_ages(author, ages_before)

    def _uncount_hits(
        self, totals: AuthorTotals, hits: tuple[Hit, ...], target: str | None
    ) -> None:
        for hit in hits:
            name = hit.name
            if name == WORDING:
                totals.wording -= 1
                continue
            seqs, counts, received = totals.tactic_seqs, self.signal_counts, self.received
            assert isinstance(seqs, dict) and isinstance(counts, dict)
            shown = seqs[name]
            del shown[0]
            if not shown:
                del seqs[name]
                if not seqs:
                    totals.tactic_seqs = _NONE
            left = counts[name] - 1
            if left:
                counts[name] = left
            else:
                del counts[name]
                if not counts:
                    self.signal_counts = _NONE
            if target is not None and name in AIMED:
                assert isinstance(received, dict)
                key = (target, name)
                left = received[key] - 1
                if left:
                    received[key] = left
                else:
                    del received[key]
                    if not received:
                        self.received = _NONE

    def evict_before(self, cutoff: datetime) -> None:
        """Drop the messages older than ``cutoff``."""
        oldest, limit = self.oldest_micros(), micros(cutoff)
        while oldest is not None and oldest < limit:
            self.evict_oldest()
            oldest = self.oldest_micros()

    @property
    def message_count(self) -> int:
        return len(self._refs) >> 1

    def signalling(self, last: int) -> list[str]:
        """The authors of the window's ``last`` newest messages that show a signal, in
        the order they first did."""
        authors = self.signalling_since(self.next_seq - last)
        return list(dict.fromkeys(authors)) if len(authors) > 1 else authors
