"""`--resume` gives the model the session it left: every step's answer, tool call and tool result
(as they were sent), in order, under the system prompt a fresh session builds — against the
loopback fake server with the real Anthropic SDK, the real store and a real workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeserver_sse import Script
from ui_support import SESSION_ID, SIZE, asking, make_app, settle, started, wait_for

from tui_router.core.stored_history import NO_RESULT
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.tool_line import ToolLine

CALC = "def add(a, b):\n    return a + b  # calc\n"


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


def blocks(message: dict[str, Any]) -> list[tuple[str, str]]:
    """A request message as (role, block type) pairs: what the API checks the order of."""
    content = message["content"]
    if isinstance(content, str):
        return [(message["role"], "text")]
    return [(message["role"], block["type"]) for block in content]


def system_text(body: dict[str, Any]) -> str:
    system = body["system"]
    return system if isinstance(system, str) else "".join(b["text"] for b in system)


async def test_a_resumed_session_sends_the_tool_calls_and_results_it_had(
    server, tmp_path: Path
) -> None:
    """The first request after `--resume` carried only the prompts and last answers: the model
    had forgotten the file it read (~1.3k input tokens against ~9k before quitting)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text(CALC)
    read = {"name": "read_file", "input": {"path": "calc.py"}, "id": "toolu_read_1"}
    server.push(Script(text="Reading it.", tool_calls=[read]), Script(text="It adds."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what does calc.py do?")
        await settle(pilot)
    live = server.requests[-1].body
    assert live is not None
    live_messages = server.requests[-1].messages

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        server.push(Script(text="Still adds."))
        await send(pilot, "and now?")
        await settle(pilot)
    body = server.last_request.body
    assert body is not None
    messages = server.last_request.messages
    assert [blocks(m) for m in messages] == [
        [("user", "text")],
        [("assistant", "text"), ("assistant", "tool_use")],
        [("user", "tool_result")],
        [("assistant", "text")],
        [("user", "text")],
    ]
    # the same history the live session sent, the answer and the new prompt after it
    assert messages[:3] == [_uncached(m) for m in live_messages]
    tool_use = messages[1]["content"][1]
    assert (tool_use["id"], tool_use["name"], tool_use["input"]) == (
        "toolu_read_1",
        "read_file",
        {"path": "calc.py"},
    )
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == "toolu_read_1" and not result["is_error"]
    assert "return a + b  # calc" in result["content"]
    assert messages[3]["content"] == "It adds."
    # the system prompt is the one a fresh session builds for the workspace
    assert system_text(body) == system_text(live)


async def test_a_tool_call_cancelled_before_its_result_is_answered_after_resume(
    server, tmp_path: Path
) -> None:
    """A turn cancelled while its command waited for a yes left a tool call without a result;
    the APIs reject such a history, so the resumed one answers it as never run."""
    repo = tmp_path / "repo"
    repo.mkdir()
    command = {"name": "run_command", "input": {"command": "pytest -q"}, "id": "toolu_run_1"}
    server.push(Script(tool_calls=[command]))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "run the tests")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.press("ctrl+c")  # cancels the turn (esc would answer the panel no)
        await settle(pilot)
        assert [line.state for line in app.query(ToolLine)] == ["error"]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        server.push(Script(text="Not run yet."))
        await send(pilot, "and now?")
        await settle(pilot)
    messages = server.last_request.messages
    assert [blocks(m) for m in messages] == [
        [("user", "text")],
        [("assistant", "tool_use")],
        [("user", "tool_result"), ("user", "text")],
    ]
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == "toolu_run_1" and result["is_error"]
    assert result["content"] == NO_RESULT


def _uncached(message: dict[str, Any]) -> dict[str, Any]:
    """A request message without the cache breakpoint the live request put on its last block."""
    content = message["content"]
    if isinstance(content, str):
        return message
    return {
        **message,
        "content": [{k: v for k, v in b.items() if k != "cache_control"} for b in content],
    }
