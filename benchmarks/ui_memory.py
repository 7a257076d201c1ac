"""RSS after a 1,000-turn session (target: <= 200 MB).

Drives the real app headless (120x40) through N turns from the keyboard: type a prompt, enter,
wait for the streamed answer (loopback fake server, real Anthropic SDK, real store). Prints the
resident set size after start-up and at checkpoints, and the time per turn.

Usage: python benchmarks/ui_memory.py [--turns N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui_common import apply_env, bench_env, make_home, rss_mb, start_fake_server


async def run(turns: int) -> list[tuple[int, float, float]]:
    from tui_router.ui.startup_gc import pause_gc_for_start_up

    # as `tui-router` starts the app: the collector paused until the first frame, then start-up
    # and the warm-up frozen, and full passes paced (run when due, at quiet moments)
    pause_gc_for_start_up()
    from tui_router.core.config import load_config
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions
    from tui_router.ui.widgets.chat import AssistantMessage, ChatPane
    from tui_router.ui.widgets.prompt import PromptInput

    app = TuiRouterApp(
        load_config(),
        StartOptions(model="claude-haiku-4-5", mode="manual", gc_paused=True),
        show_welcome=False,
    )
    checkpoints = {1, 10, 100, 250, 500, 750, turns}
    samples: list[tuple[int, float, float]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.ready.wait()
        await pilot.pause()
        samples.append((0, rss_mb(), 0.0))
        prompt = app.query_one(PromptInput)
        chat = app.query_one(ChatPane)
        start = time.perf_counter()
        for turn in range(1, turns + 1):
            prompt.load_text(f"Question {turn}: what does answer() return?")
            await pilot.press("enter")
            while app.streaming or prompt.text:
                await asyncio.sleep(0.002)
            if turn in checkpoints:
                await pilot.pause()
                gc.collect()
                samples.append((turn, rss_mb(), (time.perf_counter() - start) / turn * 1000))
        assert app.controller is not None
        recorded = len(app.controller.ledger.records)
        assert recorded == turns, f"{recorded} calls recorded for {turns} turns"
        last = chat.query(AssistantMessage).last()
        assert f"Question {turns}" in last.text, "the last answer is not the last question's"
        mounted = len(chat.children)
        samples.append((-1, float(mounted), float(chat.trimmed_count)))
        # ~50-70 MB when loaded: a session that attaches nothing should never pay for it
        samples.append((-2, float("tiktoken" in sys.modules), 0.0))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1_000)
    args = parser.parse_args()
    home = make_home()
    server, port = start_fake_server(home=home)
    apply_env(bench_env(home, port))
    try:
        samples = asyncio.run(run(args.turns))
    finally:
        server.terminate()
    _, tokenizer_loaded, _ = samples.pop()
    _, mounted, trimmed = samples.pop()
    print(f"tui-router memory over a {args.turns:,}-turn session, headless 120x40")
    for turn, rss, per_turn in samples:
        label = "after start-up" if turn == 0 else f"after {turn:>5,} turns"
        extra = f"   ({per_turn:,.0f} ms per turn so far)" if turn else ""
        print(f"  RSS {label}: {rss:7.1f} MB{extra}")
    print(f"  chat widgets mounted at the end: {mounted:.0f} ({trimmed:.0f} older ones trimmed)")
    print(f"  tokenizer (tiktoken) loaded: {'yes' if tokenizer_loaded else 'no'}")
    print(
        f"  target: <= 200 MB after {args.turns:,} turns; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
