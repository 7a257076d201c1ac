"""Router latency: p50/p99 per strategy, feature extraction, the learned model's cold load.

    python benchmarks/router_latency.py [--rounds N]

Decisions run on a mixed set of typical coding prompts (one-liners, pasted code, stack traces,
a long spec) with and without session context, on the default catalog with prices looked up
beforehand (as the TUI does in a worker). The cold load is measured in a fresh interpreter:
importing the learned module and loading its weights. No model is called; no network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

PROMPTS = [
    "rename getUser to fetch_user in api/users.py",
    "add a docstring to parse_args",
    "reformat this file and sort the imports",
    "write a unit test for slugify: 'Hello World' -> 'hello-world'",
    "ok continue",
    "explain this snippet\n```python\nresult = [x * 2 for x in data if x % 3 == 0]\n```",
    "Write the prod migration that drops the email column from the users table",
    "Prove that the square root of 2 is irrational.",
    "There's a race condition between the two worker threads that update the cache; fix it?",
    "How should we structure the billing service? Weigh the tradeoffs of splitting it out.",
    'this fails:\nTraceback (most recent call last):\n  File "app/main.py", line 42, in <module>\n'
    "    run()\n  File \"app/main.py\", line 17, in run\n    cfg = load(path)\nKeyError: 'port'\n"
    "why?",
    "Refactor the session handling across src/auth.py, src/session.py, src/api.py and "
    "src/middleware.py so tokens are refreshed in one place.",
    "Please implement the following:\n"
    + "\n".join(
        f"{i}. The parser must handle case {i} without breaking backwards compatibility"
        for i in range(1, 15)
    ),
    "Convert this function to TypeScript\n```python\n" + "def f(x):\n    return x\n" * 20 + "```",
]


def timed(fn, *args, **kwargs) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall ms, this thread's CPU ms): on a busy machine the wall p99 shows preemption."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn(*args, **kwargs)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def report(label: str, samples: list[tuple[float, float]], unit: str) -> None:
    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    print(
        f"{label:>10}: p50 {statistics.median(wall):.3f} ms · p99 {percentile(wall, 0.99):.3f} ms"
        f"  | CPU p50 {statistics.median(cpu):.3f} · p99 {percentile(cpu, 0.99):.3f} ms"
        f"  ({len(samples)} {unit})"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_decisions(rounds: int) -> None:
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import AppConfig
    from tui_router.core.routing.context import AttachedFile, RoutingContext
    from tui_router.core.routing.features import extract_features
    from tui_router.core.routing.router import ROUTER_STRATEGIES, Router

    config = AppConfig()
    catalog = build_catalog(config)
    catalog.warm()
    router = Router(config, catalog, None)
    learned_ok = router.learned is not None
    contexts = [
        None,
        RoutingContext(
            conversation_tokens=12_000,
            current_model="claude-haiku-4-5",
            attached_files=(AttachedFile("src/app.py", 3_000),),
            turn_index=4,
        ),
        RoutingContext(
            conversation_tokens=150_000,
            current_model="claude-sonnet-4-6",
            retries_stronger=1,
            recent_rejections=("escalate",),
            turn_index=30,
        ),
    ]
    cases = [(p, c) for p in PROMPTS for c in contexts]

    samples = [
        timed(extract_features, prompt, context) for _ in range(rounds) for prompt, context in cases
    ]
    report("features", samples, "runs")
    for strategy in ROUTER_STRATEGIES:
        if strategy == "learned" and not learned_ok:
            print(f"{strategy:>10}: skipped ({router.learned_error})")
            continue
        for prompt, context in cases:  # warm caches once
            router.decide(prompt, context, strategy=strategy)
        samples = [
            timed(router.decide, prompt, context, strategy=strategy)
            for _ in range(rounds)
            for prompt, context in cases
        ]
        report(strategy, samples, "decisions")


# Standard-library modules any tui-router process has already imported are loaded first, so the
# figure is what the learned router itself costs: its modules (and the features') plus weights.
COLD_LOAD = """
import collections.abc, dataclasses, decimal, json, math, pathlib, re, time, typing
started = time.perf_counter()
from tui_router.core.routing.learned import LearnedRouter
imported = time.perf_counter()
LearnedRouter.load(None)
print((time.perf_counter() - started) * 1000, (time.perf_counter() - imported) * 1000)
"""


def bench_cold_load(repeats: int = 7) -> None:
    totals, weights = [], []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", COLD_LOAD], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"learned cold load: failed ({result.stderr.strip().splitlines()[-1:]})")
            return
        total, weights_only = result.stdout.split()
        totals.append(float(total))
        weights.append(float(weights_only))
    print(
        f"learned cold load (fresh interpreter): import + weights median "
        f"{statistics.median(totals):.1f} ms (max {max(totals):.1f}); weights alone median "
        f"{statistics.median(weights):.1f} ms  ({repeats} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="passes over the prompt set")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"router latency on {len(PROMPTS)} prompts x 3 contexts, {args.rounds} rounds "
        f"(load average {load} on {os.cpu_count()} cores)"
    )
    bench_decisions(args.rounds)
    bench_cold_load()


if __name__ == "__main__":
    main()
