"""Python calls an app makes from its start to an idle screen with its session open.

A count, not a time: cProfile's number of function calls does not depend on what else the
machine is doing, so two versions of the app can be compared on a noisy host (the suite's Pilot
tests each pay this at least once; a person pays it at every start). The apps run headless at
120x40 in one process, as Pilot runs them, after two that warm the imports up; the session's
SDK points at a closed loopback port (nothing is sent).

Usage: python benchmarks/ui_start_calls.py [--apps N]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


async def start_one() -> int:
    """Start an app, wait for its session and an idle screen, end it; the widgets it had."""
    from ui_streaming import make_app

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.ready.wait()
        await pilot.pause()
        return len(list(app.screen.walk_children(with_self=True)))


async def run(apps: int) -> None:
    await start_one()
    await start_one()
    profile = cProfile.Profile()
    profile.enable()
    widgets = [await start_one() for _ in range(apps)]
    profile.disable()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    print(f"app start to an idle screen with the session open, 120x40, {apps} apps:")
    print(f"  Python calls per app : {calls / apps / 1000:,.0f} k")
    print(f"  widgets on screen    : {widgets[-1]}")


def main() -> None:
    from _ui_common import apply_env, bench_env, make_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=5)
    args = parser.parse_args()
    apply_env(bench_env(make_home()))
    asyncio.run(run(args.apps))


if __name__ == "__main__":
    main()
