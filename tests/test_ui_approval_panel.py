"""The approval panel is one widget per screen, filled in place for each tool call that asks:
nothing of an earlier call stays in it, an answer to an earlier call moves nothing, and the
focus styles still follow the focus (the restyles it skips or defers are ones no rule needs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeserver_sse import Script
from terminal_model import from_scratch
from textual.app import App, ComposeResult
from textual.widgets import Input
from ui_support import EDIT, ORIGINAL, RENAMED, SIZE, asking, make_app, settle, started, wait_for

from tui_router.ui.widgets.approval import ApprovalPanel, DiffView, focus_styles_reach
from tui_router.ui.widgets.prompt import PromptInput


def numbered_diff(name: str, lines: int) -> str:
    body = [f"+{name} line {n}" for n in range(lines)]
    return "\n".join([f"--- a/{name}", f"+++ b/{name}", "@@ -0,0 +1 @@", *body]) + "\n"


class Harness(App[None]):
    CSS = ""

    def compose(self) -> ComposeResult:
        yield ApprovalPanel()
        yield PromptInput(id="prompt")


async def ask_for_the_edit(pilot: Any) -> None:
    """Send the prompt the scripted `EDIT` answers, and wait for its approval panel."""
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text("rename tmp to total")
    await pilot.press("enter")
    await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")


async def test_each_call_fills_the_panel_afresh() -> None:
    app = Harness()
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(ApprovalPanel)
        diff_view = panel.query_one(DiffView)
        assert not panel.display, "the panel shows before any call asks"
        panel.ask("call-1", "edit_file a.py", "edits a file", diff=numbered_diff("a.py", 80))
        panel.focus()
        await pilot.pause()
        assert panel.asking and diff_view.display
        diff_view.scroll_to(0, 30, animate=False, immediate=True)
        await pilot.press("n", "l", "a", "t", "e", "r")  # the refusal's reason, typed
        await wait_for(pilot, lambda: bool(panel.query(Input)), "the reason's field")
        panel._send("no", "later")
        await panel.close()
        await pilot.pause()
        assert not panel.display and not panel.query(Input)

        panel.ask("call-2", "run_command pytest", "runs a command", command="pytest -q", cwd="/w")
        panel.focus()
        await pilot.pause()
        assert panel.asking and panel.answer is None and not panel.asking_reason
        assert not diff_view.display and diff_view.lines == []
        shown = "\n".join(from_scratch(app).rows())
        assert "$ pytest -q" in shown and "a.py line" not in shown and "later" not in shown

        panel.ask("call-3", "edit_file b.py", "", diff=numbered_diff("b.py", 80))
        panel.focus()
        await pilot.pause()
        assert diff_view.display and diff_view.scroll_offset.y == 0
        shown = "\n".join(from_scratch(app).rows())
        assert "+b.py line 0" in shown and "$ pytest" not in shown
        await pilot.press("y")
        assert panel.answer == "yes" and not panel.asking


async def test_an_answer_to_an_earlier_call_changes_nothing(server: Any, repo: Path) -> None:
    server.push(Script(text="I will rename it.", tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await ask_for_the_edit(pilot)
        panel = app.query_one(ApprovalPanel)
        view = app.main_screen.turns.agent_view
        assert view is not None
        await view.answer("an-earlier-call", "yes", "")
        await pilot.pause()
        assert asking(app) is panel
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
        assert asking(app) is None and isinstance(app.focused, PromptInput)


async def test_the_prompt_loses_its_focus_style_once_the_panel_is_painted() -> None:
    app = Harness()
    async with app.run_test(size=(100, 40)) as pilot:
        prompt = app.query_one(PromptInput)
        panel = app.query_one(ApprovalPanel)
        prompt.focus()
        await pilot.pause()
        focused_border = prompt.styles.border_top
        panel.ask("call-1", "edit_file a.py", "", diff=numbered_diff("a.py", 5))
        panel.focus()
        await pilot.pause()
        await pilot.pause()
        assert prompt.styles.border_top != focused_border, "the prompt kept its focus style"
        prompt.focus()
        await pilot.pause()
        assert prompt.styles.border_top == focused_border


class FocusStyled(Harness):
    CSS = "ApprovalPanel:focus { border: heavy $error; }"


async def test_a_style_for_the_panels_focus_is_applied() -> None:
    shipped = Harness()
    async with shipped.run_test(size=(100, 40)):
        assert not focus_styles_reach(shipped.query_one(ApprovalPanel))
    app = FocusStyled()
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(ApprovalPanel)
        assert focus_styles_reach(panel)
        panel.ask("call-1", "edit_file a.py", "", diff=numbered_diff("a.py", 5))
        panel.focus()
        await pilot.pause()
        assert panel.styles.border_top[0] == "heavy"
        app.query_one(PromptInput).focus()
        await pilot.pause()
        assert panel.styles.border_top[0] == "round"


async def test_a_small_window_keeps_the_keys_and_scrolls_the_diff(server: Any, repo: Path) -> None:
    # At 60x20 the 9-line diff and the panel's other rows needed more than the panel's 70% of
    # the column: the panel cut the diff's last lines (the diff did not scroll: it did not know)
    # and the line that says which key approves.
    server.push(Script(text="I will rename it.", tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(repo)
    async with app.run_test(size=(60, 20)) as pilot:
        await ask_for_the_edit(pilot)
        panel = app.query_one(ApprovalPanel)
        diff_view = panel.query_one(DiffView)
        last_line = "+    return total"

        def screen() -> str:
            return "\n".join(from_scratch(app).rows())

        await wait_for(
            pilot,
            lambda: "↑↓ scroll" in screen() and diff_view.max_scroll_y > 0,
            "the diff fitted to the panel, scrolling",
        )
        assert "y yes · n no" in screen() and last_line not in screen()
        keys = panel.query_one(".keys")
        assert keys.region.bottom <= panel.content_region.bottom  # inside the panel, not cut
        for _ in range(diff_view.max_scroll_y):
            await pilot.press("down")
        await wait_for(pilot, lambda: last_line in screen(), "the diff's last line")
        assert "y yes · n no" in screen()

        await pilot.resize_terminal(120, 40)  # room enough: the whole diff, no scrolling
        await wait_for(pilot, lambda: diff_view.max_scroll_y == 0, "the diff at full height")
        await wait_for(pilot, lambda: "↑↓ scroll" not in screen(), "no scroll hint")
        assert "--- a/src/utils.py" in screen() and last_line in screen()

        await pilot.resize_terminal(60, 20)  # and smaller again
        await wait_for(pilot, lambda: diff_view.max_scroll_y > 0, "the diff scrolls again")
        await wait_for(pilot, lambda: "↑↓ scroll" in screen(), "the scroll hint")
        assert "y yes · n no" in screen()
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED


async def test_a_long_diff_shows_its_most_rows_when_the_window_has_room() -> None:
    app = Harness()
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(ApprovalPanel)
        diff_view = panel.query_one(DiffView)
        panel.ask("call-1", "edit_file a.py", "edits a file", diff=numbered_diff("a.py", 80))
        panel.focus()
        await wait_for(pilot, lambda: diff_view.size.height == DiffView.MOST_ROWS, "20 rows")
        shown = "\n".join(from_scratch(app).rows())
        assert "+a.py line 16" in shown and "+a.py line 17" not in shown
        assert "y yes · n no" in shown and "↑↓ scroll" in shown
        await pilot.press("down", "down")
        assert diff_view.scroll_offset.y == 2
        panel.ask("call-2", "edit_file b.py", "", diff=numbered_diff("b.py", 3))
        await wait_for(pilot, lambda: diff_view.size.height == 6, "a short diff's own height")
        assert "↑↓ scroll" not in "\n".join(from_scratch(app).rows())


async def test_the_reason_for_a_no_is_on_screen_as_it_is_typed() -> None:
    # Textual's `Input:focus` border outranked the panel's borderless one-row field: the
    # focused field was two rows of border and the reason was typed out of sight.
    app = Harness()
    async with app.run_test(size=(60, 20)) as pilot:
        panel = app.query_one(ApprovalPanel)
        panel.ask("call-1", "run_command ls", "runs a command", command="ls -la", cwd="/w")
        panel.focus()
        await pilot.pause()
        await pilot.press("n", *"not now")
        await wait_for(pilot, lambda: bool(panel.query(Input)), "the reason's field")
        field = panel.query_one(Input)
        await wait_for(pilot, lambda: field.has_focus and field.value == "not now", "typed")
        await wait_for(
            pilot,
            lambda: any("not now" in row for row in from_scratch(app).rows()),
            "the reason on screen",
        )
        assert field.region.height == 1
        assert any("y yes · n no" in row for row in from_scratch(app).rows())


async def test_the_ticker_says_the_turn_waits_for_an_answer_not_that_it_streams(
    server: Any, repo: Path
) -> None:
    from tui_router.ui.widgets.ticker import CostTicker

    server.push(Script(text="I will rename it.", tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await ask_for_the_edit(pilot)
        ticker = app.query_one(CostTicker)
        await wait_for(
            pilot, lambda: "waiting for your answer" in str(ticker.render()), "the ticker"
        )
        assert "streaming" not in str(ticker.render())
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
