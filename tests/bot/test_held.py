"""The engine's cache of held conversations lets the least recently spoken go first."""

import pytest

from bot import held
from bot.held import HeldConversation, HotConversations
from bot.models import ConversationKey


def conversation(name: str) -> HeldConversation:
    return HeldConversation(key=ConversationKey.dm("t", "s", name))


def test_a_conversation_that_spoke_outlasts_an_older_silent_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(held, "MAX_HOT_CONVERSATIONS", 3)
    hot = HotConversations()
    for name in ("a", "b", "c", "d"):
        hot.admit(conversation(name))
    assert [key.ref for key in hot] == ["b", "c", "d"]  # all had spoken: the oldest went
    hot[ConversationKey.dm("t", "s", "b")].spoke = True  # as the engine marks a message
    hot.admit(conversation("e"))
    assert sorted(key.ref for key in hot) == ["b", "d", "e"]  # c, silent since, went
    for name in "fghij":
        hot.admit(conversation(name))
        assert len(hot) == 3 and ConversationKey.dm("t", "s", name) in hot
