"""`core.stored_history`: a stored session's messages back into the conversation the models saw
(the real store; the rows as a session's runner and tool steps write them, and as a live session
writes them against the loopback fake server with the real SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.conversation import NO_RESULT, Message, ToolCall
from tui_router.core.providers.common import anthropic_messages, openai_messages
from tui_router.core.store import CallRow, Store
from tui_router.core.stored_history import stored_conversation
from tui_router.core.usage import Usage

SESSION = "01STOREDHISTORY00000000000"
READ = ToolCall("toolu_1", "read_file", {"path": "calc.py"})
EDIT = ToolCall("toolu_2", "edit_file", {"path": "calc.py", "old_text": "a", "new_text": "b"})


def step(
    store: Store,
    turn: int,
    text: str,
    *,
    prompt: str,
    model: str = "claude-haiku-4-5",
    tool_calls: tuple[ToolCall, ...] = (),
    purpose: str = "agent",
) -> None:
    """One model call of a turn, as the runner records it."""
    usage = Usage(input_tokens=100, output_tokens=10)
    row = CallRow(SESSION, turn, model, purpose, usage, Decimal("0.001"), "test prices")
    store.record_call(row, text=text, prompt=prompt, tool_calls=tool_calls)


def shape(messages: list[Message]) -> list[tuple[str, str, str | None]]:
    return [(m.role, m.content, m.model) for m in messages]


def test_every_step_call_and_result_comes_back_in_order(tmp_path) -> None:
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        step(store, 1, "Reading it.", prompt="what does calc.py do?", tool_calls=(READ,))
        store.add_tool_results(SESSION, 1, [("toolu_1", "1 def add(a, b): ...", False)])
        step(store, 1, "It adds.", prompt="what does calc.py do?")
        step(store, 2, "", prompt="rename a", tool_calls=(EDIT,))
        store.add_tool_results(SESSION, 2, [("toolu_2", "refused by the user", True)])
        step(store, 2, "Not renamed.", prompt="rename a")
        messages = stored_conversation(store.session_messages(SESSION))
    assert shape(messages) == [
        ("user", "what does calc.py do?", None),
        ("assistant", "Reading it.", "claude-haiku-4-5"),
        ("tool", "1 def add(a, b): ...", None),
        ("assistant", "It adds.", "claude-haiku-4-5"),
        ("user", "rename a", None),
        ("assistant", "", "claude-haiku-4-5"),
        ("tool", "refused by the user", None),
        ("assistant", "Not renamed.", "claude-haiku-4-5"),
    ]
    assert messages[1].tool_calls == (READ,)
    assert (messages[2].tool_call_id, messages[2].is_error) == ("toolu_1", False)
    assert (messages[6].tool_call_id, messages[6].is_error) == ("toolu_2", True)


def test_a_retried_turn_keeps_its_last_attempt_only(tmp_path) -> None:
    """ctrl+r or a cascade's escalation: the store keeps both attempts, the live conversation
    had only the last (the first one's calls and results are not the model's history)."""
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        # an attempt stopped by repeated tool errors: it ends on a result, not on an answer
        step(store, 1, "", prompt="fix it", tool_calls=(EDIT,), purpose="cascade")
        store.add_tool_results(SESSION, 1, [("toolu_2", "error: old_text not found", True)])
        strong = "claude-sonnet-4-6"
        step(store, 1, "", prompt="fix it", model=strong, tool_calls=(READ,), purpose="cascade")
        store.add_tool_results(SESSION, 1, [("toolu_1", "1 def add(a, b): ...", False)])
        step(store, 1, "Fixed.", prompt="fix it", model=strong, purpose="cascade")
        # ctrl+r after a finished answer
        step(store, 2, "Short.", prompt="explain")
        step(store, 2, "Longer.", prompt="explain", model=strong, purpose="retry")
        messages = stored_conversation(store.session_messages(SESSION))
    assert shape(messages) == [
        ("user", "fix it", None),
        ("assistant", "", strong),
        ("tool", "1 def add(a, b): ...", None),
        ("assistant", "Fixed.", strong),
        ("user", "explain", None),
        ("assistant", "Longer.", strong),
    ]


def test_a_retry_sent_another_prompt_is_answered_with_that_prompt(tmp_path) -> None:
    """A cascade's escalation sends the task with the failed attempt's diff: the store kept only
    the typed prompt, and the rebuilt history paired the stronger answer with it. A fail-over
    after it sends the typed prompt again."""
    strong = "claude-sonnet-4-6"
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        step(store, 1, "Broken.", prompt="fix it", purpose="cascade")
        escalated = "fix it\n\nA previous attempt by claude-haiku-4-5 did not succeed: ..."
        step(store, 1, "Fixed.", prompt=escalated, model=strong, purpose="cascade")
        rows = store.session_messages(SESSION)
        assert [(r.role, r.kind) for r in rows] == [
            ("user", None),
            ("assistant", None),
            ("user", "attempt"),
            ("assistant", None),
        ]
        assert shape(stored_conversation(rows)) == [
            ("user", escalated, None),
            ("assistant", "Fixed.", strong),
        ]
        # the next turn (ctrl+r on it resends its prompt: nothing new to store)
        step(store, 2, "Short.", prompt="explain")
        step(store, 2, "Longer.", prompt="explain", model=strong, purpose="retry")
        # a fail-over to the same tier elsewhere after an escalation: the typed prompt again
        step(store, 3, "Broken.", prompt="and this", purpose="cascade")
        # (a call that failed before any text stores its prompt, and no answer)
        step(store, 3, "", prompt="and this + diff", model=strong, purpose="cascade")
        step(store, 3, "Done.", prompt="and this", model="gpt-5", purpose="cascade")
        rows = store.session_messages(SESSION)
    kinds = [r.kind for r in rows if r.role == "user"]
    assert kinds == [None, "attempt", None, None, "attempt", "attempt"]
    assert shape(stored_conversation(rows))[2:] == [
        ("user", "explain", None),
        ("assistant", "Longer.", strong),
        ("user", "and this", None),
        ("assistant", "Done.", "gpt-5"),
    ]


def test_a_call_without_a_stored_result_is_answered_so_the_apis_take_the_history(
    tmp_path,
) -> None:
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        # two calls in one step; the turn was cancelled while the second waited for a yes
        step(store, 1, "", prompt="read, then edit", tool_calls=(READ, EDIT))
        store.add_tool_results(SESSION, 1, [("toolu_1", "1 def add(a, b): ...", False)])
        messages = stored_conversation(store.session_messages(SESSION))
    messages.append(Message("user", "and now?"))
    assert [(m.role, m.tool_call_id, m.is_error) for m in messages] == [
        ("user", None, False),
        ("assistant", None, False),
        ("tool", "toolu_1", False),
        ("tool", "toolu_2", True),
        ("user", None, False),
    ]
    assert messages[3].content == NO_RESULT
    # Anthropic: every tool_use answered in the next user message, the prompt after the results
    wire = anthropic_messages(messages)
    assert [m["role"] for m in wire] == ["user", "assistant", "user"]
    assert [b["type"] for b in wire[2]["content"]] == ["tool_result", "tool_result", "text"]
    assert [b["tool_use_id"] for b in wire[2]["content"][:2]] == ["toolu_1", "toolu_2"]
    # OpenAI: the assistant's tool_calls, then one tool message per call
    chat = openai_messages("system", messages)
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "tool", "tool", "user"]
    assert [m.get("tool_call_id") for m in chat[3:5]] == ["toolu_1", "toolu_2"]


def test_a_turn_without_a_prompt_is_left_out(tmp_path) -> None:
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        store.add_message(SESSION, "assistant", "a stray answer", turn=1, model="m")
        step(store, 2, "Hi.", prompt="hello")
        messages = stored_conversation(store.session_messages(SESSION))
    assert shape(messages) == [("user", "hello", None), ("assistant", "Hi.", "claude-haiku-4-5")]


def test_a_resumed_history_is_fitted_to_the_window_as_a_live_one(tmp_path) -> None:
    """The old tool results of a resumed history are elided first, as in a live session."""
    from tui_router.core.agent.context_fit import fit_to_window, history_tokens
    from tui_router.core.conversation import Conversation

    big = "x = 1\n" * 2_000
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION)
        step(store, 1, "", prompt="read calc.py", tool_calls=(READ,))
        store.add_tool_results(SESSION, 1, [("toolu_1", big, False)])
        step(store, 1, "Read.", prompt="read calc.py")
        conversation = Conversation(messages=stored_conversation(store.session_messages(SESSION)))
    conversation.add_user("and now?")
    notes = fit_to_window(conversation, history_tokens(conversation) // 2)
    assert len(notes) == 1 and notes[0].startswith("elided 1 older tool result (~")
    result = conversation.messages[2]
    assert result.role == "tool" and result.tool_call_id == "toolu_1"
    assert result.content.startswith("[tool output elided")


# -- a live session's history and the one the store gives back --------------------------------


@pytest.fixture
def session(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A session with the agent's tools in a throwaway workspace, on the fast tier."""
    from tui_router.core.agent.agent import Agent
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import AppConfig
    from tui_router.core.ledger import Ledger
    from tui_router.core.session import Session
    from tui_router.core.turn import TurnRunner

    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    config = AppConfig(
        tiers={
            "local": [],
            "fast": ["claude-haiku-4-5"],
            "balanced": ["claude-sonnet-4-6"],
            "frontier": ["claude-opus-4-6"],
        }
    )
    catalog = build_catalog(config)
    store = Store()
    ledger = Ledger()
    model = "claude-haiku-4-5"
    session_id = store.create_session(start_model=model, mode="manual", strategy="manual")
    runner = TurnRunner(config, catalog, store, ledger)
    agent = Agent.for_workspace(config, workspace)
    yield Session(config, catalog, store, ledger, runner, None, session_id, model, "manual", agent)
    store.close()


async def run(session: Any, prompt: str) -> None:
    async for _event in session.run_turn(prompt):
        pass


def resumed(session: Any) -> list[Message]:
    return stored_conversation(session.store.session_messages(session.session_id))


async def test_after_compact_the_stored_history_is_the_summary_and_what_followed(
    session: Any, fake_server: FakeServer
) -> None:
    """The store kept the history `/compact` had replaced and not the summary: a resumed
    session sent the model the long history again, and no summary."""
    from tui_router.core.background import compact

    fake_server.push(Script(text="first answer " + "detail " * 800))
    await run(session, "first question")
    fake_server.push(Script(text="- a first question, answered"))
    await compact(session)
    assert resumed(session) == session.conversation.messages
    fake_server.push(Script(text="second answer " + "more " * 800))
    await run(session, "second question")
    fake_server.push(Script(text="- two questions, both answered"))
    await compact(session)  # a second summary stands for the first one and what followed
    fake_server.push(Script(text="third answer"))
    await run(session, "third question")
    live = session.conversation.messages
    assert [m.role for m in live] == ["user", "assistant", "user", "assistant"]
    assert "two questions, both answered" in live[0].content
    assert resumed(session) == live


async def test_after_an_escalation_the_stored_history_has_the_task_the_stronger_model_got(
    session: Any, fake_server: FakeServer
) -> None:
    from tui_router.core.cascade_verifiers import QualityGates
    from tui_router.core.verified_cascade import run_verified_cascade

    broken = "```python\ndef f(:\n    return 1\n```\n"
    fake_server.push(Script(text=broken), Script(text="```python\nx = 1\n```\n"))
    models = ("claude-haiku-4-5", "claude-sonnet-4-6")
    async for _event in run_verified_cascade(session, "write x = 1", models, QualityGates()):
        pass
    live = session.conversation.messages
    assert live[0].content.startswith("write x = 1\n\nA previous attempt by claude-haiku-4-5")
    assert resumed(session) == live
    fake_server.push(Script(text="ok"))
    await run(session, "and now?")
    assert resumed(session) == session.conversation.messages


async def test_a_retry_after_compact_keeps_the_summary_live_and_stored(
    session: Any, fake_server: FakeServer
) -> None:
    """ "retry stronger" right after `/compact` removed the summary as if it were the last
    turn's prompt: the stronger model got the prompt with nothing before it."""
    from tui_router.core.background import compact

    fake_server.push(Script(text="first answer " + "detail " * 800))
    await run(session, "first question")
    fake_server.push(Script(text="- a first question, answered"))
    await compact(session)
    fake_server.push(Script(text="a better answer"))
    async for _event in session.run_turn(
        "first question", model_id="claude-sonnet-4-6", purpose="retry", retry=True
    ):
        pass
    live = session.conversation.messages
    assert [(m.role, m.summary) for m in live] == [
        ("user", True),
        ("assistant", True),
        ("user", False),
        ("assistant", False),
    ]
    assert live[2].content == "first question" and live[3].content == "a better answer"
    assert resumed(session) == live
