"""Replay routing strategies on a dataset's recorded outcomes: one `Row` per strategy.

Reference rows come first: frontier-only, cheapest-only, each single model, the oracle (hindsight;
ties go to the cheaper model) and random routing at the spend of the main strategy. Then the
strategies the product ships (``"shipped": true``: rules, heuristic, learned, cascade), each
replayed through the real `Router.decide` with the dataset's models placed on tiers chosen on the
train split. Then eval-only rows (``"shipped": false``): on SWE-bench a per-model success
predictor and the verified cascade simulated with a stated gate error; on RouterBench cascades
that gate the cheap model's recorded answer. Every strategy row has a 95% bootstrap CI on quality
(and spend) and a same-mix random baseline (its own picks dealt to random items, many seeds).
Two-model data (MT-Bench, GSM8K) also gets RouteLLM's APGR (with a CI) and CPT.

Which items are fit on and which are reported is decided once, by `partition`: fit on train,
report on test; or fit and report on the same items, labelled in-sample, when nothing is held out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tui_router.evaluation import honest, metrics
from tui_router.evaluation.datasets import Dataset, Item
from tui_router.evaluation.loading import load_dataset
from tui_router.evaluation.metrics import Pick, Row, summarise
from tui_router.evaluation.partition import Partition, partition
from tui_router.evaluation.shipped import SHIPPED

#: Strategy names `--strategy` accepts (reference rows are always shown): those the product
#: ships (the registry's, but manual), then the eval-only ones (``predictor``: SWE-bench success
#: predictor; ``verified``: SWE-bench verified cascade; ``gated``: RouterBench cascades on
#: recorded answers).
SHIPPED_STRATEGIES: tuple[str, ...] = SHIPPED
STRATEGIES: tuple[str, ...] = (*SHIPPED_STRATEGIES, "predictor", "verified", "gated")
#: The predictor's cost cap on train: the target's own cap (50% of frontier-only), fixed before
#: any run. (It was 0.42 until 2026-12-02, a value picked after looking at a test run.)
DEFAULT_BUDGET = 0.50
#: The simulated gate of the shipped cascade on SWE-bench (no answers recorded to gate).
SHIPPED_CASCADE_FALSE_ACCEPT = 0.10

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
    #: items the strategies were fit on; in-sample: the reported items are those same items
    n_fit: int = 0
    in_sample: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dataset": self.dataset,
            "split": self.split,
            "n": self.n,
            "n_fit": self.n_fit,
            "in_sample": self.in_sample,
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
    """Replay ``strategies`` (and the reference rows) on ``dataset``: fit on its train items,
    every row on the items not fitted on (see `partition`)."""
    part = partition(dataset)
    dataset = part.report
    train = part.fit
    report = Report(
        dataset.format,
        dataset.split,
        len(dataset.items),
        dataset.frontier_model,
        [],
        [*dataset.notes, *part.notes],
        n_fit=len(train),
        in_sample=part.in_sample,
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
    oracle_picks = metrics.oracle(dataset)
    rows.append(
        summarise(
            dataset,
            "oracle",
            oracle_picks,
            reference=True,
            note="hindsight: the cheapest model reaching the best recorded quality "
            "(ties go to the cheaper model)",
        )
    )
    honest.annotate(dataset, rows[-1], [oracle_picks], None, baseline=False)

    tiers = _tier_models(dataset, train)
    main: list[Row] = []
    start("routing through Router.decide", len(dataset.items) * 4)
    for name in SHIPPED_STRATEGIES:
        if name in strategies:
            row = _shipped_row(dataset, name, tiers, report)
            if row is not None:
                main.append(row)
        advance(len(dataset.items))
    if dataset.two_model:
        scored = _scored_strategies(dataset, strategies, start, advance)
        _add_two_model_curves(dataset, scored, main)
    elif dataset.format == "swebench":
        main.extend(_swebench_rows(part, strategies, budget, report, start, advance))
    elif dataset.format == "routerbench" and "gated" in strategies:
        main.extend(_routerbench_rows(part, report, start, advance))
    if dataset.two_model:
        weak, strong = cheapest.quality, frontier.quality
        rows.append(
            Row(
                "random",
                True,
                (weak + strong) / 2,
                None,
                0.5,
                {dataset.frontier_model: 0.5, dataset.weak_model or "": 0.5},
                apgr=0.5,
                note="expected: the strong model on a random half; APGR 0.5 at any share",
            )
        )
    else:
        # Random between the two ends the strategies use, at the spend of the default strategy.
        low = cheapest
        if dataset.format == "routerbench":
            from tui_router.evaluation.routerbench import choose_cheap

            cheap = choose_cheap(train, dataset.models, dataset.frontier_model)
            low = summarise(dataset, cheap, metrics.single_model(dataset, cheap))
        anchor = next((r for r in main if r.extra.get("shipped") and "learned" in r.strategy), None)
        spend = anchor.cost_share if anchor is not None else 0.5
        rows.append(metrics.random_at_spend(dataset, low, frontier, spend))
        rows[-1].note += (
            f" (spend of {anchor.strategy!r})"
            if anchor is not None
            else " (half the frontier's spend)"
        )
    rows.extend(main)
    report.extra["tiers"] = {t: m for t, m in tiers.items() if t != "local"}
    return report


def _shipped_row(dataset: Dataset, name: str, tiers: dict[str, str], report: Report) -> Row | None:
    """A shipped strategy through `Router.decide`; a cascade walks its ladder with a gate."""
    from tui_router.evaluation import shipped

    chains = shipped.decide_all(dataset, tiers, name)
    label = f"{name} (shipped, Router.decide)"
    note = "tiers -> " + ", ".join(f"{t}: {m}" for t, m in tiers.items() if t != "local")
    if name != "cascade":
        picks = [Pick.single(chain[0]) for chain in chains]
        row = summarise(dataset, label, picks, note=note)
        return honest.annotate(dataset, row, [picks], shipped=True)
    if dataset.format == "swebench":
        from tui_router.evaluation import swebench

        draws = swebench.gate_walk_draws(
            dataset.items,
            chains,
            SHIPPED_CASCADE_FALSE_ACCEPT,
            swebench.FALSE_REJECT,
            honest.SEEDS,
        )
        note += (
            f"; each start tier and ladder from Router.decide, the gate simulated (accepts a "
            f"failed patch {SHIPPED_CASCADE_FALSE_ACCEPT:.0%}, rejects a good one "
            f"{swebench.FALSE_REJECT:.0%}), {honest.SEEDS} seeds"
        )
    elif dataset.format == "routerbench":
        from tui_router.evaluation import routerbench

        picks = []
        for item, chain in zip(dataset.items, chains, strict=True):
            tried: list[str] = []
            for model in chain:
                tried.append(model)
                if routerbench.parse_gate(item.prompt, item.outcomes[model].response or ""):
                    break
            picks.append(Pick(tuple(tried), tried[-1]))
        draws = [picks]
        note += (
            "; the product's gates (empty/refusal/truncated + Python parses) on recorded answers"
        )
    else:
        report.notes.append(
            f"the shipped cascade needs answers to gate or a stated gate error; not run on "
            f"{dataset.format}"
        )
        return None
    row = _summarise_draws(dataset, label, draws, note)
    return honest.annotate(dataset, row, draws, shipped=True)


def _summarise_draws(
    dataset: Dataset, name: str, draws: Sequence[Sequence[Pick]], note: str
) -> Row:
    """The mean of ``summarise`` over the draws (quality, cost, share and calls)."""
    rows = [summarise(dataset, name, picks) for picks in draws]
    k = len(rows)
    calls: dict[str, float] = {}
    for row in rows:
        for model, share in row.calls.items():
            calls[model] = calls.get(model, 0.0) + share / k
    cost = None if rows[0].cost_usd is None else sum(r.cost_usd or 0.0 for r in rows) / k
    return Row(
        name,
        False,
        sum(r.quality for r in rows) / k,
        cost,
        sum(r.cost_share for r in rows) / k,
        calls,
        note=note,
    )


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


def _tier_models(dataset: Dataset, train: Sequence[Item]) -> dict[str, str]:
    from tui_router.evaluation.swebench import pareto_models

    if dataset.two_model:
        weak = dataset.weak_model or dataset.frontier_model
        strong = dataset.frontier_model
        return {"local": weak, "fast": weak, "balanced": strong, "frontier": strong}
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


# ---- two-model data (RouteLLM) -------------------------------------------------------------------


def _add_two_model_curves(
    dataset: Dataset, scored: list[tuple[str, list[float]]], main: list[Row]
) -> None:
    """RouteLLM's metrics from each scored strategy's scores, on its shipped row: APGR (with a
    bootstrap CI), PGR at the shipped operating point, CPT(50%/80%) and the curve."""
    strong_model = dataset.frontier_model
    weak_model = dataset.weak_model or ""
    strong_q = [i.outcomes[strong_model].quality for i in dataset.items]
    weak_q = [i.outcomes[weak_model].quality for i in dataset.items]
    weak = sum(weak_q) / len(weak_q)
    strong = sum(strong_q) / len(strong_q)
    for name, scores in scored:
        row = next((r for r in main if r.strategy.startswith(f"{name} (shipped")), None)
        if row is None:
            continue
        points = metrics.threshold_curve(scores, strong_q, weak_q)
        row.apgr = metrics.apgr(points, weak, strong)
        lo, hi = honest.apgr_ci(scores, strong_q, weak_q)
        row.extra.update(
            {
                "apgr_ci": [round(lo, 4), round(hi, 4)],
                "pgr": round(metrics.pgr(row.quality, weak, strong), 4),
                "cpt50": round(metrics.cpt(points, weak, strong, 0.5), 4),
                "cpt80": round(metrics.cpt(points, weak, strong, 0.8), 4),
                "curve": [[round(x, 4), round(y, 4)] for x, y in points],
            }
        )


# ---- SWE-bench -----------------------------------------------------------------------------------


def _swebench_rows(
    part: Partition,
    strategies: Sequence[str],
    budget: float,
    report: Report,
    start: Start,
    advance: Advance,
) -> list[Row]:
    from tui_router.evaluation import swebench
    from tui_router.evaluation.datasets import load_difficulty_extra

    dataset, train = part.report, part.fit
    rows: list[Row] = []
    fitted_on = part.fit_label
    if "predictor" in strategies and not swebench.can_cross_validate(train):
        report.notes.append(
            f"success predictor left out: its {swebench.FOLDS}-fold cross-validation needs train "
            f"items in two folds or more; {fitted_on} has {len(train)}"
        )
    elif "predictor" in strategies:
        start(
            "fitting per-model success on train",
            swebench.choose_steps(train, dataset.models, dataset.frontier_model, budget),
        )
        router, why = swebench.choose_success_router(
            train, dataset.models, dataset.frontier_model, budget, advance
        )
        picks = swebench.picks_from(router, dataset.items)
        row = summarise(
            dataset,
            "success predictor (eval-only, fit on train)",
            picks,
            note=f"NOT shipped: the product has no per-model success model; fit on {fitted_on} "
            f"only; {why}; cost weight {router.cost_weight:.2f} chosen by 5-fold CV on train "
            f"for cost <= {budget:.0%} of frontier (CV: quality {router.cv_quality:.3f} at "
            f"{router.cv_cost_share:.1%})",
        )
        rows.append(honest.annotate(dataset, row, [picks], shipped=False))
    chosen = (
        swebench.choose_chain(train, dataset.models, dataset.frontier_model)
        if "verified" in strategies
        else None
    )
    if "verified" in strategies and chosen is None:
        report.notes.append(
            f"verified cascade left out: no chain ending on {dataset.frontier_model} costs at "
            f"most {swebench.CHAIN_BUDGET:.0%} of frontier-only at gate_false_accept "
            f"{swebench.FALSE_ACCEPTS[0]:.2f} on {fitted_on}, {len(train)} items, so none is "
            "chosen"
        )
    if chosen is not None:
        chain, train_q, train_c = chosen
        for false_accept in swebench.FALSE_ACCEPTS:
            draws = swebench.verified_cascade_draws(
                dataset.items, chain, false_accept, swebench.FALSE_REJECT, honest.SEEDS
            )
            row = _summarise_draws(
                dataset,
                f"verified cascade (gate_false_accept {false_accept:.2f})",
                draws,
                " -> ".join(chain) + f"; chain chosen on {fitted_on} (best quality at <= "
                f"{swebench.CHAIN_BUDGET:.0%} of frontier cost with gate_false_accept "
                f"{swebench.FALSE_ACCEPTS[0]:.2f}; train {train_q:.3f} at {train_c:.1%}); the gate "
                f"(the agent's check) is simulated from the resolved flags: it accepts a failed "
                f"patch with probability {false_accept:.2f} and rejects a resolving one with "
                f"{swebench.FALSE_REJECT:.2f}; every attempt is paid; {honest.SEEDS} seeds",
            )
            row.extra.update(
                {
                    "gate_false_accept": false_accept,
                    "gate_false_reject": swebench.FALSE_REJECT,
                    "chain": chain,
                }
            )
            rows.append(honest.annotate(dataset, row, draws, shipped=False))
    extra_path = dataset.path.with_name("swebench_extra_difficulty_train.jsonl")
    extra = load_difficulty_extra(extra_path) if extra_path.exists() else []
    if any(i.difficulty for i in dataset.items):
        groups = sorted({i.group for i in train if sum(j.group == i.group for j in train) >= 5})
        report.extra["difficulty"] = {
            "task": "easy (<15 min fix) vs the rest, from the issue text and repository",
            **swebench.difficulty_report(train, extra, dataset.items, groups),
            "on": dataset.split,
            "fit_on": fitted_on + (" + extra difficulty train" if extra else ""),
        }
    return rows


# ---- RouterBench ---------------------------------------------------------------------------------


def _routerbench_rows(part: Partition, report: Report, start: Start, advance: Advance) -> list[Row]:
    from tui_router.evaluation import routerbench

    dataset, train = part.report, part.fit
    frontier = dataset.frontier_model
    cheap = routerbench.choose_cheap(train, dataset.models, frontier)
    start("gating recorded answers", len(dataset.items) * 2)
    rows: list[Row] = []
    if any(item.group == "mbpp" for item in dataset.items):
        passes = []
        for item in dataset.items:
            passes.append(routerbench.parse_gate(item.prompt, item.outcomes[cheap].response or ""))
            advance(1)
        picks = routerbench.cascade_picks(dataset.items, cheap, frontier, passes)
        row = summarise(
            dataset,
            "cascade: parse gate (eval-only pair)",
            picks,
            note=f"{cheap} -> {frontier} (the pair chosen on {part.fit_label}) when the answer "
            "holds no "
            "Python that parses (or is empty/refused/truncated)",
        )
        rows.append(honest.annotate(dataset, row, [picks], shipped=False))
    else:
        report.notes.append("the parse gate is for coding sets (MBPP); not run on this one")
    gate = routerbench.fit_learned_gate(train, cheap, frontier, budget=0.09)
    passes = []
    for item in dataset.items:
        passes.append(gate.passes(item.prompt, item.outcomes[cheap].response or ""))
        advance(1)
    picks = routerbench.cascade_picks(dataset.items, cheap, frontier, passes)
    row = summarise(
        dataset,
        "cascade: learned gate (eval-only, fit on train)",
        picks,
        note=f"logistic gate on {cheap}'s answer features, fit on {part.fit_label}; threshold "
        f"chosen there for cost <= 9% (train: {gate.train_quality:.3f} at "
        f"{gate.train_cost_share:.1%})",
    )
    rows.append(honest.annotate(dataset, row, [picks], shipped=False))
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
