"""Uncertainty and baselines for every replayed row: bootstrap CIs and same-mix random routing.

A strategy's replay is one or more *draws* (lists of `Pick`, one per item): a deterministic router
has one draw, a cascade simulated with a noisy gate has one per seed. From the draws:

* ``quality_ci`` — a 95% bootstrap interval (items resampled with replacement) of mean quality;
* ``random_same_mix`` — the same picks dealt to the items at random (a permutation per seed):
  exactly the same share of each model (and of each escalation pattern), the same spend in
  expectation, and no information about the items. A router that does not beat this is not
  routing, it is choosing a mix of models;
* for two-model data, an APGR interval from the same bootstrap.

Pure Python with a seeded `random.Random`: the same input gives the same figures.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from tui_router.evaluation import metrics
from tui_router.evaluation.datasets import Dataset
from tui_router.evaluation.metrics import Pick, Row

BOOTSTRAP = 1000
SEEDS = 200
SEED = 20261202


def per_item(dataset: Dataset, draws: Sequence[Sequence[Pick]]) -> tuple[list[float], list[float]]:
    """Per item, quality of the kept answer and cost of every call, averaged over the draws."""
    n = len(dataset.items)
    quality = [0.0] * n
    cost = [0.0] * n
    for picks in draws:
        for j, (item, pick) in enumerate(zip(dataset.items, picks, strict=True)):
            quality[j] += item.outcomes[pick.answer].quality / len(draws)
            cost[j] += sum(metrics.cost_of(item, m) for m in pick.calls) / len(draws)
    return quality, cost


def bootstrap_ci(
    values: Sequence[float], n_boot: int = BOOTSTRAP, seed: int = SEED
) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of ``values``."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0)
    rng = random.Random(seed)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(n_boot))
    return means[int(0.025 * n_boot)], means[min(n_boot - 1, int(0.975 * n_boot))]


def _share(dataset: Dataset, cost: float, picks: Sequence[Pick]) -> float:
    if dataset.has_costs:
        base = metrics.frontier_cost(dataset)
        return cost / base if base else 0.0
    strong = dataset.frontier_model
    return sum(strong in p.calls for p in picks) / len(picks)


def same_mix_random(
    dataset: Dataset, draws: Sequence[Sequence[Pick]], quality: float, seeds: int = SEEDS
) -> dict[str, Any]:
    """The row's own picks dealt to random items, ``seeds`` times: mean quality and spend, the
    2.5-97.5% range over seeds, and how often random did at least as well as the row."""
    rng = random.Random(SEED + 1)
    qualities: list[float] = []
    shares: list[float] = []
    n = len(dataset.items)
    for s in range(seeds):
        picks = list(draws[s % len(draws)])
        rng.shuffle(picks)
        q = sum(i.outcomes[p.answer].quality for i, p in zip(dataset.items, picks, strict=True))
        c = sum(
            metrics.cost_of(i, m)
            for i, p in zip(dataset.items, picks, strict=True)
            for m in p.calls
        )
        qualities.append(q / n)
        shares.append(_share(dataset, c, picks))
    ordered = sorted(qualities)
    return {
        "quality": round(sum(qualities) / seeds, 4),
        "quality_range": [
            round(ordered[int(0.025 * seeds)], 4),
            round(ordered[min(seeds - 1, int(0.975 * seeds))], 4),
        ],
        "cost_share": round(sum(shares) / seeds, 4),
        "p_random_at_least_as_good": round(sum(q >= quality - 1e-12 for q in qualities) / seeds, 4),
        "seeds": seeds,
    }


def annotate(
    dataset: Dataset,
    row: Row,
    draws: Sequence[Sequence[Pick]],
    shipped: bool | None,
    baseline: bool = True,
) -> Row:
    """Add ``shipped``, the quality and spend CIs and the same-mix random baseline to ``row``."""
    quality, cost = per_item(dataset, draws)
    lo, hi = bootstrap_ci(quality)
    row.extra["quality_ci"] = [round(lo, 4), round(hi, 4)]
    if dataset.has_costs:
        base = metrics.frontier_cost(dataset) / len(dataset.items)
        clo, chi = bootstrap_ci([c / base for c in cost]) if base else (0.0, 0.0)
        row.extra["cost_share_ci"] = [round(clo, 4), round(chi, 4)]
    if shipped is not None:
        row.extra["shipped"] = shipped
    if baseline:
        row.extra["random_same_mix"] = same_mix_random(dataset, draws, row.quality)
    return row


def apgr_ci(
    scores: Sequence[float],
    strong_quality: Sequence[float],
    weak_quality: Sequence[float],
    n_boot: int = BOOTSTRAP,
) -> tuple[float, float]:
    """95% bootstrap interval of APGR (items resampled; weak/strong means recomputed)."""
    n = len(scores)
    rng = random.Random(SEED + 2)
    values = []
    for _ in range(n_boot):
        idx = [rng.randrange(n) for _ in range(n)]
        s = [scores[i] for i in idx]
        sq = [strong_quality[i] for i in idx]
        wq = [weak_quality[i] for i in idx]
        weak, strong = sum(wq) / n, sum(sq) / n
        if strong == weak:
            continue
        values.append(metrics.apgr(metrics.threshold_curve(s, sq, wq), weak, strong))
    if not values:
        return (0.0, 0.0)
    values.sort()
    k = len(values)
    return values[int(0.025 * k)], values[min(k - 1, int(0.975 * k))]
