"""The learned scorer: a linear text model and a calibrated conversation model.

Stage 1 (text): logistic regression over the word and character n-grams of one
author's messages. Being linear, each message adds one number to its author's
running total, so the cost of a message does not depend on the window.
Stage 2 (conversation): logistic regression over the author's text score, the
signals they showed, and conversation features (``features.py``): it gives the
probability that this author is grooming the other person. The risk of a
conversation is its riskiest author's, and the risk attaches to that author.

The model is stored as plain JSON (weights and names), never as pickled code, so a
model file from elsewhere cannot execute anything when loaded.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import json
import math
import operator
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bot.config import ConfigError
from bot.models import Message, Signal
from bot.scoring.base import MICRO, Risk, child_present, evidence, observe, riskiest
from bot.scoring.features import (
    TACTIC_NAMES,
    author_feature_names,
    author_logit,
    text_words,
)
from bot.scoring.signals import SEXUAL_CONTENT
from bot.scoring.state import ConversationState, Observation

FORMAT = "watchkeeper-model/2"
SHIPPED = "data/model.json.gz"
ONE_SIGN_CAP = 0.45
"""An author whose warning signs all come from one message, with no child known or
likely on the other side, scores at most this: one sign is a reason to look, not an
alert (the default alert threshold is 0.5). So does an author with nothing to show a
moderator (no counted tactic, no strongly worded line)."""

_first = operator.itemgetter(0)
_TACTICS = frozenset(TACTIC_NAMES)
"""The signals that count as tactics (those the model also knows)."""

__all__ = ["MICRO", "ModelScorer", "ModelWeights", "load_weights", "shipped_model_available"]


def shipped_model_available() -> bool:
    return resources.files("bot").joinpath(SHIPPED).is_file()


@dataclass(frozen=True, slots=True)
class ModelWeights:
    text_weights: dict[str, int]
    """Feature -> weight in millionths."""
    text_intercept: float
    feature_names: list[str]
    means: list[float]
    scales: list[float]
    coef: list[float]
    intercept: float
    metadata: dict[str, Any]
    signals: list[str]
    """The tactics seen in training: only these count."""
    calibration: list[tuple[float, float]]
    """Isotonic map from the raw probability to a calibrated one, as (raw, calibrated)
    knots fitted on conversations the model was not trained on; empty: identity."""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "text": {"intercept": self.text_intercept, "weights": self.text_weights},
            "conversation": {
                "features": self.feature_names,
                "means": self.means,
                "scales": self.scales,
                "coef": self.coef,
                "intercept": self.intercept,
                "signals": self.signals,
                "calibration": [list(knot) for knot in self.calibration],
            },
            "metadata": self.metadata,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelWeights:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format={data.get('format')!r})")
        conv = data["conversation"]
        if conv["features"] != author_feature_names():
            raise ValueError("the model was trained with other features than this version uses")
        return cls(
            text_weights={k: int(v) for k, v in data["text"]["weights"].items()},
            text_intercept=float(data["text"]["intercept"]),
            feature_names=list(conv["features"]),
            means=[float(v) for v in conv["means"]],
            scales=[float(v) for v in conv["scales"]],
            coef=[float(v) for v in conv["coef"]],
            intercept=float(conv["intercept"]),
            metadata=dict(data.get("metadata", {})),
            signals=[str(name) for name in conv["signals"]],
            calibration=[(float(a), float(b)) for a, b in conv.get("calibration", [])],
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True).encode()
        # mtime=0: the same model always produces the same bytes.
        path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


def load_weights(path: Path | None = None) -> ModelWeights:
    """The model at ``path`` (a file written by ``watchkeeper train``), or the shipped one.

    A configured file that is missing, unreadable, truncated or not a model is a
    ``ConfigError`` naming the file (exit 2): the admin pointed at the wrong thing."""
    if path is None:
        raw = resources.files("bot").joinpath(SHIPPED).read_bytes()
        return ModelWeights.from_json(json.loads(gzip.decompress(raw)))
    target = path / "model.json.gz" if path.is_dir() else path
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise ConfigError(
            [f"detection.model_path {target}: cannot read ({exc.strerror})"]
        ) from None
    try:
        return ModelWeights.from_json(json.loads(gzip.decompress(raw)))
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = str(exc) or type(exc).__name__
        raise ConfigError(
            [f"detection.model_path {target}: not a usable watchkeeper model ({why})"]
        ) from None


class ModelScorer:
    name = "model"

    def __init__(self, weights: ModelWeights) -> None:
        self.weights = weights
        unigrams: dict[str, int] = {}
        bigrams: dict[tuple[str, str], int] = {}
        for feature, weight in weights.text_weights.items():
            kind, _, words = feature.partition(":")
            if kind == "w":
                unigrams[words] = weight
            elif kind == "b":
                first, _, second = words.partition("_")
                bigrams[first, second] = weight
        self._unigram = unigrams.get
        self._bigram = bigrams.get
        """The weight of a word, and of a pair of words as ``itertools.pairwise`` gives it
        (None for one without a weight): read by ``map``, without a Python call each."""
        # Fold standardisation into the coefficients: one dot product per author.
        self._coef = [c / s for c, s in zip(weights.coef, weights.scales, strict=True)]
        self._intercept = weights.intercept - sum(
            c * m / s for c, m, s in zip(weights.coef, weights.means, weights.scales, strict=True)
        )
        self._known = frozenset(weights.signals)
        self._counts = self._known.__contains__
        """``counts`` without a Python call (evidence asks it of every signal shown)."""
        self._knots = weights.calibration

    @classmethod
    def load(cls, path: Path | None = None) -> ModelScorer:
        return cls(load_weights(path))

    def text_contribution(self, normalized: str) -> int:
        """The sum of the weights of ``text_features(normalized)``, read from the weights
        by word and word pair without building the feature strings."""
        words = text_words(normalized)
        distinct = set(words)
        # Pairs of distinct words are distinct; with a repeated word, a pair may repeat.
        pairs: Iterable[tuple[str, str]] = itertools.pairwise(words)
        if len(distinct) != len(words):
            pairs = set(pairs)
        # Integers: the sum is exact in any order.
        return sum(filter(None, map(self._unigram, distinct))) + sum(
            filter(None, map(self._bigram, pairs))
        )

    def observe(self, message: Message, state: ConversationState) -> Observation:
        return observe(message, state, self.text_contribution)

    def counts(self, name: str) -> bool:
        """Whether a tactic counts: the model saw it in training."""
        return name in self._known

    def text_score(self, text_sum: float, turns: int) -> float:
        """The text model's logit for an author: intercept + w . (sum of x) / sqrt(turns)."""
        return self.weights.text_intercept + (text_sum / MICRO) / math.sqrt(turns or 1)

    def raw_probability(self, state: ConversationState, author: str, reach: int) -> float:
        """The conversation model's probability, before the caps and calibration."""
        totals = state.authors[author]
        text = self.text_score(totals.text_sum, totals.turns)
        z = self._intercept + author_logit(state, author, text, reach, self._known, self._coef)
        z = z if z < 30.0 else 30.0  # max(-30.0, min(30.0, z)), without the calls
        return 1.0 / (1.0 + math.exp(-(z if z > -30.0 else -30.0)))

    def author_probability(self, state: ConversationState, author: str, reach: int) -> float:
        return self._ranked(state, author, reach)[0]

    def _ranked(self, state: ConversationState, author: str, reach: int) -> tuple[float, float]:
        """The author's probability, and the raw one that ranks authors held at the same
        value (by the cap or a flat stretch of the calibration)."""
        raw = self.raw_probability(state, author, reach)
        p = calibrate(raw, self._knots)
        if p > ONE_SIGN_CAP and capped(state, author, self._known):
            p = ONE_SIGN_CAP
        return p, raw

    def risk(
        self, state: ConversationState, reach: Mapping[str, int] | None = None, reasons: bool = True
    ) -> Risk:
        ranked = self._ranked
        if reach:
            rows = ((ranked(state, a, reach.get(a, 0)), a) for a in state.authors)
        else:
            rows = ((ranked(state, a, 0), a) for a in state.authors)
        best, best_author = riskiest(rows)
        if best_author is None:
            return Risk(0.0, None, ())
        found = self.reasons(state, best_author) if reasons else ()
        return Risk(round(best, 4), best_author, found)

    def reasons(self, state: ConversationState, author: str) -> tuple[Signal, ...]:
        return evidence(state, author, self._counts)


def capped(state: ConversationState, author: str, known: frozenset[str]) -> bool:
    """Whether ``author`` is held below the alert threshold: no reason to show (no
    counted tactic, no strongly worded line), or all their signs in one message with no
    child known or likely on the other side.

    Asked of every author past the cap on every message (a conversation that alerts:
    most of its messages), so it stops as soon as the answer is known: with a child
    present, only an author with nothing to show is held; without, one whose counted
    tactics are all in one message (``test_model.py`` holds it to that definition)."""
    totals = state.authors[author]
    shown = totals.tactic_seqs
    if child_present(state, author):
        if totals.wording or not shown:
            return not totals.wording
        return not any(name in known and name in _TACTICS for name in shown)
    sign = None
    for name, seqs in shown.items():
        if name not in known or name not in _TACTICS or name == SEXUAL_CONTENT:
            continue  # sexualised talk counts only with a child present
        for seq in seqs:
            if sign is None:
                sign = seq
            elif seq != sign:
                return False
    return True


def calibrate(p: float, knots: list[tuple[float, float]]) -> float:
    """Piecewise-linear interpolation through the isotonic knots (identity if none)."""
    if not knots:
        return p
    if p <= knots[0][0]:
        return knots[0][1]
    # the first knot at or past p (knots are sorted by their first value)
    after = bisect.bisect_left(knots, p, 1, key=_first)
    if after == len(knots):
        return knots[-1][1]
    (x0, y0), (x1, y1) = knots[after - 1], knots[after]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)
