"""The prompt in a real session: a paste lands in the prompt once."""

from __future__ import annotations

from pathlib import Path

from textual import events
from ui_support import SIZE, make_app, started, wait_for

from tui_router.ui.widgets.prompt import PromptInput


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
