"""How well the tracker pairs people in real chat: link precision and recall against
annotated who-answers-whom links.

Each log goes through a fresh ``Tracker`` exactly as live, line by line (context
lines included). For every annotated line that the tracker pairs with someone, the
link is right when that partner wrote one of the lines it answers (precision). Recall
is over the annotated lines that answer someone else: the share of them paired with
one of those authors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.learning.chatlogs import ChatLog
from bot.tracker import Tracker


@dataclass(slots=True)
class LinkScores:
    annotated: int = 0
    """Annotated lines."""
    paired: int = 0
    """Annotated lines the tracker paired with someone."""
    correct: int = 0
    """...with the author of a line they answer."""
    answering: int = 0
    """Annotated lines that answer a line by someone else."""

    @property
    def precision(self) -> float | None:
        return self.correct / self.paired if self.paired else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.answering if self.answering else None

    def as_dict(self) -> dict[str, object]:
        def num(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "annotated_lines": self.annotated,
            "paired_lines": self.paired,
            "correct_links": self.correct,
            "answering_lines": self.answering,
            "precision": num(self.precision),
            "recall": num(self.recall),
        }


def link_scores(logs: Sequence[ChatLog], pair_gap: timedelta) -> LinkScores:
    """The tracker's links on ``logs`` against their annotations."""
    scores = LinkScores()
    for log in logs:
        tracker = Tracker(pair_gap)
        authors = {m.message_id: m.author.user_id for m in log.messages}
        for message in log.messages:
            partner = None if message.is_dm else tracker.partner(message)
            parents = log.parents.get(message.message_id)
            if parents is None:
                continue
            author = message.author.user_id
            answered = {authors[p] for p in parents if p in authors} - {author}
            scores.annotated += 1
            scores.answering += bool(answered)
            if partner is not None:
                scores.paired += 1
                scores.correct += partner in answered
    return scores
