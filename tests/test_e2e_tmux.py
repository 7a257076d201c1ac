"""End to end: the real `tui-router` in a real terminal (tmux) against the loopback fake server.

Ask, watch the streamed answer and the ticker, switch model with f2, ask again, quit into the
summary (esc goes back, a second quit shows it again), leave with enter, then `tui-router report --last --json` must show both calls. The
screen is read with capture-pane and polled against a deadline; nothing waits a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
DEADLINE_S = 45.0

# Two scripted replies (wire usage as the Anthropic API reports it). Expected money, by hand:
#   turn 1 on claude-haiku-4-5 ($1/$5 per MTok): 1200 in, 300 out  -> $0.0012 + $0.0015 = $0.0027
#   turn 2 on claude-sonnet-4-6 ($3/$15):        1000 in, 200 out  -> $0.0030 + $0.0030 = $0.0060
#   baseline at claude-opus-4-6 ($5/$25): $0.0135 + $0.0100 = $0.0235; total $0.0087
SCRIPTS = [
    {
        "text": "Six times seven is **42**. E2E-ANSWER-ONE done.",
        "n_chunks": 12,
        "delay": 0.05,
        "input_tokens": 1200,
        "output_tokens": 300,
    },
    {
        "text": "Second answer from the next model. E2E-ANSWER-TWO done.",
        "n_chunks": 12,
        "delay": 0.05,
        "input_tokens": 1000,
        "output_tokens": 200,
    },
]

# No background title call: it would take one of the scripted replies (and add a call).
CONFIG = """\
frontier_model = "claude-opus-4-6"
routing_mode = "manual"
session_titles = false

[tiers]
local = []
fast = ["claude-haiku-4-5"]
balanced = ["claude-sonnet-4-6"]
frontier = ["claude-opus-4-6"]
"""


@dataclass
class Tmux:
    """One tmux server on its own socket, so the test never touches anyone else's sessions."""

    socket: str
    session: str = "e2e"

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session, check=False)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, what: str, ok: Callable[[str], bool]) -> str:
        """Poll the screen until ``ok`` holds; fail with the last screen after the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if ok(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")


@pytest.fixture
def fake_server_process(tmp_path: Path) -> Iterator[int]:
    script = tmp_path / "scripts.json"
    script.write_text(json.dumps(SCRIPTS))
    proc = subprocess.Popen(
        [sys.executable, str(TESTS / "fakeserver.py"), "--script", str(script)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[:1] == ["PORT"], f"fake server said {first!r}"
        yield int(first[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        print("tmux is not installed: skipping the end-to-end terminal test")
        pytest.skip("tmux is not installed")
    server = Tmux(socket=f"tui-router-e2e-{uuid.uuid4().hex[:8]}")
    try:
        yield server
    finally:
        server.run("kill-server", check=False)


def _env(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env.update(
        ANTHROPIC_API_KEY="test",
        ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}",
        TUI_ROUTER_HOME=str(home),
        TERM="xterm-256color",
        COLUMNS="120",
        LINES="40",
    )
    return env


def _calls_in_report(report: Any) -> list[dict[str, Any]]:
    """The call objects of `report --json`, wherever the report nests them."""
    if isinstance(report, dict):
        calls = report.get("calls")
        if isinstance(calls, list):
            return calls
        for value in report.values():
            found = _calls_in_report(value)
            if found:
                return found
    return []


def test_a_whole_session_in_a_real_terminal(
    tmux: Tmux, fake_server_process: int, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(CONFIG)
    env = _env(home, fake_server_process)
    env_args = [
        arg
        for name in (
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_BASE_URL",
            "TUI_ROUTER_HOME",
            "TERM",
            "PATH",
            "COLUMNS",
            "LINES",
        )
        for arg in ("-e", f"{name}={env.get(name, '')}")
    ]
    command = (
        f"{sys.executable} -m tui_router --model claude-haiku-4-5 --mode manual; "
        "echo E2E-EXIT=$?; sleep 600"
    )
    tmux.run(
        "new-session",
        "-d",
        "-s",
        tmux.session,
        "-x",
        "120",
        "-y",
        "40",
        *env_args,
        "sh",
        "-c",
        command,
    )

    # The app is up: the current model is on screen and nothing has been spent.
    first = tmux.wait_for("the app's first frame", lambda s: "claude-haiku-4-5" in s)
    assert "E2E-EXIT" not in first and "$0.0027" not in first

    # Ask: the answer streams in, the ticker shows the exact cost and the baseline.
    tmux.type("What is six times seven?")
    tmux.keys("Enter")
    screen = tmux.wait_for("the first streamed answer", lambda s: "E2E-ANSWER-ONE" in s)
    screen = tmux.wait_for(
        "the ticker to show the first call's cost ($0.0027) and baseline ($0.0135)",
        lambda s: "$0.0027" in s and "$0.0135" in s,
    )

    # f2 switches to the next model; ask again.
    tmux.keys("F2")
    tmux.wait_for(
        "the switch to claude-sonnet-4-6",
        lambda s: s.count("claude-sonnet-4-6") > screen.count("claude-sonnet-4-6"),
    )
    tmux.type("And now from the next model?")
    tmux.keys("Enter")
    tmux.wait_for("the second streamed answer", lambda s: "E2E-ANSWER-TWO" in s)
    tmux.wait_for(
        "the ticker to add the second call (total $0.0087, baseline $0.0235)",
        lambda s: "$0.0087" in s and "$0.0235" in s,
    )

    # Quit: the summary lists both models, the total, the baseline and the savings.
    # esc on the summary cancels the quit; the second ctrl+q shows it again.
    tmux.keys("C-q")
    tmux.wait_for("the session summary", lambda s: "Session summary" in s)
    tmux.keys("Escape")
    tmux.wait_for("esc to go back to the session", lambda s: "Session summary" not in s)
    assert "E2E-EXIT" not in tmux.screen()
    tmux.keys("C-q")
    summary = tmux.wait_for("the session summary", lambda s: "Session summary" in s)
    summary = tmux.wait_for(
        "the summary's numbers",
        lambda s: "Saved by routing" in s and "claude-haiku-4-5" in s.split("Session summary")[1],
    )
    for expected in (
        "claude-haiku-4-5",
        "claude-sonnet-4-6",
        "$0.0087",
        "$0.0235",
        "$0.0148 (63%)",
        "re-priced at claude-opus-4-6",
    ):
        assert expected in summary, f"{expected!r} missing from the summary:\n{summary}"

    # enter leaves the app cleanly.
    tmux.keys("Enter")
    tmux.wait_for("the app to exit", lambda s: "E2E-EXIT=" in s)
    after = tmux.screen()
    assert "E2E-EXIT=0" in after, after
    # what the session spent stays in the terminal once the app is gone
    rows = after.splitlines()
    [at] = [i for i, row in enumerate(rows) if row.startswith("tui-router: 2 calls")]
    assert rows[at].rstrip() == (
        "tui-router: 2 calls · spent $0.0087 · frontier-only $0.0235 · saved $0.0148 (63%)"
    ), after
    short = rows[at + 1].split("--resume ")[1].split(" ")[0]
    assert rows[at + 1].strip() == f"tui-router --resume {short} · tui-router report {short}"

    # The history on disk has both calls, each on its model.
    result = subprocess.run(
        [sys.executable, "-m", "tui_router", "report", "--last", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["session_id"].startswith(short)  # the exit line named this session
    calls = _calls_in_report(report)
    assert [c.get("model") for c in calls] == ["claude-haiku-4-5", "claude-sonnet-4-6"], calls
    assert [Decimal(c["cost_usd"]) for c in calls] == [Decimal("0.0027"), Decimal("0.006")]
    assert Decimal(report["total"]["cost_usd"]) == Decimal("0.0087")
    assert Decimal(report["baseline"]["cost_usd"]) == Decimal("0.0235")


# The agent in a real terminal: one edit, approved with `y`, then /undo.
#   step 1 on claude-haiku-4-5: 1000 in, 100 out -> $0.0010 + $0.0005 = $0.0015 (the edit)
#   step 2: 1200 in, 40 out -> $0.0012 + $0.0002 = $0.0014 (the answer)
AGENT_ORIGINAL = "def add(a, b):\n    tmp = a + b\n    return tmp\n"
AGENT_RENAMED = "def add(a, b):\n    total = a + b\n    return total\n"
AGENT_SCRIPTS = [
    {
        "text": "Renaming it.",
        "tool_calls": [
            {
                "name": "edit_file",
                "input": {
                    "path": "src/utils.py",
                    "old_text": "    tmp = a + b\n    return tmp",
                    "new_text": "    total = a + b\n    return total",
                },
            }
        ],
        "input_tokens": 1000,
        "output_tokens": 100,
    },
    {"text": "E2E-AGENT-DONE renamed.", "input_tokens": 1200, "output_tokens": 40},
]


def test_an_approved_edit_and_undo_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(CONFIG)
    workspace = tmp_path / "work"
    (workspace / "src").mkdir(parents=True)
    target = workspace / "src" / "utils.py"
    target.write_text(AGENT_ORIGINAL)
    script = tmp_path / "agent.json"
    script.write_text(json.dumps(AGENT_SCRIPTS))
    proc = subprocess.Popen(
        [sys.executable, str(TESTS / "fakeserver.py"), "--script", str(script)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])
        env = _env(home, port)
        env_args = [
            arg
            for name in (
                "ANTHROPIC_API_KEY",
                "ANTHROPIC_BASE_URL",
                "TUI_ROUTER_HOME",
                "TERM",
                "PATH",
                "COLUMNS",
                "LINES",
            )
            for arg in ("-e", f"{name}={env.get(name, '')}")
        ]
        command = (
            f"{sys.executable} -m tui_router --model claude-haiku-4-5 --mode manual "
            f"--cwd {workspace}; echo E2E-EXIT=$?; sleep 600"
        )
        tmux.run(
            "new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "40",
            "-c", str(tmp_path), *env_args, "sh", "-c", command,
        )  # fmt: skip
        tmux.wait_for("the app's first frame", lambda s: "claude-haiku-4-5" in s)
        tmux.type("Rename tmp to total in src/utils.py")
        tmux.keys("Enter")

        # The approval panel: the diff, the keys; enter does not approve.
        panel = tmux.wait_for(
            "the approval panel with the diff",
            lambda s: "-    tmp = a + b" in s and "+    total = a + b" in s and "y yes" in s,
        )
        assert "enter does not approve" in panel, panel
        assert "step 1/40" in panel, panel
        tmux.keys("Enter")
        time.sleep(0.5)  # (a negative check: enter must change nothing)
        assert target.read_text() == AGENT_ORIGINAL
        assert "y yes" in tmux.screen()
        tmux.keys("y")

        # The edit ran: its line, the file, the answer and each step's cost.
        tmux.wait_for(
            "the tool line, the answer and the costs",
            lambda s: (
                "✓ edit_file src/utils.py (+2 −2)" in s
                and "E2E-AGENT-DONE" in s
                and "$0.0015" in s
                and "$0.0014" in s
            ),
        )
        assert target.read_text() == AGENT_RENAMED

        # /undo puts the file back and says which.
        tmux.type("/undo")
        tmux.keys("Enter")
        tmux.wait_for("the undo line", lambda s: "Undone checkpoint" in s and "src/utils.py" in s)
        assert target.read_text() == AGENT_ORIGINAL

        tmux.keys("C-q")
        tmux.wait_for("the session summary", lambda s: "Session summary" in s)
        tmux.keys("Enter")
        tmux.wait_for("the app to exit", lambda s: "E2E-EXIT=" in s)
        assert "E2E-EXIT=0" in tmux.screen(), tmux.screen()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
