"""RouteLLM's metrics (PGR, APGR, CPT) and the replay's quality/cost bookkeeping, checked against
numbers worked out by hand on tiny fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_router.evaluation import metrics
from tui_router.evaluation.datasets import Dataset, Item, Outcome
from tui_router.evaluation.logistic import fit_logistic
from tui_router.evaluation.metrics import Pick


def test_pgr_is_share_of_the_gap_recovered() -> None:
    assert metrics.pgr(0.7, weak=0.6, strong=0.8) == pytest.approx(0.5)
    assert metrics.pgr(0.6, weak=0.6, strong=0.8) == pytest.approx(0.0)
    assert metrics.pgr(0.8, weak=0.6, strong=0.8) == pytest.approx(1.0)


def test_threshold_curve_apgr_and_cpt_by_hand() -> None:
    # Four prompts. Strong is right on all, weak only on the two the router scores lowest,
    # so a perfect ordering recovers the whole gap with half the calls.
    scores = [0.1, 0.2, 0.8, 0.9]
    strong = [1.0, 1.0, 1.0, 1.0]
    weak = [1.0, 1.0, 0.0, 0.0]
    points = metrics.threshold_curve(scores, strong, weak, n_bins=4)
    # Quantile edges 0.1, 0.175, 0.5, 0.825, 0.9 -> strong shares 1, .75, .5, .25, 0 (last uses >).
    assert points == [(0.0, 0.5), (0.25, 0.75), (0.5, 1.0), (0.75, 1.0), (1.0, 1.0)]
    # Area: .25*(.5+.75)/2 + .25*(.75+1)/2 + .5*1 = .15625 + .21875 + .5 = .875
    # APGR = (.875 - .5) / (1 - .5) = .75
    assert metrics.apgr(points, weak=0.5, strong=1.0) == pytest.approx(0.75)
    # PGR 50% needs quality .75: reached at 25% strong calls; PGR 80% (.9) between .25 and .5.
    assert metrics.cpt(points, 0.5, 1.0, 0.5) == pytest.approx(0.25)
    assert metrics.cpt(points, 0.5, 1.0, 0.8) == pytest.approx(0.25 + 0.25 * (0.9 - 0.75) / 0.25)


def test_random_ordering_has_apgr_one_half_on_a_straight_line() -> None:
    points = [(0.0, 0.5), (0.5, 0.75), (1.0, 1.0)]
    assert metrics.apgr(points, 0.5, 1.0) == pytest.approx(0.5)
    assert metrics.cpt(points, 0.5, 1.0, 0.5) == pytest.approx(0.5)


def _dataset() -> Dataset:
    items = [
        Item("a", "easy", {"big": Outcome(1, 1.0), "small": Outcome(1, 0.1)}),
        Item("b", "hard", {"big": Outcome(1, 2.0), "small": Outcome(0, 0.2)}),
        Item("c", "impossible", {"big": Outcome(0, 3.0), "small": Outcome(0, 0.3)}),
    ]
    return Dataset("swebench", Path("x.jsonl"), items, ["big", "small"], "big")


def test_summarise_counts_every_call_of_a_cascade() -> None:
    data = _dataset()
    picks = [
        Pick(("small",), "small"),
        Pick(("small", "big"), "big"),
        Pick(("small", "big"), "big"),
    ]
    row = metrics.summarise(data, "cascade", picks)
    assert row.quality == pytest.approx(2 / 3)
    assert row.cost_usd == pytest.approx(0.1 + 0.2 + 2.0 + 0.3 + 3.0)
    assert row.cost_share == pytest.approx(5.6 / 6.0)
    assert row.calls == {"small": pytest.approx(1.0), "big": pytest.approx(2 / 3)}


def test_oracle_takes_the_cheapest_model_at_the_best_quality() -> None:
    data = _dataset()
    picks = metrics.oracle(data)
    assert [p.answer for p in picks] == ["small", "big", "small"]
    row = metrics.summarise(data, "oracle", picks)
    assert row.quality == pytest.approx(2 / 3)
    assert row.cost_share == pytest.approx((0.1 + 2.0 + 0.3) / 6.0)


def test_random_at_spend_interpolates_between_cheapest_and_frontier() -> None:
    data = _dataset()
    frontier = metrics.summarise(data, "f", metrics.single_model(data, "big"))
    cheap = metrics.summarise(data, "c", metrics.single_model(data, "small"))
    row = metrics.random_at_spend(data, cheap, frontier, target_share=0.55)
    p = (0.55 - 0.1) / 0.9
    assert row.cost_share == pytest.approx(0.55)
    assert row.quality == pytest.approx(1 / 3 + p * (2 / 3 - 1 / 3))
    assert row.reference


def test_logistic_fit_learns_a_separable_direction_and_ridge_pulls_to_base_rate() -> None:
    rows = [[0.0], [0.1], [0.2], [0.8], [0.9], [1.0]]
    labels = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    loose = fit_logistic(rows, labels, l2=0.1)
    assert loose.prob([0.0]) < 0.2 < 0.8 < loose.prob([1.0])
    tight = fit_logistic(rows, labels, l2=1e6)
    assert tight.prob([0.0]) == pytest.approx(0.5, abs=0.01)
    assert tight.prob([1.0]) == pytest.approx(0.5, abs=0.01)


def test_the_oracle_breaks_ties_toward_the_cheaper_model() -> None:
    strong, weak = "strong", "weak"
    items = [
        Item(str(k), f"q{k}", {strong: Outcome(q_strong), weak: Outcome(q_weak)})
        for k, (q_strong, q_weak) in enumerate([(1.0, 1.0), (0.0, 0.0), (1.0, 0.0), (8.0, 8.0)])
    ]
    data = Dataset(
        "gsm8k", Path("x"), items, [strong, weak], strong, has_costs=False, weak_model=weak
    )
    picks = metrics.oracle(data)
    # Ties (both right, both wrong, equal judge scores) go to the weak model; only item 2 needs
    # the strong one.
    assert [p.answer for p in picks] == [weak, weak, strong, weak]


def test_same_mix_random_keeps_the_mix_and_bootstrap_brackets_the_mean() -> None:
    from tui_router.evaluation import honest

    items = [
        Item(str(k), "p", {"a": Outcome(float(k % 2), 1.0), "b": Outcome(1.0, 10.0)})
        for k in range(40)
    ]
    data = Dataset("swebench", Path("x"), items, ["a", "b"], "b")
    # A perfect router: "b" exactly where "a" fails.
    picks = [Pick.single("a" if k % 2 else "b") for k in range(40)]
    row = metrics.summarise(data, "perfect", picks)
    honest.annotate(data, row, [picks], shipped=True)
    baseline = row.extra["random_same_mix"]
    assert row.quality == 1.0 and baseline["quality"] < 0.9
    assert baseline["cost_share"] == pytest.approx(row.cost_share, abs=1e-9)
    assert baseline["p_random_at_least_as_good"] == 0.0
    low, high = row.extra["quality_ci"]
    assert low <= row.quality <= high
