"""The conversation features, read the fast way, equal their plain definition."""

import math
import operator
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import AgeBand
from bot.scoring import signals as sig
from bot.scoring.base import age_view
from bot.scoring.features import (
    MAX_WORDS,
    STAGES,
    author_features,
    author_logit,
    counted_tactics,
    text_words,
)
from bot.scoring.model import ModelScorer
from bot.scoring.state import ConversationState
from tests.bot.scoring.factories import state_of

SCORER = ModelScorer.load()
LINES = [
    "how old r u", "13", "im 34", "ur so mature for ur age", "dont tell anyone ok",
    "add me on snap", "send me a selfie", "are ur parents home", "lol ok", "my mom is here",
    "thats so creepy stop", "i told my mom about this", "ok mom", "we should meet up",
    "i can buy u robux", "for her birthday", "hey", "ask ur mom first",
]  # fmt: skip


def plain_features(state: ConversationState, author: str, text_scale: float, reach: int):  # type: ignore[no-untyped-def]
    """The features as documented, one definition after another (no shortcuts)."""
    totals = state.authors[author]
    ages = age_view(state, author)
    child = ages.partner_minor and not ages.self_minor
    names = [t.name for t in sig.TACTICS if t.name not in sig.DISCLOSURES] + [sig.SEXUAL_CONTENT]
    present = [n for n in names if n in totals.tactic_seqs and n in SCORER._known
               and (child or n != sig.SEXUAL_CONTENT)]  # fmt: skip
    assert counted_tactics(state, author, SCORER._known) == present
    stages = {STAGES[n] for n in present}
    total = state.message_count or 1
    partner_minor = float(ages.partner_minor and not ages.self_minor)
    text_scale *= totals.turns / (totals.turns + 3)
    values = [
        text_scale, text_scale * partner_minor, math.log1p(len(present)), float(len(stages)),
        float(max(stages, default=0)) / 6, partner_minor, float(ages.partner_adult),
        float(ages.self_adult), float(ages.self_minor),
        float(ages.self_adult and ages.partner_minor),
        float(ages.self_minor and ages.partner_minor), math.log1p(len(present)) * partner_minor,
        float(state.first_author == author), totals.messages / total,
        totals.questions / max(totals.messages, 1), math.log1p(total), math.log1p(reach),
        float(total < 4), math.log1p(totals.count("concern_report")),
        math.log1p(state.received.get((author, "concern_report"), 0)),
        math.log1p(totals.count("parent_involvement")),
        math.log1p(state.received.get((author, "discomfort"), 0)),
        math.log1p(state.signal_counts.get("surprise", 0)),
        math.log1p(state.signal_counts.get("family_address", 0) - totals.count("family_address")),
    ]  # fmt: skip
    tactics = [0.0] * len(names)
    for name in present:
        tactics[names.index(name)] = math.log1p(len(totals.tactic_seqs[name]))
    return values + tactics


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(LINES)), min_size=1, max_size=30),
    st.dictionaries(st.sampled_from("abc"), st.sampled_from(list(AgeBand))),
    st.integers(min_value=2, max_value=12),
    st.sampled_from([0, 1, 3, 300]),
)
def test_the_features_equal_their_plain_definition(items, bands, window, reach) -> None:  # type: ignore[no-untyped-def]
    state = state_of(items, bands, window, SCORER)
    for author in state.authors:
        fast = author_features(state, author, 0.7, reach, SCORER._known)
        assert fast == plain_features(state, author, 0.7, reach)
    # The model's logit, read without making the features, is their dot product to the
    # last bit: with the model's coefficients, and with ones where no term is zero.
    distinct = [1 / (index + 1.37) for index in range(len(SCORER._coef))]
    for author in state.authors:
        for text in (0.7, -1.3):
            features = author_features(state, author, text, reach, SCORER._known)
            for coef in (SCORER._coef, distinct):
                logit = author_logit(state, author, text, reach, SCORER._known, coef)
                assert logit == sum(map(operator.mul, coef, features))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab z'1?! \t\né", max_size=30))
def test_text_words_split_plain_text_as_the_word_pattern_finds_them(text: str) -> None:
    assert text_words(text) == re.findall(r"[a-z0-9']+|[?!]", text)[:MAX_WORDS]
