"""Routing quality against the targets: SWE-bench Verified test, MBPP test, MT-Bench, GSM8K.

    python benchmarks/routing_quality.py --data DATA_DIR [--json]

DATA_DIR holds the recorded-outcome datasets (swebench_verified/, routerbench_mbpp_arc_wino/,
routellm_mtbench_gsm8k/). Everything dataset-specific is fit on the TRAIN split inside the replay;
test splits and MT-Bench are only reported. Same rows as `tui-router eval --json` on each dataset:
the shipped strategies (through `Router.decide`) beside eval-only rows, each with a 95% bootstrap
CI and a same-mix random baseline (its own picks dealt to random items, 200 seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_router.evaluation import replay  # noqa: E402

Check = Callable[[dict[str, Any]], bool]

#: (label, format, relative path, split)
DATASETS = [
    ("swebench", "swebench", "swebench_verified/swebench_verified.jsonl", "test"),
    ("mbpp", "routerbench", "routerbench_mbpp_arc_wino/mbpp_test.csv", "test"),
    ("mtbench", "mtbench", "routellm_mtbench_gsm8k", None),
    ("gsm8k", "gsm8k", "routellm_mtbench_gsm8k/gsm8k_responses.csv", None),
]
#: (dataset, row, target, check)
TARGETS: list[tuple[str, str, str, Check]] = [
    (
        "swebench",
        "verified cascade (gate_false_accept 0.10)",
        ">= frontier (0.764) at <= 50% of its cost",
        lambda r: r["quality"] >= 0.764 and r["cost_share"] <= 0.50,
    ),
    (
        "swebench",
        "verified cascade (gate_false_accept 0.20)",
        ">= frontier (0.764) at <= 50% of its cost",
        lambda r: r["quality"] >= 0.764 and r["cost_share"] <= 0.50,
    ),
    (
        "swebench",
        "learned (shipped, Router.decide)",
        "shipped default >= 0.70 at <= 50%",
        lambda r: r["quality"] >= 0.70 and r["cost_share"] <= 0.50,
    ),
    (
        "mtbench",
        "learned (shipped, Router.decide)",
        "APGR >= 0.75 (no MT-Bench-like prompts in training)",
        lambda r: (r["apgr"] or 0) >= 0.75,
    ),
]


def _rows(data: Path) -> list[dict[str, Any]]:
    out = []
    for label, fmt, rel, split in DATASETS:
        report = replay.load_and_run(data / rel, fmt, split, replay.STRATEGIES).to_json()
        for row in report["rows"]:
            if row["strategy"].startswith("only "):
                continue
            out.append({"dataset": label, "split": report["split"], "n": report["n"], **row})
    return out


def _fmt(row: dict[str, Any]) -> str:
    ci = row.get("quality_ci")
    quality = f"{row['quality']:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
    cost_ci = row.get("cost_share_ci")
    cost = f"{row['cost_share']:.1%}" + (
        f" [{cost_ci[0]:.0%}, {cost_ci[1]:.0%}]" if cost_ci else ""
    )
    shipped = {True: "yes", False: "no", None: "ref"}[row.get("shipped")]
    base = row.get("random_same_mix")
    random_ = (
        f"{base['quality']:.3f} [{base['quality_range'][0]:.3f}, {base['quality_range'][1]:.3f}]"
        f" at {base['cost_share']:.1%}, p={base['p_random_at_least_as_good']:.2f}"
        if base
        else ""
    )
    apgr = ""
    if row.get("apgr") is not None:
        apgr_ci = row.get("apgr_ci")
        apgr = f"{row['apgr']:.3f}" + (f" [{apgr_ci[0]:.3f}, {apgr_ci[1]:.3f}]" if apgr_ci else "")
    return (
        f"| {row['dataset']} {row['split']} | {row['strategy']} | {shipped} | {quality} | {cost} "
        f"| {random_} | {apgr} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="routing quality against the targets")
    parser.add_argument("--data", type=Path, required=True, help="folder with the datasets")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = _rows(args.data)
    targets = []
    for dataset, name, target, check in TARGETS:
        row = next(r for r in rows if r["dataset"] == dataset and r["strategy"] == name)
        targets.append({"dataset": dataset, "strategy": name, "target": target, "met": check(row)})
    if args.json:
        print(json.dumps({"rows": rows, "targets": targets}, indent=2))
        return 0
    print(
        "| data | strategy | shipped | quality [95% CI] | cost of frontier-only [95% CI] "
        "(two-model: strong calls) | random, same mix [2.5-97.5%] at its spend, p | "
        "APGR [95% CI] |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(_fmt(row))
    print()
    for t in targets:
        print(f"{'met' if t['met'] else 'NOT met'}: {t['dataset']} {t['strategy']}: {t['target']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
