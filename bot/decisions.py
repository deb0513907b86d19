"""The one path for a moderator's decision, whichever platform it comes from.

Discord's buttons, Slack's buttons and the HTTP API parse who pressed what, check that
the caller is a moderator (each platform has its own idea of that), then call
``decide`` and render what it returns. Here, once: the case must belong to the space
the caller is in, the action must follow from the case's state (``bot.lifecycle``),
the decision and its audit entry are written in one transaction, and an escalation
writes the evidence package with the running scorer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine import Engine
from bot.evidence import Package, export_on_escalate
from bot.lifecycle import TransitionRefused
from bot.models import Action, Case

log = logging.getLogger(__name__)

__all__ = ["Actor", "CaseNotHere", "Outcome", "TransitionRefused", "decide"]


class CaseNotHere(LookupError):
    """No such case in the caller's space: to the caller, the same as no case at all."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The moderator who decided, as their platform names them."""

    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    """The case after the decision."""
    action: Action
    package: Package | None = None
    """On escalation, the evidence package (None if it could not be written)."""


async def decide(
    engine: Engine,
    platform: str,
    space_id: str,
    case_id: int,
    action: Action,
    actor: Actor,
    reason: str = "",
) -> Outcome:
    """Apply ``action`` to case ``case_id`` of ``space_id``.

    Raises ``CaseNotHere`` for a case of another space (or none), ``TransitionRefused``
    when the action does not follow from the case's state; both carry one line for
    the moderator, and nothing is changed."""
    case = await engine.store.get_case(case_id)
    if case is None or case.platform != platform or case.space_id != space_id:
        raise CaseNotHere(f"No case {case_id} in this space. Nothing was changed.")
    case = await engine.decide(case_id, action, actor.id, actor.name, reason.strip())
    log.info("case %d: %s by a moderator", case.number, action.value)
    if action is not Action.ESCALATE:
        return Outcome(case, action)
    package = await export_on_escalate(
        engine.store, engine.settings, case, actor.id, scorer=engine.scorer
    )
    return Outcome(case, action, package)
