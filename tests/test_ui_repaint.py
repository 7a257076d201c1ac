"""What reaches the terminal is the screen: after focus moves, a panel opens or closes, every
cell a terminal shows (the app's updates applied in order, `terminal_model`) is the cell the
screen draws from scratch. A move of the focus repaints what it changes, not the whole screen
(`MainScreen.focused`), so a cell nobody repainted would show here as a stale one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeserver_sse import Script
from terminal_model import Terminal, assert_shows_the_screen
from ui_support import EDIT, SIZE, make_app, settle, started, type_text, wait_for

from tui_router.ui.widgets.approval import ApprovalPanel
from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.prompt import PromptInput


async def test_moving_the_focus_leaves_no_stale_cell(
    server: Any, tmp_path: Path, terminal: Terminal
) -> None:
    server.push(Script(text="Here is a **short** answer.\n\n- one\n- two\n"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)
        await type_text(pilot, "hello there")
        await pilot.press("enter")
        await settle(pilot)
        assert_shows_the_screen(app, terminal, "after the answer")
        frames = terminal.frames
        app.query_one(ChatPane).focus()
        await pilot.pause()
        assert isinstance(app.focused, ChatPane)
        assert terminal.frames > frames, "moving the focus painted nothing"
        assert_shows_the_screen(app, terminal, "the chat focused")
        prompt.focus()
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the prompt focused again")


async def test_the_approval_panel_opens_and_closes_without_stale_cells(
    server: Any, repo: Path, terminal: Terminal
) -> None:
    server.push(
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(text="I will try again.", tool_calls=[EDIT]),
        Script(text="Renamed."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await type_text(pilot, "rename tmp to total")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.query(ApprovalPanel)), "the approval panel")
        await pilot.pause()
        assert app.query_one(ApprovalPanel).has_focus
        assert_shows_the_screen(app, terminal, "the panel open")
        await pilot.press("n")  # the reason's field takes the focus
        await wait_for(
            pilot,
            lambda: app.query_one(ApprovalPanel).query("Input").first().has_focus,
            "the reason field",
        )
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the reason's field focused")
        await type_text(pilot, "not yet")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: bool(app.query(ApprovalPanel)) and app.query_one(ApprovalPanel).answer is None,
            "the second panel",
        )
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the second panel open")
        await pilot.press("y")
        await settle(pilot)
        assert not app.query(ApprovalPanel)
        assert isinstance(app.focused, PromptInput)
        assert_shows_the_screen(app, terminal, "the panel closed, the prompt focused")
