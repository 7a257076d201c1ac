"""The one-line header: app name, current model and tier, routing mode and strategy, the
session's title and id. No clock; while an agent turn runs, its step and elapsed time
("step 3/40 · 12 s"). A line wider than the header drops whole parts, least important first
(the session id, then the title — cut with "…" while enough of it is left —, the strategy, the
mode, the app's name), so what is running and "esc cancels" stay in view."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


class StatusHeader(Static):
    #: what the running turn is at ("step 3/40 · 12 s"), None between turns (`set_progress`)
    progress: str | None = None
    #: what `show` was last given (the header is drawn again from it on a resize or a step)
    _shown: dict[str, Any] | None = None

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
        self._shown = {
            "model": model,
            "tier": tier,
            "mode": mode,
            "session": session,
            "streaming": streaming,
            "strategy": strategy,
            "title": title,
        }
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def set_progress(self, progress: str | None) -> None:
        """Show (or, with None, clear) the running turn's step and time."""
        self.progress = progress
        self._draw()

    def _draw(self) -> None:
        if self._shown is None:
            return
        width = self.content_region.width or None
        text = self.describe(**self._shown, progress=self.progress, width=width)
        if text != self.content:  # the app refreshes the status often; most times nothing changed
            # One line whatever it says: a repaint, not a layout of the whole screen.
            self.update(text, layout=False)

    @staticmethod
    def describe(
        model: str,
        tier: str | None,
        mode: str | None,
        session: str | None,
        streaming: bool = False,
        strategy: str | None = None,
        progress: str | None = None,
        *,
        title: str | None = None,
        width: int | None = None,
        opening: bool = False,
    ) -> Text:
        """The header line (also the widget's content when it is created); with ``width``, the
        parts that fit in it, the least important dropped first. ``opening``: the session is
        not open yet (the first frame comes first): the model's tier is not guessed, nor the
        mode when it is None (a resumed session comes back to its own)."""
        parts: dict[str, Text] = {
            "name": Text("tui-router", style="bold"),
            "model": (
                Text(model, style="bold")
                if opening
                else Text.assemble((model, "bold"), f" ({tier or 'no tier'})")
            ),
            "mode": (
                Text("opening the session…", style="italic")
                if mode is None
                else Text(f"mode {mode}")
            ),
        }
        if strategy:
            parts["strategy"] = Text(f"{strategy} routing")
        if streaming:
            parts["activity"] = Text(f"{progress or 'streaming…'} · esc cancels", style="italic")
        if title:  # what the session is about says more than its number
            parts["title"] = Text(f"“{title}”")
        if session:
            parts["session"] = Text(f"session {session}", style="dim")
        text = _join(parts)
        for least in ("session", "title", "strategy", "mode", "name"):
            if width is None or text.cell_len <= width:
                break
            if least == "title" and title and _shorten_title(parts, title, width):
                text = _join(parts)
                continue
            if parts.pop(least, None) is not None:
                text = _join(parts)
        return text


#: A title cut shorter than this says too little to keep: it is dropped instead.
MIN_TITLE_CELLS = 12


def _shorten_title(parts: dict[str, Text], title: str, width: int) -> bool:
    """Cut the title (free text, the one part that can be cut) to what ``width`` leaves it."""
    without = _join({name: part for name, part in parts.items() if name != "title"})
    room = width - without.cell_len - len("  ·  ") - len("“…”")
    if room < MIN_TITLE_CELLS:
        return False
    parts["title"] = Text(f"“{title[:room].rstrip()}…”")
    return True


#: What goes before a part that is not the first (the strategy belongs to the mode before it).
_BEFORE = {"model": "  ", "strategy": " · "}


def _join(parts: dict[str, Text]) -> Text:
    text = Text()
    for name, part in parts.items():
        if text.plain:
            text.append(_BEFORE.get(name, "  ·  "))
        text.append_text(part)
    return text
