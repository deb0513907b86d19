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
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.feature_extraction import DictVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from bot.learning.corpora import Conversation, Line
from bot.models import AgeBand
from bot.scoring.base import MICRO, child_present, observe
from bot.scoring.features import (
    MONOTONE,
    author_feature_names,
    author_features,
    counted_tactics,
    text_features,
)
from bot.scoring.model import ModelWeights
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
    min_suspect_signals: int = 2
    """A grooming suspect's rows are positive from the message at which they have shown
    this many messages with warning signs (fewer in a short conversation)."""
    min_signal_messages: int = 3
    """A tactic counts only if training saw it in at least this many messages."""
    min_messages: int = 3
    """Calibration reads the peak score from this message on (the alert rule's minimum)."""
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
    folds = _fold_of(labelled, options.folds, options.seed)
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
    knots = _calibration(table, scaled, labelled, conversation_weights, nonneg, options)
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


def _fold_of(labelled: Sequence[Conversation], folds: int, seed: int) -> list[int]:
    order = list(range(len(labelled)))
    random.Random(seed).shuffle(order)
    fold_of = [0] * len(labelled)
    for position, index in enumerate(order):
        fold_of[index] = position % folds
    return fold_of


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


@dataclass(frozen=True, slots=True)
class RowTable:
    rows: np.ndarray
    targets: np.ndarray
    owners: np.ndarray
    used: np.ndarray
    """Rows the model is fitted on (a suspect's rows before their warning signs are not)."""
    capped: np.ndarray
    """Rows the one-sign cap applies to (all signs in one message, no child present)."""
    late: np.ndarray
    """Rows from the alert rule's minimum message on (where calibration reads peaks)."""


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
                signs = {
                    s
                    for n in counted_tactics(state, author, known_set)
                    for s in totals.tactic_seqs[n]
                }
                capped.append(len(signs) <= 1 and not child_present(state, author))
                late.append(step >= options.min_messages)
    return RowTable(
        np.asarray(rows, dtype=float),
        np.asarray(targets, dtype=int),
        np.asarray(owners, dtype=int),
        np.asarray(used, dtype=bool),
        np.asarray(capped, dtype=bool),
        np.asarray(late, dtype=bool),
    )


def fit_monotone(
    x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, c: float, nonneg: np.ndarray
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (scikit-learn's objective) whose coefficients
    are >= 0 where ``nonneg`` says so, by L-BFGS-B with bounds."""
    d = x.shape[1]
    sign = 2.0 * y - 1.0

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, bias = theta[:d], theta[d]
        margin = -sign * (x @ coef + bias)
        loss = np.logaddexp(0.0, margin)
        slope = -sign * expit(margin) * sample_weight
        value = 0.5 * coef @ coef + c * float(sample_weight @ loss)
        grad = np.concatenate([coef + c * (x.T @ slope), [c * slope.sum()]])
        return value, grad

    bounds = [(0.0, None) if keep else (None, None) for keep in nonneg] + [(None, None)]
    result = minimize(
        objective,
        np.zeros(d + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 3000},
    )
    return result.x[:d], float(result.x[d])


def _calibration(
    table: RowTable,
    scaled: np.ndarray,
    labelled: Sequence[Conversation],
    conversation_weights: np.ndarray,
    nonneg: np.ndarray,
    options: TrainOptions,
) -> list[tuple[float, float]]:
    """Isotonic knots from held-out conversations' peak scores to their labels."""
    halves = np.asarray(_fold_of(labelled, 2, options.seed + 1))
    row_half = halves[table.owners]
    probability = np.zeros(len(table.targets))
    for half in (0, 1):
        fit = table.used & (row_half != half)
        coef, intercept = fit_monotone(
            scaled[fit],
            table.targets[fit],
            conversation_weights[table.owners[fit]],
            options.conversation_c,
            nonneg,
        )
        rows = row_half == half
        probability[rows] = expit(scaled[rows] @ coef + intercept)
    from bot.scoring.model import ONE_SIGN_CAP

    probability = np.where(table.capped, np.minimum(probability, ONE_SIGN_CAP), probability)
    peaks = np.zeros(len(labelled))
    np.maximum.at(peaks, table.owners[table.late], probability[table.late])
    labels = np.asarray([c.is_grooming for c in labelled], dtype=float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(peaks, labels, sample_weight=conversation_weights)
    knots = list(zip(iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist(), strict=True))
    return [(round(x, 6), round(y, 6)) for x, y in knots]
