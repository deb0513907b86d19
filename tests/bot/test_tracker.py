from dataclasses import replace
from datetime import timedelta

from bot.models import ConversationKey
from bot.tracker import OPENING_WINDOW, Route, Tracker
from tests.conftest import T0, message, person

A, B, C = person("a"), person("b"), person("c")


def tracker() -> Tracker:
    return Tracker(pair_gap=timedelta(minutes=5))


def test_dm_is_its_own_conversation() -> None:
    route = tracker().route(message(A, "hi", dm=True, channel="d9"))
    assert route == Route(ConversationKey.dm("console", "s1", "d9"))


def test_reply_target_mention_and_previous_speaker() -> None:
    t = tracker()
    first = message(A, "hello all", at=0)
    assert t.route(first) is None  # addresses no one yet
    assert t.route(message(B, "hey", at=10)) == Route(
        ConversationKey.pair("console", "s1", "a", "b"), (first,)
    )
    assert t.route(message(C, "@a look", at=20, mentions=("a",))).key.ref == "a|c"
    assert t.route(message(B, "re", at=30, reply_to=first.message_id)).key.ref == "a|b"


def test_speaker_keeps_their_partner_when_others_talk_in_between() -> None:
    t = tracker()
    t.route(message(A, "hi", at=0))
    t.route(message(B, "hi a", at=5))  # b -> a
    t.route(message(C, "anyone seen the patch notes", at=8))
    assert t.route(message(B, "so what school do u go to", at=12)).key.ref == "a|b"


def test_silence_longer_than_the_gap_ends_the_pairing() -> None:
    t = tracker()
    t.route(message(A, "hi", at=0))
    assert t.route(message(B, "hello?", at=3600)) is None


def test_reach_counts_distinct_people_approached_this_week() -> None:
    t = tracker()
    key = ConversationKey.pair("console", "s1", "a", "b")
    for i, other in enumerate(["b", "c", "d"]):
        t.note_contact(key, "a", [other], T0 + timedelta(days=i))
    assert t.reach("console", "s1", "a", T0 + timedelta(days=3)) == 3
    assert t.reach("console", "s1", "a", T0 + timedelta(days=8, hours=1)) == 1
    # every author at once, as a score asks: those who approached no one are left out
    now = T0 + timedelta(days=8, hours=1)
    assert t.reaches("console", "s1", ["a", "b", "z"], now) == {"a": 1}
    assert t.reaches("console", "s2", ["a"], now) == {}


def test_first_reply_in_a_thread_answers_the_parent_channel_message() -> None:
    t = tracker()
    root = message(A, "anyone want to trade pets", at=0, channel="c1")
    t.route(root)
    reply = replace(message(B, "me!", at=30, reply_to=root.message_id), thread_id="t1")
    assert t.route(reply).key.ref == "a|b"


def test_someone_who_was_addressed_answers_the_one_who_addressed_them() -> None:
    t = tracker()
    t.route(message(A, "b: want to trade that sword?", at=0, mentions=("b",)))
    t.route(message(C, "anyone know when the event ends", at=5))
    assert t.route(message(B, "sure, what for", at=9)).key.ref == "a|b"  # not c, who spoke last


def test_a_previous_speaker_addressing_someone_else_is_not_the_partner() -> None:
    t = tracker()
    t.route(message(A, "c: did the update fix it", at=0, mentions=("c",)))
    assert t.route(message(B, "lol this channel", at=5)) is None


def test_a_partner_who_turned_to_someone_else_is_not_followed() -> None:
    t = tracker()
    t.route(message(A, "hey", at=0))
    t.route(message(B, "hey a", at=3))  # b -> a
    t.route(message(A, "c: are you coming tonight", at=6, mentions=("c",)))
    assert t.route(message(B, "anyway", at=9)) is None  # a turned to c; a was addressing c


def test_an_author_goes_on_with_the_person_they_addressed() -> None:
    t = tracker()
    t.route(message(A, "b: how was the match", at=0, mentions=("b",)))
    t.route(message(C, "brb", at=3))
    assert t.route(message(A, "did you win", at=6)).key.ref == "a|b"


def test_an_opening_line_is_carried_into_each_pair_its_author_joins_once() -> None:
    t = tracker()
    opening = message(A, "anyone here 13?", at=0)
    assert t.route(opening) is None
    first = t.route(message(B, "me", at=20))
    assert first is not None and first.opening == (opening,)
    assert t.route(message(A, "cool", at=30)) == Route(first.key)  # carried once
    later = t.route(message(C, "a: im 13 too", at=40, mentions=("a",)))
    assert later is not None and later.key.ref == "a|c" and later.opening == (opening,)


def test_both_of_a_pair_bring_their_openings_oldest_first() -> None:
    t = tracker()
    hello, also = message(A, "hey whats up", at=0), message(B, "hi all", at=600)
    t.route(hello)
    t.route(also)  # past the gap: answers no one either
    reply = t.route(message(A, "b: hi!", at=620, mentions=("b",)))
    assert reply is not None and reply.opening == (hello, also)


def test_an_opening_line_waits_only_so_long_and_only_for_its_author() -> None:
    t = tracker()
    opening = message(A, "anyone here 13?", at=0)
    t.route(opening)
    later = OPENING_WINDOW.total_seconds() + 1
    hello = message(C, "hello", at=later - 30)
    t.route(hello)
    not_a = t.route(message(B, "c: hi", at=later - 20, mentions=("c",)))
    assert not_a is not None and not_a.opening == (hello,)  # not a's: a is not in it
    late = t.route(message(B, "a: me", at=later, mentions=("a",)))
    assert late is not None and late.opening == ()


def test_a_reply_in_a_thread_carries_the_channel_line_it_answers() -> None:
    t = tracker()
    root = message(A, "any kids here wanna trade pets", at=0, channel="c1")
    t.route(root)
    reply = replace(message(B, "me!", at=900, reply_to=root.message_id), thread_id="t1")
    routed = t.route(reply)
    assert routed is not None and routed.key.ref == "a|b" and routed.opening == (root,)


def test_a_typed_name_addresses_that_speaker_as_a_mention_would() -> None:
    t = tracker()
    lead, kid, other = person("ClanLeader_Vex"), person("shrimpy_sid"), person("dot.exe")
    t.route(message(lead, "recruiting for the clan", at=0))
    t.route(message(kid, "can i join", at=5))
    t.route(message(other, "whats the req", at=10))
    # The previous speaker is dot.exe; the name says whom it is for.
    asked = t.route(message(lead, "how old r u sid", at=15))
    assert asked.key.ref == "ClanLeader_Vex|shrimpy_sid"
    # The answer pairs back with whoever addressed sid, although dot.exe spoke between.
    t.route(message(other, "what about me", at=18))
    assert t.route(message(kid, "11", at=20)).key.ref == "ClanLeader_Vex|shrimpy_sid"
    assert t.route(message(lead, "mind ur business dot", at=25)).key.ref == "ClanLeader_Vex|dot.exe"
    assert t.route(message(other, "hey shrimp", at=30)).key.ref == "dot.exe|shrimpy_sid"
    assert t.route(message(kid, "@dot.exe lol", at=35)).key.ref == "dot.exe|shrimpy_sid"


def test_common_words_and_unknown_names_address_no_one_by_name() -> None:
    t = tracker()
    king, sid = person("the_king_42"), person("sid")
    t.route(message(king, "gg all", at=0))
    t.route(message(sid, "hi", at=5))  # answers the king (the previous speaker)
    # "king" and "the" are common words; "tom" spoke nowhere here: the previous speaker.
    assert t.route(message(person("c"), "king of the hill is back", at=10)).key.ref == "c|sid"
    assert t.route(message(person("d"), "tom u there", at=15)).key.ref == "c|d"
