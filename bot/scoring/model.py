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

import gzip
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bot.models import Message
from bot.scoring.base import Risk, base_observation, evidence
from bot.scoring.features import author_feature_names, author_features, text_features
from bot.scoring.normalize import normalize
from bot.scoring.state import ConversationState, Observation

FORMAT = "watchkeeper-model/1"
SHIPPED = "data/model.json.gz"
MICRO = 1_000_000
"""Text contributions are kept as integers (millionths) so running sums are exact."""


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
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True).encode()
        # mtime=0: the same model always produces the same bytes.
        path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


def load_weights(path: Path | None = None) -> ModelWeights:
    """The model at ``path`` (a file written by ``watchkeeper train``), or the shipped one."""
    if path is None:
        raw = resources.files("bot").joinpath(SHIPPED).read_bytes()
    else:
        target = path / "model.json.gz" if path.is_dir() else path
        raw = target.read_bytes()
    return ModelWeights.from_json(json.loads(gzip.decompress(raw)))


class ModelScorer:
    name = "model"

    def __init__(self, weights: ModelWeights) -> None:
        self.weights = weights
        self._text = weights.text_weights
        # Fold standardisation into the coefficients: one dot product per author.
        self._coef = [c / s for c, s in zip(weights.coef, weights.scales, strict=True)]
        self._intercept = weights.intercept - sum(
            c * m / s for c, m, s in zip(weights.coef, weights.means, weights.scales, strict=True)
        )

    @classmethod
    def load(cls, path: Path | None = None) -> ModelScorer:
        return cls(load_weights(path))

    def text_contribution(self, normalized: str) -> int:
        weights = self._text
        return sum(weights.get(feature, 0) for feature in text_features(normalized))

    def observe(self, message: Message, seq: int) -> Observation:
        normalized = normalize(message.text)
        return base_observation(message, seq, self.text_contribution(normalized))

    def text_score(self, text_sum: int, messages: int) -> float:
        """The text model's logit for an author: intercept + w . (sum of x) / sqrt(n)."""
        return self.weights.text_intercept + (text_sum / MICRO) / math.sqrt(max(messages, 1))

    def author_probability(self, state: ConversationState, author: str, reach: int) -> float:
        totals = state.authors[author]
        text = self.text_score(totals.text_sum, totals.messages)
        values = author_features(state, author, text, reach)
        z = self._intercept + sum(c * v for c, v in zip(self._coef, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def risk(self, state: ConversationState, reach: Mapping[str, int] | None = None) -> Risk:
        best_author, best = None, 0.0
        for author in state.authors:
            p = self.author_probability(state, author, (reach or {}).get(author, 0))
            if p > best:
                best_author, best = author, p
        if best_author is None:
            return Risk(0.0, None, ())
        return Risk(round(best, 4), best_author, evidence(state, best_author))
