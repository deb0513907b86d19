"""How well the tracker pairs people in real chat: link precision and recall against
annotated who-answers-whom links.

Each log goes through a fresh ``Tracker`` exactly as live, line by line (context
lines included). For every annotated line that the tracker pairs with someone, the
link is right when that partner wrote one of the lines it answers (precision). Recall
is over the annotated lines that answer someone else: the share of them paired with
one of those authors.

Openings: an answered line the tracker left unaddressed (its author's first line, a
line after a silence) is not lost when it is carried into the pair of the person
who answers it (``Route.opening``). ``openings`` counts the annotated answers to such
a line by someone else, ``carried`` those whose author's pair with it received it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.learning.chatlogs import ChatLog
from bot.models import ConversationKey, Message
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
    openings: int = 0
    """Annotated answers to a line by someone else that the tracker left unaddressed."""
    carried: int = 0
    """...whose line was carried into the pair of the answer's author and its own."""

    @property
    def carried_share(self) -> float | None:
        return self.carried / self.openings if self.openings else None

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
            "openings": self.openings,
            "openings_carried": self.carried,
            "openings_carried_share": num(self.carried_share),
        }


def link_scores(logs: Sequence[ChatLog], pair_gap: timedelta) -> LinkScores:
    """The tracker's links on ``logs`` against their annotations."""
    scores = LinkScores()
    for log in logs:
        tracker = Tracker(pair_gap)
        by_id = {m.message_id: m for m in log.messages}
        partners: dict[str, str | None] = {}
        # an unaddressed line's id -> the people whose pair with its author it joined
        carried_to: dict[str, set[str]] = {}
        for message in log.messages:
            route = None if message.is_dm else tracker.route(message)
            partners[message.message_id] = route and _other(route.key, message)
            if route is None:
                carried_to.setdefault(message.message_id, set())
                continue
            for line in route.opening:
                carried_to[line.message_id].add(_other(route.key, line))
        for message in log.messages:
            parents = log.parents.get(message.message_id)
            if parents is None:
                continue
            author = message.author.user_id
            answered = {by_id[p].author.user_id for p in parents if p in by_id} - {author}
            scores.annotated += 1
            scores.answering += bool(answered)
            partner = partners[message.message_id]
            if partner is not None:
                scores.paired += 1
                scores.correct += partner in answered
            for parent in parents:
                if parent in carried_to and by_id[parent].author.user_id != author:
                    scores.openings += 1
                    scores.carried += author in carried_to[parent]
    return scores


def _other(key: ConversationKey, message: Message) -> str:
    """The member of a pair who is not ``message``'s author."""
    first, second = key.members
    return second if first == message.author.user_id else first
