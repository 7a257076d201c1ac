"""Idle CPU of the running app with the cost ticker on (target: < 1% of one core).

Starts the real `tui-router` in a real terminal (tmux, 120x40) when tmux is installed, else
headless in a child process; waits for the first screen and for start-up work to settle, then
reads the process's CPU time from /proc over a quiet window.

With tmux, two more processes are measured the same way, one after the other, for comparison:
tui-router with the prompt's cursor blinking throughout (`PromptInput.blink_timeout = None`; by
default it stops blinking 10 s after the last input), and a plain Textual app with a Static, a
TextArea and a Footer (the same yardstick as the start-up benchmark; its cursor blinks for ever).

CPU is read two ways: clock ticks from /proc/PID/stat (10 ms steps: 0.05% of a 20 s window) and
the scheduler's nanosecond run time of each thread (/proc/PID/task/*/schedstat), split into the
main thread (the event loop: timers, repaints) and the others (Textual's terminal input and
output threads). Wake-ups are the threads' voluntary context switches.

Usage: python benchmarks/ui_idle_cpu.py [--seconds S] [--settle S] [--app-only]
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui_common import bench_env, cpu_seconds, make_home, rss_mb

APP_ARGS = ["-m", "tui_router", "--model", "claude-haiku-4-5", "--mode", "manual"]

#: tui-router through its real command, with the blink timeout switched off before it starts.
ALWAYS_BLINKING = (
    "import sys\n"
    "from tui_router.ui.widgets.prompt import PromptInput\n"
    "PromptInput.blink_timeout = None\n"
    "from tui_router.cli import main\n"
    "sys.argv = ['tui-router', *sys.argv[1:]]\n"
    "sys.exit(main())\n"
)

PLAIN_TEXTUAL = (
    "from textual.app import App\n"
    "from textual.widgets import Footer, Static, TextArea\n"
    "class PlainApp(App):\n"
    "    def compose(self):\n"
    "        yield Static('plain Textual app')\n"
    "        yield TextArea()\n"
    "        yield Footer()\n"
    "PlainApp().run()\n"
)


@dataclass(frozen=True)
class Subject:
    label: str
    argv: list[str]
    ready_text: str  # on the screen once the first frame is drawn


SUBJECTS = [
    Subject("tui-router", [sys.executable, *APP_ARGS], "claude-haiku-4-5"),
    Subject(
        "tui-router, cursor blinking throughout",
        [sys.executable, "-c", ALWAYS_BLINKING, *APP_ARGS[2:]],
        "claude-haiku-4-5",
    ),
    Subject(
        "plain Textual app (Static, TextArea, Footer)",
        [sys.executable, "-c", PLAIN_TEXTUAL],
        "plain Textual app",
    ),
]


def in_tmux(env: dict[str, str], subject: Subject) -> tuple[int, Callable[[], object]]:
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
            *subject.argv,
        ],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "idle"], capture_output=True, text=True
        ).stdout
        if subject.ready_text in screen:
            break
        time.sleep(0.1)
    else:
        subprocess.run([*tmux, "kill-server"], check=False)
        raise SystemExit(f"{subject.label} did not show its first screen within 60 s")
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


def thread_times(pid: int) -> dict[int, tuple[int, int]]:
    """Thread id -> (run time in ns, voluntary context switches), for each live thread."""
    times = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            run_ns = int((task / "schedstat").read_text().split()[0])
            status = (task / "status").read_text().splitlines()
        except OSError:
            continue  # the thread ended meanwhile
        wakeups = next(int(s.split()[1]) for s in status if s.startswith("voluntary_ctxt"))
        times[int(task.name)] = (run_ns, wakeups)
    return times


def measure(pid: int, settle: float, seconds: float) -> dict[str, float]:
    time.sleep(settle)  # start-up work (session, prices) finishes off the first frame
    cpu0, threads0, t0 = cpu_seconds(pid), thread_times(pid), time.monotonic()
    time.sleep(seconds)
    cpu1, threads1, t1 = cpu_seconds(pid), thread_times(pid), time.monotonic()
    main_ns = main_wakeups = other_ns = other_wakeups = 0
    for tid, (run_ns, wakeups) in threads1.items():
        start_ns, start_wakeups = threads0.get(tid, (0, 0))
        if tid == pid:
            main_ns, main_wakeups = run_ns - start_ns, wakeups - start_wakeups
        else:
            other_ns += run_ns - start_ns
            other_wakeups += wakeups - start_wakeups
    return {
        "window": t1 - t0,
        "cpu": cpu1 - cpu0,
        "main_ms": main_ns / 1e6,
        "main_wakeups": main_wakeups,
        "other_ms": other_ns / 1e6,
        "other_wakeups": other_wakeups,
        "rss": rss_mb(pid),
    }


def report(label: str, m: dict[str, float]) -> None:
    window = m["window"]
    share = m["cpu"] / window * 100
    sched_share = (m["main_ms"] + m["other_ms"]) / 10 / window
    print(f"{label}:")
    print(
        f"  CPU: {m['cpu']:.3f} s over {window:.1f} s = {share:.2f}% of one core "
        f"(clock ticks); {sched_share:.2f}% by the scheduler's count"
    )
    print(
        f"  main thread {m['main_ms']:.1f} ms, {m['main_wakeups']:.0f} wake-ups; other threads "
        f"{m['other_ms']:.1f} ms, {m['other_wakeups']:.0f} wake-ups; RSS {m['rss']:.1f} MB"
    )
    if m["other_ms"] > 200:  # Textual's input and output threads need ~40 ms in 20 s
        print("  (start-up work was still running in the window: measure again, or --settle more)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window")
    parser.add_argument("--settle", type=float, default=8.0, help="wait after the first screen")
    parser.add_argument("--app-only", action="store_true", help="skip the two comparison processes")
    args = parser.parse_args()
    env = bench_env(make_home())
    use_tmux = shutil.which("tmux") is not None
    subjects = SUBJECTS[:1] if args.app_only or not use_tmux else SUBJECTS
    where = "a real terminal (tmux 120x40)" if use_tmux else "headless (no tmux)"
    print(f"Idle CPU in {where}, ticker on, after {args.settle:.0f} s to settle (target < 1%)")
    for subject in subjects:
        pid, stop = in_tmux(env, subject) if use_tmux else headless(env)
        try:
            measured = measure(pid, args.settle, args.seconds)
        finally:
            stop()
        report(subject.label, measured)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
