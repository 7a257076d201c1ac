"""The prompt: a multi-line TextArea where enter sends and ctrl+j / shift+enter insert a newline.

Up/down on an empty prompt (or while showing a recalled entry) walk the prompt history. A paste
larger than `PromptInput.inline_paste_limit` characters is not inserted into the editor (that is
what freezes terminals); the app is told instead and handles it as an attachment.

The cursor blinks while the person is active and holds still (shown) after
`PromptInput.blink_timeout` seconds without input, as GTK and Alacritty do: each blink redraws
the screen, and it was the only work the app did while nobody typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from tui_router.ui.attach import common_prefix

NEWLINE_KEYS = ("ctrl+j", "shift+enter", "alt+enter")

#: Seconds without input before the cursor stops blinking (GTK's gtk-cursor-blink-timeout default).
BLINK_TIMEOUT = 10.0


class PromptInput(TextArea):
    """Where the person types. Posts `Submitted` on enter and `LargePaste` for huge pastes."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: round $primary 50%;
        padding: 0 1;
    }
    PromptInput:focus { border: round $primary; }
    """

    #: Seconds without input after which the cursor stops blinking and stays shown until the
    #: next key, paste, click, focus or change of text; ``None`` blinks for ever.
    blink_timeout: float | None = BLINK_TIMEOUT

    @dataclass
    class Submitted(Message):
        text: str

    @dataclass
    class LargePaste(Message):
        text: str

    @dataclass
    class ScrollChat(Message):
        """A page key (or home / end on an empty prompt): the screen scrolls the chat."""

        key: str

    def __init__(self, *, id: str | None = None, inline_paste_limit: int = 20_000) -> None:
        super().__init__(
            "",
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder="Ask anything · enter sends · ctrl+j newline · /help · @file attaches",
            highlight_cursor_line=False,
        )
        self.inline_paste_limit = inline_paste_limit
        self.prompt_history: list[str] = []
        self._history_index: int | None = None
        self._blink_countdown: Timer | None = None
        self._last_input = time.monotonic()
        self._holding = False  # blinking stopped by `hold_cursor` (not by whoever set cursor_blink)
        #: What tab completes, set by the screen: ``@`` paths (fragment -> the text to add, or
        #: None) and slash command names (without the "/").
        self.complete_path: Callable[[str], str | None] | None = None
        self.slash_names: Sequence[str] = ()

    def on_mount(self) -> None:
        self.wake_cursor()

    # -- cursor blink -----------------------------------------------------------------------
    def wake_cursor(self) -> None:
        """Input arrived: blink again (from the visible phase) and start counting again."""
        self._last_input = time.monotonic()
        if self._holding:
            self._holding = False
            self._set_cursor_blink(True)
        if self.blink_timeout and self._blink_countdown is None:
            self._blink_countdown = self.set_timer(self.blink_timeout, self._check_idle)

    def _check_idle(self) -> None:
        """Stop blinking, with the cursor shown, once no input came for `blink_timeout` s.

        One timer at a time, re-armed for the time left: a key costs a clock read, not a timer.
        """
        self._blink_countdown = None
        if not self.blink_timeout:
            return
        left = self._last_input + self.blink_timeout - time.monotonic()
        if left > 0:
            self._blink_countdown = self.set_timer(left, self._check_idle)
        else:
            self.hold_cursor()

    def hold_cursor(self) -> None:
        """Stop blinking, with the cursor shown, until the next input."""
        if self.cursor_blink:
            self._holding = True
            self._set_cursor_blink(False)

    def _set_cursor_blink(self, blink: bool) -> None:
        self.cursor_blink = blink
        # TextArea (Textual 8.2) caches rendered lines under one key for "blinking, hidden phase"
        # and "not blinking": without a cleared cache the line keeps the look it had before the
        # switch (no cursor while holding still, or a cursor that no longer blinks off).
        self.notify_style_update()
        self.refresh()

    def on_focus(self) -> None:
        self.wake_cursor()

    def watch_has_focus(self, has_focus: bool) -> None:
        # Losing the focus only dims the border (`:focus` above), and restyling a text area
        # (its component classes too) takes ~3 ms: after the next frame, so the widget taking
        # the focus (an approval panel, a picker) is painted that much sooner.
        if has_focus:
            self.update_node_styles()
        else:
            self.call_after_refresh(self._restyle_blurred)

    def _restyle_blurred(self) -> None:
        if not self.has_focus:  # focused again meanwhile: restyled then
            self.update_node_styles()

    def on_mouse_down(self) -> None:
        self.wake_cursor()

    def on_text_area_changed(self) -> None:
        self.wake_cursor()  # text set by the app (a recalled prompt, an attachment label)

    def on_text_area_selection_changed(self) -> None:
        self.wake_cursor()

    # -- keys -------------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        self.wake_cursor()
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            self.submit()
            return
        if key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key in ("pageup", "pagedown") or (key in ("home", "end") and not self.text):
            event.stop()
            event.prevent_default()
            self.post_message(self.ScrollChat(key))
            return
        if key == "tab" and self.complete():  # else tab moves the focus, as usual
            event.stop()
            event.prevent_default()
            return
        if key in ("up", "down") and self._browsing_history():
            event.stop()
            event.prevent_default()
            self.recall(-1 if key == "up" else 1)
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        self.wake_cursor()
        if len(event.text) > self.inline_paste_limit:
            event.stop()
            event.prevent_default()
            self.post_message(self.LargePaste(event.text))
        # Otherwise TextArea's own handler inserts the text: Textual calls it after this one
        # (awaiting it here as well pasted everything twice).

    def complete(self) -> bool:
        """Complete the ``@path`` or ``/command`` before the cursor; False when nothing fits."""
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        word = before.rsplit(None, 1)[-1] if before.strip() and not before[-1].isspace() else ""
        addition: str | None = None
        if word.startswith("@") and self.complete_path is not None:
            addition = self.complete_path(word[1:])
        elif row == 0 and word == before and word.startswith("/"):
            matches = [n for n in self.slash_names if n.startswith(word[1:])]
            if len(matches) == 1:
                addition = matches[0][len(word) - 1 :] + " "
            elif matches:
                addition = common_prefix(matches)[len(word) - 1 :] or None
        if not addition:
            return False
        self.insert(addition)
        return True

    # -- submit and history -----------------------------------------------------------------
    def submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.prompt_history or self.prompt_history[-1] != text:
            self.prompt_history.append(text)
        self._history_index = None
        self.clear()
        self.post_message(self.Submitted(text))

    def restore(self, text: str) -> None:
        """Give back a prompt that was not sent, the cursor at its end (typing goes on there)."""
        self.load_text(text)
        self.move_cursor(self.document.end)

    def _browsing_history(self) -> bool:
        if not self.prompt_history:
            return False
        if not self.text:
            return True
        return (
            self._history_index is not None
            and self.text == self.prompt_history[self._history_index]
        )

    def recall(self, step: int) -> None:
        """Show the previous (step -1) or next (+1) history entry; past the newest: empty."""
        if self._history_index is None:
            if step > 0:
                return
            index = len(self.prompt_history) - 1
        else:
            index = self._history_index + step
        if index < 0:
            index = 0
        if index >= len(self.prompt_history):
            self._history_index = None
            self.clear()
            return
        self._history_index = index
        self.load_text(self.prompt_history[index])
        self.move_cursor(self.document.end)
