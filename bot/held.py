"""The conversations the engine holds in memory, and the cache that bounds them.

A held conversation is one object: its scoring state with what the engine keeps
beside it (its key, its people, its case). Two objects cost 72 bytes more a
conversation, and a busy process holds ten thousand.

The cache is a plain dict in the order conversations came in. Keeping it in the order
they last spoke (an ``OrderedDict`` moved on every message) cost 48 bytes more a
conversation; instead a conversation that speaks is marked, and when one must go, the
oldest is looked at first: a marked one loses its mark and goes to the end (a second
chance), the first unmarked one goes (the "clock" approximation of least recently
used). A conversation that goes is rebuilt from the store when it speaks again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.models import Case, ConversationKey, Participant
from bot.scoring.state import ConversationState

MAX_HOT_CONVERSATIONS = 10_000
"""Conversations kept in memory; the others are rebuilt from the store when they speak
again. About 42 KB each with a full 200-message window (`watchkeeper bench`)."""


@dataclass(slots=True, eq=False)
class HeldConversation(ConversationState):
    key: ConversationKey = field(kw_only=True)
    participants: tuple[Participant, ...] = ()
    """Everyone who wrote in it, as the case will name them (a tuple, replaced when one
    changes: a pair's two people cost a third of a dict's bytes)."""
    case: Case | None = None
    case_loaded: bool = False
    spoke: bool = True
    """It spoke since the cache last passed it over (see the module's docstring); a
    conversation comes in as it speaks."""


class HotConversations(dict[ConversationKey, HeldConversation]):
    """The held conversations by key: reads are a dict's; ``admit`` bounds them."""

    __slots__ = ()

    def admit(self, conversation: HeldConversation) -> None:
        """Hold ``conversation``, first letting go of the one that spoke least recently
        (as far as the marks tell) if ``MAX_HOT_CONVERSATIONS`` are held."""
        while len(self) >= MAX_HOT_CONVERSATIONS:
            key = next(iter(self))
            oldest = self.pop(key)
            if oldest.spoke:
                oldest.spoke = False
                self[key] = oldest
        self[conversation.key] = conversation
