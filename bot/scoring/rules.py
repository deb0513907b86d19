"""The rule-based scorer: signals weighed together, with who says them to whom.

Used when no learned model is available (``detection.scorer = "rules"``) and as a
transparent baseline. One sign alone never reaches a high score: grooming is a
pattern of several tactics from one person aimed at another.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.models import Message, Signal
from bot.scoring import signals as sig
from bot.scoring.base import Risk, age_view, evidence, observe, riskiest
from bot.scoring.state import ConversationState, Observation

SINGLE_TACTIC_CAP = 0.45
"""No author reaches above this on one kind of tactic alone."""


class RuleScorer:
    name = "rules"

    def observe(self, message: Message, state: ConversationState) -> Observation:
        return observe(message, state)

    def risk(
        self, state: ConversationState, reach: Mapping[str, int] | None = None, reasons: bool = True
    ) -> Risk:
        reach = reach or {}
        ranked = (((self.author_risk(state, a, reach.get(a, 0)),), a) for a in state.authors)
        best, best_author = riskiest(ranked)
        if best_author is None:
            return Risk(0.0, None, ())
        found = self.reasons(state, best_author) if reasons else ()
        return Risk(round(best, 4), best_author, found)

    def reasons(self, state: ConversationState, author: str) -> tuple[Signal, ...]:
        return evidence(state, author)

    def author_risk(self, state: ConversationState, author: str, reach: int) -> float:
        totals = state.authors[author]
        tactics = sorted(n for n in totals.distinct() if n in sig.TACTIC_SIGNALS)
        if not tactics:
            return 0.0
        ages = age_view(state, author)
        multiplier = 1.0
        if ages.partner_minor and not ages.self_minor:
            multiplier = 1.35 if ages.self_adult else 1.15
        elif ages.self_minor and ages.partner_minor:
            multiplier = 0.55  # peers: teenagers talking among themselves
        elif ages.partner_adult and not ages.partner_minor:
            multiplier = 0.6  # adults talking with adults
        if reach >= 3:
            multiplier *= 1.2
        safe = 1.0
        for name in tactics:
            weight = sig.TACTICS_BY_NAME[name].weight if name in sig.TACTICS_BY_NAME else 0.5
            repeats = min(totals.count(name), 3)
            safe *= 1.0 - min(0.95, weight * multiplier * (1 + 0.1 * (repeats - 1)))
        probability = 1.0 - safe
        if len(tactics) == 1:
            probability = min(probability, SINGLE_TACTIC_CAP)
        return min(probability, 0.999)
