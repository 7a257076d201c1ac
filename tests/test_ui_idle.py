"""What the app does while nobody types: the prompt's cursor stops blinking (shown) after a quiet
spell and blinks again on input; the ticker and header repaint only when their text changes, and
the ticker still ticks while a reply streams. Checked on what the widgets paint. Also: a paste
lands in the prompt once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakeserver_sse import Script
from textual import events
from textual.geometry import Region
from textual.widget import Widget
from ui_support import SIZE, make_app, settle, started, wait_for

from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.ticker import CostTicker


def painted(widget: Widget) -> str:
    """The text of the lines the widget hands to the screen."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def cursor_shown(prompt: PromptInput) -> bool:
    """Whether the prompt's first text line paints a cell in the cursor's colours."""
    cursor = prompt.get_component_rich_style("text-area--cursor")
    first_text_row = prompt.content_region.y - prompt.region.y  # below the border
    line = prompt.render_lines(Region(0, first_text_row, prompt.size.width, 1))[0]
    return any(seg.style is not None and seg.style.bgcolor == cursor.bgcolor for seg in line)


def count_updates(widget: Widget, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    update = widget.update  # type: ignore[attr-defined]

    def counting(content: object, **kwargs: object) -> None:
        calls.append(content)
        update(content, **kwargs)

    monkeypatch.setattr(widget, "update", counting)
    return calls


def terminal_paste(text: str) -> events.Paste:
    """A paste as the app hands it to the focused prompt (it does not travel further)."""
    paste = events.Paste(text)
    paste.stop()
    return paste


async def test_a_paste_is_inserted_once(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)
        await pilot.press("a")
        prompt.post_message(terminal_paste("pasted"))
        await wait_for(pilot, lambda: prompt.text != "a", "the paste to land")
        await pilot.pause()
        assert prompt.text == "apasted"


# -- the cost ticker and the header -----------------------------------------------------------
async def test_ticker_repaints_while_a_reply_streams_and_after_it_ends(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(
            chunks=[f"tok{i} " for i in range(60)], delay=0.05, input_tokens=400, output_tokens=120
        )
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        ticker = app.query_one(CostTicker)
        app.query_one(PromptInput).load_text("stream please")
        await pilot.press("enter")
        estimates: list[str] = []

        def two_estimates_painted() -> bool:
            text = painted(ticker)
            if "spent ~$" in text and text not in estimates:
                estimates.append(text)
            return len(estimates) >= 2

        await wait_for(pilot, two_estimates_painted, "the ticker to tick twice while streaming")
        assert app.streaming
        await settle(pilot)
        final = painted(ticker)
        assert "~" not in final  # exact once the API's usage arrived
        assert "spent $0.0010" in final and "400 in / 120 out" in final
        assert final not in estimates


async def test_same_figures_repaint_nothing_and_a_model_switch_repaints_the_header(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        header, ticker = app.query_one(StatusHeader), app.query_one(CostTicker)
        header_updates = count_updates(header, monkeypatch)
        ticker_updates = count_updates(ticker, monkeypatch)
        app.refresh_status()  # what the app does after every reply, switch and mode change
        await pilot.pause()
        assert header_updates == [] and ticker_updates == []
        await pilot.press("f2")  # next model: a new header, the same figures
        await pilot.pause()
        assert len(header_updates) == 1 and ticker_updates == []
        assert "claude-sonnet-4-6 (balanced)" in painted(header)
        assert "spent $0.0000" in painted(ticker)


# -- the prompt's cursor -----------------------------------------------------------------------
async def test_cursor_holds_still_after_the_quiet_spell_and_blinks_again_on_a_key(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PromptInput, "blink_timeout", 1.0)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)
        await wait_for(pilot, lambda: not prompt.cursor_blink, "the cursor to stop blinking")
        assert cursor_shown(prompt)  # on the placeholder: held still, not hidden
        await pilot.press("h", "i")
        assert prompt.cursor_blink and prompt.text == "hi"
        await wait_for(pilot, lambda: not prompt.cursor_blink, "the cursor to stop again")
        assert cursor_shown(prompt)


async def test_holding_in_the_hidden_phase_shows_the_cursor_and_waking_blinks_it_off(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual caches painted lines; "hidden phase" and "not blinking" share a cache key.
    monkeypatch.setattr(PromptInput, "blink_timeout", None)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)
        await pilot.press("h", "i")
        await wait_for(pilot, lambda: not cursor_shown(prompt), "the cursor's hidden phase")
        prompt.hold_cursor()
        assert cursor_shown(prompt)
        await pilot.pause()
        assert cursor_shown(prompt) and not prompt.cursor_blink
        prompt.wake_cursor()
        assert prompt.cursor_blink
        await wait_for(pilot, lambda: not cursor_shown(prompt), "the cursor to blink off again")
        await wait_for(pilot, lambda: cursor_shown(prompt), "the cursor to blink on again")


async def test_a_click_a_paste_focus_and_new_text_wake_the_cursor(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PromptInput, "blink_timeout", 30.0)  # never reached in this test
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)

        async def wakes(what: str, action) -> None:
            prompt.hold_cursor()
            assert not prompt.cursor_blink
            await action()
            await pilot.pause()
            assert prompt.cursor_blink, f"{what} did not wake the cursor"

        await wakes("a click", lambda: pilot.click(PromptInput))

        async def paste() -> None:
            prompt.post_message(terminal_paste("pasted"))

        await wakes("a paste", paste)
        assert prompt.text == "pasted"

        async def refocus() -> None:
            app.set_focus(None)
            await pilot.pause()
            prompt.focus()

        await wakes("focus", refocus)

        async def load() -> None:
            prompt.load_text("set by the app")

        await wakes("new text", load)
        assert cursor_shown(prompt)
