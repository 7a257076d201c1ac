"""The one-line header: app name, current model and tier, routing mode and strategy, the
session's title and id. No clock; while an agent turn runs, its step and elapsed time
("step 3/40 · 12 s")."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusHeader(Static):
    #: what the running turn is at ("step 3/40 · 12 s"), None between turns (`set_progress`)
    progress: str | None = None
    _shown: tuple[str, str | None, str, str | None, bool, str | None, str | None] | None = None

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
        title: str | None = None,
    ) -> None:
        self._shown = (model, tier, mode, session, streaming, strategy, title)
        text = self.describe(
            model, tier, mode, session, streaming, strategy, self.progress, title=title
        )
        if text != self.content:  # the app refreshes the status often; most times nothing changed
            # One line whatever it says: a repaint, not a layout of the whole screen.
            self.update(text, layout=False)

    def set_progress(self, progress: str | None) -> None:
        """Show (or, with None, clear) the running turn's step and time."""
        self.progress = progress
        if self._shown is not None:
            model, tier, mode, session, streaming, strategy, title = self._shown
            self.show(
                model=model,
                tier=tier,
                mode=mode,
                session=session,
                streaming=streaming,
                strategy=strategy,
                title=title,
            )

    @staticmethod
    def describe(
        model: str,
        tier: str | None,
        mode: str,
        session: str | None,
        streaming: bool = False,
        strategy: str | None = None,
        progress: str | None = None,
        *,
        title: str | None = None,
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
        if streaming:  # before the session id: the line may be cut on the right
            text.append(f"  ·  {progress or 'streaming…'} · esc cancels", style="italic")
        if title:  # before the id: what the session is about says more than its number
            text.append(f"  ·  “{title}”")
        if session:
            text.append(f"  ·  session {session}", style="dim")
        return text
