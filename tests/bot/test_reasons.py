"""The engine's remembered reasons (``bot/reasons.py``) are the ones found afresh: over
random conversations (signs coming and going, windows dropping messages, ages told and
bands changing, a message coming back after it left), and in each case where a
remembered answer would be stale."""

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot import step
from bot.config import Settings
from bot.held import HeldConversation
from bot.models import AgeBand, ConversationKey, Level, Message, Participant, Score
from bot.reasons import Reasons
from bot.scoring import lexicon, load_scorer
from bot.scoring import signals as sig
from bot.scoring.base import Scorer
from bot.scoring.rules import RuleScorer
from bot.scoring.state import ConversationState
from tests.conftest import T0

MODEL = load_scorer(Settings())
RULES = RuleScorer()
CONVERSATION = ConversationKey.dm("t", "s", "c")
KEY = str(CONVERSATION)
WINDOW_AGE = timedelta(days=2)
TERM = sorted(lexicon.terms()[0])[0]  # from the maintained list; never written here
TEXTS = (
    "how old r u", "im 13", "13", "14 wbu", "im 25", "ur so mature for ur age",
    "dont tell anyone we talk", "add me on snap", "send me a selfie", "are ur parents home",
    "i can buy u robux", "we should meet up", "lol ok", "what game do u play",
    "my mom is calling me", "haha nice", "cool", f"lol {TERM}",
)  # fmt: skip
AUTHORS = ("a", "b", "c")
BANDS = (AgeBand.UNKNOWN, AgeBand.UNKNOWN, AgeBand.ADULT, AgeBand.MINOR)
GAPS = (1.0, 5.0, 60.0, 60.0, 600.0, 3 * 86_400.0)
"""Seconds between messages: within a turn, apart, and past the window's age."""


def say(state: ConversationState, scorer: Scorer, author: str, text: str, n: int,
        band: AgeBand = AgeBand.UNKNOWN, message_id: str | None = None) -> None:  # fmt: skip
    message = Message("t", "s", "c", message_id or f"m{n}", Participant(author, "", band), text,
                      T0 + timedelta(seconds=60 * n), is_dm=True)  # fmt: skip
    step.observe(scorer, state, message, WINDOW_AGE)


def held(window: int = 200, key: ConversationKey = CONVERSATION) -> HeldConversation:
    return HeldConversation(max_messages=window, key=key)


def alerting(suspect: str, state: ConversationState) -> Score:
    """A score without its reasons, as the engine holds one before it alerts."""
    return Score(0.9, Level.HIGH, suspect, (), state.message_count)


def fresh(scorer: Scorer, state: ConversationState, suspect: str) -> tuple:
    return scorer.reasons(state, suspect)


step_strategy = st.tuples(
    st.integers(0, len(AUTHORS) - 1),
    st.integers(0, len(TEXTS) - 1),
    st.integers(0, len(BANDS) - 1),
    st.integers(0, len(GAPS) - 1),
    st.one_of(st.none(), st.integers(0, 50)),  # a message id seen before, again
    st.one_of(st.none(), st.integers(0, len(AUTHORS) - 1)),  # another suspect than the risk's
)


@pytest.mark.parametrize("scorer", [MODEL, RULES], ids=["model", "rules"])
@given(steps=st.lists(step_strategy, max_size=60), window=st.integers(3, 12))
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_remembered_reasons_are_always_the_ones_found_afresh(
    scorer: Scorer, steps: list, window: int
) -> None:
    state = held(window)
    reasons = Reasons(scorer)
    ids: list[str] = []
    at = T0
    for author, text, band, gap, again, other in steps:
        at += timedelta(seconds=GAPS[gap])
        message_id = ids[again % len(ids)] if again is not None and ids else f"m{len(ids)}"
        ids.append(message_id)
        message = Message("t", "s", "c", message_id, Participant(AUTHORS[author], "", BANDS[band]),
                          TEXTS[text], at, is_dm=True)  # fmt: skip
        if state.holds(message_id):
            continue  # the engine skips a message its window holds
        step.observe(scorer, state, message, WINDOW_AGE)
        suspect = scorer.risk(state, reasons=False).suspect
        if other is not None and AUTHORS[other] in state.authors:
            suspect = AUTHORS[other]
        if suspect is None:
            continue
        score = alerting(suspect, state)
        remembered = reasons.add_to(KEY, state, score)
        assert remembered == replace(score, signals=scorer.reasons(state, suspect))
        assert remembered == step.with_reasons(scorer, state, score)


def grooming(state: ConversationState, scorer: Scorer = MODEL) -> None:
    for n, (author, text) in enumerate([
        ("a", "hey"), ("b", "hi"), ("a", "dont tell anyone we talk ok"), ("b", "ok"),
        ("a", "ur so mature for ur age"), ("b", "lol"),
    ]):  # fmt: skip
        say(state, scorer, author, text, n)


def test_a_new_sign_is_shown() -> None:
    state, reasons = held(), Reasons(MODEL)
    grooming(state)
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    say(state, MODEL, "b", "sure", 6)
    assert reasons.add_to(KEY, state, alerting("a", state)).signals == before
    say(state, MODEL, "a", "add me on snap", 7)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert after == fresh(MODEL, state, "a") != before
    assert len(after) == len(before) + 1


def test_a_second_worded_line_is_shown() -> None:
    """The suspect's first two strongly worded lines are reasons (ordinary chat here:
    the text model weighs each line, and these two are the suspect's first)."""
    state, reasons = held(), Reasons(MODEL)
    for n, (author, text) in enumerate([("a", "hey"), ("b", "hi")]):
        say(state, MODEL, author, text, n)
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert [s.name for s in before] == [sig.WORDING]
    say(state, MODEL, "a", "what game do u play", 2)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert after == fresh(MODEL, state, "a") and [s.name for s in after] == [sig.WORDING] * 2


def test_a_sign_that_leaves_the_window_is_no_longer_shown() -> None:
    state, reasons = held(6), Reasons(MODEL)
    grooming(state)
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert "secrecy" in {s.name for s in before}
    for n in range(6, 9):  # the secrecy line is the window's oldest after these
        say(state, MODEL, "b" if n % 2 else "a", "ok", n)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert after == fresh(MODEL, state, "a")
    assert "secrecy" not in {s.name for s in after}


def test_a_repeated_sign_leaving_shows_the_next_one() -> None:
    state, reasons = held(6), Reasons(MODEL)
    grooming(state)
    say(state, MODEL, "a", "dont tell anyone we talk", 6, message_id="again")
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    for n in range(7, 10):
        say(state, MODEL, "b", "ok", n)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    secrecy = [s.message_id for s in after if s.name == "secrecy"]
    assert after == fresh(MODEL, state, "a") != before and secrecy == ["again"]


def test_an_age_told_is_shown() -> None:
    state, reasons = held(), Reasons(MODEL)
    grooming(state)
    say(state, MODEL, "a", "how old r u", 6)
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    say(state, MODEL, "b", "13", 7)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert after == fresh(MODEL, state, "a") != before
    assert "minor_disclosure" in {s.name for s in after}


def test_a_band_given_by_the_platform_changes_what_counts() -> None:
    """Sexualised talk is a reason only with a child present: a minor's band, given
    with a message that shows nothing, makes it one."""
    state, reasons = held(), Reasons(RULES)
    for n, (author, text) in enumerate([("a", "hey"), ("b", "hi"), ("a", f"lol {TERM}"),
                                        ("a", "dont tell anyone we talk")]):  # fmt: skip
        say(state, RULES, author, text, n)
    before = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert sig.SEXUAL_CONTENT not in {s.name for s in before}
    say(state, RULES, "b", "ok", 4, band=AgeBand.MINOR)
    after = reasons.add_to(KEY, state, alerting("a", state)).signals
    assert after == fresh(RULES, state, "a")
    assert sig.SEXUAL_CONTENT in {s.name for s in after}


def test_another_suspect_is_not_answered_from_memory() -> None:
    state, reasons = held(), Reasons(MODEL)
    grooming(state)
    reasons.add_to(KEY, state, alerting("a", state))
    assert reasons.add_to(KEY, state, alerting("b", state)).signals == fresh(MODEL, state, "b")


def test_a_rebuilt_conversation_is_not_answered_from_memory() -> None:
    """A conversation rebuilt from the store is another state: its numbers start again."""
    state, reasons = held(), Reasons(MODEL)
    grooming(state)
    reasons.add_to(KEY, state, alerting("a", state))
    rebuilt = held()
    other = [("a", "hey"), ("b", "hi"), ("a", "add me on snap"), ("b", "ok"),
             ("a", "send me a selfie"), ("b", "k")]  # fmt: skip
    for n, (author, text) in enumerate(other):
        say(rebuilt, MODEL, author, text, n)
    again = reasons.add_to(KEY, rebuilt, alerting("a", rebuilt)).signals
    assert again == fresh(MODEL, rebuilt, "a") != fresh(MODEL, state, "a")


def test_only_the_latest_alerting_conversations_are_remembered() -> None:
    reasons, conversations = Reasons(MODEL, remembered=3), {}
    keys = [ConversationKey.dm("t", "s", f"c{n}") for n in range(4)]
    for key in keys:
        state = conversations[key] = held(key=key)
        grooming(state)
        reasons.add_to(str(key), state, alerting("a", state))
    assert len(reasons) == 3
    # The engine lets go of one and rebuilds another: their reasons go with them.
    del conversations[keys[3]]
    conversations[keys[2]] = held(key=keys[2])
    reasons.forget_gone(conversations)
    assert len(reasons) == 1
