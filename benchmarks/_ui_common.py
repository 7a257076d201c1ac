"""Shared set-up for the UI benchmarks: a throw-away home, a config, the fake server process.

The benchmarks never reach the network: the SDKs talk to `tests/fakeserver.py` on loopback.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAKE_SERVER = ROOT / "tests" / "fakeserver.py"

BENCH_CONFIG = """\
frontier_model = "claude-opus-4-6"
routing_mode = "manual"
# the fake server answers calls in order: a background title call would take the scripted answer
session_titles = false

[tiers]
local = []
fast = ["claude-haiku-4-5"]
balanced = ["claude-sonnet-4-6"]
frontier = ["claude-opus-4-6"]
"""


def make_home(config: str = BENCH_CONFIG) -> Path:
    """A fresh TUI_ROUTER_HOME with a config that needs no real key and no local model."""
    home = Path(tempfile.mkdtemp(prefix="tui-router-bench-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # the store and config go with the run
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(config)
    return home


def bench_env(home: Path, port: int | None = None) -> dict[str, str]:
    """The environment a benchmark process runs with (no real keys, loopback only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env["TUI_ROUTER_HOME"] = str(home)
    env["ANTHROPIC_API_KEY"] = "bench"
    env["ANTHROPIC_BASE_URL"] = f"http://127.0.0.1:{port or 9}"
    return env


def apply_env(env: dict[str, str]) -> None:
    for name in [k for k in os.environ if k.startswith(("ANTHROPIC_", "OPENAI_"))]:
        del os.environ[name]
    os.environ.update(env)


def start_fake_server(
    scripts: Sequence[dict[str, Any]] = (), home: Path | None = None, chunk_delay: float = 0.0
) -> tuple[subprocess.Popen[str], int]:
    """Start the loopback fake server as its own process (so it does not skew our CPU or RSS)."""
    args = [sys.executable, str(FAKE_SERVER), "--chunk-delay", str(chunk_delay)]
    if scripts:
        path = (home or Path(tempfile.mkdtemp())) / "scripts.json"
        path.write_text(json.dumps(list(scripts)))
        args += ["--script", str(path)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline().split()
    if first[:1] != ["PORT"]:
        proc.kill()
        raise SystemExit(f"fake server did not start (said {first!r})")
    return proc, int(first[1])


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size in MB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (and its finished children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def describe(values: Sequence[float], unit: str = "ms") -> str:
    """ "median 123 ms (min 110, max 150, n=5)"."""
    if not values:
        return "no samples"
    med = statistics.median(values)
    return (
        f"median {med:,.0f} {unit} (min {min(values):,.0f}, max {max(values):,.0f}, "
        f"n={len(values)})"
    )


async def settle(app: Any, pilot: Any) -> None:
    """Wait until the app has opened its session and finished its background warm-up.

    The warm-up thread imports the SDK and the markdown renderer after the first frame; a
    measurement that starts before it ends counts that thread's CPU (and its hold on the GIL)
    as rendering cost.
    """
    await app.ready.wait()
    # The app starts the warm-up before it sets `ready` (before 2026-12-04 it started it after,
    # and this wait found no worker: the figures then counted the warm-up's imports).
    warm = [w for w in app.workers if w.group == "warm"]
    if warm:
        await app.workers.wait_for_complete(warm)
    elif "textual.widgets._markdown" not in sys.modules:
        print("  (the warm-up was not found: these figures include its imports)", file=sys.stderr)
    await pilot.pause()
