"""Moderator decisions as training labels (opt-in: ``learning.use_moderator_decisions``).

A case a moderator dismissed as a false positive is a *benign* example; one they
confirmed or escalated is *grooming*. The latest of those decisions wins (moderators
change their minds). Each example is the conversation's stored window, as the
interchange format's ``Conversation``, so ``watchkeeper train`` treats it like any
corpus. Off by default: platform developer terms may restrict training on message
content, and admins must decide that knowingly.
"""

from __future__ import annotations

from bot.config import Settings
from bot.learning.corpora import Conversation, Line
from bot.models import Action, AgeBand, Case, CaseKind, ConversationKey
from bot.store import SqlStore

LABELS = {
    Action.DISMISS: "benign",
    Action.CONFIRM: "grooming",
    Action.ESCALATE: "grooming",
}


class LearningDisabled(Exception):
    """Training from moderator decisions was asked for, but the admin has not opted in."""


def label_of(case: Case) -> str | None:
    """The label the moderators' latest labelling decision gives, if any."""
    for decision in reversed(case.decisions):
        if decision.action in LABELS:
            return LABELS[decision.action]
    return None


async def labelled_from_store(store: SqlStore, settings: Settings) -> list[Conversation]:
    """Every decided risk case with stored messages, as a labelled conversation."""
    if not settings.learning.use_moderator_decisions:
        raise LearningDisabled(
            "learning from moderator decisions is off: set [learning] "
            "use_moderator_decisions = true (first check that your platform's developer "
            "terms allow training on message content)"
        )
    examples = []
    for case in await store.cases_with_decision([a.value for a in LABELS]):
        label = label_of(case)
        if case.kind is not CaseKind.RISK or label is None:
            continue
        stored = await store.conversation_messages(case.conversation)
        if not stored:
            continue
        bands: dict[str, AgeBand] = {p.user_id: p.age_band for p in case.participants}
        for item in stored:
            if item.message.author.age_band is not AgeBand.UNKNOWN:
                bands[item.message.author.user_id] = item.message.author.age_band
        try:
            key = ConversationKey.parse(case.conversation, case.platform, case.space_id)
        except ValueError:
            key = ConversationKey(case.platform, case.space_id, "pair", "")
        kind = key.kind
        # The window is already one pair's conversation, as the bot grouped it: each
        # line names the other person, so scoring it again groups it the same way.
        try:
            first, second = key.members
            other = {first: second, second: first}
        except ValueError:  # a DM, or a key stored before ids with "|" were escaped
            other = {}
        examples.append(
            Conversation(
                id=f"{case.platform}:{case.space_id}:case-{case.number}",
                label=label,
                suspect=case.suspect_id,
                context="dm" if kind == "dm" else "channel",
                participants=bands,
                messages=[
                    Line(
                        m.message.author.user_id,
                        m.message.text,
                        m.message.ts,
                        mentions=tuple(o for o in [other.get(m.message.author.user_id)] if o),
                    )
                    for m in stored
                ],
            )
        )
    return examples
