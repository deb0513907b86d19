"""Features for the learned model, computed the same way at training and inference.

Two kinds:
- text features of one message (word unigrams and bigrams), extracted from the
  normalised text; the text model is linear, so a message
  contributes one number (the sum of its features' weights) to its author's total;
- conversation features of one author, read from the running totals of a
  ``ConversationState`` (signals, who started, message share, questions, age bands,
  tactic variety and stage progression, and how many people the author approached).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence

from bot.scoring import signals as sig
from bot.scoring.base import child_present
from bot.scoring.state import ConversationState

_WORD = re.compile(r"[a-z0-9']+|[?!]")
_PLAIN = re.compile(r"[a-z0-9' ]*")
"""A text of words and spaces alone, whose words ``str.split`` finds without a regex
search per word."""
MAX_WORDS = 120
"""Long messages contribute features from their first words only: bounded cost."""
TEXT_PRIOR_MESSAGES = 3
"""The text score of an author with n turns is shrunk by n / (n + 3): one or two
turns of text are weak evidence. Without it, a single unusual line ("oh so NOW you
need me") could push a sibling's chat over the threshold at message 2."""

TACTIC_NAMES = (
    *tuple(t.name for t in sig.TACTICS if t.name not in sig.DISCLOSURES),
    sig.SEXUAL_CONTENT,
)
STAGES = {t.name: t.stage for t in sig.TACTICS}
STAGES[sig.SEXUAL_CONTENT] = 6
_TACTIC_INDEX = {name: index for index, name in enumerate(TACTIC_NAMES)}
_STAGE_OF = STAGES.__getitem__


def text_words(normalized: str) -> list[str]:
    """The words that text features are made of (``w:word``, ``b:word_next``)."""
    if _PLAIN.fullmatch(normalized):  # most chat: splitting on spaces finds the same words
        return normalized.split()[:MAX_WORDS]
    return _WORD.findall(normalized)[:MAX_WORDS]


def text_features(normalized: str) -> set[str]:
    """The set of text features of one normalised message: words and word pairs.

    Character n-grams were tried and dropped: on the dev split (phrasings never seen in
    training) they lowered ROC-AUC from 0.930 to 0.914 by memorising training phrasings.
    Spelling variation is handled by the normaliser instead.
    """
    words = text_words(normalized)
    features = {f"w:{w}" for w in words}
    features.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    return features


MONOTONE = frozenset(
    {
        "text",
        "text_x_partner_minor",
        "distinct_tactics",
        "distinct_stages",
        "max_stage",
        "tactics_x_partner_minor",
        *(f"t:{name}" for name in TACTIC_NAMES),
    }
)
"""Features that grow with the evidence of grooming: training keeps their weights
non-negative, so another warning sign (or another repeat) never lowers a score."""


def author_feature_names() -> list[str]:
    names = [
        "text",
        "text_x_partner_minor",
        "distinct_tactics",
        "distinct_stages",
        "max_stage",
        "partner_minor",
        "partner_adult",
        "self_adult",
        "self_minor",
        "adult_to_minor",
        "minor_peers",
        "tactics_x_partner_minor",
        "initiated",
        "message_share",
        "question_rate",
        "log_messages",
        "log_reach",
        "bias_short",
        "concern_report",
        "partner_concern_report",
        "parent_involvement",
        "partner_discomfort",
        "surprise",
        "addressed_as_family",
    ]
    names += [f"t:{name}" for name in TACTIC_NAMES]
    return names


_BASE_FEATURES = len(author_feature_names()) - len(TACTIC_NAMES)
"""How many features come before the tactics' (one each, ``t:name``)."""


def counted_tactics(
    state: ConversationState, author: str, known: frozenset[str] | None = None
) -> list[str]:
    """The tactics of ``author`` that count, in ``TACTIC_NAMES`` order: known to the model
    (trained on), and sexualised talk only with a child present."""
    shown = state.authors[author].tactic_seqs
    if not shown:
        return []
    return _counted(shown, known, child_present(state, author))


def _counted(shown: dict[str, list[int]], known: frozenset[str] | None, child: bool) -> list[str]:
    order = _tactic_order(known)
    # Read with builtins, not a generator: asked for every author with a tactic, on
    # every message (a conversation that alerts: both sides, most messages).
    present = sorted(filter(order.__contains__, shown), key=order.__getitem__)
    if not child and sig.SEXUAL_CONTENT in present:
        present.remove(sig.SEXUAL_CONTENT)
    return present


@functools.lru_cache(maxsize=8)
def _tactic_order(known: frozenset[str] | None) -> dict[str, int]:
    """The tactics a model knowing ``known`` counts (all if None), with their place in
    ``TACTIC_NAMES`` (a process has one or two models)."""
    return {name: index for name, index in _TACTIC_INDEX.items() if known is None or name in known}


class _Log1p(dict[int, float]):
    """``math.log1p`` of a count (never negative): the small counts that most features
    are read from a table without a call, others computed (the same values)."""

    def __missing__(self, count: int) -> float:
        return math.log1p(count)


_LOG1P = _Log1p((n, math.log1p(n)) for n in range(256))


def author_features(
    state: ConversationState,
    author: str,
    text_scale: float,
    reach: int,
    known: frozenset[str] | None = None,
) -> list[float]:
    """Conversation features of one author, in ``author_feature_names()`` order.

    ``text_scale``: the text model's normalised score for this author, passed in
    because it depends on the model's weights. ``known``: the tactics the model was
    trained on (a tactic it never saw counts for nothing, not even as "another
    tactic"); ``None`` counts all of them (while training decides which are known).
    """
    totals = state.authors[author]
    tactic_seqs = totals.tactic_seqs
    # ``age_view``, read once (the author is in the window: ``totals`` is theirs)
    self_adult, self_minor = state.age_of(author)
    partner_minor_seen = state.minors - self_minor > 0
    partner_adult = state.adults - self_adult > 0
    partner_minor = float(partner_minor_seen and not self_minor)
    log1p = _LOG1P
    if tactic_seqs:
        present = _counted(tactic_seqs, known, bool(partner_minor))
        stages = {STAGES[n] for n in present}
        staged, latest = float(len(stages)), float(max(stages, default=0)) / 6
        reported = totals.count("concern_report")
        parents = totals.count("parent_involvement")
        family = totals.count("family_address")
    else:  # most authors show no signal
        present, staged, latest = [], 0.0, 0.0
        reported = parents = family = 0
    total_messages = state.message_count or 1
    distinct = log1p[len(present)]
    turns = totals.turns
    text_scale *= turns / (turns + TEXT_PRIOR_MESSAGES)
    received = state.received
    said = state.signal_counts
    values = [
        text_scale,
        text_scale * partner_minor,
        distinct,
        staged,
        latest,
        partner_minor,
        float(partner_adult),
        float(self_adult),
        float(self_minor),
        float(self_adult and partner_minor_seen),
        float(self_minor and partner_minor_seen),
        distinct * partner_minor,
        float(state.first_author == author),
        totals.messages / total_messages,
        totals.questions / (totals.messages or 1),
        log1p[total_messages],
        log1p[reach],
        float(total_messages < 4),
        log1p[reported],
        log1p[received.get((author, "concern_report"), 0)] if received else 0.0,
        log1p[parents],
        log1p[received.get((author, "discomfort"), 0)] if received else 0.0,
        log1p[said.get("surprise", 0)] if said else 0.0,
        log1p[said.get("family_address", 0) - family] if said else 0.0,
    ]
    values += [0.0] * len(TACTIC_NAMES)
    for name in present:
        values[_BASE_FEATURES + _TACTIC_INDEX[name]] = log1p[len(tactic_seqs[name])]
    return values


def author_logit(
    state: ConversationState,
    author: str,
    text_scale: float,
    reach: int,
    known: frozenset[str] | None,
    coef: Sequence[float],
) -> float:
    """``coef . author_features(...)`` as ``sum`` adds it (the same float additions in
    the same order, from 0.0), without making the features: what the model reads for
    every author on every message.

    A term whose feature is zero is left out (adding zero changes no sum) and a flag's
    term is its coefficient (``c * 1.0 == c``), so the result is the dot product's to
    the last bit; ``test_features.py`` holds it to that.
    """
    totals = state.authors[author]
    tactic_seqs = totals.tactic_seqs
    self_adult, self_minor = state.age_of(author)
    partner_minor_seen = state.minors - self_minor > 0
    partner_minor = partner_minor_seen and not self_minor
    log1p = _LOG1P
    turns = totals.turns
    text_scale *= turns / (turns + TEXT_PRIOR_MESSAGES)
    total_messages = state.message_count or 1
    s = 0.0
    s += coef[0] * text_scale
    if partner_minor:
        s += coef[1] * text_scale
    present = _counted(tactic_seqs, known, partner_minor) if tactic_seqs else None
    distinct = 0.0
    if present:
        stages = set(map(_STAGE_OF, present))
        distinct = log1p[len(present)]
        s += coef[2] * distinct
        s += coef[3] * float(len(stages))
        s += coef[4] * (float(max(stages)) / 6)
    if partner_minor:
        s += coef[5]
    if state.adults - self_adult > 0:
        s += coef[6]
    if self_adult:
        s += coef[7]
    if self_minor:
        s += coef[8]
    if self_adult and partner_minor_seen:
        s += coef[9]
    if self_minor and partner_minor_seen:
        s += coef[10]
    if partner_minor and distinct:
        s += coef[11] * distinct
    if state.first_author == author:
        s += coef[12]
    s += coef[13] * (totals.messages / total_messages)
    if totals.questions:
        s += coef[14] * (totals.questions / (totals.messages or 1))
    s += coef[15] * log1p[total_messages]
    if reach:
        s += coef[16] * log1p[reach]
    if total_messages < 4:
        s += coef[17]
    if "concern_report" in tactic_seqs:
        s += coef[18] * log1p[len(tactic_seqs["concern_report"])]
    received = state.received
    if received and (author, "concern_report") in received:
        s += coef[19] * log1p[received[author, "concern_report"]]
    if "parent_involvement" in tactic_seqs:
        s += coef[20] * log1p[len(tactic_seqs["parent_involvement"])]
    if received and (author, "discomfort") in received:
        s += coef[21] * log1p[received[author, "discomfort"]]
    said = state.signal_counts
    if said:
        if "surprise" in said:
            s += coef[22] * log1p[said["surprise"]]
        others = said.get("family_address", 0) - len(tactic_seqs.get("family_address", ()))
        if others:
            s += coef[23] * log1p[others]
    if present:
        base = _BASE_FEATURES
        for name in present:
            s += coef[base + _TACTIC_INDEX[name]] * log1p[len(tactic_seqs[name])]
    return s
