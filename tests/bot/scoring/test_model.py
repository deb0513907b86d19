"""The learned scorer: exact incremental scoring, safe loading, training and PAN12."""

import gzip
import itertools
import json
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.errors import ConfigError
from bot.learning.corpora import Line, load_conversations
from bot.learning.evaluation import evaluate
from bot.learning.offline import score_conversation
from bot.learning.pan12 import iter_pan12, read_predator_ids
from bot.learning.train import TrainOptions, train
from bot.models import AgeBand, Message, Participant
from bot.scoring import lexicon
from bot.scoring import signals as sig
from bot.scoring.base import age_view, child_present
from bot.scoring.features import TACTIC_NAMES, counted_tactics
from bot.scoring.model import ModelScorer, ModelWeights, capped, load_weights
from bot.scoring.rules import RuleScorer
from bot.scoring.state import CONTEXT_MESSAGES, ConversationState
from tests.bot.scoring.factories import T0, state_of

ROOT = Path(__file__).parents[3]
LINES = [
    "hey how was school", "how old r u btw", "13", "ur so mature for ur age",
    "dont tell anyone we talk ok", "add me on snap", "lol ok", "send me a selfie",
    "what game are you playing", "minecraft with my cousin", "nice, gg", "are ur parents home",
    "14, freshman", "how old is everyone", "15", "im 12", "dont", "tell anyone", "ok 🙃",
    "leave me alone", "stop",
]  # fmt: skip

SCORER = ModelScorer.load()
TERM = sorted(lexicon.terms()[0])[0]  # from the maintained list; never written here


def make(i: int, author: str, text: str) -> Message:
    return Message("t", "s", "c", f"m{i}", Participant(author, "", AgeBand.UNKNOWN), text,
                   T0 + timedelta(seconds=i), is_dm=True)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(LINES)), max_size=60),
    st.integers(min_value=2, max_value=25),
)
# Two authors at the same probability: the suspect must not depend on who spoke first
# before the window (the live state remembers that order; a from-scratch one does not).
@example(
    [("a", "ok 🙃"), ("b", "hey how was school"), ("a", "minecraft with my cousin"),
     ("b", "stop"), ("a", "nice, gg"), ("b", "stop"), ("a", "14, freshman"), ("b", "dont"),
     ("a", "14, freshman")],
    2,
)  # fmt: skip
def test_incremental_score_equals_a_from_scratch_score_of_the_window(items, window) -> None:  # type: ignore[no-untyped-def]
    live = ConversationState(max_messages=window)
    messages = [make(i, author, text) for i, (author, text) in enumerate(items)]
    for message in messages:
        live.add(SCORER.observe(message, live))
    # From scratch: the same window, read with the messages just before it as context
    # (a bare "13" is an age only when it answers an age question shortly before; a
    # line is read with the earlier lines of its turn).
    fresh = ConversationState(max_messages=window)
    start = max(0, len(messages) - window - CONTEXT_MESSAGES)
    fresh.next_seq = start
    for seq in range(start, len(messages)):
        fresh.add(SCORER.observe(messages[seq], fresh))
    assert [o.seq for o in fresh.observations] == [o.seq for o in live.observations]
    assert SCORER.risk(live) == SCORER.risk(fresh)
    # The engine asks for the reasons only when a score alerts: the same ones.
    risk, bare = SCORER.risk(live), SCORER.risk(live, reasons=False)
    assert bare == risk._replace(signals=())
    if risk.suspect is not None:
        assert SCORER.reasons(live, risk.suspect) == risk.signals
    assert {a: (t.messages, t.turns, t.text_sum) for a, t in live.authors.items()} == {
        a: (t.messages, t.turns, t.text_sum) for a, t in fresh.authors.items()
    }
    assert live.received == fresh.received
    assert live.signal_counts == fresh.signal_counts
    assert (live.adults, live.minors) == (fresh.adults, fresh.minors)


def plain_capped(state: ConversationState, author: str, known: frozenset[str]) -> bool:
    """``capped`` as documented, one definition after another (no shortcuts)."""
    totals = state.authors[author]
    counted = counted_tactics(state, author, known)
    signs = {seq for name in counted for seq in totals.tactic_seqs[name]}
    if not signs and not totals.count(sig.WORDING):
        return True
    ages = age_view(state, author)
    return len(signs) <= 1 and not (ages.partner_minor and not ages.self_minor)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from([*LINES, f"lol {TERM}"])),
             max_size=30),
    st.dictionaries(st.sampled_from("abc"), st.sampled_from(list(AgeBand))),
    st.integers(min_value=2, max_value=12),
    st.sampled_from([SCORER, RuleScorer()]),  # read with the text model, or without
)  # fmt: skip
# With a child there: a tactic the model does not know is no reason to show.
@example([("b", "hi"), ("a", "add me on snap")], {"b": AgeBand.MINOR}, 12, RuleScorer())
def test_capped_and_child_present_are_their_plain_definitions(items, bands, window, reader) -> None:  # type: ignore[no-untyped-def]
    state = state_of(items, bands, window, reader)
    # The model's tactics, every tactic (sexualised talk too: it counts with a child), and
    # a model that knows only some.
    for known in (SCORER._known, frozenset(TACTIC_NAMES), frozenset(TACTIC_NAMES[::2])):
        for author in state.authors:
            assert capped(state, author, known) == plain_capped(state, author, known)
    for author in [*state.authors, *bands]:  # those who left the window too
        ages = age_view(state, author)
        assert child_present(state, author) == (ages.partner_minor and not ages.self_minor)


def test_a_bare_age_answers_an_age_question() -> None:
    state = ConversationState()
    for i, (author, text) in enumerate([("a", "how old r u"), ("b", "13"), ("b", "12")]):
        state.add(SCORER.observe(make(i, author, text), state))
    assert state.authors["b"].count("minor_disclosure") == 1  # "12" answered nothing


def test_a_school_grade_answers_an_age_question() -> None:
    state = ConversationState()
    lines = [("a", "what grade r u in"), ("b", "ya 6th"), ("c", "i came 7th place"),
             ("d", "gg"), ("d", "8th")]  # fmt: skip
    for i, (author, text) in enumerate(lines):
        state.add(SCORER.observe(make(i, author, text), state))
    assert [state.authors[x].count("minor_disclosure") for x in "bcd"] == [1, 0, 0]


def test_a_round_of_ages_in_a_channel_is_read() -> None:
    state = ConversationState()
    lines = [("a", "how old is everyone here"), ("b", "14 lol"), ("c", "13 turning 14 in march"),
             ("d", "15, freshman"), ("f", "13 in june"), ("e", "gg"), ("e", "what map"),
             ("e", "16")]  # fmt: skip
    for i, (author, text) in enumerate(lines):
        state.add(SCORER.observe(make(i, author, text), state))
    assert [state.authors[x].count("minor_disclosure") for x in "bcdfe"] == [1, 1, 1, 1, 0]


def test_ages_exchanged_both_ways_are_disclosures() -> None:
    state = ConversationState()
    lines = [("a", "how old are u"), ("b", "36 u? 😅"), ("a", "39")]
    for i, (author, text) in enumerate(lines):
        state.add(SCORER.observe(make(i, author, text), state))
    assert state.authors["b"].count("adult_disclosure") == 1
    assert state.authors["a"].count("adult_disclosure") == 1


def test_shipped_model_loads_fast_and_is_plain_json() -> None:
    started = time.perf_counter()
    weights = load_weights()
    assert time.perf_counter() - started < 1.0
    raw = (ROOT / "bot" / "data" / "model.json.gz").read_bytes()
    assert json.loads(gzip.decompress(raw))["format"] == "watchkeeper-model/2"
    assert len(weights.coef) == len(weights.feature_names)


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.json.gz"
    bad.write_bytes(gzip.compress(b'{"format": "pickle"}'))
    with pytest.raises(ConfigError) as refused:
        load_weights(bad)
    assert "not a usable watchkeeper model" in str(refused.value.problems)
    assert str(bad) in str(refused.value.problems)


def test_training_learns_from_a_small_corpus_and_round_trips(tmp_path: Path) -> None:
    corpus = load_conversations(ROOT / "bot" / "learning" / "corpus" / "train.jsonl")
    small = [c for c in corpus if c.is_grooming][:150] + [c for c in corpus if not c.is_grooming][
        :300
    ]
    weights = train(small, TrainOptions(folds=2, min_df=2))
    weights.save(tmp_path / "model.json.gz")
    again = ModelWeights.from_json(
        json.loads(gzip.decompress((tmp_path / "model.json.gz").read_bytes()))
    )
    assert again == weights
    scorer = ModelScorer(again)
    held_out = [c for c in corpus if c.is_grooming][150:250] + [
        c for c in corpus if not c.is_grooming
    ][300:500]
    metrics = evaluate([score_conversation(c, scorer, Settings()) for c in held_out])
    assert metrics.roc_auc is not None and metrics.roc_auc > 0.8


def test_conversation_weights_decide_what_the_text_model_learns() -> None:
    """A phrase seen in grooming and benign chat alike leans toward the side that counts more."""
    corpus = load_conversations(ROOT / "bot" / "learning" / "corpus" / "train.jsonl")
    base = [c for c in corpus if c.is_grooming][:60] + [c for c in corpus if not c.is_grooming][
        :120
    ]
    marked = []
    for index, conversation in enumerate(base[:30] + base[60:90]):
        line = conversation.messages[0]
        author = conversation.suspect if conversation.is_grooming else line.author
        extra = Line(author or line.author, "quokka parade tonight", line.ts)
        marked.append(
            replace(conversation, id=f"m{index}", messages=[extra, *conversation.messages])
        )
    options = TrainOptions(folds=2, min_df=2)

    def quokka_weight(grooming: float, benign: float) -> int:
        weights = [1.0] * len(base) + [grooming if c.is_grooming else benign for c in marked]
        return train(base + marked, options, weights=weights).text_weights["w:quokka"]

    assert quokka_weight(8, 1) > quokka_weight(1, 1) > quokka_weight(1, 8)


def test_pan12_loader_labels_by_predator_list() -> None:
    data = ROOT / "tests" / "data" / "pan12"
    conversations = list(iter_pan12(data / "tiny.xml", read_predator_ids(data / "predators.txt")))
    assert [(c.id, c.label, c.suspect) for c in conversations] == [
        ("p1", "grooming", "aa11"),
        ("p2", "benign", None),
    ]
    assert [line.text for line in conversations[0].messages][:2] == [
        "hey whats up",
        "not much, homework",
    ]
    assert conversations[0].messages[0].ts < conversations[0].messages[-1].ts


def test_the_text_contribution_is_the_sum_of_the_weights_of_the_text_features() -> None:
    from bot.scoring.features import text_features
    from bot.scoring.normalize import normalize

    weights = SCORER.weights.text_weights
    lines = [*LINES, "so so so good good", "lol lol lol", "a b a b a b", "", "?!"]
    for path in sorted((ROOT / "bot/learning/corpus/written_dev").glob("*.jsonl")):
        for raw in path.read_text().splitlines()[:40]:
            lines += [m["text"] for m in json.loads(raw)["messages"]]
    for line in lines:
        text = normalize(line)
        expected = sum(weights.get(feature, 0) for feature in text_features(text))
        assert SCORER.text_contribution(text) == expected, line


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(0, 1), st.sampled_from([x for x, _ in SCORER.weights.calibration])))
def test_calibration_interpolates_between_the_knots_around_the_probability(p: float) -> None:
    from bot.scoring.model import calibrate

    knots = SCORER.weights.calibration
    if p <= knots[0][0]:
        expected = knots[0][1]
    else:  # the first pair of knots whose right end is at or past p, found by scanning
        pairs = list(itertools.pairwise(knots))
        found = [(a, b) for a, b in pairs if p <= b[0]]
        if not found:
            expected = knots[-1][1]
        else:
            (x0, y0), (x1, y1) = found[0]
            expected = y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    assert calibrate(p, knots) == expected
