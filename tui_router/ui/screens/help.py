"""The help screen (f1, /help): every key binding and every slash command on one page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: What each configurable action does, in the words the help screen shows.
ACTION_HELP: dict[str, str] = {
    "model_picker": "model picker (fuzzy search over the catalog)",
    "next_model": "switch to the next model in the sidebar",
    "previous_model": "switch to the previous model in the sidebar",
    "accept_suggestion": "accept the visible routing suggestion",
    "reject_suggestion": (
        "reject the suggestion (otherwise: refuse the tool call waiting for approval, else "
        "cancel the turn — its work and cost are kept)"
    ),
    "retry_stronger": (
        "retry the last turn one tier above the model that answered it (keeps both answers)"
    ),
    "cycle_mode": "cycle routing mode: manual → suggest → auto",
    "toggle_sidebar": "show or hide the model sidebar",
    "help": "this help",
    "quit": "quit: show the session summary first",
}

#: Keys that are not configurable.
FIXED_KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+p", "command palette (themes, summary, every action)"),
    ("enter", "send the prompt"),
    ("up / down", "prompt history (on an empty prompt)"),
)

#: The agent's keys: the approval panel (above the prompt) and the tool lines in the chat.
AGENT_KEYS: tuple[tuple[str, str], ...] = (
    ("y", "approve the tool call (the panel shows its diff, or the command and folder)"),
    ("n", "refuse it; type a reason for the model, enter sends the refusal"),
    ("a", "approve it and the like for this session (the panel says what: `git status …`)"),
    ("esc", "refuse it (enter never approves; the prompt keeps what you type meanwhile)"),
    ("enter / click", "on a tool line in the chat: fold its output open or shut"),
)

#: Shown after the slash commands: not a command, but typed in the prompt too.
ATTACH_HELP = ("@path", "attach a file from the working directory (its token count is shown)")


def default_commands() -> list[tuple[str, str]]:
    """The app's slash commands, from the same table the prompt parses them with."""
    from tui_router.ui.commands import slash_help_lines

    return [*slash_help_lines(), ATTACH_HELP]


class HelpScreen(ModalScreen[None]):
    """Key bindings (action → key, as configured) and slash commands; esc, q or f1 closes it.

    The scrolling part has the focus from the start, so down, page down and end scroll it (the
    app's own auto-focus, the prompt, is not on this screen: nothing had the focus until tab)."""

    AUTO_FOCUS = "#help-body"

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;
    }
    HelpScreen > Vertical {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        border-title-color: $primary;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen VerticalScroll {
        height: auto;
        max-height: 100%;
    }
    HelpScreen .hint {
        margin-top: 1;
        color: $text-muted;
    }
    HelpScreen .section {
        margin-top: 1;
        text-style: bold;
        color: $accent;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("f1", "close", "Close", show=False),
    ]

    def __init__(
        self,
        keys: Mapping[str, str],
        *,
        extra_keys: Sequence[tuple[str, str]] = (),
        commands: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """
        Args:
            keys: action name → key, as configured (config.toml ``[keys]``).
            extra_keys: more (key, what it does) rows, e.g. the prompt's newline key.
            commands: (slash command, what it does) rows; default: the app's slash commands.
        """
        super().__init__()
        self.keys = dict(keys)
        self.extra_keys = tuple(extra_keys)
        self.commands = tuple(default_commands() if commands is None else commands)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Help"
            box.border_subtitle = "esc to close"
            with VerticalScroll(id="help-body"):
                yield Static("Keys", classes="section")
                yield Static(self._keys_table(), id="help-keys")
                yield Static("Tool calls (the agent)", classes="section")
                yield Static(_two_columns(AGENT_KEYS), id="help-agent")
                yield Static("Slash commands", classes="section")
                yield Static(_two_columns(self.commands), id="help-commands")
                yield Static(
                    Text(
                        'Keys are set in config.toml under [keys], e.g. next_model = "f3".',
                        style="italic",
                    ),
                    classes="hint",
                )

    def _keys_table(self) -> Table:
        rows: list[tuple[str, str]] = []
        for action, key in self.keys.items():
            rows.append((key, ACTION_HELP.get(action, action.replace("_", " "))))
        rows.extend(FIXED_KEYS)
        rows.extend(self.extra_keys)
        return _two_columns(rows)

    def action_close(self) -> None:
        self.dismiss(None)


def _two_columns(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2), expand=False)
    table.add_column(style="bold", no_wrap=True, min_width=12)
    table.add_column()
    for left, right in rows:
        table.add_row(left, right)
    return table
