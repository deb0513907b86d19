from dataclasses import replace
from datetime import timedelta

from bot.models import ConversationKey
from bot.tracker import Tracker
from tests.conftest import T0, message, person

A, B, C = person("a"), person("b"), person("c")


def tracker() -> Tracker:
    return Tracker(pair_gap=timedelta(minutes=5))


def test_dm_is_its_own_conversation() -> None:
    key = tracker().route(message(A, "hi", dm=True, channel="d9"))
    assert key == ConversationKey.dm("console", "s1", "d9")


def test_reply_target_mention_and_previous_speaker() -> None:
    t = tracker()
    first = message(A, "hello all", at=0)
    assert t.route(first) is None  # addresses no one yet
    assert t.route(message(B, "hey", at=10)) == ConversationKey.pair("console", "s1", "a", "b")
    assert t.route(message(C, "@a look", at=20, mentions=("a",))).ref == "a|c"
    assert t.route(message(B, "re", at=30, reply_to=first.message_id)).ref == "a|b"


def test_speaker_keeps_their_partner_when_others_talk_in_between() -> None:
    t = tracker()
    t.route(message(A, "hi", at=0))
    t.route(message(B, "hi a", at=5))  # b -> a
    t.route(message(C, "anyone seen the patch notes", at=8))
    assert t.route(message(B, "so what school do u go to", at=12)).ref == "a|b"


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


def test_first_reply_in_a_thread_answers_the_parent_channel_message() -> None:
    t = tracker()
    root = message(A, "anyone want to trade pets", at=0, channel="c1")
    t.route(root)
    reply = replace(message(B, "me!", at=30, reply_to=root.message_id), thread_id="t1")
    assert t.route(reply).ref == "a|b"


def test_someone_who_was_addressed_answers_the_one_who_addressed_them() -> None:
    t = tracker()
    t.route(message(A, "b: want to trade that sword?", at=0, mentions=("b",)))
    t.route(message(C, "anyone know when the event ends", at=5))
    assert t.route(message(B, "sure, what for", at=9)).ref == "a|b"  # not c, who spoke last


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
    assert t.route(message(A, "did you win", at=6)).ref == "a|b"
