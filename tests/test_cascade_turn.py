"""A cascade turn end to end: the real Anthropic SDK against the loopback fake server, the real
store and ledger. A broken cheap answer escalates on the same conversation; both calls are kept
and counted; a good cheap answer does not escalate; the judge is one recorded call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fakeserver import Script

from tui_router.core.cascade_turn import CascadeTurn, cascade_models, judge_model
from tui_router.core.config import AppConfig
from tui_router.core.conversation import Conversation
from tui_router.core.ledger import Ledger
from tui_router.core.routing.decision import Decision
from tui_router.core.store import Store
from tui_router.core.turn import TurnRunner

TIERS = {
    "local": [],
    "fast": ["claude-haiku-4-5"],
    "balanced": ["claude-sonnet-4-6"],
    "frontier": ["claude-opus-4-6"],
}
LADDER = ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6")
PROMPT = "write a python function that adds two numbers"
BROKEN = "Here it is:\n\n```python\ndef add(a, b)\n    return a + b\n```\n"
GOOD = "Here it is:\n\n```python\ndef add(a, b):\n    return a + b\n```\n"


@pytest.fixture
def server(fake_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    return fake_server


def _runner(store: Store, ledger: Ledger) -> TurnRunner:
    from tui_router.core.catalog import build_catalog

    config = AppConfig(tiers={k: list(v) for k, v in TIERS.items()})
    return TurnRunner(config, build_catalog(config), store, ledger)


def _conversation() -> Conversation:
    conversation = Conversation()
    conversation.add_user("hello")
    conversation.add_assistant("Hi! What shall we write?", "claude-haiku-4-5")
    conversation.add_user(PROMPT)
    return conversation


async def test_a_broken_cheap_answer_escalates_and_both_calls_are_kept_and_counted(
    server: Any,
) -> None:
    server.push(
        Script(text=BROKEN, input_tokens=40, output_tokens=30),
        Script(text=GOOD, input_tokens=40, output_tokens=32),
    )
    ledger = Ledger()
    escalations: list[str] = []
    started: list[str] = []
    with Store() as store:
        session = store.create_session(start_model="claude-haiku-4-5", strategy="cascade")
        runner = _runner(store, ledger)
        conversation = _conversation()
        try:
            result = await CascadeTurn(runner).run(
                conversation,
                LADDER,
                session_id=session,
                turn_index=2,
                on_attempt=started.append,
                on_escalate=lambda e: escalations.append(e.line()),
            )
        finally:
            await runner.aclose()
        calls = store.session_calls(session)
        messages = store.session_messages(session)

    assert started == ["claude-haiku-4-5", "claude-sonnet-4-6"]  # stopped once one passed
    assert result.final.model == "claude-sonnet-4-6" and result.passed
    assert result.final.text == GOOD
    [step] = result.escalations
    assert step.gate == "code" and "does not parse" in step.reason and "line 1" in step.reason
    assert escalations == [step.line()]
    assert escalations[0].startswith("escalated from claude-haiku-4-5 to claude-sonnet-4-6: ")
    # the second model saw the same conversation, without the failed answer
    first, second = (r.body["messages"] for r in server.requests)
    assert first == second
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert BROKEN.strip() not in str(second)
    assert len(conversation.messages) == 3  # the driver leaves the history to its caller
    # both calls in the store with purpose cascade; both answers kept; the prompt once
    assert [(c.model, c.purpose, c.status) for c in calls] == [
        ("claude-haiku-4-5", "cascade", "ok"),
        ("claude-sonnet-4-6", "cascade", "ok"),
    ]
    turn_messages = [(m.role, m.content) for m in messages if m.turn == 2]
    assert turn_messages == [("user", PROMPT), ("assistant", BROKEN), ("assistant", GOOD)]
    # every call counted: the ledger total is the sum of both, failed attempt included
    costs = [c.cost_usd for c in calls]
    assert all(isinstance(c, Decimal) and c > 0 for c in costs)
    assert ledger.totals.calls == 2
    assert ledger.totals.cost_usd == sum(costs, Decimal(0))
    assert ledger.totals.baseline_usd == sum((c.baseline_cost_usd for c in calls), Decimal(0))
    assert [row["cost_usd"] for row in result.to_json()] == [str(c) for c in costs]


async def test_a_good_cheap_answer_does_not_escalate(server: Any) -> None:
    server.push(Script(text=GOOD, input_tokens=40, output_tokens=32))
    ledger = Ledger()
    with Store() as store:
        session = store.create_session(start_model="claude-haiku-4-5")
        runner = _runner(store, ledger)
        try:
            result = await CascadeTurn(runner).run(
                _conversation(), LADDER, session_id=session, turn_index=2
            )
        finally:
            await runner.aclose()
        calls = store.session_calls(session)
    assert len(server.requests) == 1
    assert result.escalations == () and result.passed
    assert [(c.model, c.purpose) for c in calls] == [("claude-haiku-4-5", "cascade")]
    assert result.to_json()[0]["gate"] == "all" and result.to_json()[0]["passed"] is True


async def test_the_judge_is_one_recorded_call_and_its_fail_escalates(server: Any) -> None:
    server.push(
        Script(text=GOOD, input_tokens=40, output_tokens=32),  # passes the local gates
        Script(text="FAIL: ignores the overflow the user asked about", output_tokens=9),
        Script(text=GOOD + "\nIt also handles overflow.", output_tokens=40),
    )
    ledger = Ledger()
    with Store() as store:
        session = store.create_session(start_model="claude-haiku-4-5")
        runner = _runner(store, ledger)
        judge = judge_model(runner.catalog)
        assert judge == "claude-haiku-4-5"
        try:
            result = await CascadeTurn(runner, judge_model=judge).run(
                _conversation(), LADDER[:2], session_id=session, turn_index=2
            )
        finally:
            await runner.aclose()
        calls = store.session_calls(session)
        messages = store.session_messages(session)
    assert [(c.model, c.purpose) for c in calls] == [
        ("claude-haiku-4-5", "cascade"),
        ("claude-haiku-4-5", "judge"),
        ("claude-sonnet-4-6", "cascade"),
    ]  # the last model is not judged: nothing is left to escalate to
    assert "<request>" in str(server.requests[1].body["messages"])  # the judge read the answer
    assert server.requests[1].body["max_tokens"] <= 200
    [step] = result.escalations
    assert step.gate == "judge" and step.reason == "ignores the overflow the user asked about"
    # the verdict is not part of the conversation: no message for it
    assert not any(m.content.startswith("FAIL") for m in messages)
    assert ledger.totals.calls == 3
    assert ledger.totals.cost_usd == sum((c.cost_usd for c in calls), Decimal(0))
    rows = result.to_json()
    assert [r["purpose"] for r in rows] == ["cascade", "judge", "cascade"]
    assert rows[1]["gate"] == "judge" and rows[1]["passed"] is False


async def test_a_provider_error_is_not_escalated(server: Any) -> None:
    """An outage says nothing about the model: the next tier is not paid for it."""
    overloaded = Script(status=529, headers={"x-should-retry": "false"})
    server.push(overloaded, Script(text=GOOD))  # x-should-retry: false, so one request
    with Store() as store:
        session = store.create_session(start_model="claude-haiku-4-5")
        runner = _runner(store, Ledger())
        try:
            result = await CascadeTurn(runner).run(
                _conversation(), LADDER[:2], session_id=session, turn_index=2
            )
        finally:
            await runner.aclose()
    assert [a.result.status for a in result.attempts] == ["error"]
    assert result.escalations == ()
    assert result.stopped is not None and "not escalated" in result.stopped
    assert [r.body["model"] for r in server.requests] == ["claude-haiku-4-5"]


async def test_a_provider_error_fails_over_to_the_same_tier_elsewhere(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    server.push(Script(status=529, headers={"x-should-retry": "false"}), Script(text=GOOD))
    config = AppConfig(
        tiers={**{k: list(v) for k, v in TIERS.items()}, "fast": ["claude-haiku-4-5", "gpt-5-mini"]}
    )
    from tui_router.core.catalog import build_catalog

    with Store() as store:
        session = store.create_session(start_model="claude-haiku-4-5")
        runner = TurnRunner(config, build_catalog(config), store, Ledger())
        try:
            result = await CascadeTurn(runner).run(
                _conversation(), LADDER[:2], session_id=session, turn_index=2
            )
        finally:
            await runner.aclose()
    assert [(a.result.model, a.result.status) for a in result.attempts] == [
        ("claude-haiku-4-5", "error"),
        ("gpt-5-mini", "ok"),
    ]
    assert result.escalations[0].gate == "error" and result.escalations[0].to_model == "gpt-5-mini"
    assert result.final.model == "gpt-5-mini"


def test_models_without_a_key_are_left_out_of_the_ladder(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_router.core.catalog import build_catalog

    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    config = AppConfig(tiers={**TIERS, "frontier": ["gpt-5.5"]})  # no OpenAI key set
    decision = Decision(
        model="claude-haiku-4-5",
        tier="fast",
        strategy="cascade",
        reason="r",
        ladder=("claude-sonnet-4-6", "gpt-5.5"),
    )
    assert cascade_models(decision, build_catalog(config)) == LADDER[:2]
