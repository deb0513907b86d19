"""Precision per level and the reliability table are computed from peak scores."""

from bot.config import Thresholds
from bot.learning.evaluation import evaluate
from bot.learning.offline import ScoredConversation
from bot.models import Level


def scored(i: int, label: str, peak: float) -> ScoredConversation:
    alert_at = 3 if peak >= 0.5 else None
    return ScoredConversation(f"c{i}", label, peak, peak, Level.NONE, alert_at, None, (), 10, ())


def test_precision_per_level_counts_conversations_by_the_level_their_peak_reached() -> None:
    results = [
        scored(0, "benign", 0.55), scored(1, "grooming", 0.6),  # watch: 1 of 2
        scored(2, "grooming", 0.85), scored(3, "grooming", 0.9), scored(4, "benign", 0.82),
        scored(5, "grooming", 0.97), scored(6, "benign", 0.1),
    ]  # fmt: skip
    metrics = evaluate(results, thresholds=Thresholds(watch=0.5, high=0.8, critical=0.93))
    assert metrics.levels == {
        "watch": {"conversations": 2, "grooming": 1, "precision": 0.5},
        "high": {"conversations": 3, "grooming": 2, "precision": 2 / 3},
        "critical": {"conversations": 1, "grooming": 1, "precision": 1.0},
    }
    rows = {round(row["from"], 1): row for row in metrics.reliability}
    assert rows[0.8]["conversations"] == 2 and rows[0.8]["grooming_rate"] == 0.5  # .82, .85
    assert rows[0.9]["conversations"] == 2 and rows[0.9]["grooming_rate"] == 1.0  # .9, .97
    assert rows[0.3]["conversations"] == 0 and rows[0.3]["grooming_rate"] is None
    assert sum(row["conversations"] for row in metrics.reliability) == len(results)
