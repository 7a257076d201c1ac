"""Slash commands typed in the prompt, and the actions the command palette lists.

`parse_slash` turns "/tier fast" into a `SlashCommand`; the app runs it. The palette provider
itself is in `palette` (imported only when the palette opens).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from tui_router.core.config import ROUTING_MODES, STRATEGIES
from tui_router.core.tiers import TIERS


def _either(names: tuple[str, ...]) -> str:
    """("a", "b", "c") -> "a, b or c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


#: name -> (argument hint, what it does); the order is the order /help shows. A hint is one short
#: word (the choices go in the description): /help's command column is as wide as the widest
#: hint, and "manual|rules|cascade|learned|heuristic" left a 60-column window a few characters
#: of description a line.
SLASH_COMMANDS: dict[str, tuple[str, str]] = {
    "model": ("NAME", "switch to a model (the conversation is kept)"),
    "tier": ("TIER", f"switch to the first available model of a tier: {_either(TIERS)}"),
    "mode": ("MODE", f"set the routing mode: {_either(ROUTING_MODES)}"),
    "strategy": (
        "NAME",
        f"switch the routing strategy: {_either(STRATEGIES)}; the conversation is kept "
        "(alone: show it)",
    ),
    "cost": ("", "show spend, frontier-only baseline and savings by model"),
    "undo": (
        "[N|#ID]",
        "put back the files of the last turn that changed them (N: the Nth turn back; "
        "#ID: a checkpoint id)",
    ),
    "compact": ("", "summarise the conversation on the fast tier to free the context"),
    "check": ("[CMD|off]", "run CMD after each turn, escalating until it passes (alone: show)"),
    "permissions": ("", "show the workspace, the permission rules and this session's always"),
    "new": ("", "start a new session (the current one stays in the history)"),
    "help": ("", "show keys and commands"),
}


@dataclass(frozen=True)
class SlashCommand:
    name: str
    arg: str


class SlashError(ValueError):
    """A line starting with "/" that is not a command we know; the message says what to type."""


def is_slash(text: str) -> bool:
    return text.startswith("/") and not text.startswith("//")


def parse_slash(text: str) -> SlashCommand:
    head, _, arg = text[1:].strip().partition(" ")
    name = head.lower()
    if name not in SLASH_COMMANDS:
        close = difflib.get_close_matches(name, list(SLASH_COMMANDS), n=1, cutoff=0.5)
        hint = f"did you mean /{close[0]}? " if close else ""
        known = " ".join(f"/{c}" for c in SLASH_COMMANDS)
        raise SlashError(f"Unknown command /{head} — {hint}Commands: {known}")
    return SlashCommand(name, arg.strip())


def slash_help_lines() -> list[tuple[str, str]]:
    return [(f"/{name} {hint}".strip(), what) for name, (hint, what) in SLASH_COMMANDS.items()]


#: palette title -> (action of the main screen or the app, help); keys are filled in from the
#: app's keymap.
PALETTE_ACTIONS: dict[str, tuple[str, str]] = {
    "Model picker": ("model_picker", "Fuzzy-search the catalog and switch model"),
    "Next model": ("next_model", "Switch to the next model in the sidebar"),
    "Previous model": ("previous_model", "Switch to the previous model in the sidebar"),
    "Accept suggestion": ("accept_suggestion", "Switch to the suggested model"),
    "Reject suggestion": ("reject_suggestion", "Keep the current model"),
    "Retry stronger": (
        "retry_stronger",
        "Retry the last turn one tier above the model that answered it",
    ),
    "Cycle routing mode": ("cycle_mode", "manual → suggest → auto"),
    "Toggle sidebar": ("toggle_sidebar", "Show or hide the model sidebar"),
    "Cancel reply": ("cancel_reply", "Stop the reply that is streaming"),
    "Help": ("help", "Keys and slash commands"),
    "Session summary": ("summary", "Spend, baseline, savings and suggestions so far"),
    "Cost": ("cost", "Spend by model in the chat"),
    "New session": ("new_session", "Start a new session"),
    "Quit": ("quit_app", "Show the session summary and exit"),
}
