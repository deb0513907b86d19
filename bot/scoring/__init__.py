"""Detection as it runs per message: normalisation, signals, state, features, the scorers.

Pure: nothing here imports the store, the engine or `bot.learning` (offline work)."""

from __future__ import annotations

from bot.config import Settings
from bot.scoring.base import Risk, Scorer

__all__ = ["Risk", "Scorer", "load_scorer"]


def load_scorer(settings: Settings) -> Scorer:
    """The scorer the configuration names (the shipped model by default)."""
    if settings.detection.scorer == "model":
        from bot.scoring import model

        path = settings.detection.model_path
        if path is not None or model.shipped_model_available():
            return model.ModelScorer.load(path)
    from bot.scoring.rules import RuleScorer

    return RuleScorer()
