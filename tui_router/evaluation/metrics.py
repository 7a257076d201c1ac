"""Quality and cost of a routing strategy replayed on recorded outcomes, and RouteLLM's metrics.

A strategy's replay is a list of `Pick`s, one per item: the models it called (a cascade calls more
than one; every call is paid) and the model whose answer it kept. `summarise` turns picks into a
`Row`. For two-model data, `threshold_curve`, `apgr` and `cpt` compute RouteLLM's PGR, APGR and
CPT(x%) from a router's scores, the way its evaluation code does (10 quantile thresholds).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tui_router.evaluation.datasets import Dataset, Item


@dataclass(frozen=True, slots=True)
class Pick:
    """What a strategy did on one item: the models called, in order, and the answer kept."""

    calls: tuple[str, ...]
    answer: str

    @classmethod
    def single(cls, model: str) -> Pick:
        return cls((model,), model)


@dataclass(slots=True)
class Row:
    """One strategy's result. ``cost_share`` is of frontier-only (two-model data without costs:
    the share of calls to the strong model). ``calls`` is calls per item by model (a cascade's
    shares add up to more than 1)."""

    strategy: str
    reference: bool
    quality: float
    cost_usd: float | None
    cost_share: float
    calls: dict[str, float]
    apgr: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "strategy": self.strategy,
            "reference": self.reference,
            "quality": round(self.quality, 4),
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "cost_share": round(self.cost_share, 4),
            "calls": {m: round(s, 4) for m, s in sorted(self.calls.items(), key=lambda kv: -kv[1])},
            "apgr": None if self.apgr is None else round(self.apgr, 4),
        }
        if self.note:
            data["note"] = self.note
        data.update(self.extra)
        return data


def cost_of(item: Item, model: str) -> float:
    return item.outcomes[model].cost or 0.0


def frontier_cost(dataset: Dataset) -> float:
    return sum(cost_of(i, dataset.frontier_model) for i in dataset.items)


def summarise(
    dataset: Dataset,
    strategy: str,
    picks: Sequence[Pick],
    reference: bool = False,
    note: str = "",
) -> Row:
    """Mean quality of the kept answers, total cost of every call, and calls per item by model."""
    n = len(dataset.items)
    if len(picks) != n:
        raise ValueError(f"{strategy}: {len(picks)} picks for {n} items")
    quality = sum(
        item.outcomes[p.answer].quality for item, p in zip(dataset.items, picks, strict=True)
    )
    calls: dict[str, float] = {}
    for pick in picks:
        for model in pick.calls:
            calls[model] = calls.get(model, 0.0) + 1.0 / n
    if dataset.has_costs:
        cost = sum(
            cost_of(i, m) for i, p in zip(dataset.items, picks, strict=True) for m in p.calls
        )
        base = frontier_cost(dataset)
        share = cost / base if base else 0.0
        cost_usd: float | None = cost
    else:
        share = calls.get(dataset.frontier_model, 0.0)
        cost_usd = None
    return Row(strategy, reference, quality / n, cost_usd, share, calls, note=note)


def single_model(dataset: Dataset, model: str) -> list[Pick]:
    return [Pick.single(model)] * len(dataset.items)


def oracle(dataset: Dataset, models: Sequence[str] | None = None) -> list[Pick]:
    """Per item, the cheapest model reaching the best recorded quality (hindsight; a bound).

    Ties go to the cheaper model: by recorded cost, and on two-model data without costs to the
    weak model (a tie means the weak model's answer was as good, so the strong call was not
    needed)."""
    models = list(models or dataset.models)
    weak = dataset.weak_model

    def price(item: Item, model: str) -> tuple[float, float, str]:
        if dataset.has_costs:
            return (cost_of(item, model), 0.0, model)
        return (0.0, 0.0 if model == weak else 1.0, model)

    picks = []
    for item in dataset.items:
        best = max(item.outcomes[m].quality for m in models)
        winners = [m for m in models if item.outcomes[m].quality >= best]
        picks.append(Pick.single(min(winners, key=partial(price, item))))
    return picks


def random_at_spend(dataset: Dataset, cheap: Row, frontier: Row, target_share: float) -> Row:
    """Expected result of calling the frontier model on a random share p of items and the cheapest
    on the rest, with p set so the spend matches ``target_share`` (exact expectation, no RNG)."""
    span = frontier.cost_share - cheap.cost_share
    p = 0.0 if span <= 0 else min(1.0, max(0.0, (target_share - cheap.cost_share) / span))
    quality = cheap.quality + p * (frontier.quality - cheap.quality)
    cost = None
    if cheap.cost_usd is not None and frontier.cost_usd is not None:
        cost = cheap.cost_usd + p * (frontier.cost_usd - cheap.cost_usd)
    calls: dict[str, float] = {}
    for model, share in ((next(iter(cheap.calls)), 1 - p), (next(iter(frontier.calls)), p)):
        calls[model] = calls.get(model, 0.0) + share
    share = cheap.cost_share + p * span
    return Row(
        "random at the same spend",
        True,
        quality,
        cost,
        share,
        calls,
        note=f"frontier on a random {p:.0%} of items, cheapest on the rest",
    )


# ---- RouteLLM's metrics (two-model data) ---------------------------------------------------------


def pgr(quality: float, weak: float, strong: float) -> float:
    """Performance gap recovered: (router - weak) / (strong - weak)."""
    return (quality - weak) / (strong - weak) if strong != weak else 0.0


def _quantiles(values: Sequence[float], n_bins: int) -> list[float]:
    """Bin edges at 0, 1/n, ..., 1 (linear interpolation, as numpy/pandas compute them)."""
    ordered = sorted(values)
    last = len(ordered) - 1
    edges = []
    for k in range(n_bins + 1):
        pos = last * k / n_bins
        lo = int(pos)
        hi = min(lo + 1, last)
        edges.append(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
    return edges


def threshold_curve(
    scores: Sequence[float],
    strong_quality: Sequence[float],
    weak_quality: Sequence[float],
    n_bins: int = 10,
) -> list[tuple[float, float]]:
    """(share of strong calls, mean quality) at RouteLLM's thresholds: the ``n_bins``-quantile edges
    of the scores; an item goes to the strong model when its score >= the edge (> for the last)."""
    n = len(scores)
    edges = _quantiles(scores, n_bins)
    points = []
    for k, edge in enumerate(edges):
        last = k == len(edges) - 1
        strong = [(s > edge) if last else (s >= edge) for s in scores]
        quality = sum(
            sq if st else wq
            for st, sq, wq in zip(strong, strong_quality, weak_quality, strict=True)
        )
        points.append((sum(strong) / n, quality / n))
    points.sort()
    return points


def _trapezoid(points: Sequence[tuple[float, float]]) -> float:
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in itertools.pairwise(points))


def apgr(points: Sequence[tuple[float, float]], weak: float, strong: float) -> float:
    """Average PGR: area under the quality curve over the strong-call share, between the areas of
    the weak and the strong model over the same range (RouteLLM's definition)."""
    span = points[-1][0] - points[0][0]
    if span <= 0 or strong == weak:
        return 0.0
    area = _trapezoid(points)
    return (area - weak * span) / (strong * span - weak * span)


def cpt(points: Sequence[tuple[float, float]], weak: float, strong: float, target: float) -> float:
    """Call-performance threshold: the least share of strong calls whose quality reaches a PGR of
    ``target`` (0.5 for CPT(50%)), linearly interpolated between the curve's points."""
    goal = weak + target * (strong - weak)
    if points[0][1] >= goal:
        return points[0][0]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y1 >= goal > y0:
            return x0 + (x1 - x0) * (goal - y0) / (y1 - y0)
    return 1.0
