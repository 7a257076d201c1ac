"""`tui-router --resume` without an id: pick the session to continue.

The sessions with a prompt, newest first: title (or the first prompt's line), when it started,
what it spent ("n/a" when no price is known), the model it was last on and its turns. Typing
filters by title; up/down move, enter opens the highlighted one, esc starts a new session
instead, ctrl+q quits. Dismisses with the chosen session id, or None for a new session.
The list is read from the store in a worker thread, after the first frame.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_router.core.resumable import ResumableSession, resumable_sessions
from tui_router.ui import format as fmt

if TYPE_CHECKING:
    from tui_router.ui.app import TuiRouterApp

HINT = "type to filter · ↑↓ move · enter open · esc new session · ctrl+q quit"
#: below this many rows the key hint and the spacing go (the list keeps the room)
SHORT_BELOW = 14


def spend_text(session: ResumableSession) -> str:
    """What the session spent: "$0.0123", "≥ $0.0123" when some prices are unknown, "n/a"."""
    if session.cost_usd is None:
        return "n/a"
    return ("≥ " if session.unknown_price_calls else "") + fmt.usd(session.cost_usd)


def started_text(iso: str) -> str:
    """When the session started, in local time."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def session_label(session: ResumableSession) -> Text:
    """Two lines: the title, then date · spend · model · turns (dim)."""
    label = Text(session.title or "(no title)", style="bold", overflow="ellipsis")
    turns = fmt.counted(session.turns, "turn")
    details = " · ".join(
        [started_text(session.started_at), spend_text(session), session.model or "?", turns]
    )
    label.append(f"\n{details}", style="dim")
    return label


class ResumePicker(Screen[str | None]):
    """The sessions to resume; dismisses with the chosen id (None: a new session)."""

    DEFAULT_CSS = """
    ResumePicker { background: $background; }
    ResumePicker > #picker-title { text-style: bold; padding: 0 1; color: $primary; }
    ResumePicker > #picker-hint { color: $text-muted; padding: 0 1; }
    ResumePicker > #filter { border: none; height: 1; padding: 0 1; margin: 1 0 0 0; }
    ResumePicker > #sessions { height: 1fr; border: none; margin: 1 0 0 0; }
    ResumePicker > #sessions > .option-list--option { padding: 0 1; }
    ResumePicker.-short > #picker-hint { display: none; }
    ResumePicker.-short > #filter, ResumePicker.-short > #sessions { margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "new_session", "New session"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]
    AUTO_FOCUS = "#filter"

    def __init__(self, sessions: list[ResumableSession] | None = None) -> None:
        """``sessions``: the rows to list; None reads them from the store when mounted."""
        super().__init__()
        self.sessions = sessions
        self.shown: list[ResumableSession] = []

    def compose(self) -> ComposeResult:
        self.fit_to(self.app.size.height)  # before the first frame: a Resize comes after it
        yield Static("Resume a session", id="picker-title")
        yield Static(HINT, id="picker-hint")
        yield Input(placeholder="filter by title…", id="filter")
        yield OptionList(id="sessions")

    async def on_mount(self) -> None:
        if self.sessions is None:
            self.query_one("#picker-title", Static).update(
                "Resume a session — reading the history…"
            )
            self.sessions = await asyncio.to_thread(_read_sessions)
            self.query_one("#picker-title", Static).update("Resume a session")
        if not self.sessions:  # nothing to pick: never an empty list
            self.notify("No session to resume yet: this is a new session")
            self.dismiss(None)
            return
        self._fill("")

    def on_resize(self, event: events.Resize) -> None:
        self.fit_to(event.size.height)

    def fit_to(self, height: int) -> None:
        """A short window keeps the list: no key hint, no spacing, below `SHORT_BELOW` rows."""
        self.set_class(height < SHORT_BELOW, "-short")

    def _fill(self, query: str) -> None:
        options = self.query_one("#sessions", OptionList)
        options.clear_options()
        words = query.lower().split()
        self.shown = [
            s for s in self.sessions or [] if all(w in (s.title or "").lower() for w in words)
        ]
        options.add_options(Option(session_label(s), id=s.id) for s in self.shown)
        if self.shown:
            options.highlighted = 0

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _submit(self) -> None:
        options = self.query_one("#sessions", OptionList)
        if options.highlighted is not None and self.shown:
            self.dismiss(self.shown[options.highlighted].id)

    @on(OptionList.OptionSelected, "#sessions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one("#sessions", OptionList)
        if not options.option_count:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_new_session(self) -> None:
        self.dismiss(None)


def pick_then_boot(app: TuiRouterApp) -> None:
    """Show the picker over the (empty) main screen, then open the chosen session, or a new one
    on esc (or when there is none to pick)."""

    def picked(session_id: str | None) -> None:
        app.options = replace(app.options, resume=session_id, pick_session=False)
        app.main_screen.options = app.options
        app.boot()

    app.push_screen(ResumePicker(), picked)


def _read_sessions() -> list[ResumableSession]:
    from tui_router.core.store import Store

    with Store(read_only=True) as store:
        return resumable_sessions(store)
