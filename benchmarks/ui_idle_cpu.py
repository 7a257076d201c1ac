"""Idle CPU of the running app with the cost ticker on (target: < 1% of one core).

Starts the real `tui-router` in a real terminal (tmux, 120x40) when tmux is installed, else
headless in a child process; waits for the first screen and for start-up work to settle, then
reads the process's CPU time from /proc over a quiet window.

Usage: python benchmarks/ui_idle_cpu.py [--seconds S] [--settle S]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui_common import bench_env, cpu_seconds, make_home, rss_mb

APP_ARGS = ["-m", "tui_router", "--model", "claude-haiku-4-5", "--mode", "manual"]


def in_tmux(env: dict[str, str]) -> tuple[int, Callable[[], object]]:
    socket = f"tui-router-idle-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket]
    env_args = [
        a
        for k in ("TUI_ROUTER_HOME", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "PATH")
        for a in ("-e", f"{k}={env[k]}")
    ]
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            "idle",
            "-x",
            "120",
            "-y",
            "40",
            "-e",
            "TERM=xterm-256color",
            "-e",
            "COLUMNS=120",
            "-e",
            "LINES=40",
            *env_args,
            sys.executable,
            *APP_ARGS,
        ],
        check=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "idle"], capture_output=True, text=True
        ).stdout
        if "claude-haiku-4-5" in screen:
            break
        time.sleep(0.1)
    else:
        raise SystemExit("the app did not show its first screen within 60 s")
    pid = int(
        subprocess.run(
            [*tmux, "display", "-p", "-t", "idle", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return pid, lambda: subprocess.run([*tmux, "kill-server"], check=False)


def headless(env: dict[str, str]) -> tuple[int, Callable[[], object]]:
    code = (
        "from tui_router.core.config import load_config\n"
        "from tui_router.ui.app import TuiRouterApp\n"
        "from tui_router.ui.boot import StartOptions\n"
        "TuiRouterApp(load_config(), StartOptions(model='claude-haiku-4-5', mode='manual'),"
        " show_welcome=False).run(headless=True, size=(120, 40))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    return proc.pid, proc.kill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window")
    parser.add_argument("--settle", type=float, default=8.0, help="wait after the first screen")
    args = parser.parse_args()
    env = bench_env(make_home())
    use_tmux = shutil.which("tmux") is not None
    pid, stop = in_tmux(env) if use_tmux else headless(env)
    try:
        time.sleep(args.settle)  # start-up work (session, prices) finishes off the first frame
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.seconds)
        cpu1, t1 = cpu_seconds(pid), time.monotonic()
        rss = rss_mb(pid)
    finally:
        stop()
    share = (cpu1 - cpu0) / (t1 - t0) * 100
    where = "a real terminal (tmux 120x40)" if use_tmux else "headless (no tmux)"
    print(f"tui-router idle CPU in {where}, ticker on, after {args.settle:.0f} s to settle")
    print(
        f"  CPU: {cpu1 - cpu0:.3f} s over {t1 - t0:.1f} s = {share:.2f}% of one core (target < 1%)"
    )
    print(
        f"  RSS while idle: {rss:.1f} MB; load average {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
