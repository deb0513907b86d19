"""The shipped model is honest: untrained signals count for nothing, evidence never
lowers a score, one sign alone is not an alert, context counts only when aimed at the
suspect, sexualised talk counts only with a child present, and every alert says why."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.learning.corpora import load_conversations
from bot.models import AgeBand, Message, Participant
from bot.scoring import lexicon
from bot.scoring import signals as sig
from bot.scoring.features import MONOTONE, TACTIC_NAMES
from bot.scoring.model import ONE_SIGN_CAP, ModelScorer, load_weights
from bot.scoring.state import ConversationState

ROOT = Path(__file__).parents[3]
T0 = datetime(2025, 1, 1, tzinfo=UTC)
WEIGHTS = load_weights()
SCORER = ModelScorer(WEIGHTS)


def play(lines, bands=None, scorer=SCORER, gap=60):  # type: ignore[no-untyped-def]
    state = ConversationState()
    for i, item in enumerate(lines):
        author, text = item[0], item[1]
        extra = item[2] if len(item) > 2 else {}
        band = (bands or {}).get(author, AgeBand.UNKNOWN)
        message = Message("t", "s", "c", f"m{i}", Participant(author, "", band), text,
                          T0 + timedelta(seconds=gap * i), **extra)  # fmt: skip
        state.add(scorer.observe(message, state), band)
    return state


def test_evidence_features_have_non_negative_weights() -> None:
    weights = dict(zip(WEIGHTS.feature_names, WEIGHTS.coef, strict=True))
    assert {f"t:{name}" for name in TACTIC_NAMES} <= MONOTONE
    assert all(weights[name] >= 0 for name in MONOTONE), {
        name: weights[name] for name in MONOTONE if weights[name] < 0
    }
    knots = WEIGHTS.calibration
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(knots))


def test_a_signal_the_model_never_saw_counts_for_nothing() -> None:
    unseen = [n for n in TACTIC_NAMES if n not in WEIGHTS.signals]
    assert sig.SEXUAL_CONTENT in unseen  # no sexualised talk in the training data
    lines = [("a", "hey"), ("b", "hi"), ("a", "how was ur day"), ("b", "fine")]
    state = play(lines)
    before = SCORER.author_probability(state, "a", 0)
    last = state.observations[-1]
    totals = state.authors["a"]
    totals.tactic_seqs = {**totals.tactic_seqs, sig.SEXUAL_CONTENT: [last.seq]}
    assert SCORER.author_probability(state, "a", 0) == before


def test_repeating_a_tactic_never_lowers_the_score() -> None:
    lines = [("a", "hey"), ("b", "hi"), ("a", "dont tell anyone we talk ok"), ("b", "ok")]
    for _ in range(3):
        # the same conversation with one more secrecy request, or a neutral line instead
        more = SCORER.author_probability(
            play([*lines, ("a", "dont tell anyone"), ("b", "ok")]), "a", 0
        )
        same = SCORER.author_probability(play([*lines, ("a", "ok then"), ("b", "ok")]), "a", 0)
        assert more >= same
        lines += [("a", "dont tell anyone"), ("b", "ok")]


def test_one_message_with_tactics_is_not_an_alert_without_a_child() -> None:
    lines = [("a", "hey"), ("b", "hey"), ("a", "whats ur snap, dont tell anyone, send a selfie"),
             ("b", "lol"), ("a", "so"), ("b", "ok")]  # fmt: skip
    assert SCORER.risk(play(lines)).probability <= ONE_SIGN_CAP
    backed = play(lines, bands={"b": AgeBand.MINOR, "a": AgeBand.ADULT})
    assert SCORER.author_probability(backed, "a", 0) > SCORER.author_probability(
        play(lines), "a", 0
    )


def test_discomfort_counts_only_for_the_person_it_is_aimed_at() -> None:
    lines = [("a", "add me on snap"), ("b", "why"), ("c", "anyone for a match"), ("d", "me"),
             ("b", "stop", {"reply_to": "m3"})]  # fmt: skip
    state = play(lines)
    assert state.received == {("d", "discomfort"): 1}
    mentioned = play([*lines[:-1], ("b", "leave me alone", {"mentions": ("a",)})])
    assert mentioned.received == {("a", "discomfort"): 1}


def test_sexualised_talk_counts_only_with_a_child_present() -> None:
    term = sorted(lexicon.terms()[0])[0]  # from the maintained list; never written here
    knowing = ModelScorer(replace(WEIGHTS, signals=[*WEIGHTS.signals, sig.SEXUAL_CONTENT]))
    lines = [("a", "hey"), ("b", "hi"), ("a", f"lol {term}"), ("b", "ok")]
    adults = play(lines, scorer=knowing)
    assert adults.authors["a"].count(sig.SEXUAL_CONTENT) == 1
    from bot.scoring.features import counted_tactics

    assert sig.SEXUAL_CONTENT not in counted_tactics(adults, "a")
    child = play([("b", "im 13"), *lines], scorer=knowing)
    assert sig.SEXUAL_CONTENT in counted_tactics(child, "a")


def test_every_alert_on_the_held_out_set_shows_a_quoted_reason() -> None:
    settings = Settings()
    threshold = settings.detection.alert_threshold
    alerts = 0
    for path in sorted((ROOT / "bot" / "learning" / "corpus" / "written_dev").glob("*.jsonl")):
        for conversation in load_conversations(path):
            state = ConversationState()
            for index, message in enumerate(conversation.to_messages(), start=1):
                state.add(SCORER.observe(message, state), message.author.age_band)
                risk = SCORER.risk(state)
                if index >= settings.detection.min_messages and risk.probability >= threshold:
                    alerts += 1
                    reasons = [s for s in risk.signals if s.author_id == risk.suspect and s.quote]
                    assert reasons, (conversation.id, index)
                    break
    assert alerts > 100
