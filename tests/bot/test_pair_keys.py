"""Pair keys name exactly one pair, whatever characters the platform's ids hold."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.models import ConversationKey, pair_members, pair_ref

IDS = st.text(alphabet=st.sampled_from("ab|\\:%_ 1"), max_size=6)


def test_ids_without_a_bar_keep_the_plain_form_stored_keys_have() -> None:
    assert ConversationKey.pair("discord", "g1", "42", "17").ref == "17|42"
    assert str(ConversationKey.pair("slack", "T1", "U2", "U1")) == "slack:T1:pair:U1|U2"
    assert pair_ref("a\\b", "c") == "a\\b|c"  # a backslash alone changes nothing


def test_bars_inside_ids_no_longer_collide() -> None:
    left, right = pair_ref("a|b", "c"), pair_ref("a", "b|c")
    assert left != right
    assert (pair_members(left), pair_members(right)) == (("a|b", "c"), ("a", "b|c"))


@given(IDS, IDS, IDS, IDS)
@example("a|", "b", "a", "|b")
@example("a\\", "|b", "a", "\\|b")
def test_a_ref_names_one_pair_and_reads_back(a: str, b: str, c: str, d: str) -> None:
    assert pair_members(pair_ref(a, b)) == tuple(sorted((a, b)))
    assert (pair_ref(a, b) == pair_ref(c, d)) == (sorted((a, b)) == sorted((c, d)))


@pytest.mark.parametrize("ref", ["a|b|c", "abc", "b|a", "a\\\\|b|c\\"])
def test_text_no_pair_would_have_is_refused(ref: str) -> None:
    with pytest.raises(ValueError):
        pair_members(ref)


def test_a_dm_has_no_members() -> None:
    with pytest.raises(ValueError):
        _ = ConversationKey.dm("console", "s1", "d|1").members


def test_a_stored_key_reads_back_in_its_space_even_with_colons() -> None:
    key = ConversationKey.pair("http", "team:1", "a|b", "c:d")
    assert ConversationKey.parse(str(key), "http", "team:1") == key
    assert key.members == ("a|b", "c:d")
    with pytest.raises(ValueError):
        ConversationKey.parse(str(key), "slack", "team:1")
