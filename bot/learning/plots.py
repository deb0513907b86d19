"""``watchkeeper evaluate --plot``: the precision-recall curve and where alerts fire."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.errors import require_extra
from bot.learning.offline import ScoredConversation

PLOT_MODULES = ("matplotlib",)


def precision_recall_points(results: Sequence[ScoredConversation]) -> list[tuple[float, float]]:
    """(recall, precision) at every distinct peak score used as the threshold."""
    labelled = sorted((r for r in results if r.label is not None), key=lambda r: -r.peak)
    positives = sum(r.label == "grooming" for r in labelled)
    points, tp, fp = [], 0, 0
    for i, result in enumerate(labelled):
        tp += result.label == "grooming"
        fp += result.label != "grooming"
        if i + 1 == len(labelled) or labelled[i + 1].peak != result.peak:
            points.append((tp / positives if positives else 0.0, tp / (tp + fp)))
    return points


def plot_evaluation(results: Sequence[ScoredConversation], path: Path) -> None:
    require_extra("--plot", PLOT_MODULES)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    points = precision_recall_points(results)
    left.plot([r for r, _ in points], [p for _, p in points], color="#b03a2e")
    left.set(xlabel="recall", ylabel="precision", title="Precision-recall (peak score)",
             xlim=(0, 1.02), ylim=(0, 1.02))  # fmt: skip
    left.grid(alpha=0.3)
    positions = [
        r.alert_at / r.length for r in results if r.label == "grooming" and r.alert_at and r.length
    ]
    right.hist(positions, bins=20, range=(0, 1), color="#2e86c1")
    right.axvline(0.5, color="grey", linestyle="--", linewidth=1)
    right.set(xlabel="first alert, as a fraction of the conversation", ylabel="conversations",
              title="Where alerts fire on grooming conversations")  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
