"""`tui-router ask` with the cascade strategy: the real CLI (in-process), the real SDK, the
loopback fake server. A broken cheap answer escalates (one stderr line), stdout holds only the
final answer, --json lists every attempt, and the store holds both calls."""

from __future__ import annotations

import json
from decimal import Decimal

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


def _config(extra: str = "") -> None:
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(extra + CONFIG, encoding="utf-8")


def test_ask_json_strategy_cascade_lists_the_attempts(fake_server: FakeServer, cli: Cli) -> None:
    _config()
    fake_server.push(
        Script(text=BROKEN, input_tokens=50, output_tokens=20),
        Script(text=GOOD, input_tokens=50, output_tokens=10),
    )
    proc = cli("ask", "--json", "--strategy", "cascade", PROMPT, env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["text"] == GOOD and answer["model"] == "claude-sonnet-4-6"
    attempts = answer["attempts"]
    assert [(a["model"], a["tier"], a["purpose"], a["gate"]) for a in attempts] == [
        ("claude-haiku-4-5", "fast", "cascade", "code"),
        ("claude-sonnet-4-6", "balanced", "cascade", "all"),
    ]
    assert "does not parse" in attempts[0]["reason"] and "line 2" in attempts[0]["reason"]
    costs = [Decimal(a["cost_usd"]) for a in attempts]
    assert Decimal(answer["total"]["cost_usd"]) == sum(costs) and answer["total"]["calls"] == 2
    assert answer["route"]["strategy"] == "cascade"
    # one stderr line per escalation, naming both models and the reason
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("escalated from claude-haiku-4-5 to claude-sonnet-4-6: code block 1")
    with Store() as store:
        calls = store.session_calls(answer["session_id"])
        session = store.get_session(answer["session_id"])
    assert [(c.model, c.purpose) for c in calls] == [
        ("claude-haiku-4-5", "cascade"),
        ("claude-sonnet-4-6", "cascade"),
    ]
    assert session is not None and session.strategy == "cascade"
    report = json.loads(cli("report", "--last", "--json", env=_env(None)).stdout)
    assert Decimal(report["total"]["cost_usd"]) == sum(costs)


def test_config_strategy_cascade_prints_only_the_final_answer(
    fake_server: FakeServer, cli: Cli
) -> None:
    _config('routing_mode = "auto"\nrouting_strategy = "cascade"\n')
    fake_server.push(Script(text=BROKEN), Script(text=GOOD))
    proc = cli("ask", PROMPT, env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == GOOD  # the broken answer never reaches stdout
    assert "escalated from claude-haiku-4-5 to claude-sonnet-4-6" in proc.stderr


def test_a_good_cheap_answer_is_the_answer(fake_server: FakeServer, cli: Cli) -> None:
    _config()
    fake_server.push(Script(text=GOOD))
    proc = cli("ask", "--json", "--strategy", "cascade", PROMPT, env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["model"] == "claude-haiku-4-5" and len(answer["attempts"]) == 1
    assert proc.stderr == "" and len(fake_server.requests) == 1


def test_cascade_judge_from_config_is_a_recorded_judge_call(
    fake_server: FakeServer, cli: Cli
) -> None:
    _config("cascade_judge = true\n")
    fake_server.push(Script(text=GOOD), Script(text="PASS"))
    proc = cli("ask", "--json", "--strategy", "cascade", PROMPT, env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert [(a["purpose"], a["gate"], a["passed"]) for a in answer["attempts"]] == [
        ("cascade", "all", True),
        ("judge", "judge", True),
    ]
    assert answer["text"] == GOOD and answer["total"]["calls"] == 2
    with Store() as store:
        calls = store.session_calls(answer["session_id"])
    assert [c.purpose for c in calls] == ["cascade", "judge"]


def test_bad_strategy_and_bad_judge_setting_are_clear(fake_server: FakeServer, cli: Cli) -> None:
    proc = cli("ask", "--strategy", "cascad", "hi", env=_env(fake_server))
    assert proc.returncode == 2 and "invalid choice: 'cascad'" in proc.stderr
    _config('cascade_judge = "yes"\n')
    proc = cli("ask", "--strategy", "cascade", "hi", env=_env(fake_server))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cascade_judge must be true or false" in proc.stderr
    assert fake_server.requests == []
