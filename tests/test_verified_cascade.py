"""The verified cascade and the delegate subagent through `tui-router ask`: the real CLI
(in-process), the real SDKs against the loopback fake server, a throwaway repository whose
check command fails until the work is right."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.cli import main
from tui_router.core.paths import get_paths
from tui_router.core.store import Store

CONFIG = """
[tiers]
local = []
fast = ["claude-haiku-4-5"]
balanced = ["claude-sonnet-4-6"]
frontier = ["claude-opus-4-6"]
"""
CHECK = "python3 check.py"
CHECK_PY = """\
import sys
sys.path.insert(0, "src")
from utils import add
if add(2, 3) != 5:
    print(f"FAIL: add(2, 3) returned {add(2, 3)}, expected 5")
    sys.exit(1)
print("ok")
"""
ORIGINAL = "def add(a, b):\n    return 0\n"
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def repo(tmp_path: Path, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    # the check writes bytecode, as on most machines: a `.pyc` of an earlier version written in
    # the same second, with the same size, must not be taken for the fixed file's
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "utils.py").write_text(ORIGINAL)
    (root / "check.py").write_text(CHECK_PY)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def _write(content: str) -> Script:
    return Script(
        tool_calls=[{"name": "write_file", "input": {"path": "src/utils.py", "content": content}}]
    )


def _ask(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["ask", "--json", "--yes", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_failing_check_restores_the_tree_and_escalates_with_the_failure(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_server.push(_write(WRONG), Script(text="done"), _write(RIGHT), Script(text="fixed"))
    code, answer, err = _ask(
        capsys, "--strategy", "cascade", "--check", CHECK, "--cwd", str(repo), "make add() add"
    )
    assert code == 0, err
    assert (repo / "src" / "utils.py").read_text() == RIGHT
    attempts = answer["attempts"]
    assert [(a["model"], a["tier"], a["check"]) for a in attempts] == [
        ("claude-haiku-4-5", "fast", "fail"),
        ("claude-sonnet-4-6", "balanced", "pass"),
    ]
    assert answer["passed"] is True and answer["route"]["strategy"] == "verified cascade"
    assert all(Decimal(a["cost_usd"]) > 0 for a in attempts)
    assert Decimal(answer["total"]["cost_usd"]) == sum(Decimal(a["cost_usd"]) for a in attempts)
    # the balanced model started from the original file, with the failure and the diff in context
    balanced_first = fake_server.requests[2]
    assert balanced_first.body["model"] == "claude-sonnet-4-6"
    prompt = balanced_first.texts[-1]
    assert (
        "FAIL: add(2, 3) returned -1" in prompt and "-    return 0" in prompt and "a - b" in prompt
    )
    assert "escalating from claude-haiku-4-5 to claude-sonnet-4-6" in err
    with Store() as store:
        calls = store.session_calls(answer["session_id"])
    assert [(c.model, c.purpose) for c in calls] == [
        ("claude-haiku-4-5", "cascade"),
        ("claude-haiku-4-5", "cascade"),
        ("claude-sonnet-4-6", "cascade"),
        ("claude-sonnet-4-6", "cascade"),
    ]


def test_a_check_alone_makes_the_turn_a_cascade_in_the_record(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # `ask --check` without --strategy was stored under the strategy that picked the first
    # model ("learned", "manual"), so `stats --by strategy` filed the cascade's spend elsewhere,
    # and its two steps a tier were counted as two escalations
    fake_server.push(_write(WRONG), Script(text="done"), _write(RIGHT), Script(text="fixed"))
    code, answer, err = _ask(capsys, "--check", CHECK, "--cwd", str(repo), "make add() add")
    assert code == 0, err
    with Store() as store:
        row = store.get_session(answer["session_id"])
    assert row is not None and row.strategy == "cascade"
    assert main(["report", answer["session_id"]]) == 0
    assert "Cascade escalations: 1" in capsys.readouterr().out


def test_a_check_that_never_passes_ends_non_zero_after_the_top_model(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        fake_server.push(_write(WRONG), Script(text="done"))
    code, answer, err = _ask(
        capsys, "--model", "claude-haiku-4-5", "--check", CHECK, "--cwd", str(repo), "fix"
    )
    assert code != 0 and "still fails after 3 attempts" in err
    assert [a["check"] for a in answer["attempts"]] == ["fail", "fail", "fail"]
    assert [a["model"] for a in answer["attempts"]] == [
        "claude-haiku-4-5",
        "claude-sonnet-4-6",
        "claude-opus-4-6",
    ]


def test_the_same_failing_command_three_times_escalates_mid_turn(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = {"name": "run_command", "input": {"command": "python3 check.py"}}
    for _ in range(3):
        fake_server.push(Script(tool_calls=[failing]))
    fake_server.push(_write(RIGHT), Script(text="fixed"))
    code, answer, err = _ask(
        capsys, "--model", "claude-haiku-4-5", "--check", CHECK, "--cwd", str(repo), "fix"
    )
    assert code == 0, err
    first, second = answer["attempts"]
    assert first["check"] == "fail" and "repeated tool errors" in first["reason"]
    assert second == {**second, "model": "claude-sonnet-4-6", "check": "pass"}


def test_a_provider_error_is_not_escalated(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # overloaded on every try (the provider's own retries included)
    for _ in range(3):
        fake_server.push(Script(status=529, headers={"x-should-retry": "false"}))
    code, answer, err = _ask(
        capsys, "--model", "claude-haiku-4-5", "--check", CHECK, "--cwd", str(repo), "fix"
    )
    assert code != 0 and "overloaded" in err
    assert [a["model"] for a in answer["attempts"]] == ["claude-haiku-4-5"]
    # the next tier was not paid for the same outage
    assert {r.body["model"] for r in fake_server.requests} == {"claude-haiku-4-5"}


def test_delegate_runs_on_the_fast_tier_with_read_only_tools_billed_as_subagent(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_server.push(
        Script(tool_calls=[{"name": "delegate", "input": {"task": "find where add is defined"}}]),
        # the subagent: one read, one forbidden write, then its answer
        Script(tool_calls=[{"name": "search", "input": {"pattern": "def add"}}]),
        Script(tool_calls=[{"name": "write_file", "input": {"path": "x.txt", "content": "no"}}]),
        Script(text="add is defined in src/utils.py line 1"),
        Script(text="It is in src/utils.py."),
    )
    code, answer, err = _ask(
        capsys, "--model", "claude-sonnet-4-6", "--cwd", str(repo), "where is add?"
    )
    assert code == 0, err
    assert not (repo / "x.txt").exists()
    assert answer["tools"] == [{"name": "delegate", "status": "ok"}]
    # its line says what was delegated (it said "delegate → claude-haiku-4-5 · 3 steps · $…")
    assert "delegate → claude-haiku-4-5: find where add is defined · 3 steps · $" in err
    models = [r.body["model"] for r in fake_server.requests]
    assert models == [
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "claude-haiku-4-5",
        "claude-haiku-4-5",
        "claude-sonnet-4-6",
    ]
    sub_tools = {t["name"] for t in fake_server.requests[1].body["tools"]}
    assert sub_tools == {"read_file", "list_files", "search"}
    # the subagent's search result and refusal went back to it; its answer went to the caller
    assert "src/utils.py:1:" in json.dumps(fake_server.requests[2].body["messages"])
    assert "may only read" in json.dumps(fake_server.requests[3].body["messages"])
    assert "line 1" in json.dumps(fake_server.requests[4].body["messages"][-1])
    with Store() as store:
        purposes = [c.purpose for c in store.session_calls(answer["session_id"])]
    assert purposes == ["agent", "subagent", "subagent", "subagent", "agent"]


def test_a_provider_error_fails_over_to_the_same_tier_elsewhere(
    repo: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = get_paths()
    paths.config_file.write_text(
        CONFIG.replace('fast = ["claude-haiku-4-5"]', 'fast = ["claude-haiku-4-5", "gpt-5-mini"]'),
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-test")
        patch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
        fake_server.push(
            Script(status=529, headers={"x-should-retry": "false"}),  # haiku: overloaded
            _write(RIGHT),  # gpt-5-mini, the same tier on another endpoint, does the work
            Script(text="fixed"),
        )
        code, answer, err = _ask(
            capsys, "--model", "claude-haiku-4-5", "--check", CHECK, "--cwd", str(repo), "fix"
        )
    assert code == 0, err
    assert [(a["model"], a["check"]) for a in answer["attempts"]] == [
        ("claude-haiku-4-5", "none"),
        ("gpt-5-mini", "pass"),
    ]
    assert "failing over from claude-haiku-4-5 to gpt-5-mini" in err
    # the outage was not escalated: no stronger tier was asked
    assert [r.body["model"] for r in fake_server.requests] == [
        "claude-haiku-4-5",
        "gpt-5-mini",
        "gpt-5-mini",
    ]


def test_models_without_a_key_are_left_out_of_the_ladder(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import AppConfig
    from tui_router.core.routing.decision import Decision
    from tui_router.core.verified_cascade import cascade_models

    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    tiers = {"local": [], "fast": ["claude-haiku-4-5"], "balanced": ["claude-sonnet-4-6"]}
    config = AppConfig(tiers={**tiers, "frontier": ["gpt-5.5"]})  # no OpenAI key set
    decision = Decision(
        model="claude-haiku-4-5",
        tier="fast",
        strategy="cascade",
        reason="r",
        ladder=("claude-sonnet-4-6", "gpt-5.5"),
    )
    assert cascade_models(decision, build_catalog(config)) == (
        "claude-haiku-4-5",
        "claude-sonnet-4-6",
    )
