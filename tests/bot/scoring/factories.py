"""Small factories for the scoring tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.models import AgeBand, Message, Participant
from bot.scoring.base import Scorer
from bot.scoring.state import ConversationState

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def state_of(
    lines: Sequence[tuple[str, str]],
    bands: Mapping[str, AgeBand],
    window: int,
    reader: Scorer,
) -> ConversationState:
    """A direct-message conversation's state after ``lines`` ((author, text), 30 s apart),
    each author with their platform age band (unknown if not in ``bands``), read by
    ``reader``."""
    state = ConversationState(max_messages=window)
    for i, (author, text) in enumerate(lines):
        band = bands.get(author, AgeBand.UNKNOWN)
        message = Message("t", "s", "c", f"m{i}", Participant(author, "", band), text,
                          T0 + timedelta(seconds=30 * i), is_dm=True)  # fmt: skip
        state.add(reader.observe(message, state), band)
    return state
