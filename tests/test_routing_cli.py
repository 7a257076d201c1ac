"""`route`, `rules` and `report --routing` through the real CLI entry point and a real store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tui_router.cli import main
from tui_router.core.paths import get_paths
from tui_router.core.store import Store
from tui_router.core.store_rows import CallRow, DecisionRow
from tui_router.core.usage import Usage


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_route_json_shape(capsys: pytest.CaptureFixture[str], no_local_model: None) -> None:
    # No key and no local model: the rule's fast wish stands, flagged as not callable. (With the
    # local extra installed the callable local model would take a rename; see test_routing_fit.)
    data = run_json(capsys, "route", "--json", "--strategy", "rules", "rename", "foo", "to", "bar")
    for key in ("tier", "model", "strategy", "reason", "confidence", "features", "latency_ms"):
        assert key in data
    assert data["tier"] == "fast" and data["strategy"] == "rules"
    assert data["rule"] == "cheap-edit"
    assert isinstance(data["confidence"], float) and isinstance(data["latency_ms"], float)
    assert data["features"]["cheap_rename"] == 1.0
    assert all(isinstance(v, float) for v in data["features"].values())


def test_route_takes_context_and_the_current_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    attached = tmp_path / "big.py"
    attached.write_text("x = 1\n" * 20_000, encoding="utf-8")
    data = run_json(
        capsys,
        "route",
        "--json",
        "--strategy",
        "rules",
        "--model",
        "claude-opus-4-6",
        "--context-tokens",
        "5000",
        "--file",
        str(attached),
        "add a docstring to f",
    )
    assert data["features"]["ctx_attached_files"] == 1.0
    assert data["features"]["ctx_total_tokens"] > 5000 + 20_000
    assert data["kind"] == "downgrade" and data["current_model"] == "claude-opus-4-6"


def test_route_prints_a_readable_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "--strategy", "rules", "write the prod migration dropping users"]) == 0
    out = capsys.readouterr().out
    assert "frontier" in out and "irreversible-or-production" in out and "decided in" in out


def test_route_without_a_prompt_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main(["route"]) == 2
    assert "give a prompt" in capsys.readouterr().err


def test_route_reads_the_prompt_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("reset"))  # the literal prompt "reset"
    data = run_json(capsys, "route", "--json", "--strategy", "heuristic", "-")
    assert data["features"]["words"] == 1.0 and data["strategy"] == "heuristic"


def test_route_reset_forgets_the_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    feedback = get_paths().feedback_file
    feedback.parent.mkdir(parents=True, exist_ok=True)
    feedback.write_text('{"prompt": "x", "label": 1, "features": {}}\n', encoding="utf-8")
    assert main(["route", "reset"]) == 0
    assert "forgot" in capsys.readouterr().out
    assert not feedback.exists()
    assert main(["route", "reset"]) == 0
    assert "no routing feedback" in capsys.readouterr().out


def test_rules_lists_the_defaults_and_the_users_rules_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = get_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[[rules]]\nname = "sql"\nfile_types = ["sql"]\ntier = "balanced"\n', encoding="utf-8"
    )
    rules = json.loads(main(["rules", "--json"]) == 0 and capsys.readouterr().out)
    assert rules[0]["name"] == "sql" and rules[0]["source"] == str(config)
    assert rules[-1]["name"] == "default-start-light" and rules[-1]["conditions"] == []
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "sql" in out and "cheap-edit" in out and "first match wins" in out


def test_a_bad_rule_is_reported_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    config = get_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[[rules]]\nname = "x"\ntier = "fast"\nkeyword = ["a"]\n', encoding="utf-8")
    assert main(["rules"]) == 2
    err = capsys.readouterr().err
    assert str(config) in err and "rules[0] (x)" in err and "did you mean 'keywords'?" in err
    assert "Traceback" not in err
    assert main(["route", "hello"]) == 2


def _call(
    session: str,
    turn: int,
    model: str,
    purpose: str,
    cost: str,
    tier: str,
    input_tokens: int = 2_000,
    output_tokens: int = 300,
) -> CallRow:
    return CallRow(
        session_id=session,
        turn=turn,
        model=model,
        purpose=purpose,
        usage=Usage(input_tokens=input_tokens, output_tokens=output_tokens),
        cost_usd=Decimal(cost),
        price_source="genai-prices",
        tier=tier,
        price_provider="anthropic",
        stop_reason="end_turn",
    )


def test_report_routing_reviews_recorded_sessions(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", strategy="rules")
        store.record_call(
            _call(sid, 1, "claude-haiku-4-5", "chat", "0.003", "fast"),
            text="done",
            prompt="rename foo to bar",
        )
        store.record_call(
            _call(sid, 2, "claude-haiku-4-5", "chat", "0.004", "fast"),
            text="meh",
            prompt="why does the worker deadlock under load?",
        )
        store.record_call(
            _call(sid, 2, "claude-opus-4-6", "retry", "0.020", "frontier"), text="better"
        )
        store.record_call(
            _call(sid, 3, "claude-opus-4-6", "chat", "0.020", "frontier"),
            text="ok",
            prompt="write the prod migration that drops the email column",
        )
        shown = store.record_decision(
            DecisionRow(
                session_id=sid,
                turn=3,
                strategy="rules",
                suggested_model="claude-opus-4-6",
                suggested_tier="frontier",
                current_model="claude-opus-4-6",
                current_tier="fast",
                reason="rule irreversible-or-production: ...",
                rule="irreversible-or-production",
            )
        )
        store.update_decision(shown, "accepted")
        store.record_decision(
            DecisionRow(
                session_id=sid,
                turn=1,
                strategy="rules",
                suggested_model="claude-sonnet-4-6",
                suggested_tier="balanced",
                current_model="claude-haiku-4-5",
                current_tier="fast",
                reason="rule reasoning-heavy",
                rule="reasoning-heavy",
                outcome="rejected",
            )
        )
    data = run_json(capsys, "report", "--routing", "--json")
    assert data["sessions"] == 1 and data["turns"] == 3
    assert data["turns_per_tier"] == {"fast": 1, "frontier": 2}
    assert Decimal(data["actual_cost_usd"]) == Decimal("0.047")
    assert data["retried_stronger"] == 1
    assert data["regret_turns"] == [
        {
            "session_id": sid,
            "turn": 2,
            "from_model": "claude-haiku-4-5",
            "to_model": "claude-opus-4-6",
        }
    ]
    assert Decimal(data["regret_usd"]) == Decimal("0.004")
    by_reason = {s["reason"]: s for s in data["suggestions"]}
    assert by_reason["irreversible-or-production"]["accepted"] == 1
    assert by_reason["irreversible-or-production"]["escalations"] == 1
    assert by_reason["reasoning-heavy"]["rejected"] == 1
    strategies = {w["strategy"]: w for w in data["what_if"]}
    assert set(strategies) == {"manual", "rules", "heuristic", "learned", "cascade"}
    rules = strategies["rules"]
    assert rules["turns_per_tier"].get("fast") == 1 and rules["turns_per_tier"].get("frontier") == 2
    assert Decimal(rules["cost_usd"]) > 0
    # manual never switches: every turn on the first model, so it is the cheapest here
    assert strategies["manual"]["turns_per_tier"] == {"fast": 3}
    assert Decimal(strategies["manual"]["cost_usd"]) < Decimal(rules["cost_usd"])

    assert main(["report", "--routing"]) == 0
    out = capsys.readouterr().out
    assert "Turns per tier" in out and "Suggestions by reason" in out and "retried stronger" in out


def test_report_routing_routes_the_typed_prompt_not_an_escalations_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The store keeps the task an escalation sent (for --resume); the review asks each
    strategy about the prompt the person typed, as the router was asked live."""
    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", strategy="cascade")
        typed = "rename foo to bar"
        store.record_call(
            _call(sid, 1, "claude-haiku-4-5", "cascade", "0.003", "fast"), text="no", prompt=typed
        )
        task = f"{typed}\n\nA previous attempt did not succeed: write the prod migration first"
        store.record_call(
            _call(sid, 1, "claude-sonnet-4-6", "cascade", "0.009", "balanced"),
            text="done",
            prompt=task,
        )
        assert [m.content for m in store.session_messages(sid) if m.role == "user"][-1] == task
    data = run_json(capsys, "report", "--routing", "--json")
    strategies = {w["strategy"]: w for w in data["what_if"]}
    assert strategies["rules"]["turns_per_tier"] == {"fast": 1}


def test_report_routing_with_no_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--routing"]) == 0
    assert "No answered turns" in capsys.readouterr().out


def test_report_routing_counts_agent_turns_and_reprices_every_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A turn with tools is recorded with purpose "agent" (one call per step); the review counted
    only chat/cascade/retry calls, so after `ask` (tools on by default) it said "0 answered
    turns"."""
    from tui_router.core.pricing import price_call

    prompt = "our prod migration drops the users.email column; write it safely with a rollback"
    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", mode="auto", strategy="rules")
        store.record_decision(
            DecisionRow(
                session_id=sid,
                turn=1,
                strategy="rules",
                suggested_model="claude-opus-4-6",
                suggested_tier="frontier",
                current_model="claude-haiku-4-5",
                current_tier="fast",
                reason="rule irreversible-or-production: ...",
                rule="irreversible-or-production",
                outcome="auto-applied",
            )
        )
        for step, (cost, text) in enumerate((("0.020", "reading"), ("0.025", "done")), start=1):
            store.record_call(
                _call(sid, 1, "claude-opus-4-6", "agent", cost, "frontier", 2_000 * step),
                text=text,
                prompt=prompt,
            )
    data = run_json(capsys, "report", "--routing", "--json")
    assert data["turns"] == 1 and data["turns_per_tier"] == {"frontier": 1}
    assert Decimal(data["actual_cost_usd"]) == Decimal("0.045")
    [rule] = data["suggestions"]
    assert rule["reason"] == "irreversible-or-production" and rule["auto_applied"] == 1
    manual = next(w for w in data["what_if"] if w["strategy"] == "manual")
    # the answer is both steps: 2,000 + 4,000 input and 300 + 300 output tokens re-priced
    both_steps = Usage(input_tokens=6_000, output_tokens=600)
    assert Decimal(manual["cost_usd"]) == price_call(both_steps, "claude-opus-4-6", "anthropic").usd
    assert main(["report", "--routing"]) == 0
    out = capsys.readouterr().out
    assert "1 answered turn" in out and "No answered turns" not in out


def test_report_routing_after_ask_counts_its_turn(fake_server: Any, cli: Any) -> None:
    """The user's pass: `ask` (an agent turn) then `report --routing` said "0 answered turns"."""
    from fakeserver import Script

    fake_server.push(Script(text="done", input_tokens=1_000, output_tokens=100))
    env = {"ANTHROPIC_BASE_URL": fake_server.anthropic_base_url, "ANTHROPIC_API_KEY": "test"}
    asked = cli("ask", "--json", "--model", "claude-haiku-4-5", "rename foo to bar", env=env)
    assert asked.returncode == 0, asked.stderr
    with Store() as store:
        sid = json.loads(asked.stdout)["session_id"]
        assert [c.purpose for c in store.session_calls(sid)] == ["agent"]
    reviewed = cli("report", "--routing", "--json")
    assert reviewed.returncode == 0, reviewed.stderr
    data = json.loads(reviewed.stdout)
    assert data["turns"] == 1 and data["turns_per_tier"] == {"fast": 1}


def test_the_routing_review_keeps_the_known_spend_beside_an_unknown_price(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # one unpriced call made the whole review read "spent n/a"
    from dataclasses import replace

    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", strategy="rules")
        store.record_call(
            _call(sid, 1, "claude-haiku-4-5", "chat", "0.003", "fast"), text="a", prompt="one"
        )
        unpriced = replace(_call(sid, 2, "claude-foo-1", "chat", "0", "fast"), cost_usd=None)
        store.record_call(unpriced, text="b", prompt="two")
    data = run_json(capsys, "report", "--routing", "--json")
    assert Decimal(data["actual_cost_usd"]) == Decimal("0.003")
    assert data["unknown_price_calls"] == 1
    assert main(["report", "--routing"]) == 0
    assert "spent ≥ $0.0030 (n/a for 1 call)" in capsys.readouterr().out


def test_the_what_if_table_says_a_tiny_cost_as_the_actual_row_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 10 in / 2 out on haiku, $0.00002: the actual row read "$0.000020", and manual (the same
    # turn on the same model) "$0.0000" in the same column
    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", strategy="rules")
        call = _call(sid, 1, "claude-haiku-4-5", "chat", "0.00002", "fast", 10, 2)
        store.record_call(call, text="a", prompt="rename foo to bar")
    assert main(["report", "--routing"]) == 0
    out = capsys.readouterr().out
    rows = {words[0]: words for words in (line.split() for line in out.splitlines()) if words}
    assert rows["actual"][1] == "$0.000020" and rows["manual"][1] == "$0.000020"
