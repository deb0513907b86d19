"""Fitting the conversation model: logistic regression whose evidence weights cannot go
negative, and the isotonic calibration of its scores on conversations it did not see."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression

from bot.scoring.model import ONE_SIGN_CAP

if TYPE_CHECKING:
    from bot.learning.train import TrainOptions


@dataclass(frozen=True, slots=True)
class RowTable:
    rows: np.ndarray
    targets: np.ndarray
    owners: np.ndarray
    used: np.ndarray
    """Rows the model is fitted on (a suspect's rows before their warning signs are not)."""
    capped: np.ndarray
    """Rows the scorer caps below the alert threshold (``model.capped``)."""
    late: np.ndarray
    """Rows from the alert rule's minimum message on (where calibration reads peaks)."""


def fold_of(count: int, folds: int, seed: int) -> list[int]:
    """A fold number for each of ``count`` items, shuffled with ``seed``."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    assigned = [0] * count
    for position, index in enumerate(order):
        assigned[index] = position % folds
    return assigned


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


def calibration_knots(
    table: RowTable,
    scaled: np.ndarray,
    labels: np.ndarray,
    conversation_weights: np.ndarray,
    nonneg: np.ndarray,
    options: TrainOptions,
) -> list[tuple[float, float]]:
    """Isotonic knots from held-out conversations' peak scores to their labels."""
    halves = np.asarray(fold_of(len(labels), 2, options.seed + 1))
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
    probability = np.where(table.capped, np.minimum(probability, ONE_SIGN_CAP), probability)
    peaks = np.zeros(len(labels))
    np.maximum.at(peaks, table.owners[table.late], probability[table.late])
    weights = conversation_weights.copy()
    prior = options.calibration_prior
    if prior is not None:
        positive, negative = weights[labels == 1].sum(), weights[labels == 0].sum()
        share = np.where(labels == 1, prior / positive, (1 - prior) / negative)
        weights = weights * share
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(peaks, labels, sample_weight=weights)
    knots = list(zip(iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist(), strict=True))
    return [(round(x, 6), round(y, 6)) for x, y in knots]
