"""SWE-bench strategies: a per-model success predictor fit on the train split, a simulated cascade,
and how well the features predict the human difficulty labels.

The predictor reads only what a router sees before any call: the issue text (its shape: traceback,
reproduction, proposed fix, size, the routing features) and the repository. For each candidate
model it fits a ridge-regularised logistic regression of "resolved" on the TRAIN split, then routes
each issue to the model with the best ``P(resolve) - lambda * cost share``; lambda is chosen by
5-fold cross-validation on train under the budget. The test split is never seen while fitting.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui_router.core.routing.features import extract_features
from tui_router.evaluation.datasets import Item
from tui_router.evaluation.logistic import Logistic, fit_logistic
from tui_router.evaluation.metrics import Pick, cost_of

Progress = Callable[[int], None]
EASY = "<15 min fix"
L2 = 8.0
L2_GRID = (8.0, 30.0)
FOLDS = 5
LAMBDAS = tuple(round(0.01 * k, 2) for k in range(0, 61))

_REPRO = re.compile(r"reproduc|>>>|steps to|minimal example|mwe\b|\bto replicate", re.I)
_FIX = re.compile(
    r"```diff|proposed (?:fix|solution|change)|i (?:think|suggest|propose)|should be changed"
    r"|\bpatch\b|fix would be|could be fixed|instead of|replace .{1,40} with",
    re.I,
)
_EXPECTED = re.compile(
    r"expected (?:behaviou?r|result|output)|actual (?:behaviou?r|result|output)", re.I
)
_FEATURE_REQ = re.compile(
    r"feature request|add support|would be nice|enhancement|new option|allow", re.I
)
_DOCS = re.compile(r"documentation|\bdocs\b|docstring|typo", re.I)
_WARN = re.compile(r"deprecat|warning", re.I)


def issue_features(item: Item, groups: Sequence[str]) -> list[float]:
    """What a router can read from an issue before any call, as numbers."""
    text = item.prompt
    f = extract_features(text).prompt_dict()
    values = [1.0 if item.group == g else 0.0 for g in groups]
    values += [
        math.log1p(len(text)),
        min(text.count("```") // 2, 5),
        f.get("has_traceback", 0.0),
        min(f.get("paths_mentioned", 0.0), 5),
        1.0 if _REPRO.search(text) else 0.0,
        1.0 if _FIX.search(text) else 0.0,
        1.0 if _EXPECTED.search(text) else 0.0,
        1.0 if _FEATURE_REQ.search(text) else 0.0,
        1.0 if _DOCS.search(text) else 0.0,
        1.0 if _WARN.search(text) else 0.0,
        f.get("needs_reasoning", 0.0),
        f.get("mistake_cost", 0.0),
        f.get("cheap_task", 0.0),
        min(f.get("error_lines", 0.0), 5),
        math.log1p(f.get("code_lines", 0.0)),
    ]
    return values


def pareto_models(train: Sequence[Item], models: Sequence[str], frontier: str) -> list[str]:
    """Models not beaten on train by a cheaper one (quality vs cost), plus the frontier model;
    cheapest first."""
    stats = {
        m: (sum(i.outcomes[m].quality for i in train), sum(cost_of(i, m) for i in train))
        for m in models
    }
    front = [
        m
        for m in models
        if not any(stats[o][0] >= stats[m][0] and stats[o][1] < stats[m][1] for o in models)
    ]
    if frontier not in front:
        front.append(frontier)
    return sorted(front, key=lambda m: stats[m][1])


def _fold(item: Item) -> int:
    return int(hashlib.sha1(item.id.encode()).hexdigest(), 16) % FOLDS


def can_cross_validate(train: Sequence[Item]) -> bool:
    """Cross-validation needs train items in two folds or more (else a fold fits on nothing)."""
    return len({_fold(i) for i in train}) >= 2


@dataclass(slots=True)
class SuccessRouter:
    """Per-candidate success models and the chosen cost weight."""

    candidates: list[str]
    groups: list[str]
    models: dict[str, Logistic]
    cost_share: dict[str, float]
    cost_weight: float
    cv_quality: float
    cv_cost_share: float

    def route(self, item: Item) -> str:
        x = issue_features(item, self.groups)
        return max(
            self.candidates,
            key=lambda m: self.models[m].prob(x) - self.cost_weight * self.cost_share[m],
        )


def candidate_sets(
    train: Sequence[Item], models: Sequence[str], frontier: str, budget: float
) -> dict[str, list[str]]:
    """The candidate sets cross-validation chooses from: every train-Pareto model; the cheapest
    and the best; and those two plus the Pareto model whose cost is nearest the budget."""
    front = pareto_models(train, models, frontier)
    base = sum(cost_of(i, frontier) for i in train) or 1.0
    share = {m: sum(cost_of(i, m) for i in train) / base for m in front}
    quality = {m: sum(i.outcomes[m].quality for i in train) for m in front}
    cheapest = front[0]
    best = min(front, key=lambda m: (-quality[m], share[m]))
    middle = min(
        (m for m in front if m not in (cheapest, best)),
        key=lambda m: abs(share[m] - budget),
        default=None,
    )
    sets = {"pareto": front, "pair": [cheapest, best]}
    if middle is not None:
        sets["three"] = sorted({cheapest, middle, best}, key=lambda m: share[m])
    return sets


def fit_success_router(
    train: Sequence[Item],
    candidates: Sequence[str],
    frontier: str,
    budget: float,
    l2: float = L2,
    rows: Sequence[Sequence[float]] | None = None,
    groups: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> SuccessRouter:
    """Fit on ``train`` only; choose the cost weight by cross-validation under ``budget``."""
    candidates = list(candidates)
    if groups is None:
        groups = sorted(g for g, c in Counter(i.group for i in train).items() if c >= 5)
    if rows is None:
        rows = [issue_features(i, groups) for i in train]
    base = sum(cost_of(i, frontier) for i in train) or 1.0
    share = {m: sum(cost_of(i, m) for i in train) / base for m in candidates}

    # Out-of-fold predictions of every candidate's success on every train issue.
    folds = [_fold(i) for i in train]
    oof: dict[str, list[float]] = {m: [0.0] * len(train) for m in candidates}
    for k in range(FOLDS):
        inside = [j for j, f in enumerate(folds) if f != k]
        outside = [j for j, f in enumerate(folds) if f == k]
        for m in candidates:
            fitted = fit_logistic(
                [rows[j] for j in inside], [train[j].outcomes[m].quality for j in inside], l2
            )
            for j in outside:
                oof[m][j] = fitted.prob(rows[j])
            if progress:
                progress(1)
    best: tuple[float, float] | None = None  # (quality, -cost)
    chosen = (LAMBDAS[-1], 0.0, 1.0)
    for lam in LAMBDAS:
        quality = cost = 0.0
        for j, item in enumerate(train):
            m = max(candidates, key=lambda c, j=j: oof[c][j] - lam * share[c])  # type: ignore[misc]
            quality += item.outcomes[m].quality
            cost += cost_of(item, m)
        q, c = quality / len(train), cost / base
        if c <= budget and (best is None or (q, -c) > best):
            best = (q, -c)
            chosen = (lam, q, c)
    final = {}
    for m in candidates:
        final[m] = fit_logistic(rows, [i.outcomes[m].quality for i in train], l2)
        if progress:
            progress(1)
    return SuccessRouter(list(candidates), list(groups), final, share, *chosen)


def choose_success_router(
    train: Sequence[Item],
    models: Sequence[str],
    frontier: str,
    budget: float,
    progress: Progress | None = None,
) -> tuple[SuccessRouter, str]:
    """Cross-validate candidate sets and ridge strengths on train; return the best and why."""
    groups = sorted(g for g, c in Counter(i.group for i in train).items() if c >= 5)
    rows = [issue_features(i, groups) for i in train]
    best: tuple[float, SuccessRouter, str] | None = None
    for name, candidates in candidate_sets(train, models, frontier, budget).items():
        for l2 in L2_GRID:
            router = fit_success_router(
                train, candidates, frontier, budget, l2, rows, groups, progress
            )
            if best is None or router.cv_quality > best[0]:
                best = (router.cv_quality, router, f"{name}, ridge {l2:g}")
    assert best is not None
    return best[1], best[2]


def choose_steps(train: Sequence[Item], models: Sequence[str], frontier: str, budget: float) -> int:
    """How many progress steps `choose_success_router` reports."""
    sets = candidate_sets(train, models, frontier, budget)
    return sum(len(c) for c in sets.values()) * (FOLDS + 1) * len(L2_GRID)


def difficulty_report(
    train: Sequence[Item], extra: Sequence[Item], test: Sequence[Item], groups: Sequence[str]
) -> dict[str, float]:
    """Balanced accuracy on ``test`` of predicting "easy" (<15 min fix) from the issue features,
    fit on train (+ the extra difficulty-only train issues); threshold: the train share of easy."""
    fit_items = [*train, *extra]
    rows = [issue_features(i, groups) for i in fit_items]
    labels = [1.0 if i.difficulty == EASY else 0.0 for i in fit_items]
    model = fit_logistic(rows, labels, L2)
    train_scores = sorted(model.prob(r) for r in rows)
    easy_share = sum(labels) / len(labels)
    cut = train_scores[min(len(train_scores) - 1, int(len(train_scores) * (1 - easy_share)))]
    predicted = [model.prob(issue_features(i, groups)) >= cut for i in test]
    actual = [i.difficulty == EASY for i in test]
    return {"balanced_accuracy": round(balanced_accuracy(predicted, actual), 4), "n": len(test)}


def balanced_accuracy(predicted: Sequence[bool], actual: Sequence[bool]) -> float:
    pos = sum(actual)
    neg = len(actual) - pos
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    tn = sum((not p) and (not a) for p, a in zip(predicted, actual, strict=True))
    return ((tp / pos if pos else 0.0) + (tn / neg if neg else 0.0)) / 2


def picks_from(router: SuccessRouter, items: Sequence[Item]) -> list[Pick]:
    return [Pick.single(router.route(i)) for i in items]


# ---- the verified cascade: try a chain; a gate (the agent's check) accepts or escalates ---------

#: The gate's stated error rates: it accepts a failed patch with probability ``false_accept`` and
#: rejects a resolving one with probability ``false_reject``. SWE-bench records no patches, so
#: the gate can only be simulated from the resolved flags.
FALSE_ACCEPTS: tuple[float, ...] = (0.10, 0.20)
FALSE_REJECT = 0.05
#: The chain is chosen on train for the best quality at most this share of frontier-only cost
#: (the target's own cap, fixed before any run), with the lower (costlier) false-accept rate.
CHAIN_BUDGET = 0.50
MAX_CHAIN = 3


def cascade_expectation(
    items: Sequence[Item], chain: Sequence[str], false_accept: float, false_reject: float
) -> tuple[float, float]:
    """Expected (quality, cost) per item of the verified cascade over ``chain``."""
    quality = cost = 0.0
    for item in items:
        reach = 1.0
        for position, model in enumerate(chain):
            cost += reach * cost_of(item, model)
            resolved = item.outcomes[model].quality > 0
            if position == len(chain) - 1:
                quality += reach * (1.0 if resolved else 0.0)
                break
            accept = (1 - false_reject) if resolved else false_accept
            if resolved:
                quality += reach * accept
            reach *= 1 - accept
    return quality / len(items), cost / len(items)


def choose_chain(
    train: Sequence[Item], models: Sequence[str], frontier: str
) -> tuple[list[str], float, float] | None:
    """The chain (cheapest first, ending on ``frontier``) with the best expected TRAIN quality
    under `CHAIN_BUDGET` at the lower false-accept rate; returns it with its train figures, or
    None when no chain costs at most `CHAIN_BUDGET` on train (no chain is then chosen: one over
    the budget would be a setting the budget rules out)."""
    base = sum(cost_of(i, frontier) for i in train) / len(train) or 1.0
    share = {m: sum(cost_of(i, m) for i in train) / len(train) / base for m in models}
    steps = sorted(
        (m for m in models if m != frontier and share[m] <= CHAIN_BUDGET), key=lambda m: share[m]
    )
    chains: list[list[str]] = [[frontier]]
    for a_index, a in enumerate(steps):
        chains.append([a, frontier])
        if MAX_CHAIN >= 3:
            chains.extend([a, b, frontier] for b in steps[a_index + 1 :])
    best: tuple[float, float, list[str]] | None = None
    for chain in chains:
        q, c = cascade_expectation(train, chain, FALSE_ACCEPTS[0], FALSE_REJECT)
        if c / base <= CHAIN_BUDGET and (best is None or (q, -c) > (best[0], -best[1] * base)):
            best = (q, c / base, chain)
    if best is None:
        return None
    return best[2], best[0], best[1]


def verified_cascade_draws(
    items: Sequence[Item],
    chain: Sequence[str],
    false_accept: float,
    false_reject: float,
    seeds: int,
    seed: int = 7,
) -> list[list[Pick]]:
    """One list of picks per seed: each attempt is paid; the gate errs at the stated rates."""
    return gate_walk_draws(items, [chain] * len(items), false_accept, false_reject, seeds, seed)


def gate_walk_draws(
    items: Sequence[Item],
    chains: Sequence[Sequence[str]],
    false_accept: float,
    false_reject: float,
    seeds: int,
    seed: int = 11,
) -> list[list[Pick]]:
    """Like `verified_cascade_draws`, with each item's own chain (a router's start and ladder)."""
    import random

    rng = random.Random(seed)
    draws = []
    for _ in range(seeds):
        picks = []
        for item, chain in zip(items, chains, strict=True):
            tried: list[str] = []
            for position, model in enumerate(chain):
                tried.append(model)
                if position == len(chain) - 1:
                    break
                resolved = item.outcomes[model].quality > 0
                if rng.random() < ((1 - false_reject) if resolved else false_accept):
                    break
            picks.append(Pick(tuple(tried), tried[-1]))
        draws.append(picks)
    return draws
