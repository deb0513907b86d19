"""Training the learned scorer from labelled conversations.

1. Text model: for each author of each conversation, the binary n-gram features of
   each of their messages, summed and divided by sqrt(messages); logistic regression
   against "this author is the suspect of a grooming conversation".
2. Conversation model: the conversations are replayed message by message; at each
   step every author gets a feature row (``features.author_features``) whose text
   score comes from a text model that did NOT see that conversation (out-of-fold),
   so stage 2 learns how much to trust text on unseen chat. Rows of a grooming
   suspect count as positive once the suspect has shown warning signs; earlier rows
   are left out rather than called benign (rapport-building looks like friendship).
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
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from bot.learning.corpora import Conversation
from bot.scoring.base import base_observation
from bot.scoring.features import author_feature_names, author_features, text_features
from bot.scoring.model import MICRO, ModelWeights
from bot.scoring.normalize import normalize
from bot.scoring.signals import DISCLOSURES
from bot.scoring.state import ConversationState

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
    normalized = [
        [normalize(line.text) for line in c.messages] for c in progress(labelled, "normalising")
    ]
    message_features = [[text_features(t) for t in texts] for texts in normalized]
    vocabulary = _vocabulary(message_features, options)
    folds = _fold_of(labelled, options)
    oof: list[list[int]] = [[] for _ in labelled]
    for fold in progress(range(options.folds), "text model folds"):
        train_ids = [i for i in range(len(labelled)) if folds[i] != fold]
        fold_weights, _ = _fit_text(
            labelled, message_features, train_ids, vocabulary, conversation_weights, options
        )
        for i in range(len(labelled)):
            if folds[i] == fold:
                oof[i] = [_contribution(f, fold_weights) for f in message_features[i]]
    text_weights, text_intercept = _fit_text(
        labelled, message_features, range(len(labelled)), vocabulary, conversation_weights, options
    )
    rows, targets, owners = _conversation_rows(
        labelled, normalized, oof, text_intercept, options, progress
    )
    scaler = StandardScaler().fit(rows)
    model = LogisticRegression(C=options.conversation_c, max_iter=2000)
    model.fit(scaler.transform(rows), targets, sample_weight=conversation_weights[owners])
    return ModelWeights(
        text_weights=text_weights,
        text_intercept=text_intercept,
        feature_names=author_feature_names(),
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) if v > 0 else 1.0 for v in scaler.scale_],
        coef=[float(v) for v in model.coef_[0]],
        intercept=float(model.intercept_[0]),
        metadata={
            "conversations": len(labelled),
            "grooming": sum(c.is_grooming for c in labelled),
            "rows": len(targets),
            "positive_rows": int(sum(targets)),
            "text_features": len(text_weights),
            "options": asdict(options),
        },
    )


def _fold_of(labelled: Sequence[Conversation], options: TrainOptions) -> list[int]:
    order = list(range(len(labelled)))
    random.Random(options.seed).shuffle(order)
    folds = [0] * len(labelled)
    for position, index in enumerate(order):
        folds[index] = position % options.folds
    return folds


def _vocabulary(message_features: list[list[set[str]]], options: TrainOptions) -> dict[str, int]:
    df: Counter[str] = Counter()
    for conversation in message_features:
        seen: set[str] = set()
        for features in conversation:
            seen |= features
        df.update(seen)
    kept = [f for f, n in df.most_common(options.max_text_features) if n >= options.min_df]
    return {f: i for i, f in enumerate(sorted(kept))}


def _author_docs(
    labelled: Sequence[Conversation],
    message_features: list[list[set[str]]],
    ids: Sequence[int],
) -> tuple[list[dict[str, float]], list[int], list[int]]:
    docs, targets, owners = [], [], []
    for i in ids:
        conversation = labelled[i]
        by_author: dict[str, Counter[str]] = {}
        counts: Counter[str] = Counter()
        for line, features in zip(conversation.messages, message_features[i], strict=True):
            by_author.setdefault(line.author, Counter()).update(features)
            counts[line.author] += 1
        for author, summed in by_author.items():
            scale = 1 / math.sqrt(counts[author])
            docs.append({f: v * scale for f, v in summed.items()})
            targets.append(int(conversation.is_grooming and author == conversation.suspect))
            owners.append(i)
    return docs, targets, owners


def _fit_text(
    labelled: Sequence[Conversation],
    message_features: list[list[set[str]]],
    ids: Sequence[int],
    vocabulary: dict[str, int],
    conversation_weights: np.ndarray,
    options: TrainOptions,
) -> tuple[dict[str, int], float]:
    docs, targets, owners = _author_docs(labelled, message_features, ids)
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


def _contribution(features: set[str], weights: dict[str, int]) -> int:
    return sum(weights.get(f, 0) for f in features)


def _conversation_rows(
    labelled: Sequence[Conversation],
    normalized: list[list[str]],
    oof: list[list[int]],
    text_intercept: float,
    options: TrainOptions,
    progress: Progress,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows: list[list[float]] = []
    targets: list[int] = []
    owners: list[int] = []
    for i in progress(range(len(labelled)), "conversation features"):
        conversation = labelled[i]
        state = ConversationState(max_messages=10_000)
        warnings = 0
        needed = min(options.min_suspect_signals, max(1, len(conversation.messages) // 8))
        for seq, message in enumerate(conversation.to_messages()):
            observation = base_observation(message, seq, oof[i][seq])
            state.add(observation, message.author.age_band)
            if conversation.is_grooming and message.author.user_id == conversation.suspect:
                annotated = bool(conversation.messages[seq].tactics)
                if annotated or any(h.name not in DISCLOSURES for h in observation.hits):
                    warnings += 1
            for author, totals in state.authors.items():
                text = text_intercept + (totals.text_sum / MICRO) / math.sqrt(totals.messages)
                is_suspect = conversation.is_grooming and author == conversation.suspect
                if is_suspect and warnings < needed:
                    continue  # too early to call it either way
                rows.append(author_features(state, author, text, 0))
                targets.append(int(is_suspect))
                owners.append(i)
    return np.asarray(rows, dtype=float), np.asarray(targets, dtype=int), np.asarray(owners)
