"""Agent overhead: what the tools cost on a large project, and the agent's own time per step.

    python benchmarks/agent_overhead.py [--files N] [--rounds N] [--steps N]

Per step (`step_overhead`): a `Session` runs one agent turn of N steps (default 200) in a
200-file workspace against an in-process provider that answers every step at once with one
``read_file`` call (and the last with text). The time the provider's stream and the tool take is
measured around each and subtracted; what is left is the agent's own work per step — the
request built from the history, the context estimate, the call priced, written to SQLite and
added to the ledger, the tool call checked against the workspace and permissions, the messages
stored, the events yielded. Target: <= 5 ms median per step.

Tool side (`tool_timings`): list_files and search through `ToolBox.run` on a generated tree of
N files (default 10,000) in 500 folders with a .gitignore that hides a tenth of them, as the agent
calls them: with ripgrep (the wheel's rg) and with the pure-Python fallback. Target: list_files and
search each <= 300 ms (median) with ripgrep. Also read_file and edit_file on one small file (the
per-call overhead of the thread hop and checks). No model is called; no network.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from tui_router.core.agent import search
from tui_router.core.agent.tools import ToolBox, scrubbed_env
from tui_router.core.agent.workspace import Workspace
from tui_router.core.conversation import ToolCall

TARGET_MS = 300.0
STEP_TARGET_MS = 5.0


def make_tree(root: Path, files: int) -> None:
    """``files`` small Python files in folders of 20, a tenth of them under ignored build/."""
    (root / ".gitignore").write_text("build/\n*.pyc\n")
    (root / ".git").mkdir()
    for i in range(files):
        folder = root / ("build" if i % 10 == 0 else "src") / f"pkg{i // 20:03}"
        folder.mkdir(parents=True, exist_ok=True)
        body = "".join(
            f"def function_{i}_{j}(value):\n    return value + {j}\n\n" for j in range(8)
        )
        if i % 997 == 0:
            body += "# NEEDLE: the line the search looks for\n"
        (folder / f"module_{i:05}.py").write_text(body)


async def _median_ms(run: Callable[[], Awaitable[object]], rounds: int) -> float:
    await run()  # warm the page cache and imports
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def tool_timings(files: int = 10_000, rounds: int = 5) -> dict[str, float]:
    """Median milliseconds per tool call on a generated tree of ``files`` files."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_tree(root, files)
        box = ToolBox(Workspace(root), env=scrubbed_env(os.environ, ()))
        calls = {
            "list_files": ToolCall("1", "list_files", {}),
            "list_files *.py": ToolCall("2", "list_files", {"pattern": "module_01*.py"}),
            "search": ToolCall("3", "search", {"pattern": r"NEEDLE: \w+"}),
        }
        backends = [("rg", search.ripgrep())] if search.ripgrep() else []
        backends.append(("python", None))
        real_ripgrep = search.ripgrep
        for backend, binary in backends:
            search.ripgrep = lambda b=binary: b  # type: ignore[assignment]
            for name, tool_call in calls.items():
                outcome = await box.run(tool_call)
                assert not outcome.is_error, outcome.content
                results[f"{name} [{backend}] ({outcome.summary})"] = await _median_ms(
                    lambda c=tool_call: box.run(c), rounds
                )
        search.ripgrep = real_ripgrep  # type: ignore[assignment]
        target = "src/pkg001/module_00021.py"
        read = ToolCall("4", "read_file", {"path": target})
        results["read_file (16 lines)"] = await _median_ms(lambda: box.run(read), rounds * 20)
        flip = [
            ("return value + 1", "return value + 100"),
            ("return value + 100", "return value + 1"),
        ]
        state = {"i": 0}

        async def edit() -> object:
            old, new = flip[state["i"] % 2]
            state["i"] += 1
            return await box.run(
                ToolCall("5", "edit_file", {"path": target, "old_text": old, "new_text": new})
            )

        results["edit_file (one line)"] = await _median_ms(edit, rounds * 20)
    return results


class _InstantProvider:
    """Answers each step at once: a read_file call, or text on the last step."""

    name = "anthropic"
    price_provider: str | None = "anthropic"

    def __init__(self, steps: int, stream_ms: list[float]) -> None:
        self.steps, self.calls, self.stream_ms = steps, 0, stream_ms

    async def stream(self, request: object) -> AsyncIterator[object]:
        from tui_router.core.providers.base import StopEvent, TextDelta, ToolCallEvent, UsageEvent
        from tui_router.core.usage import Usage

        started = time.perf_counter()
        self.calls += 1
        usage = Usage(input_tokens=2000 + 40 * self.calls, output_tokens=30)
        if self.calls >= self.steps:
            events: list[object] = [TextDelta("done"), UsageEvent(usage), StopEvent("end_turn")]
        else:
            call = ToolCall(f"t{self.calls}", "read_file", {"path": f"src/m{self.calls % 200}.py"})
            events = [TextDelta("reading"), ToolCallEvent(call), UsageEvent(usage)]
            events.append(StopEvent("tool_use"))
        self.stream_ms.append((time.perf_counter() - started) * 1000)
        for event in events:
            yield event

    async def aclose(self) -> None:
        return None


async def step_overhead(steps: int = 200) -> dict[str, float]:
    """The agent's own milliseconds per step (median and p95), model and tool time excluded."""
    from tui_router.core.agent.agent import Agent
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import AppConfig
    from tui_router.core.endpoints import BUILTIN_ENDPOINTS, ResolvedModel
    from tui_router.core.events import StepStarted, ToolResult
    from tui_router.core.ledger import Ledger
    from tui_router.core.session import Session
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnRunner

    with tempfile.TemporaryDirectory() as folder:
        os.environ["TUI_ROUTER_HOME"] = str(Path(folder) / "home")
        root = Path(folder) / "ws"
        (root / "src").mkdir(parents=True)
        for i in range(200):
            (root / "src" / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
        stream_ms: list[float] = []
        provider = _InstantProvider(steps, stream_ms)
        anthropic = next(e for e in BUILTIN_ENDPOINTS if e.name == "anthropic")
        config = AppConfig()
        catalog = build_catalog(config)
        catalog.warm()
        store = Store()
        ledger = Ledger()
        runner = TurnRunner(
            config,
            catalog,
            store,
            ledger,
            lambda model_id, cfg: (provider, ResolvedModel(anthropic, model_id)),  # type: ignore[arg-type, return-value]
        )
        session_id = store.create_session(start_model="claude-haiku-4-5", mode="manual")
        agent = Agent.for_workspace(config, root, max_steps=steps + 1)
        session = Session(
            config, catalog, store, ledger, runner, None, session_id, "claude-haiku-4-5",
            "manual", agent,
        )  # fmt: skip
        tool_ms: list[float] = []
        real_run = agent.toolbox.run

        async def timed_run(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return await real_run(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                tool_ms.append((time.perf_counter() - started) * 1000)

        agent.toolbox.run = timed_run  # type: ignore[method-assign]
        step_starts: list[float] = []
        tools_seen = 0
        async for event in session.run_turn("read every module"):
            if isinstance(event, StepStarted):
                step_starts.append(time.perf_counter())
            elif isinstance(event, ToolResult):
                tools_seen += 1
        step_starts.append(time.perf_counter())
        store.close()
    walls = [(b - a) * 1000 for a, b in itertools.pairwise(step_starts)]
    own = [
        wall - stream - (tool_ms[i] if i < len(tool_ms) else 0.0)
        for i, (wall, stream) in enumerate(zip(walls, stream_ms, strict=False))
    ]
    own.sort()
    return {
        "steps": float(len(own)),
        "median ms": statistics.median(own),
        "p95 ms": own[int(len(own) * 0.95) - 1],
        "tool median ms": statistics.median(tool_ms) if tool_ms else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    step = asyncio.run(step_overhead(args.steps))
    verdict = "ok" if step["median ms"] <= STEP_TARGET_MS else "OVER the 5 ms target"
    print(
        f"agent's own time per step, {int(step['steps'])} steps, 200-file workspace: "
        f"median {step['median ms']:.2f} ms, p95 {step['p95 ms']:.2f} ms  {verdict} "
        f"(tool read_file median {step['tool median ms']:.2f} ms, excluded)"
    )
    print(f"agent tools on a generated tree of {args.files:,} files (median of {args.rounds}):")
    results = asyncio.run(tool_timings(args.files, args.rounds))
    for name, ms in results.items():
        flag = ""
        if "[rg]" in name and not name.startswith("list_files *"):
            flag = "  ok" if ms <= TARGET_MS else f"  OVER the {TARGET_MS:.0f} ms target"
        print(f"  {name:<52} {ms:8.1f} ms{flag}")


if __name__ == "__main__":
    main()
