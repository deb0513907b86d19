"""How many alerts ordinary chat would raise: false alerts per 1,000 messages and per
200 chunks of 40 posts.

Benign real chat (the IRC logs of ``bot.learning.chatlogs``, or a community's own
export) goes through the live grouping, scoring and alert rule
(``bot.learning.offline.LiveGrouping``). Two views:

- *stream*: each log is one channel watched from its first line; an alert is a pair
  that reaches the alert rule (the case the bot would open; one per pair, since an
  open case is not alerted again). Reported per 1,000 messages.
- *chunks*: each log is cut into consecutive chunks of 40 posts (a last, shorter
  chunk is left out), each scored alone as a channel conversation; a chunk alerts
  when any of its pairs does. Reported per 200 chunks (the target: at most 1).

Use it to measure a model or a setting: ``watchkeeper alert-rate FILE``, or
``measure(logs, scorer, settings)`` from code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.config import Settings
from bot.learning.chatlogs import ChatLog
from bot.learning.offline import LiveGrouping, PairTrack, track_pairs
from bot.models import ConversationKey
from bot.scoring.base import Scorer

CHUNK_POSTS = 40


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert in the stream: where, about whom, and why."""

    log: str
    message_id: str
    suspect: str | None
    level: str
    signals: tuple[str, ...]


@dataclass(slots=True)
class AlertRate:
    messages: int = 0
    chunks: int = 0
    alerting_chunks: int = 0
    alerts: list[Alert] = field(default_factory=list)

    @property
    def per_1000_messages(self) -> float:
        return 1000 * len(self.alerts) / self.messages if self.messages else 0.0

    @property
    def per_200_chunks(self) -> float:
        return 200 * self.alerting_chunks / self.chunks if self.chunks else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "alerts": len(self.alerts),
            "alerts_per_1000_messages": round(self.per_1000_messages, 3),
            "chunks": self.chunks,
            "chunk_posts": CHUNK_POSTS,
            "alerting_chunks": self.alerting_chunks,
            "alerting_chunks_per_200": round(self.per_200_chunks, 3),
        }


def _first_alerts(log: ChatLog, tracks: dict[ConversationKey, PairTrack]) -> list[Alert]:
    alerts = []
    for track in sorted(tracks.values(), key=lambda t: t.alert_at or 0):
        if track.alert_at is None:
            continue
        score = track.at_alert
        assert score is not None
        alerts.append(
            Alert(
                log.name,
                log.messages[track.alert_at - 1].message_id,
                score.suspect,
                score.level.value,
                tuple(dict.fromkeys(s.name for s in score.signals)),
            )
        )
    return alerts


def measure(
    logs: Sequence[ChatLog], scorer: Scorer, settings: Settings, chunk_posts: int = CHUNK_POSTS
) -> AlertRate:
    """Alerts raised by ``logs`` (all benign): the stream and the chunk view."""
    rate = AlertRate()
    for log in logs:
        rate.messages += len(log.messages)
        tracks = track_pairs(LiveGrouping(scorer, settings), log.messages)
        rate.alerts += _first_alerts(log, tracks)
        for start in range(0, len(log.messages) - chunk_posts + 1, chunk_posts):
            chunk = log.messages[start : start + chunk_posts]
            chunk_tracks = track_pairs(LiveGrouping(scorer, settings), chunk)
            rate.chunks += 1
            rate.alerting_chunks += any(t.alert_at is not None for t in chunk_tracks.values())
    return rate
