"""Streamed tokens per second rendered by the chat, while the prompt stays responsive.

Target: >= 2,000 tok/s rendered with the input responsive. Three measurements, headless at
120x40:

1. widget: a realistic markdown answer (prose, lists, code blocks), split into real o200k
   tokens, fed one token at a time into the app's `AssistantMessage` as fast as it takes them,
   yielding to the event loop every `BURST` tokens as an SSE stream does (one socket read
   carries several events). Meanwhile a probe types a key into the prompt every 25 ms.
2. paced: the answer of `ui_typing_tmux.py` (24 code-heavy sections) in 12-character pieces
   every 10 ms (~300 tok/s, a fast provider), a key every 0.4 s: the tmux benchmark's
   conditions, without a terminal.
3. end to end: the same kind of answer served by the loopback fake server, one token per SSE
   event, through the real Anthropic SDK, the turn runner and the chat, from enter to done.

A key is timed from the moment it is posted to the app until the first screen update after the
prompt has it (the frame that shows it: headless, Textual composes the frame but writes it
nowhere). `ui_typing_tmux.py` measures the same in a real terminal; it also counts the time the
terminal driver takes to read the key and write the frame, which is why its figures sit a few
milliseconds higher (its idle figures show that fixed part).

Usage: python benchmarks/ui_streaming.py [--tokens N] [--e2e-tokens N] [--paced-sections N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: Tokens handed over per event-loop turn (SSE events that arrive in one socket read).
BURST = 8

from _ui_common import apply_env, bench_env, make_home, settle, start_fake_server  # noqa: E402

ANSWER = """\
The failure comes from the cache being read **before** the lock is taken, so two workers can
both see a stale entry and both write. Here is the smallest fix:

1. Take the lock first.
2. Re-read the entry under the lock.
3. Write only if it is still stale.

```python
def refresh(cache: Cache, key: str, load: Callable[[], bytes]) -> bytes:
    with cache.lock(key):
        entry = cache.get(key)
        if entry is not None and not entry.expired:
            return entry.value
        value = load()
        cache.put(key, value, ttl=300)
        return value
```

With this, the second worker finds the fresh entry and returns it. A test that proves it:

```python
def test_two_workers_load_once(cache):
    calls = []
    threads = [Thread(target=refresh, args=(cache, "k", lambda: calls.append(1) or b"v"))
               for _ in range(2)]
    for t in threads: t.start()
    for t in threads: t.join()
    assert calls == [1]
```

| approach | cost | risk |
|---|---|---|
| lock then read | one lock per miss | none |
| read then lock | none | double writes |

"""


def token_fragments(n_tokens: int) -> list[str]:
    """``n_tokens`` real o200k tokens of markdown, each decoded on its own (as APIs stream)."""
    from tui_router.core.tokens import get_encoding

    encoding = get_encoding()
    if encoding is None:  # no tokenizer: fall back to ~4-character pieces
        text = ANSWER * (n_tokens // 300 + 1)
        return [text[i : i + 4] for i in range(0, 4 * n_tokens, 4)]
    ids = encoding.encode_ordinary(ANSWER)
    out: list[str] = []
    while len(out) < n_tokens:
        out.extend(encoding.decode([i]) for i in ids)  # type: ignore[attr-defined]
    return out[:n_tokens]


def make_app() -> Any:
    from tui_router.core.config import load_config
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions

    return TuiRouterApp(
        load_config(), StartOptions(model="claude-haiku-4-5", mode="manual"), show_welcome=False
    )


async def probe_keys(
    app: Any, stop: asyncio.Event, latencies: list[float], interval: float = 0.025
) -> None:
    """Type "x" into the prompt every ``interval`` s; time until the first update the app sends
    to the terminal (`App._display`) after the prompt holds it: a frame, or the prompt's own
    paint ahead of the frame (`key_activity.paint_now`), as in the tmux benchmark."""
    from textual import events

    from tui_router.ui.widgets.prompt import PromptInput

    prompt = app.query_one(PromptInput)
    sent: list[tuple[float, int]] = []  # (when, the prompt's length then) of each update
    display = app._display

    def recording_display(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            sent.append((time.perf_counter(), len(prompt.text)))
        display(screen, renderable)

    app._display = recording_display
    try:
        while not stop.is_set():
            if len(prompt.text) > 60:
                prompt.clear()
                await asyncio.sleep(interval)
            before = len(prompt.text)
            start = time.perf_counter()
            app.post_message(events.Key("x", "x"))
            # the first update sent since the key with the prompt holding it
            while (when := next((w for w, n in sent if w >= start and n > before), None)) is None:
                await asyncio.sleep(0.0005)
            latencies.append((when - start) * 1000)
            sent.clear()
            await asyncio.sleep(interval)
    finally:
        app._display = display


def shown(message: Any) -> str:
    """What the answer widget shows (the code before the streaming fix had no `shown_text`)."""
    if hasattr(message, "shown_text"):
        return str(message.shown_text)
    return str(message._markdown.source)


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies) or [float("nan")]
    return {
        "key_median_ms": statistics.median(ordered),
        "key_p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "key_max_ms": ordered[-1],
        "keys": len(latencies),
    }


async def widget_run(n_tokens: int) -> dict[str, float]:
    from tui_router.ui.widgets.chat import ChatPane

    fragments = token_fragments(n_tokens)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        chat = app.query_one(ChatPane)
        message = await chat.add_assistant("claude-haiku-4-5", "fast")
        latencies: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_keys(app, stop, latencies))
        start, cpu_start = time.perf_counter(), time.process_time()
        for i, fragment in enumerate(fragments, 1):
            await message.append(fragment)
            if i % BURST == 0:
                await asyncio.sleep(0)  # the next socket read
        await message.finish()
        await pilot.pause()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        stop.set()
        await probe
        assert shown(message) == "".join(fragments), "the chat did not show the whole answer"
    return {
        "tokens": n_tokens,
        "seconds": elapsed,
        "tok_s": n_tokens / elapsed,
        "tok_cpu_s": n_tokens / cpu,
        **percentiles(latencies),
    }


async def paced_run(sections: int, chunk: int = 12, delay: float = 0.01) -> dict[str, float]:
    """The tmux benchmark's stream (``chunk`` characters every ``delay`` s), keys every 0.4 s."""
    from ui_typing_tmux import count_tokens, make_answer

    from tui_router.ui.widgets.chat import ChatPane

    answer = make_answer(sections)
    pieces = [answer[i : i + chunk] for i in range(0, len(answer), chunk)]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        idle: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_keys(app, stop, idle, 0.4))
        await asyncio.sleep(8.0)
        stop.set()
        await probe
        chat = app.query_one(ChatPane)
        message = await chat.add_assistant("claude-haiku-4-5", "fast")
        streaming: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_keys(app, stop, streaming, 0.4))
        loop = asyncio.get_running_loop()
        start = loop.time()
        for index, piece in enumerate(pieces):
            # Paced like the server: piece i is due at start + i * delay (no drift).
            await asyncio.sleep(max(0.0, start + index * delay - loop.time()))
            await message.append(piece)
        await message.finish()
        await pilot.pause()
        elapsed = loop.time() - start
        stop.set()
        await probe
        assert shown(message) == answer
    tokens = count_tokens(answer)
    idle_p = percentiles(idle)
    return {
        "tokens": tokens,
        "seconds": elapsed,
        "tok_s": tokens / elapsed,
        "idle_median_ms": idle_p["key_median_ms"],
        **percentiles(streaming),
    }


async def e2e_run(n_tokens: int) -> dict[str, float]:
    from tui_router.ui.widgets.chat import AssistantMessage, ChatPane
    from tui_router.ui.widgets.prompt import PromptInput

    fragments = token_fragments(n_tokens)
    home = make_home()
    server, port = start_fake_server(
        [{"chunks": fragments, "input_tokens": 50, "output_tokens": n_tokens}], home
    )
    apply_env(bench_env(home, port))
    try:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            prompt = app.query_one(PromptInput)
            prompt.load_text("explain the cache race")
            latencies: list[float] = []
            start, cpu_start = time.perf_counter(), time.process_time()
            await pilot.press("enter")
            stop = asyncio.Event()
            probe = asyncio.create_task(probe_keys(app, stop, latencies))
            # Done when the call is recorded and the turn is over (a fast reply can be over
            # before `pilot.press` returns, so "wait until streaming starts" could wait forever).
            while app.streaming or len(app.controller.ledger.records) < 1:
                await asyncio.sleep(0.002)
            await pilot.pause()
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            stop.set()
            await probe
            answer = app.query_one(ChatPane).query(AssistantMessage).last()
            assert answer.text == "".join(fragments), "the answer did not arrive whole"
    finally:
        server.terminate()
    return {
        "tokens": n_tokens,
        "seconds": elapsed,
        "tok_s": n_tokens / elapsed,
        "tok_cpu_s": n_tokens / cpu,
        **percentiles(latencies),
    }


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=5_000)
    parser.add_argument("--e2e-tokens", type=int, default=3_000)
    parser.add_argument("--paced-sections", type=int, default=24, help="0 skips the paced run")
    args = parser.parse_args()
    apply_env(bench_env(make_home()))
    w = asyncio.run(widget_run(args.tokens))
    print("tui-router streaming render, headless 120x40")
    print(
        f"  widget: {w['tokens']:,} tokens in {w['seconds']:.2f} s = {w['tok_s']:,.0f} tok/s "
        f"wall, {w['tok_cpu_s']:,.0f} tok per CPU-second (target >= 2,000 tok/s)"
    )
    print(
        f"          key to screen while streaming: median {w['key_median_ms']:.1f} ms, "
        f"p95 {w['key_p95_ms']:.1f} ms, max {w['key_max_ms']:.1f} ms ({w['keys']} keys)"
    )
    if args.paced_sections:
        q = asyncio.run(paced_run(args.paced_sections))
        print(
            f"  paced (tmux benchmark's answer, 12 chars / 10 ms): {q['tokens']:,} tokens in "
            f"{q['seconds']:.1f} s = {q['tok_s']:,.0f} tok/s"
        )
        print(
            f"          key to screen: idle median {q['idle_median_ms']:.1f} ms; while streaming "
            f"median {q['key_median_ms']:.1f} ms, p95 {q['key_p95_ms']:.1f} ms, "
            f"max {q['key_max_ms']:.1f} ms ({q['keys']} keys)"
        )
    if args.e2e_tokens:
        e = asyncio.run(e2e_run(args.e2e_tokens))
        print(
            f"  end to end (fake server + Anthropic SDK + runner + chat): {e['tokens']:,} tokens "
            f"in {e['seconds']:.2f} s = {e['tok_s']:,.0f} tok/s wall, "
            f"{e['tok_cpu_s']:,.0f} tok per CPU-second of the app process"
        )
        print(
            f"          key to screen while streaming: median {e['key_median_ms']:.1f} ms, "
            f"p95 {e['key_p95_ms']:.1f} ms, max {e['key_max_ms']:.1f} ms ({e['keys']} keys)"
        )
    print(f"  load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
