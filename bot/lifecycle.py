"""Which moderator action may follow which case state, and where it leads.

One table for every platform. An action that does not follow from the case's state
as it is now (a second Acknowledge, a Dismiss on a closed case, an Escalate pressed
on an alert that someone else dismissed a second ago) is refused with one line that
says what the case is and what to do instead, instead of silently rewriting it.
A note and a claim never move a case on (a claim on an open case acknowledges it:
"I'm on it").
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import Action, CaseState, Decision

_O, _A, _E = CaseState.OPEN, CaseState.ACKNOWLEDGED, CaseState.ESCALATED
_D, _C, _X = CaseState.DISMISSED, CaseState.CONFIRMED, CaseState.CLOSED

TRANSITIONS: dict[CaseState, dict[Action, CaseState]] = {
    _O: {
        Action.ACKNOWLEDGE: _A,
        Action.CLAIM: _A,
        Action.ESCALATE: _E,
        Action.DISMISS: _D,
        Action.CONFIRM: _C,
        Action.CLOSE: _X,
        Action.NOTE: _O,
    },
    _A: {
        Action.CLAIM: _A,
        Action.ESCALATE: _E,
        Action.DISMISS: _D,
        Action.CONFIRM: _C,
        Action.CLOSE: _X,
        Action.NOTE: _A,
    },
    _E: {
        Action.CLAIM: _E,
        Action.DISMISS: _D,  # a moderator may change their mind; a hold still keeps it
        Action.CONFIRM: _C,
        Action.CLOSE: _X,
        Action.NOTE: _E,
    },
    _C: {Action.ESCALATE: _E, Action.CLOSE: _X, Action.REOPEN: _O, Action.NOTE: _C},
    _D: {Action.REOPEN: _O, Action.NOTE: _D},
    _X: {Action.REOPEN: _O, Action.NOTE: _X},
}
"""state -> action -> the state it leads to. Absent means refused."""

CLOSE_OUTCOMES = {"taken": "Action taken", "none": "No action needed"}
"""How a case was closed, as the Close buttons and ``--outcome`` name it; the words
become the start of the decision's reason."""


class TransitionRefused(ValueError):
    """The action does not follow from the case's current state (one line for the user)."""


def next_state(state: CaseState, action: Action) -> CaseState | None:
    return TRANSITIONS[state].get(action)


def allowed(state: CaseState) -> list[Action]:
    """The actions a moderator may take now, in the table's order."""
    return list(TRANSITIONS[state])


def check(number: int, state: CaseState, action: Action) -> CaseState:
    """The state ``action`` leads to, or ``TransitionRefused`` saying why not."""
    after = next_state(state, action)
    if after is not None:
        return after
    if state is _A and action is Action.ACKNOWLEDGE:
        hint = "it is already acknowledged"
    elif state is _E and action is Action.ESCALATE:
        hint = "it is already escalated: `watchkeeper hotline` prints the report again"
    elif action is Action.REOPEN:
        hint = "it is still open"
    elif Action.REOPEN in TRANSITIONS[state]:
        hint = "reopen it first"
    else:
        hint = "it can now be: " + ", ".join(a.value for a in allowed(state))
    raise TransitionRefused(f"Case {number} is {state.value}: cannot {action.value} it ({hint}).")


def close_reason(outcome: str, reason: str = "") -> str:
    """The reason a Close records: its outcome first, then the moderator's words."""
    words = CLOSE_OUTCOMES[outcome]
    return f"{words}: {reason}" if reason else words


def replay(decisions: Iterable[Decision]) -> list[CaseState]:
    """The state after each decision, from an open case (for records and exports)."""
    state, states = _O, []
    for decision in decisions:
        state = next_state(state, decision.action) or state
        states.append(state)
    return states


def claimed_by(decisions: Iterable[Decision]) -> Decision | None:
    """The latest claim, unless the case was closed, dismissed or reopened since."""
    claim = None
    for decision in decisions:
        if decision.action is Action.CLAIM:
            claim = decision
        elif decision.action in (Action.CLOSE, Action.DISMISS, Action.REOPEN):
            claim = None
    return claim
