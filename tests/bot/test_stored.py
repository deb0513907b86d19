"""Which conversations the store holds, per space: bounded, and never wrong in the
direction that matters (a stored conversation always "may be held")."""

from bot.models import ConversationKey
from bot.stored import StoredConversations


def key(space: str, ref: str) -> ConversationKey:
    return ConversationKey.dm("console", space, ref)


def may_hold(stored: StoredConversations, k: ConversationKey) -> bool:
    return stored.may_hold(k, str(k))


def test_a_listed_space_knows_its_conversations_and_those_started_since() -> None:
    stored = StoredConversations(limit=10)
    assert stored.unlisted([("console", "a"), ("console", "b")]) == {
        ("console", "a"),
        ("console", "b"),
    }
    assert may_hold(stored, key("a", "old"))  # not listed: it may be stored
    stored.listed(("console", "a"), {str(key("a", "old"))})
    assert stored.unlisted([("console", "a"), ("console", "b")]) == {("console", "b")}
    assert may_hold(stored, key("a", "old")) and not may_hold(stored, key("a", "new"))
    stored.add(key("a", "new"), str(key("a", "new")))
    assert may_hold(stored, key("a", "new"))
    stored.forget(("console", "a"))
    assert stored.unlisted([("console", "a")]) == {("console", "a")}


def test_past_the_limit_spaces_are_listed_again_and_a_huge_one_is_not_listed() -> None:
    stored = StoredConversations(limit=3)
    stored.listed(("console", "a"), {str(key("a", "1")), str(key("a", "2"))})
    stored.add(key("a", "3"), str(key("a", "3")))
    stored.add(key("a", "4"), str(key("a", "4")))  # a fourth name: everything forgotten
    assert stored.unlisted([("console", "a")]) == {("console", "a")}
    stored.listed(("console", "a"), {str(key("a", n)) for n in "1234"})  # more than 3
    assert stored.unlisted([("console", "a")]) == set()
    assert may_hold(stored, key("a", "anything"))  # looked for, one by one
    stored.listed(("console", "b"), {str(key("b", "1"))})
    assert not may_hold(stored, key("b", "2"))
