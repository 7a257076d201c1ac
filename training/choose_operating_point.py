"""Choose the learned router's operating point (its balanced and frontier thresholds) on TRAIN data.

Usage:
    python training/choose_operating_point.py --data DATA_DIR [--write]

The rule, written down before any test split was looked at with the new thresholds:

  * Data: the SWE-bench Verified **train** split only (301 issues; the test split, MT-Bench and
    GSM8K are never read here).
  * Path: the shipped `Router.decide` with the ``learned`` strategy (floors included), the
    dataset's models placed on tiers as the evaluation places them (chosen on train: fast is the
    cheapest model not beaten on train, balanced the best one costing at most half the frontier,
    frontier the frontier model).
  * Grid: balanced threshold 0.05 … 0.95 and frontier threshold from balanced + 0.05 to 1.00
    (1.00: never the frontier), both in steps of 0.01; the fast (local) threshold stays as trained.
  * Choice: among the points whose train cost is at most 50% of frontier-only on train, the one
    with the best train resolve rate; ties go to the lower train cost, then to the higher
    thresholds (fewer strong calls).
  * Guard, reported and not used in the choice: the labelled prompts' balanced accuracy (fast vs
    stronger) at the chosen balanced threshold, with in-sample scores.

Caveat: the shipped weights were fitted with these same train issues (their human difficulty,
not the models' outcomes), so the train scores are in-sample; the test figure says what holds.
``--write`` puts the chosen thresholds into tui_router/core/routing/weights.json (and its meta).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_router.core.routing.learned import WEIGHTS_FILE  # noqa: E402
from tui_router.evaluation import metrics, replay, shipped  # noqa: E402
from tui_router.evaluation.loading import load_dataset  # noqa: E402

LABELLED = Path(__file__).with_name("labelled_prompts.jsonl")
MAX_COST_SHARE = 0.50
STEP = 0.01


def grid() -> list[tuple[float, float]]:
    points = []
    for b in range(5, 96):
        for f in range(b + 5, 101):
            points.append((round(b * STEP, 2), round(f * STEP, 2)))
    return points


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the datasets")
    parser.add_argument("--write", action="store_true", help="write the choice to weights.json")
    args = parser.parse_args()

    train = load_dataset(
        args.data / "swebench_verified/swebench_verified.jsonl", "swebench", "train"
    )
    tiers = replay._tier_models(train, train.items)
    router = shipped.router_for(tiers, "learned")
    learned = router.learned
    assert learned is not None, router.learned_error
    trained = dict(learned.thresholds)
    base = sum(metrics.cost_of(i, train.frontier_model) for i in train.items)
    # Router.decide's model depends on the thresholds only through the tier the score maps to
    # (the floors apply after it): decide each item once per forced tier, then walk the grid
    forced = {"fast": (2.0, 2.0), "balanced": (0.0, 2.0), "frontier": (0.0, 0.0)}
    by_tier: dict[str, list[str]] = {}
    for tier, (balanced, frontier) in forced.items():
        learned.thresholds.update(balanced=balanced, frontier=frontier)
        by_tier[tier] = [router.decide(i.prompt).model or tiers["frontier"] for i in train.items]
    learned.thresholds.update(trained)
    decisions = [router.decide(item.prompt) for item in train.items]
    scores = [d.score or 0.0 for d in decisions]
    direct = [d.model or tiers["frontier"] for d in decisions]
    results = []
    for balanced, frontier in [(trained["balanced"], trained["frontier"]), *grid()]:
        picks = [
            by_tier["frontier" if s >= frontier else "balanced" if s >= balanced else "fast"][n]
            for n, s in enumerate(scores)
        ]
        quality = sum(i.outcomes[m].quality for i, m in zip(train.items, picks, strict=True))
        cost = sum(metrics.cost_of(i, m) for i, m in zip(train.items, picks, strict=True))
        results.append((balanced, frontier, quality / len(picks), cost / base))
        if (balanced, frontier) == (trained["balanced"], trained["frontier"]):
            assert picks == direct, "the forced-tier walk must match Router.decide"
    shipped_before = results[0]
    feasible = [r for r in results[1:] if r[3] <= MAX_COST_SHARE]
    best = min(feasible, key=lambda r: (-r[2], r[3], -r[0], -r[1]))
    print(f"tiers (chosen on train): {tiers}")
    print(
        f"trained thresholds balanced {shipped_before[0]:.4f} frontier {shipped_before[1]:.4f}: "
        f"train quality {shipped_before[2]:.3f} at {shipped_before[3]:.1%} of frontier cost"
    )
    print(
        f"chosen (best train quality at <= {MAX_COST_SHARE:.0%}): balanced {best[0]:.2f} "
        f"frontier {best[1]:.2f}: train quality {best[2]:.3f} at {best[3]:.1%}"
    )
    print(
        "guard: labelled prompts, fast vs stronger balanced accuracy "
        + _guard(learned, trained, best[0])
    )
    if args.write:
        data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
        data["thresholds"].update(balanced=best[0], frontier=best[1])
        data["meta"]["operating_point"] = (
            f"balanced/frontier thresholds chosen by training/choose_operating_point.py on "
            f"SWE-bench Verified train: quality {best[2]:.3f} at {best[3]:.1%} of frontier cost"
        )
        WEIGHTS_FILE.write_text(
            json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"wrote {WEIGHTS_FILE}")
    return 0


def _guard(learned: object, trained: dict[str, float], balanced: float) -> str:
    from tui_router.core.routing.features import extract_features

    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]
    scores = []
    for row in rows:
        prompt = row["prompt"]
        scores.append((learned.score(prompt, extract_features(prompt).as_dict()), row["label"]))  # type: ignore[attr-defined]

    def accuracy(cut: float) -> float:
        strong = [s for s, t in scores if t != "fast"]
        fast = [s for s, t in scores if t == "fast"]
        tpr = sum(s >= cut for s in strong) / max(1, len(strong))
        tnr = sum(s < cut for s in fast) / max(1, len(fast))
        return (tpr + tnr) / 2

    before, after = accuracy(trained["balanced"]), accuracy(balanced)
    return f"{before:.3f} at the trained {trained['balanced']:.4f}, {after:.3f} at {balanced:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
