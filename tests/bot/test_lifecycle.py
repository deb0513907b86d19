"""The case state machine: every state reachable, stale actions refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import lifecycle
from bot.models import Action, CaseState, Decision


def test_every_state_is_reachable_from_an_open_case() -> None:
    reached, frontier = {CaseState.OPEN}, [CaseState.OPEN]
    while frontier:
        for after in lifecycle.TRANSITIONS[frontier.pop()].values():
            if after not in reached:
                reached.add(after)
                frontier.append(after)
    assert reached == set(CaseState)


def test_every_finished_state_can_be_reopened_and_noted() -> None:
    for state in (CaseState.DISMISSED, CaseState.CLOSED, CaseState.CONFIRMED):
        assert lifecycle.next_state(state, Action.REOPEN) is CaseState.OPEN
    for state in CaseState:
        assert lifecycle.next_state(state, Action.NOTE) is state


@pytest.mark.parametrize(
    ("state", "action", "words"),
    [
        (CaseState.DISMISSED, Action.ACKNOWLEDGE, "reopen it first"),
        (CaseState.CLOSED, Action.ESCALATE, "reopen it first"),
        (CaseState.ACKNOWLEDGED, Action.ACKNOWLEDGE, "already acknowledged"),
        (CaseState.ESCALATED, Action.ESCALATE, "already escalated"),
        (CaseState.OPEN, Action.REOPEN, "still open"),
        (CaseState.ESCALATED, Action.ACKNOWLEDGE, "now be: claim, dismiss, confirm, close, note"),
    ],
)
def test_stale_actions_are_refused_with_a_hint(
    state: CaseState, action: Action, words: str
) -> None:
    with pytest.raises(lifecycle.TransitionRefused, match=words):
        lifecycle.check(7, state, action)


def test_replay_and_claims_follow_the_decisions() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    decisions = [
        Decision(1, action, "m1", "Mo", at)
        for action in (Action.CLAIM, Action.NOTE, Action.CLOSE, Action.REOPEN, Action.CLAIM)
    ]
    assert lifecycle.replay(decisions) == [
        CaseState.ACKNOWLEDGED, CaseState.ACKNOWLEDGED, CaseState.CLOSED, CaseState.OPEN,
        CaseState.ACKNOWLEDGED,
    ]  # fmt: skip
    assert lifecycle.claimed_by(decisions) is decisions[-1]
    assert lifecycle.claimed_by(decisions[:3]) is None
    assert lifecycle.close_reason("none", "talked to both") == "No action needed: talked to both"
