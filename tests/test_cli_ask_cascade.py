"""`tui-router ask` with the cascade strategy and no check command: the agent runs on the cheap
model with its tools, the quality gates judge its final answer, and a rejected attempt is undone
and escalated. The real CLI (in-process), the real SDK, the loopback fake server: stdout holds
only the answer kept, stderr a line per verdict and escalation, --json lists every attempt, and
the store holds every call."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from cli_runner import Cli
from fakeserver import FakeServer, Script
from test_cli_ask import _env

from tui_router.core.paths import get_paths
from tui_router.core.store import Store

CONFIG = """
[tiers]
local = []
fast = ["claude-haiku-4-5"]
balanced = ["claude-sonnet-4-6"]
frontier = ["claude-opus-4-6"]
"""
PROMPT = "rename the variable foo to bar in this python snippet: foo = 1"
BROKEN = "```python\nbar = 1\ndef f(:\n    return bar\n```\n"
GOOD = "```python\nbar = 1\n```\n"
ORIGINAL = "foo = 1\n"


def _config(extra: str = "") -> None:
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(extra + CONFIG, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "snippet.py").write_text(ORIGINAL)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def _ask(cli: Cli, fake: FakeServer, repo: Path, *args: str) -> tuple[int, dict, str]:
    proc = cli("ask", "--json", "--yes", "--cwd", str(repo), *args, env=_env(fake))
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def _write(content: str) -> Script:
    return Script(
        tool_calls=[{"name": "write_file", "input": {"path": "snippet.py", "content": content}}]
    )


def test_a_tool_using_attempt_the_gates_reject_is_undone_and_the_next_tier_gets_it(
    fake_server: FakeServer, cli: Cli, repo: Path
) -> None:
    _config()
    fake_server.push(
        _write("bar = 1\n"),  # haiku edits the file...
        Script(text=BROKEN, input_tokens=50, output_tokens=20),  # ...and answers broken code
        Script(text=GOOD, input_tokens=50, output_tokens=10),  # sonnet answers from the start
    )
    code, answer, err = _ask(cli, fake_server, repo, "--strategy", "cascade", PROMPT)
    assert code == 0, err
    # the rejected attempt's edit was put back before sonnet started
    assert (repo / "snippet.py").read_text() == ORIGINAL
    assert answer["text"] == GOOD and answer["model"] == "claude-sonnet-4-6"
    assert answer["route"]["strategy"] == "cascade" and answer["verified_by"] == "gate"
    assert answer["check"] is None and answer["passed"] is True
    attempts = answer["attempts"]
    assert [(a["model"], a["tier"], a["check"], a["verified_by"], a["gate"]) for a in attempts] == [
        ("claude-haiku-4-5", "fast", "fail", "gate", "code"),
        ("claude-sonnet-4-6", "balanced", "pass", "gate", "all"),
    ]
    assert "does not parse" in attempts[0]["reason"] and "line 2" in attempts[0]["reason"]
    costs = [Decimal(a["cost_usd"]) for a in attempts]
    assert Decimal(answer["total"]["cost_usd"]) == sum(costs) and answer["total"]["calls"] == 3
    # sonnet had the tools, the task, the undone diff and the rejected answer
    sonnet = fake_server.requests[2]
    assert sonnet.body["model"] == "claude-sonnet-4-6" and sonnet.body["tools"]
    task = sonnet.texts[-1]
    assert task.startswith(PROMPT) and "-foo = 1" in task and "+bar = 1" in task
    assert "def f(:" in task and "does not parse" in task
    assert "escalating from claude-haiku-4-5 to claude-sonnet-4-6: code: code block 1" in err
    assert "restored 1 file it changed" in err
    with Store() as store:
        calls = store.session_calls(answer["session_id"])
        session = store.get_session(answer["session_id"])
    assert [(c.model, c.purpose) for c in calls] == [
        ("claude-haiku-4-5", "cascade"),
        ("claude-haiku-4-5", "cascade"),
        ("claude-sonnet-4-6", "cascade"),
    ]
    assert session is not None and session.strategy == "cascade"


def test_a_gate_accepted_attempt_stops_and_keeps_its_work(
    fake_server: FakeServer, cli: Cli, repo: Path
) -> None:
    _config()
    fake_server.push(_write("bar = 1\n"), Script(text=GOOD))
    code, answer, err = _ask(cli, fake_server, repo, "--strategy", "cascade", PROMPT)
    assert code == 0, err
    assert (repo / "snippet.py").read_text() == "bar = 1\n"
    assert [(a["model"], a["check"]) for a in answer["attempts"]] == [("claude-haiku-4-5", "pass")]
    assert answer["files_changed"] == ["snippet.py"]
    assert {r.body["model"] for r in fake_server.requests} == {"claude-haiku-4-5"}
    assert "escalating" not in err


def test_config_strategy_cascade_prints_only_the_answer_kept(
    fake_server: FakeServer, cli: Cli, repo: Path
) -> None:
    _config('routing_mode = "auto"\nrouting_strategy = "cascade"\n')
    fake_server.push(Script(text=BROKEN), Script(text=GOOD))
    proc = cli("ask", "--cwd", str(repo), PROMPT, env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == GOOD  # the rejected answer never reaches stdout
    assert "escalating from claude-haiku-4-5 to claude-sonnet-4-6" in proc.stderr


def test_when_no_model_passes_the_last_answer_is_kept_and_said(
    fake_server: FakeServer, cli: Cli, repo: Path
) -> None:
    _config()
    fake_server.push(Script(text=BROKEN), Script(text=BROKEN), Script(text=BROKEN))
    code, answer, err = _ask(cli, fake_server, repo, "--strategy", "cascade", PROMPT)
    assert code == 0, err
    assert [a["check"] for a in answer["attempts"]] == ["fail", "fail", "fail"]
    assert answer["passed"] is False and answer["model"] == "claude-opus-4-6"
    assert "no model passed the quality gates; kept claude-opus-4-6's answer" in err


def test_cascade_judge_from_config_is_a_recorded_judge_call(
    fake_server: FakeServer, cli: Cli, repo: Path
) -> None:
    _config("cascade_judge = true\n")
    fake_server.push(
        Script(text=GOOD),
        Script(text="FAIL: it renames nothing"),
        Script(text=GOOD),
        Script(text="PASS"),
    )
    code, answer, err = _ask(cli, fake_server, repo, "--strategy", "cascade", PROMPT)
    assert code == 0, err
    first, second = answer["attempts"]
    assert (first["check"], first["gate"]) == ("fail", "judge")
    assert first["reason"] == "judge: it renames nothing"
    assert (second["check"], second["gate"]) == ("pass", "judge")
    assert first["judge"]["model"] == second["judge"]["model"] == "claude-haiku-4-5"
    total = sum(Decimal(a["cost_usd"]) + Decimal(a["judge"]["cost_usd"]) for a in (first, second))
    assert Decimal(answer["total"]["cost_usd"]) == total and answer["total"]["calls"] == 4
    assert "judged by claude-haiku-4-5" in err
    with Store() as store:
        calls = store.session_calls(answer["session_id"])
    assert [c.purpose for c in calls] == ["cascade", "judge", "cascade", "judge"]
    # the judge's verdict is not part of the conversation sonnet sees (only its reason)
    assert not any(t.startswith("FAIL") for t in fake_server.requests[2].texts)


def test_bad_strategy_and_bad_judge_setting_are_clear(fake_server: FakeServer, cli: Cli) -> None:
    proc = cli("ask", "--strategy", "cascad", "hi", env=_env(fake_server))
    assert proc.returncode == 2 and "invalid choice: 'cascad'" in proc.stderr
    _config('cascade_judge = "yes"\n')
    proc = cli("ask", "--strategy", "cascade", "hi", env=_env(fake_server))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cascade_judge must be true or false" in proc.stderr
    assert fake_server.requests == []
