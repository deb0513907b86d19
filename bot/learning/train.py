"""Training the learned scorer from labelled conversations.

1. Text model: for each author of each conversation, the binary n-gram features of
   each of their turns (consecutive lines a few seconds apart, read together as the
   scorer reads them), summed and divided by sqrt(turns); logistic regression against
   "this author is the suspect of a grooming conversation".
2. Conversation model: each conversation is replayed message by message through the
   scorer's own ``observe`` with a text model that did NOT see it (out-of-fold), so
   stage 2 learns how much to trust text on unseen chat. At each step every author
   gets a feature row (``features.author_features``). Rows of a grooming suspect count
   as positive once the suspect has shown warning signs; earlier rows are left out
   rather than called benign (rapport-building looks like friendship). The fit keeps
   the weights of evidence features non-negative (``features.MONOTONE``): another
   warning sign never lowers a score. Only tactics seen in training count.
3. Calibration: the conversation model is fitted again on half the conversations and
   scores the other half (and the other way round); an isotonic map from those unseen
   conversations' peak scores to how often they were grooming makes the levels mean
   what they say.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from bot.learning.corpora import Conversation, Line
from bot.learning.fit import RowTable, calibration_knots, fit_monotone, fold_of
from bot.models import AgeBand
from bot.scoring.base import MICRO, observe
from bot.scoring.features import (
    MONOTONE,
    author_feature_names,
    author_features,
    text_features,
)
from bot.scoring.model import ModelWeights
from bot.scoring.model import capped as is_capped
from bot.scoring.normalize import normalize
from bot.scoring.signals import TACTIC_SIGNALS
from bot.scoring.state import TURN_CHARS, TURN_GAP, TURN_LINES, ConversationState, Observation

log = logging.getLogger(__name__)

Progress = Callable[[Sequence, str], Sequence]


@dataclass(frozen=True, slots=True)
class TrainOptions:
    folds: int = 4
    min_df: int = 3
    text_c: float = 0.5
    conversation_c: float = 0.3
    min_suspect_signals: int = 1
    """A grooming suspect's rows are positive from the message at which they have shown
    this many messages with warning signs (fewer in a short conversation). From the
    first sign: with 2, the model learnt to wait for a second sign even with a child in
    view (on three written batches held out of training: recall 0.951 -> 0.963 with 1,
    precision unchanged, first alerts at 0.55 -> 0.50 of the conversation)."""
    min_signal_messages: int = 3
    """A tactic counts only if training saw it in at least this many messages."""
    min_messages: int = 3
    """Calibration reads the peak score from this message on (the alert rule's minimum)."""
    calibration_prior: float | None = None
    """The share of grooming the calibration assumes: its conversations are reweighted
    so that grooming makes up this share; ``None`` keeps the training data's own mix
    (about one conversation in seven is grooming, by weight, with the IRC negatives).
    Equal shares (0.5) were tried: alerts came earlier (median 0.43 of the way in on
    written_dev) but "watch" and "high" stopped meaning anything (precision 0.17 and
    0.15 at those levels)."""
    max_text_features: int = 60_000
    seed: int = 7


def _plain(items: Sequence, _label: str) -> Sequence:
    return items


def train(
    conversations: Sequence[Conversation],
    options: TrainOptions = TrainOptions(),
    progress: Progress = _plain,
    weights: Sequence[float] | None = None,
) -> ModelWeights:
    """``weights``: how much each conversation counts (default 1 each)."""
    given = weights if weights is not None else [1.0] * len(conversations)
    kept = [
        (c, w)
        for c, w in zip(conversations, given, strict=True)
        if c.label is not None and c.messages
    ]
    labelled = [c for c, _ in kept]
    conversation_weights = np.asarray([w for _, w in kept], dtype=float)
    if not any(c.is_grooming for c in labelled) or all(c.is_grooming for c in labelled):
        raise ValueError("training needs both grooming and benign conversations")
    units = [_turn_units(c) for c in progress(labelled, "reading turns")]
    vocabulary = _vocabulary(units, options)
    folds = fold_of(len(labelled), options.folds, options.seed)
    replays: list[list[Observation]] = [[] for _ in labelled]
    intercepts = [0.0] * len(labelled)
    for fold in progress(range(options.folds), "text model folds"):
        train_ids = [i for i in range(len(labelled)) if folds[i] != fold]
        fold_weights, fold_intercept = _fit_text(
            labelled, units, train_ids, vocabulary, conversation_weights, options
        )
        contribution = _contribution(fold_weights)
        for i in range(len(labelled)):
            if folds[i] == fold:
                replays[i] = _replay(labelled[i], contribution)
                intercepts[i] = fold_intercept
    text_weights, text_intercept = _fit_text(
        labelled, units, range(len(labelled)), vocabulary, conversation_weights, options
    )
    known = _known_signals(replays, options)
    table = _conversation_rows(labelled, replays, intercepts, known, options, progress)
    known = _counted_signals(table, known, options)
    names = author_feature_names()
    nonneg = np.asarray([name in MONOTONE for name in names])
    scaler = StandardScaler().fit(table.rows)
    scaled = scaler.transform(table.rows)
    used = table.used
    coef, intercept = fit_monotone(
        scaled[used],
        table.targets[used],
        conversation_weights[table.owners[used]],
        options.conversation_c,
        nonneg,
    )
    labels = np.asarray([c.is_grooming for c in labelled], dtype=float)
    knots = calibration_knots(table, scaled, labels, conversation_weights, nonneg, options)
    return ModelWeights(
        text_weights=text_weights,
        text_intercept=text_intercept,
        feature_names=names,
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) if v > 0 else 1.0 for v in scaler.scale_],
        coef=[float(v) for v in coef],
        intercept=float(intercept),
        metadata={
            "conversations": len(labelled),
            "grooming": sum(c.is_grooming for c in labelled),
            "rows": int(used.sum()),
            "positive_rows": int(table.targets[used].sum()),
            "text_features": len(text_weights),
            "options": asdict(options),
        },
        signals=sorted(known),
        calibration=knots,
    )


def _turn_units(conversation: Conversation) -> list[tuple[str, set[str]]]:
    """(author, text features) of each turn: consecutive lines of one author a few
    seconds apart, joined as the scorer joins them."""
    units: list[tuple[str, set[str]]] = []
    lines: list[Line] = []
    texts: list[str] = []

    def close() -> None:
        if lines:
            units.append((lines[0].author, text_features(" ".join(texts))))

    for line in conversation.messages:
        normalized = normalize(line.text)
        continues = (
            lines
            and line.author == lines[-1].author
            and timedelta_ok(lines[-1], line)
            and len(lines) < TURN_LINES
            and sum(len(t) + 1 for t in texts) + len(normalized) <= TURN_CHARS
        )
        if not continues:
            close()
            lines, texts = [], []
        lines.append(line)
        texts.append(normalized)
    close()
    return units


def timedelta_ok(earlier: Line, later: Line) -> bool:
    return earlier.ts <= later.ts <= earlier.ts + TURN_GAP


def _vocabulary(units: list[list[tuple[str, set[str]]]], options: TrainOptions) -> dict[str, int]:
    df: Counter[str] = Counter()
    for conversation in units:
        seen: set[str] = set()
        for _, features in conversation:
            seen |= features
        df.update(seen)
    kept = [f for f, n in df.most_common(options.max_text_features) if n >= options.min_df]
    return {f: i for i, f in enumerate(sorted(kept))}


def _author_docs(
    labelled: Sequence[Conversation],
    units: list[list[tuple[str, set[str]]]],
    ids: Sequence[int],
) -> tuple[list[dict[str, float]], list[int], list[int]]:
    docs, targets, owners = [], [], []
    for i in ids:
        conversation = labelled[i]
        by_author: dict[str, Counter[str]] = {}
        counts: Counter[str] = Counter()
        for author, features in units[i]:
            by_author.setdefault(author, Counter()).update(features)
            counts[author] += 1
        for author, summed in by_author.items():
            scale = 1 / math.sqrt(counts[author])
            docs.append({f: v * scale for f, v in summed.items()})
            targets.append(int(conversation.is_grooming and author == conversation.suspect))
            owners.append(i)
    return docs, targets, owners


def _fit_text(
    labelled: Sequence[Conversation],
    units: list[list[tuple[str, set[str]]]],
    ids: Sequence[int],
    vocabulary: dict[str, int],
    conversation_weights: np.ndarray,
    options: TrainOptions,
) -> tuple[dict[str, int], float]:
    docs, targets, owners = _author_docs(labelled, units, ids)
    vectorizer = DictVectorizer(sparse=True)
    vectorizer.vocabulary_ = vocabulary
    vectorizer.feature_names_ = sorted(vocabulary, key=vocabulary.__getitem__)
    matrix = sparse.csr_matrix(vectorizer.transform(docs))
    model = LogisticRegression(C=options.text_c, max_iter=2000, class_weight="balanced")
    model.fit(matrix, targets, sample_weight=conversation_weights[owners])
    weights = {
        name: round(w * MICRO)
        for name, w in zip(vectorizer.feature_names_, model.coef_[0], strict=True)
        if abs(w) * MICRO >= 500
    }
    return weights, float(model.intercept_[0])


def _contribution(weights: dict[str, int]) -> Callable[[str], int]:
    def contribution(normalized: str) -> int:
        return sum(weights.get(f, 0) for f in text_features(normalized))

    return contribution


def _replay(conversation: Conversation, contribution: Callable[[str], int]) -> list[Observation]:
    """The conversation's observations, made by the scorer's own ``observe``."""
    state = ConversationState(max_messages=10_000)
    observations = []
    for message in conversation.to_messages():
        observation = observe(message, state, contribution)
        state.add(observation, message.author.age_band)
        observations.append(state.observations[-1])
    return observations


def _known_signals(replays: list[list[Observation]], options: TrainOptions) -> set[str]:
    seen: Counter[str] = Counter()
    for observations in replays:
        for observation in observations:
            seen.update(h.name for h in observation.hits if h.name in TACTIC_SIGNALS)
    return {name for name, n in seen.items() if n >= options.min_signal_messages}


def _counted_signals(table: RowTable, known: set[str], options: TrainOptions) -> set[str]:
    """The known tactics that counted in enough rows: sexualised talk seen only between
    adults (where it does not count) stays unknown, so it adds nothing until trained."""
    names = author_feature_names()
    nonzero = (table.rows[table.used] != 0).sum(axis=0)
    return {
        name for name in known if nonzero[names.index(f"t:{name}")] >= options.min_signal_messages
    }


def _conversation_rows(
    labelled: Sequence[Conversation],
    replays: list[list[Observation]],
    intercepts: list[float],
    known: set[str],
    options: TrainOptions,
    progress: Progress,
) -> RowTable:
    known_set = frozenset(known)
    rows: list[list[float]] = []
    targets: list[int] = []
    owners: list[int] = []
    used: list[bool] = []
    capped: list[bool] = []
    late: list[bool] = []
    for i in progress(range(len(labelled)), "conversation features"):
        conversation = labelled[i]
        state = ConversationState(max_messages=10_000)
        warnings = 0
        needed = min(options.min_suspect_signals, max(1, len(conversation.messages) // 8))
        for step, (line, observation) in enumerate(
            zip(conversation.messages, replays[i], strict=True), start=1
        ):
            state.add(observation, conversation.participants.get(line.author, AgeBand.UNKNOWN))
            suspect_speaks = conversation.is_grooming and line.author == conversation.suspect
            if suspect_speaks and (
                line.tactics or any(h.name in TACTIC_SIGNALS for h in observation.hits)
            ):
                warnings += 1
            for author, totals in state.authors.items():
                text = intercepts[i] + (totals.text_sum / MICRO) / math.sqrt(max(totals.turns, 1))
                is_suspect = conversation.is_grooming and author == conversation.suspect
                rows.append(author_features(state, author, text, 0, known_set))
                targets.append(int(is_suspect))
                owners.append(i)
                used.append(not (is_suspect and warnings < needed))
                capped.append(is_capped(state, author, known_set))
                late.append(step >= options.min_messages)
    return RowTable(
        np.asarray(rows, dtype=float),
        np.asarray(targets, dtype=int),
        np.asarray(owners, dtype=int),
        np.asarray(used, dtype=bool),
        np.asarray(capped, dtype=bool),
        np.asarray(late, dtype=bool),
    )
