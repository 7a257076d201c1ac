"""Agent overhead: what the tools cost on a large project (and, later, per agent step).

    python benchmarks/agent_overhead.py [--files N] [--rounds N]

Tool side (`tool_timings`): list_files and search through `ToolBox.run` on a generated tree of
N files (default 10,000) in 500 folders with a .gitignore that hides a tenth of them, as the agent
calls them: with ripgrep (the wheel's rg) and with the pure-Python fallback. Target: list_files and
search each <= 300 ms (median) with ripgrep. Also read_file and edit_file on one small file (the
per-call overhead of the thread hop and checks). No model is called; no network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tui_router.core.agent import search
from tui_router.core.agent.tools import ToolBox, scrubbed_env
from tui_router.core.agent.workspace import Workspace
from tui_router.core.conversation import ToolCall

TARGET_MS = 300.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"agent tools on a generated tree of {args.files:,} files (median of {args.rounds}):")
    results = asyncio.run(tool_timings(args.files, args.rounds))
    for name, ms in results.items():
        flag = ""
        if "[rg]" in name and not name.startswith("list_files *"):
            flag = "  ok" if ms <= TARGET_MS else f"  OVER the {TARGET_MS:.0f} ms target"
        print(f"  {name:<52} {ms:8.1f} ms{flag}")


if __name__ == "__main__":
    main()
