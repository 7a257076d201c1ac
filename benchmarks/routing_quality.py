"""Routing quality against the targets: SWE-bench Verified test, MBPP test, MT-Bench, GSM8K.

    python benchmarks/routing_quality.py --data DATA_DIR [--json]

DATA_DIR holds the recorded-outcome datasets (swebench_verified/, routerbench_mbpp_arc_wino/,
routellm_mtbench_gsm8k/). Everything dataset-specific is fit on the TRAIN split inside the replay;
test splits and MT-Bench are only reported. Same numbers as `tui-router eval` on each dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_router.evaluation import replay  # noqa: E402

#: (dataset, relative path, split, strategy row, target description, check)
TARGETS = [
    (
        "swebench",
        "swebench_verified/swebench_verified.jsonl",
        "test",
        "success predictor (fit on train)",
        "quality >= 0.70 at <= 50% of frontier cost",
        lambda r: r["quality"] >= 0.70 and r["cost_share"] <= 0.50,
    ),
    (
        "routerbench",
        "routerbench_mbpp_arc_wino/mbpp_test.csv",
        "test",
        "cascade: learned gate (fit on train)",
        "quality >= 0.72 at <= 10% of frontier cost",
        lambda r: r["quality"] >= 0.72 and r["cost_share"] <= 0.10,
    ),
    (
        "routerbench",
        "routerbench_mbpp_arc_wino/mbpp_test.csv",
        "test",
        "cascade: parse gate",
        "quality >= 0.72 at <= 10% of frontier cost",
        lambda r: r["quality"] >= 0.72 and r["cost_share"] <= 0.10,
    ),
    (
        "mtbench",
        "routellm_mtbench_gsm8k",
        None,
        "learned (shipped weights)",
        "APGR >= 0.75 (never tuned on MT-Bench)",
        lambda r: (r["apgr"] or 0) >= 0.75,
    ),
    (
        "gsm8k",
        "routellm_mtbench_gsm8k/gsm8k_responses.csv",
        None,
        "learned (shipped weights)",
        "(no target; reported)",
        lambda r: True,
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description="routing quality against the targets")
    parser.add_argument("--data", type=Path, required=True, help="folder with the datasets")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for fmt, rel, split, strategy, target, check in TARGETS:
        report = replay.load_and_run(args.data / rel, fmt, split, replay.STRATEGIES).to_json()
        row = next(r for r in report["rows"] if r["strategy"] == strategy)
        results.append(
            {
                "dataset": fmt if fmt != "routerbench" else "mbpp",
                "split": report["split"],
                "n": report["n"],
                "strategy": strategy,
                "quality": row["quality"],
                "cost_share": row["cost_share"],
                "apgr": row["apgr"],
                "cpt50": row.get("cpt50"),
                "cpt80": row.get("cpt80"),
                "target": target,
                "met": bool(check(row)),
                "difficulty": report.get("difficulty"),
            }
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        apgr = (
            f" APGR {r['apgr']:.3f} CPT50 {r['cpt50']:.1%} CPT80 {r['cpt80']:.1%}"
            if r["apgr"] is not None
            else ""
        )
        print(
            f"{r['dataset']:9s} {r['split']:5s} n={r['n']:<5d} {r['strategy']:38s} "
            f"quality {r['quality']:.3f} cost {r['cost_share']:.1%}{apgr}  "
            f"[{'met' if r['met'] else 'NOT met'}: {r['target']}]"
        )
        if r["difficulty"]:
            print(
                f"          difficulty (easy vs rest) balanced accuracy on test: "
                f"{r['difficulty']['balanced_accuracy']:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
