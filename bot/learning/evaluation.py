"""Evaluation: conversation-level detection quality and how early alerts fire.

Latency-weighted F1 follows early sexual predator detection research (Losada &
Crestani's ERDE idea as adapted by Vogt et al., 2021): F1 times speed, where
speed = 1 - median penalty over true positives and
penalty(k) = -1 + 2 / (1 + exp(-p * (k - 1))), k the message at which the alert
fires. By default p is chosen so that an alert at the median conversation length
costs a penalty of 0.5.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bot.config import Thresholds
from bot.learning.offline import ScoredConversation
from bot.models import Level

RELIABILITY_BINS = 10


@dataclass(frozen=True, slots=True)
class Metrics:
    conversations: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float
    f05: float
    roc_auc: float | None
    speed: float
    latency_f1: float
    penalty_p: float
    median_alert_position: float | None
    """Median of alert_at / length over true positives (0.5 = the middle)."""
    false_alarm_rate: float
    """Share of non-grooming conversations that alerted."""
    levels: dict[str, dict[str, float | int | None]]
    """For each level, the conversations whose peak score reached it (and no higher),
    and the share of them that were grooming (precision at that level)."""
    reliability: list[dict[str, float | int | None]]
    """Peak scores in ten bins: conversations, mean peak, share that were grooming."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def f_beta(precision: float, recall: float, beta: float) -> float:
    if precision == 0 and recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with ties counted as half)."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positive_rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label)
    return (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def penalty(k: int, p: float) -> float:
    return -1 + 2 / (1 + math.exp(-p * (k - 1)))


def default_penalty_p(lengths: Sequence[int]) -> float:
    median = statistics.median(lengths) if lengths else 2
    return math.log(3) / max(median - 1, 1)


def level_precision(
    labelled: Sequence[ScoredConversation], thresholds: Thresholds
) -> dict[str, dict[str, float | int | None]]:
    table: dict[str, dict[str, float | int | None]] = {}
    for level in (Level.WATCH, Level.HIGH, Level.CRITICAL):
        reached = [r for r in labelled if thresholds.level_for(r.peak) is level]
        grooming = sum(r.label == "grooming" for r in reached)
        table[level.value] = {
            "conversations": len(reached),
            "grooming": grooming,
            "precision": grooming / len(reached) if reached else None,
        }
    return table


def reliability(
    labelled: Sequence[ScoredConversation], bins: int = RELIABILITY_BINS
) -> list[dict[str, float | int | None]]:
    rows: list[dict[str, float | int | None]] = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [r for r in labelled if low <= r.peak < high or (b == bins - 1 and r.peak >= high)]
        rows.append(
            {
                "from": low,
                "to": high,
                "conversations": len(inside),
                "mean_peak": statistics.fmean(r.peak for r in inside) if inside else None,
                "grooming_rate": (
                    sum(r.label == "grooming" for r in inside) / len(inside) if inside else None
                ),
            }
        )
    return rows


def evaluate(
    results: Sequence[ScoredConversation],
    penalty_p: float | None = None,
    thresholds: Thresholds | None = None,
) -> Metrics:
    labelled = [r for r in results if r.label is not None]
    truth = [r.label == "grooming" for r in labelled]
    tp = sum(1 for r, t in zip(labelled, truth, strict=True) if t and r.alert)
    fp = sum(1 for r, t in zip(labelled, truth, strict=True) if not t and r.alert)
    fn = sum(1 for r, t in zip(labelled, truth, strict=True) if t and not r.alert)
    negatives = len(labelled) - sum(truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    p = penalty_p if penalty_p is not None else default_penalty_p([r.length for r in labelled])
    hits = [r for r, t in zip(labelled, truth, strict=True) if t and r.alert_at is not None]
    speed = 1 - statistics.median(penalty(r.alert_at or 1, p) for r in hits) if hits else 0.0
    f1 = f_beta(precision, recall, 1.0)
    return Metrics(
        conversations=len(labelled),
        positives=sum(truth),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        f05=f_beta(precision, recall, 0.5),
        roc_auc=roc_auc(truth, [r.peak for r in labelled]),
        speed=speed,
        latency_f1=f1 * speed,
        penalty_p=p,
        median_alert_position=(
            statistics.median((r.alert_at or 0) / max(r.length, 1) for r in hits) if hits else None
        ),
        false_alarm_rate=fp / negatives if negatives else 0.0,
        levels=level_precision(labelled, thresholds or Thresholds()),
        reliability=reliability(labelled),
    )
