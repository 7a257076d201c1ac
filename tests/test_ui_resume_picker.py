"""Sessions in the app: `--resume` redraws a session's turns as they were shown (tool lines
included) — against the loopback fake server with the real Anthropic SDK, the real store and a
real workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from ui_support import SESSION_ID, SIZE, make_app, settle, started, wait_for

from tui_router.ui.widgets.approval import ApprovalPanel
from tui_router.ui.widgets.chat import AssistantMessage, UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.tool_line import ToolLine

ORIGINAL = "def add(a, b):\n    tmp = a + b\n    return tmp\n"
EDIT = {
    "name": "edit_file",
    "input": {
        "path": "src/utils.py",
        "old_text": "    tmp = a + b\n    return tmp",
        "new_text": "    total = a + b\n    return total",
    },
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "utils.py").write_text(ORIGINAL)
    return root


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


async def answer_panel(pilot: Any, key: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.query(ApprovalPanel)), "the approval panel")
    await pilot.pause()
    await pilot.press(key)


def chat_rows(app: Any) -> list[str]:
    """The chat's entries in order, as a person reads them (notes left out)."""
    rows: list[str] = []
    for entry in app.chat.entries:
        if isinstance(entry, UserMessage):
            rows.append(f"user: {entry.text}")
        elif isinstance(entry, AssistantMessage):
            rows.append(f"answer: {entry.text}")
        elif isinstance(entry, ToolLine):
            rows.append(f"tool: {entry.line}")
    return rows


async def test_a_resumed_agent_turn_redraws_its_tool_lines_between_prompt_and_answer(
    server, repo: Path
) -> None:
    server.push(
        Script(tool_calls=[{"name": "read_file", "input": {"path": "src/utils.py"}}]),
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(tool_calls=[{"name": "run_command", "input": {"command": "pytest -q"}}]),
        Script(text="Renamed tmp to total."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await answer_panel(pilot, "y")  # the edit
        await answer_panel(pilot, "escape")  # the command: refused
        await settle(pilot)
        live = chat_rows(app)
    assert [row.split("  ")[0] for row in live if row.startswith("tool:")] == [
        "tool: ✓ read_file src/utils.py (lines 1-3 of 3)",
        "tool: ✓ edit_file src/utils.py (+2 −2)",
        "tool: ✗ run_command pytest -q",
    ]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        rows = chat_rows(resumed)
        assert rows == [
            "user: rename tmp to total",
            "answer: ",
            "tool: ✓ read_file src/utils.py  ▸ 3 lines",
            "answer: I will rename it.",
            "tool: ✓ edit_file src/utils.py (+2 −2)  ▸ 1 line",
            "answer: ",
            "tool: ✗ run_command pytest -q  refused by the user  ▸ 1 line",
            "answer: Renamed tmp to total.",
        ], rows
        read, edit, command = resumed.query(ToolLine)
        assert (read.state, edit.state, command.state) == ("ok", "ok", "denied")
        # the output the model saw folds open under its line, as during the turn
        read.focus()
        await pilot.press("enter")
        assert read.is_open
        assert "tmp = a + b" in read.output
        # the meta line of each step is back too (model, tokens, cost)
        assert all(
            a.meta_text.startswith("claude-haiku-4-5 · fast · ")
            for a in resumed.query(AssistantMessage)
        )
