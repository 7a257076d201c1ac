"""Replay routing strategies on a dataset's recorded outcomes: one `Row` per strategy.

Reference rows come first and are always there: frontier-only, cheapest-only, each single model,
the oracle (hindsight) and random routing at the spend of the main strategy. Then the strategies:
the shipped learned router and the hand-weighted heuristic on every dataset; on SWE-bench a
per-model success predictor fit on the train split and a cascade simulated with a stated gate error
(reference: SWE-bench has no answer text to gate); on RouterBench cascades that gate the cheap
model's recorded answer. Two-model data (MT-Bench, GSM8K) also gets RouteLLM's APGR and CPT.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tui_router.evaluation import metrics
from tui_router.evaluation.datasets import Dataset, Item, load_dataset
from tui_router.evaluation.metrics import Pick, Row, summarise

#: Strategy names `--strategy` accepts (reference rows are always shown).
STRATEGIES: tuple[str, ...] = ("learned", "heuristic", "predictor", "cascade")
DEFAULT_BUDGET = 0.42
GATE_ERROR = 0.10

#: Progress hooks: start(description, total steps), advance(steps).
Start = Callable[[str, int], None]
Advance = Callable[[int], None]


@dataclass(slots=True)
class Report:
    dataset: str
    split: str
    n: int
    frontier_model: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dataset": self.dataset,
            "split": self.split,
            "n": self.n,
            "frontier_model": self.frontier_model,
            "rows": [r.to_json() for r in self.rows],
        }
        if self.notes:
            data["notes"] = self.notes
        data.update(self.extra)
        return data


def _no_start(_description: str, _total: int) -> None:
    return None


def _no_advance(_steps: int) -> None:
    return None


def run(
    dataset: Dataset,
    strategies: Sequence[str] = STRATEGIES,
    budget: float = DEFAULT_BUDGET,
    start: Start = _no_start,
    advance: Advance = _no_advance,
) -> Report:
    """Replay ``strategies`` (and the reference rows) on ``dataset``."""
    report = Report(
        dataset.format,
        dataset.split,
        len(dataset.items),
        dataset.frontier_model,
        [],
        list(dataset.notes),
    )
    rows = report.rows
    frontier = summarise(
        dataset,
        "frontier-only",
        metrics.single_model(dataset, dataset.frontier_model),
        reference=True,
    )
    singles = [
        summarise(dataset, f"only {m}", metrics.single_model(dataset, m), reference=True)
        for m in dataset.models
    ]
    cheapest = min(singles, key=lambda r: (r.cost_share, -r.quality))
    rows.append(frontier)
    rows.append(replace(cheapest, strategy="cheapest-only", calls=dict(cheapest.calls)))
    if not dataset.two_model:
        rows.extend(singles)
    rows.append(
        summarise(
            dataset,
            "oracle",
            metrics.oracle(dataset),
            reference=True,
            note="hindsight: the cheapest model reaching the best recorded quality",
        )
    )

    scored = _scored_strategies(dataset, strategies, start, advance)
    if dataset.two_model:
        rows.extend(_two_model_rows(dataset, scored, frontier, cheapest))
    else:
        main: list[Row] = []
        for name, scores in scored:
            main.append(_tiered_row(dataset, name, scores))
        if dataset.format == "swebench":
            main.extend(_swebench_rows(dataset, strategies, budget, report, start, advance))
        elif dataset.format == "routerbench" and "cascade" in strategies:
            main.extend(_routerbench_rows(dataset, report, start, advance))
        # Random routing is matched to the spend of the dataset's own strategy when there is one.
        own = [r for r in main if not r.reference and "train" in r.strategy]
        anchor = next(iter(own or [r for r in main if not r.reference]), None)
        spend = anchor.cost_share if anchor is not None else 0.5
        rows.append(metrics.random_at_spend(dataset, cheapest, frontier, spend))
        rows[-1].note += (
            f" (spend of {anchor.strategy!r})"
            if anchor is not None
            else " (half the frontier's spend)"
        )
        rows.extend(main)
    return report


# ---- scores from the product's routers -----------------------------------------------------------


def _scored_strategies(
    dataset: Dataset, strategies: Sequence[str], start: Start, advance: Advance
) -> list[tuple[str, list[float]]]:
    from tui_router.core.routing import heuristic
    from tui_router.core.routing.features import extract_features
    from tui_router.core.routing.learned import LearnedRouter

    wanted = [s for s in ("learned", "heuristic") if s in strategies]
    if not wanted:
        return []
    learned = LearnedRouter.load() if "learned" in wanted else None
    out: dict[str, list[float]] = {s: [] for s in wanted}
    start("scoring prompts", len(dataset.items))
    for item in dataset.items:
        features = extract_features(item.prompt)
        if learned is not None:
            out["learned"].append(learned.score(item.prompt, features.as_dict()))
        if "heuristic" in out:
            out["heuristic"].append(heuristic.score(features))
        advance(1)
    return list(out.items())


def _tiered_row(dataset: Dataset, name: str, scores: list[float]) -> Row:
    """Multi-model data: the score's tier picks the model (fast: cheapest good-value model,
    balanced: the best model costing at most half the frontier, frontier: the frontier model)."""
    from tui_router.core.routing import heuristic
    from tui_router.core.routing.learned import LearnedRouter

    tier_for = LearnedRouter.load().tier_for if name == "learned" else heuristic.tier_for
    train = _train_items(dataset)
    by_tier = _tier_models(dataset, train)
    picks = [Pick.single(by_tier[tier_for(s)]) for s in scores]
    label = "learned (shipped weights)" if name == "learned" else "heuristic (hand weights)"
    note = "tiers -> " + ", ".join(f"{t}: {m}" for t, m in by_tier.items() if t != "local")
    return summarise(dataset, label, picks, note=note)


def _tier_models(dataset: Dataset, train: Sequence[Item]) -> dict[str, str]:
    from tui_router.evaluation.swebench import pareto_models

    front = pareto_models(train, dataset.models, dataset.frontier_model)
    base = sum(metrics.cost_of(i, dataset.frontier_model) for i in train) or 1.0
    share = {m: sum(metrics.cost_of(i, m) for i in train) / base for m in front}
    quality = {m: sum(i.outcomes[m].quality for i in train) for m in front}
    balanced = max(
        (m for m in front if share[m] <= 0.5), key=lambda m: quality[m], default=front[0]
    )
    return {
        "local": front[0],
        "fast": front[0],
        "balanced": balanced,
        "frontier": dataset.frontier_model,
    }


def _train_items(dataset: Dataset) -> list[Item]:
    """The train split that goes with ``dataset`` (itself when there is none)."""
    if dataset.format == "swebench" and dataset.split == "test":
        return load_dataset(dataset.path, "swebench", "train").items
    if dataset.format == "routerbench" and dataset.split != "train":
        from tui_router.evaluation.routerbench import train_counterpart

        train = train_counterpart(dataset)
        if train is not None:
            return train.items
    return dataset.items


# ---- two-model data (RouteLLM) -------------------------------------------------------------------


def _two_model_rows(
    dataset: Dataset, scored: list[tuple[str, list[float]]], frontier: Row, weak_row: Row
) -> list[Row]:
    strong_model = dataset.frontier_model
    weak_model = dataset.weak_model or ""
    strong_q = [i.outcomes[strong_model].quality for i in dataset.items]
    weak_q = [i.outcomes[weak_model].quality for i in dataset.items]
    weak, strong = weak_row.quality, frontier.quality
    rows = [
        Row(
            "random",
            True,
            (weak + strong) / 2,
            None,
            0.5,
            {strong_model: 0.5, weak_model: 0.5},
            apgr=0.5,
            note="expected: the strong model on a random half; APGR 0.5 at any share",
        )
    ]
    for name, scores in scored:
        points = metrics.threshold_curve(scores, strong_q, weak_q)
        label = "learned (shipped weights)" if name == "learned" else "heuristic (hand weights)"
        threshold = _strong_threshold(name)
        picks = [Pick.single(strong_model if s >= threshold else weak_model) for s in scores]
        row = summarise(dataset, label, picks, note=f"operating point: score >= {threshold:.2f}")
        row.apgr = metrics.apgr(points, weak, strong)
        row.extra = {
            "pgr": round(metrics.pgr(row.quality, weak, strong), 4),
            "cpt50": round(metrics.cpt(points, weak, strong, 0.5), 4),
            "cpt80": round(metrics.cpt(points, weak, strong, 0.8), 4),
            "curve": [[round(x, 4), round(y, 4)] for x, y in points],
        }
        rows.append(row)
    return rows


def _strong_threshold(name: str) -> float:
    from tui_router.core.routing import heuristic
    from tui_router.core.routing.learned import LearnedRouter

    if name == "learned":
        return LearnedRouter.load().thresholds["balanced"]
    return heuristic.THRESHOLDS["balanced"]


# ---- SWE-bench -----------------------------------------------------------------------------------


def _swebench_rows(
    dataset: Dataset,
    strategies: Sequence[str],
    budget: float,
    report: Report,
    start: Start,
    advance: Advance,
) -> list[Row]:
    from tui_router.evaluation import swebench
    from tui_router.evaluation.datasets import load_difficulty_extra

    train = _train_items(dataset)
    rows: list[Row] = []
    fitted_on = (
        "train" if dataset.split != "train" else "train (in-sample: this IS the train split)"
    )
    if "predictor" in strategies:
        start(
            "fitting per-model success on train",
            swebench.choose_steps(train, dataset.models, dataset.frontier_model, budget),
        )
        router, why = swebench.choose_success_router(
            train, dataset.models, dataset.frontier_model, budget, advance
        )
        row = summarise(
            dataset,
            "success predictor (fit on train)",
            swebench.picks_from(router, dataset.items),
            note=f"fit on {fitted_on} only; {why}; cost weight {router.cost_weight:.2f} "
            f"chosen by 5-fold CV on train for cost <= {budget:.0%} of frontier "
            f"(CV: quality {router.cv_quality:.3f} at {router.cv_cost_share:.1%})",
        )
        rows.append(row)
        # Is the gain per-issue prediction, or just the choice of candidates? Random routing
        # between the same cheapest and strongest candidates at the same spend tells them apart.
        low, high = router.candidates[0], router.candidates[-1]
        mix = metrics.random_at_spend(
            dataset,
            summarise(dataset, low, metrics.single_model(dataset, low)),
            summarise(dataset, high, metrics.single_model(dataset, high)),
            row.cost_share,
        )
        mix.strategy = "random between its candidates at the same spend"
        mix.note = f"{high} on a random share of issues, {low} on the rest"
        rows.append(mix)
    if "cascade" in strategies:
        chain = swebench.pareto_models(train, dataset.models, dataset.frontier_model)
        chain = [
            chain[0],
            *[m for m in chain[1:-1] if m != dataset.frontier_model][-1:],
            dataset.frontier_model,
        ]
        quality, cost, calls = swebench.simulated_cascade(dataset, chain, GATE_ERROR)
        base = metrics.frontier_cost(dataset) / len(dataset.items)
        rows.append(
            Row(
                f"cascade (simulated, gate error {GATE_ERROR:.0%})",
                True,
                quality,
                cost * len(dataset.items),
                cost / base if base else 0.0,
                calls,
                note=" -> ".join(chain) + "; no answer text is recorded, so the gate is "
                "simulated: it misjudges each attempt with the stated probability",
            )
        )
    extra_path = dataset.path.with_name("swebench_extra_difficulty_train.jsonl")
    extra = load_difficulty_extra(extra_path) if extra_path.exists() else []
    test_items = (
        dataset.items if dataset.split != "all" else [i for i in dataset.items if i.split == "test"]
    )
    if test_items and any(i.difficulty for i in test_items):
        groups = sorted({i.group for i in train if sum(j.group == i.group for j in train) >= 5})
        report.extra["difficulty"] = {
            "task": "easy (<15 min fix) vs the rest, from the issue text and repository",
            **swebench.difficulty_report(train, extra, test_items, groups),
            "fit_on": "train" + (" + extra difficulty train" if extra else ""),
        }
    return rows


# ---- RouterBench ---------------------------------------------------------------------------------


def _routerbench_rows(
    dataset: Dataset, report: Report, start: Start, advance: Advance
) -> list[Row]:
    from tui_router.evaluation import routerbench

    train = _train_items(dataset)
    frontier = dataset.frontier_model
    cheap = routerbench.choose_cheap(train, dataset.models, frontier)
    start("gating recorded answers", len(dataset.items) * 2)
    rows: list[Row] = []
    if any(item.group == "mbpp" for item in dataset.items):
        passes = []
        for item in dataset.items:
            passes.append(routerbench.parse_gate(item.prompt, item.outcomes[cheap].response or ""))
            advance(1)
        rows.append(
            summarise(
                dataset,
                "cascade: parse gate",
                routerbench.cascade_picks(dataset.items, cheap, frontier, passes),
                note=f"{cheap} -> {frontier} when the answer holds no Python that parses "
                "(or is empty/refused/truncated)",
            )
        )
    else:
        report.notes.append("the parse gate is for coding sets (MBPP); not run on this one")
    if train is dataset.items and dataset.split != "train":
        report.notes.append("no train split found next to this file: learned gate not fitted")
        return rows
    gate = routerbench.fit_learned_gate(train, cheap, frontier, budget=0.09)
    passes = []
    for item in dataset.items:
        passes.append(gate.passes(item.prompt, item.outcomes[cheap].response or ""))
        advance(1)
    rows.append(
        summarise(
            dataset,
            "cascade: learned gate (fit on train)",
            routerbench.cascade_picks(dataset.items, cheap, frontier, passes),
            note=f"logistic gate on {cheap}'s answer features, fit on the train split; threshold "
            f"chosen on train for cost <= 9% (train: {gate.train_quality:.3f} at "
            f"{gate.train_cost_share:.1%})",
        )
    )
    return rows


def load_and_run(
    path: Path,
    fmt: str | None,
    split: str | None,
    strategies: Sequence[str],
    budget: float = DEFAULT_BUDGET,
    start: Start = _no_start,
    advance: Advance = _no_advance,
    frontier: str | None = None,
) -> Report:
    dataset = load_dataset(path, fmt, split, frontier)
    return run(dataset, strategies, budget, start, advance)
