"""Per-conversation scoring state, updated at a cost proportional to one message.

The state keeps one small ``Observation`` per message in the window (signals,
whether it was a question, the text model's partial sum) and running totals per
author. Adding a message adds its observation to the totals; a message leaving the
window subtracts it. So the totals always equal what a from-scratch pass over the
same window would compute, and scoring reads only the totals.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.models import AgeBand
from bot.scoring.signals import Hit

ANSWER_LOOKBACK = 4
"""How many earlier messages a bare age may answer."""
_AGE_TALK = frozenset({"age_probe", "minor_disclosure", "adult_disclosure"})


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
    quote: str
    channel_id: str = ""
    link: str | None = None
    age_answer: int | None = None
    """A bare number like "13" or "14 wbu": an age only if it answers an age question."""


@dataclass(slots=True)
class AuthorTotals:
    messages: int = 0
    questions: int = 0
    text_sum: float = 0.0
    tactic_seqs: dict[str, deque[int]] = field(default_factory=dict)
    """For each signal name, the sequence numbers of the window's messages showing it."""

    def distinct(self) -> list[str]:
        return [name for name, seqs in self.tactic_seqs.items() if seqs]

    def count(self, name: str) -> int:
        seqs = self.tactic_seqs.get(name)
        return len(seqs) if seqs else 0


@dataclass(slots=True)
class ConversationState:
    max_messages: int = 200
    observations: deque[Observation] = field(default_factory=deque)
    authors: dict[str, AuthorTotals] = field(default_factory=dict)
    age_bands: dict[str, AgeBand] = field(default_factory=dict)
    """Age bands the platform gave (roles, profile); not inferred from text."""
    first_author: str | None = None
    next_seq: int = 0

    def add(
        self, observation: Observation, age_band: AgeBand = AgeBand.UNKNOWN
    ) -> list[Observation]:
        """Add one message; returns the observations that left the window to make room."""
        if age_band is not AgeBand.UNKNOWN:
            self.age_bands[observation.author_id] = age_band
        observation = self._with_answered_age(observation)
        self.observations.append(observation)
        self.next_seq = observation.seq + 1
        totals = self.authors.get(observation.author_id)
        if totals is None:
            totals = self.authors[observation.author_id] = AuthorTotals()
        if self.first_author is None:
            self.first_author = observation.author_id
        totals.messages += 1
        totals.questions += observation.is_question
        totals.text_sum += observation.text_sum
        for hit in observation.hits:
            totals.tactic_seqs.setdefault(hit.name, deque()).append(observation.seq)
        evicted = []
        while len(self.observations) > self.max_messages:
            evicted.append(self.evict_oldest())
        return evicted

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
        return replace(observation, hits=(*observation.hits, Hit(name, 0.0)))

    def evict_oldest(self) -> Observation:
        old = self.observations.popleft()
        totals = self.authors[old.author_id]
        totals.messages -= 1
        totals.questions -= old.is_question
        totals.text_sum -= old.text_sum
        for hit in old.hits:
            totals.tactic_seqs[hit.name].popleft()
        if totals.messages == 0:
            del self.authors[old.author_id]
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
