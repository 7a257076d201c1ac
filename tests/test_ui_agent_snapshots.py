"""SVG snapshots of the agent on the main screen: the approval panel with a coloured diff, and a
turn's tool lines (ok, folded open, an error, a refusal).

Deterministic: fixed session id, scripted answers and usage, the header's clock stopped, no
cursor blink, a workspace with fixed contents. Refresh after an intended change with
``pytest tests/test_ui_agent_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from ui_support import SIZE, asking, make_app, settle, started, wait_for

import tui_router.ui.flow_agent as flow_agent
from tui_router.ui.screens.main import MainScreen
from tui_router.ui.widgets.approval import ApprovalPanel
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.tool_line import ToolLine

SOURCE = (
    "def mean(values):\n"
    "    total = 0\n"
    "    for v in values:\n"
    "        total += v\n"
    "    return total / len(values)\n"
)
EDIT = {
    "name": "edit_file",
    "input": {
        "path": "src/stats.py",
        "old_text": "    total = 0\n    for v in values:\n        total += v\n    return total / len(values)",
        "new_text": '    if not values:\n        raise ValueError("mean of nothing")\n'
        "    return sum(values) / len(values)",
    },
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "stats.py").write_text(SOURCE)
    monkeypatch.setattr(flow_agent, "clock", lambda: 0.0)
    # the ticker's "streaming N s" counts real seconds: the snapshots do not show it
    monkeypatch.setattr(MainScreen, "show_reply_clock", lambda self: None, raising=False)
    return root


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.cursor_blink = False
    prompt.load_text(text)
    await pilot.press("enter")


async def until_panel(pilot: Any) -> None:
    app = pilot.app
    await send(pilot, "Make mean() fail clearly on an empty list")
    await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
    await pilot.pause()
    await pilot.pause()


def test_approval_panel_with_a_diff(snap_compare, server, workspace: Path) -> None:
    server.push(
        Script(text="I'll guard the empty case.", tool_calls=[EDIT], input_tokens=1500,
               output_tokens=120),
        Script(text="never shown"),
    )  # fmt: skip
    app = make_app(workspace)
    assert snap_compare(app, terminal_size=SIZE, run_before=until_panel)


async def tool_turn(pilot: Any) -> None:
    app = pilot.app
    await send(pilot, "Look around, then fix mean()")
    # keys go to the panel once it has the focus (as on screen: it is drawn with it)
    await wait_for(
        pilot,
        lambda: asking(app) is not None and app.query_one(ApprovalPanel).has_focus,
        "the approval panel, focused",
    )
    await pilot.press("n")
    await pilot.press(*"not yet")
    await pilot.press("enter")
    await settle(pilot)
    lines = list(app.query(ToolLine))
    await lines[0].action_fold()  # the first call's output, folded open
    app.query_one(PromptInput).focus()
    await pilot.pause()


def test_tool_lines(snap_compare, server, workspace: Path) -> None:
    server.push(
        Script(
            text="Reading first.",
            tool_calls=[
                {"name": "read_file", "input": {"path": "src/stats.py"}},
                {"name": "read_file", "input": {"path": "src/missing.py"}},
            ],
            input_tokens=900,
            output_tokens=60,
        ),
        Script(tool_calls=[EDIT], input_tokens=1400, output_tokens=110),
        Script(text="Left as it was, as you asked.", input_tokens=1600, output_tokens=20),
    )
    app = make_app(workspace)
    assert snap_compare(app, terminal_size=SIZE, run_before=tool_turn)
