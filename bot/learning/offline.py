"""Scoring whole conversations outside the engine: ``score``, ``evaluate``, training.

Messages go through the engine's own grouping (the tracker pairs people in a
channel), its per-message step and its alert rule (``bot.step``), without the store,
cases or delivery. A channel conversation is split into pairs exactly as the bot
would split it, and its result is its riskiest pair's: the pair that alerted (the
one reaching the highest level, then the earliest), else the one with the highest
peak. ``alert_at`` counts the channel's messages, so it is where the engine would
first have alerted in that pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot import step
from bot.config import Settings
from bot.learning.corpora import Conversation
from bot.models import ConversationKey, Level, Message, Score
from bot.policy import Policy
from bot.scoring.base import Scorer
from bot.scoring.state import ConversationState
from bot.tracker import Tracker


class LiveGrouping:
    """The engine's grouping, scoring and alert rule for a stream of messages, with
    every conversation kept in memory (no store): what the running bot would see."""

    def __init__(self, scorer: Scorer, settings: Settings) -> None:
        self.scorer = scorer
        self.policy = Policy(settings)
        self.tracker = Tracker(timedelta(seconds=settings.detection.pair_gap_seconds))
        self.window_messages = settings.storage.window_messages
        self.window_age = timedelta(days=settings.storage.window_days)
        self._states: dict[ConversationKey, ConversationState] = {}

    def feed(self, message: Message) -> tuple[ConversationKey, Score] | None:
        """The conversation ``message`` joins and its score after it (with the lines it
        carries in before it, ``Route.opening``), or None when the engine would not score
        it (not watched, addressed to no one, a repeat)."""
        if not self.policy.watching(message):
            return None
        route = self.tracker.route(message)
        if route is None:
            return None
        key = route.key
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = ConversationState(max_messages=self.window_messages)
        if state.holds(message.message_id):
            return None
        added = step.join(self.scorer, state, route, message, self.window_age)
        score = step.assess(self.scorer, self.policy, self.tracker, key, state, message, len(added))
        return key, score

    def alerts(self, key: ConversationKey, score: Score) -> bool:
        """The engine's rule: the level reaches the space's alert level, with enough
        messages (cases, cooldowns and flood digests aside)."""
        return self.policy.alerts_at(score, (key.platform, key.space_id))


@dataclass(slots=True)
class PairTrack:
    """One conversation's course through a stream of messages."""

    key: ConversationKey
    last: Score
    peak: float = 0.0
    peak_level: Level = Level.NONE
    alert_at: int | None = None
    """1-based position, in the whole stream, of the message that first alerted."""
    at_alert: Score | None = None
    """The score that first alerted."""
    alert_level: Level = Level.NONE
    """The highest level among its alerting scores (what a case would show)."""
    scores: dict[int, float] = field(default_factory=dict)
    """Score after each of its messages, by position in the stream."""

    def rank(self) -> tuple[bool, int, int, float]:
        return (self.alert_at is not None, self.alert_level.rank, -(self.alert_at or 0), self.peak)


def track_pairs(
    grouping: LiveGrouping, messages: Iterable[Message]
) -> dict[ConversationKey, PairTrack]:
    """Feed ``messages`` in order; each conversation's course, in order of first message."""
    tracks: dict[ConversationKey, PairTrack] = {}
    for position, message in enumerate(messages, start=1):
        fed = grouping.feed(message)
        if fed is None:
            continue
        key, score = fed
        track = tracks.get(key)
        if track is None:
            track = tracks[key] = PairTrack(key, score)
        track.last = score
        track.scores[position] = score.probability
        if score.probability >= track.peak:
            track.peak, track.peak_level = score.probability, score.level
        if grouping.alerts(key, score):
            if track.alert_at is None:
                track.alert_at, track.at_alert = position, score
            if score.level.rank > track.alert_level.rank:
                track.alert_level = score.level
    return tracks


@dataclass(frozen=True, slots=True)
class ScoredConversation:
    id: str
    label: str | None
    score: float
    """The final score, after the last message."""
    peak: float
    """The highest score at any point (what ranking metrics use)."""
    level: Level
    """The level of the final score."""
    alert_at: int | None
    """1-based index of the message at which the first alert would fire."""
    suspect: str | None
    signals: tuple[str, ...]
    length: int
    trajectory: tuple[float, ...]
    peak_level: Level = Level.NONE
    """The level of the peak score."""

    @property
    def alert(self) -> bool:
        return self.alert_at is not None

    def contract(self) -> dict[str, object]:
        """The ``score --json`` object, exactly as the README's "Formats" specifies it."""
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "alert": self.alert,
            "level": self.level.value,
            "alert_at": self.alert_at,
            "suspect": self.suspect,
            "signals": list(self.signals),
            "peak": round(self.peak, 4),
            "peak_level": self.peak_level.value,
        }


def score_conversation(
    conversation: Conversation, scorer: Scorer, settings: Settings
) -> ScoredConversation:
    """A conversation as the engine would score it: a DM whole, a channel by pairs
    (the riskiest pair's result)."""
    messages = conversation.to_messages()
    tracks = track_pairs(LiveGrouping(scorer, settings), messages)
    riskiest = max(tracks.values(), key=PairTrack.rank, default=None)
    if riskiest is None:
        return ScoredConversation(
            conversation.id, conversation.label, 0.0, 0.0, Level.NONE, None, None, (),
            len(messages), (0.0,) * len(messages),
        )  # fmt: skip
    trajectory, current = [], 0.0
    for position in range(1, len(messages) + 1):
        current = riskiest.scores.get(position, current)
        trajectory.append(current)
    last = riskiest.last
    return ScoredConversation(
        id=conversation.id,
        label=conversation.label,
        score=last.probability,
        peak=riskiest.peak,
        level=last.level,
        alert_at=riskiest.alert_at,
        suspect=last.suspect,
        signals=tuple(dict.fromkeys(s.name for s in last.signals)),
        length=len(messages),
        trajectory=tuple(trajectory),
        peak_level=riskiest.peak_level,
    )
