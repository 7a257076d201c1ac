"""The one-line header: app name, current model and tier, routing mode and strategy, session id.
No clock."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusHeader(Static):
    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $primary 25%;
        color: $text;
    }
    """

    def show(
        self,
        *,
        model: str,
        tier: str | None,
        mode: str,
        session: str | None,
        streaming: bool = False,
        strategy: str | None = None,
    ) -> None:
        text = self.describe(model, tier, mode, session, streaming, strategy)
        if text != self.content:  # the app refreshes the status often; most times nothing changed
            # One line whatever it says: a repaint, not a layout of the whole screen.
            self.update(text, layout=False)

    @staticmethod
    def describe(
        model: str,
        tier: str | None,
        mode: str,
        session: str | None,
        streaming: bool = False,
        strategy: str | None = None,
    ) -> Text:
        """The header line (also the widget's content when it is created)."""
        text = Text()
        text.append("tui-router", style="bold")
        text.append("  ")
        text.append(model, style="bold")
        text.append(f" ({tier or 'no tier'})")
        text.append(f"  ·  mode {mode}")
        if strategy:
            text.append(f" · {strategy} routing")
        if session:
            text.append(f"  ·  session {session}", style="dim")
        if streaming:
            text.append("  ·  streaming… esc cancels", style="italic")
        return text
