"""A small, strongly regularised logistic regression in pure Python (Newton's method).

Used by the replay to fit dataset-specific predictors on a TRAIN split (a few hundred rows, a few
dozen features): per-model success on SWE-bench, a response gate on RouterBench, difficulty. Each
fit is a handful of Newton steps on a ridge-penalised log-likelihood, so no numpy is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Logistic:
    """P(y=1 | x) = sigmoid(bias + coef . x), with x standardised by ``mean``/``scale``."""

    bias: float
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def prob(self, x: Sequence[float]) -> float:
        z = self.bias
        for c, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=True):
            z += c * (v - m) / s
        return _sigmoid(z)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit_logistic(
    rows: Sequence[Sequence[float]],
    labels: Sequence[float],
    l2: float = 1.0,
    weights: Sequence[float] | None = None,
    iterations: int = 8,
) -> Logistic:
    """Fit by Newton-Raphson. ``l2`` is the ridge penalty on standardised coefficients (the bias
    is not penalised); larger means closer to the base rate. Labels may be soft (0..1)."""
    n = len(rows)
    d = len(rows[0]) if rows else 0
    w = list(weights) if weights is not None else [1.0] * n
    mean = [sum(r[j] for r in rows) / n for j in range(d)]
    scale = []
    for j in range(d):
        var = sum((r[j] - mean[j]) ** 2 for r in rows) / n
        scale.append(math.sqrt(var) if var > 1e-12 else 1.0)
    xs = [[1.0] + [(r[j] - mean[j]) / scale[j] for j in range(d)] for r in rows]
    beta = [0.0] * (d + 1)
    rate = sum(wi * yi for wi, yi in zip(w, labels, strict=True)) / max(sum(w), 1e-12)
    rate = min(max(rate, 1e-4), 1 - 1e-4)
    beta[0] = math.log(rate / (1 - rate))
    for _ in range(iterations):
        grad = [0.0] * (d + 1)
        hess = [[0.0] * (d + 1) for _ in range(d + 1)]
        for x, y, wi in zip(xs, labels, w, strict=True):
            p = _sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
            g = wi * (p - y)
            h = wi * p * (1 - p)
            for a in range(d + 1):
                xa = x[a]
                if xa == 0.0:
                    continue
                grad[a] += g * xa
                ha = h * xa
                row = hess[a]
                for b in range(a, d + 1):
                    row[b] += ha * x[b]
        for a in range(d + 1):
            for b in range(a):
                hess[a][b] = hess[b][a]
        for a in range(1, d + 1):
            grad[a] += l2 * beta[a]
            hess[a][a] += l2
        hess[0][0] += 1e-6
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return Logistic(beta[0], tuple(beta[1:]), tuple(mean), tuple(scale))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve a symmetric positive-definite system by Gaussian elimination with partial pivoting."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        lead = a[col][col]
        if abs(lead) < 1e-12:
            continue
        for r in range(col + 1, n):
            factor = a[r][col] / lead
            if factor:
                row, top = a[r], a[col]
                for c in range(col, n + 1):
                    row[c] -= factor * top[c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        lead = a[r][r]
        if abs(lead) < 1e-12:
            continue
        out[r] = (a[r][n] - sum(a[r][c] * out[c] for c in range(r + 1, n))) / lead
    return out
