"""A one-question panel docked above the prompt: a yes/no or a small choice the turn waits on.

Asked before anything is sent (an ``@path`` outside the workspace, a paste too large for the
model). Each choice is one letter key; esc is the cancelling answer; enter never answers (a
prompt sent by habit must not approve a read). The answer resolves `QuestionPanel.answer`, a
future the flow awaits; the panel answers once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static


@dataclass(frozen=True)
class Choice:
    """One answer: the key that gives it, its value, and what the keys line says about it."""

    key: str
    value: str
    label: str


class QuestionPanel(Vertical, can_focus=True):
    """One question waiting for a key. Focused while it waits."""

    DEFAULT_CSS = """
    QuestionPanel {
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $warning;
        border-title-color: $warning;
        border-title-style: bold;
        background: $surface;
    }
    QuestionPanel > .keys { color: $text-muted; }
    """

    def __init__(
        self,
        question: str,
        choices: Sequence[Choice],
        *,
        cancel: Choice,
        title: str = "Question",
    ) -> None:
        super().__init__(id="question")
        self.question = question
        self.choices = tuple(choices)
        self.cancel = cancel
        self.border_title = title
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Content.styled(self.question, "bold"), classes="title", markup=False)
        parts: list[Content | str | tuple[str, str]] = []
        for choice in (*self.choices, self.cancel):
            key = "esc" if choice.key == "escape" else choice.key
            if choice is self.cancel and key != "esc":
                key += "/esc"  # esc always cancels too
            parts += [(key, "bold"), f" {choice.label} · "]
        parts.append("enter does nothing")
        yield Static(Content.assemble(*parts), classes="keys")

    def choose(self, value: str) -> None:
        """Answer with ``value`` (the first answer counts)."""
        if not self.answer.done():
            self.answer.set_result(value)

    def cancel_question(self) -> None:
        self.choose(self.cancel.value)

    def on_key(self, event: events.Key) -> None:
        # a letter that is no answer must not reach the prompt, and enter must not send or
        # approve anything; other keys (f1, ctrl+…) keep their meaning
        if not (event.is_printable or event.key in ("enter", "escape")):
            return
        event.stop()
        event.prevent_default()
        if event.key in ("escape", self.cancel.key):
            self.cancel_question()
            return
        for choice in self.choices:
            if event.key == choice.key:
                self.choose(choice.value)
                return
