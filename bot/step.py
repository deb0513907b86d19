"""The per-message step that the live engine and every offline path share.

A message joins its conversation's state, the scorer reads the state (with how many
people each author approached recently), and the policy's rule (level at or above the
alert level, minimum messages) says whether that score alerts. The engine adds the
store, cases and delivery around it; ``score``, ``evaluate``, ``replay`` and the
real-chat measurements in ``bot/learning`` use exactly this, so offline numbers are
live numbers.
"""

from __future__ import annotations

from datetime import timedelta

from bot.models import ConversationKey, Message, Score
from bot.policy import Policy
from bot.scoring.base import Scorer
from bot.scoring.state import ConversationState
from bot.tracker import Route, Tracker


def observe(
    scorer: Scorer, state: ConversationState, message: Message, window_age: timedelta
) -> None:
    """Add ``message`` to ``state``, dropping what the window's size and age leave out."""
    state.add(scorer.observe(message, state), message.author.age_band)
    state.evict_before(message.ts - window_age)


def join(
    scorer: Scorer, state: ConversationState, route: Route, message: Message, window_age: timedelta
) -> list[Message]:
    """Add ``message`` (not in the window yet) to ``state``, after the opening lines its
    route carries that the window does not hold; returns the lines added, in order."""
    added = []
    for line in (*route.opening, message):
        if not state.holds(line.message_id):
            observe(scorer, state, line, window_age)
            added.append(line)
    return added


def assess(
    scorer: Scorer,
    policy: Policy,
    tracker: Tracker,
    key: ConversationKey,
    state: ConversationState,
    message: Message,
    added: int = 1,
    reasons: bool = True,
) -> Score:
    """The conversation's score after ``message`` (already observed, the last of the
    ``added`` lines just observed: the opening lines its route carried, then itself),
    and note whom the authors of those lines used a tactic on, for the reach of later
    scores.

    ``reasons=False``: without its signals (``with_reasons`` adds them while the state
    is still the one scored), for a caller that needs them only when a score alerts."""
    reach = tracker.reaches(key.platform, key.space_id, state.authors, message.ts)
    risk = scorer.risk(state, reach, reasons)
    for author in state.signalling(added):
        others = [a for a in state.authors if a != author]
        tracker.note_contact(key, author, others, message.ts)
    return Score(
        probability=risk.probability,
        level=policy.level(risk.probability),
        suspect=risk.suspect,
        signals=risk.signals,
        message_count=state.message_count,
    )


def with_reasons(scorer: Scorer, state: ConversationState, score: Score) -> Score:
    """``score`` (made by ``assess`` without reasons, from ``state`` as it still is) with
    the signals ``assess`` would have given it."""
    if score.suspect is None or score.signals:
        return score
    return score.with_signals(scorer.reasons(state, score.suspect))
