"""The prompt: a multi-line TextArea where enter sends and ctrl+j / shift+enter insert a newline.

Up/down on an empty prompt (or while showing a recalled entry) walk the prompt history. A paste
larger than `PromptInput.inline_paste_limit` characters is not inserted into the editor (that is
what freezes terminals); the app is told instead and handles it as an attachment.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = ("ctrl+j", "shift+enter", "alt+enter")


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

    @dataclass
    class Submitted(Message):
        text: str

    @dataclass
    class LargePaste(Message):
        text: str

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

    # -- keys -------------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
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
        if key in ("up", "down") and self._browsing_history():
            event.stop()
            event.prevent_default()
            self.recall(-1 if key == "up" else 1)
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        if len(event.text) > self.inline_paste_limit:
            event.stop()
            event.prevent_default()
            self.post_message(self.LargePaste(event.text))
        # Otherwise TextArea's own handler inserts the text: Textual calls it after this one
        # (awaiting it here as well pasted everything twice).

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
