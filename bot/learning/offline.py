"""Scoring whole conversations outside the engine: ``score``, ``evaluate``, training.

Each conversation is fed message by message through the same scorer and the same
alert rule (threshold at the alert level, minimum messages) that the engine uses,
so ``alert_at`` is where the engine would first have alerted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.learning.corpora import Conversation
from bot.models import Level
from bot.scoring.base import Scorer
from bot.scoring.state import ConversationState


@dataclass(frozen=True, slots=True)
class ScoredConversation:
    id: str
    label: str | None
    score: float
    """The final score, after the last message."""
    peak: float
    """The highest score at any point (what ranking metrics use)."""
    level: Level
    alert_at: int | None
    """1-based index of the message at which the first alert would fire."""
    suspect: str | None
    signals: tuple[str, ...]
    length: int
    trajectory: tuple[float, ...]

    @property
    def alert(self) -> bool:
        return self.alert_at is not None

    def contract(self) -> dict[str, object]:
        """The ``score --json`` object, exactly as DESIGN.md specifies it."""
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "alert": self.alert,
            "level": self.level.value,
            "alert_at": self.alert_at,
            "suspect": self.suspect,
            "signals": list(self.signals),
        }


def score_conversation(
    conversation: Conversation, scorer: Scorer, settings: Settings
) -> ScoredConversation:
    thresholds = settings.detection.thresholds
    alert_threshold = settings.detection.alert_threshold
    min_messages = settings.detection.min_messages
    state = ConversationState(max_messages=settings.storage.window_messages)
    alert_at = None
    trajectory = []
    risk = None
    for index, message in enumerate(conversation.to_messages(), start=1):
        state.add(scorer.observe(message, state.next_seq), message.author.age_band)
        risk = scorer.risk(state)
        trajectory.append(risk.probability)
        if alert_at is None and index >= min_messages and risk.probability >= alert_threshold:
            alert_at = index
    final = trajectory[-1] if trajectory else 0.0
    signals = tuple(dict.fromkeys(s.name for s in risk.signals)) if risk else ()
    return ScoredConversation(
        id=conversation.id,
        label=conversation.label,
        score=final,
        peak=max(trajectory, default=0.0),
        level=thresholds.level_for(final),
        alert_at=alert_at,
        suspect=risk.suspect if risk else None,
        signals=signals,
        length=len(conversation.messages),
        trajectory=tuple(trajectory),
    )
