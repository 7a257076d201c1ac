"""Slash commands typed in the prompt, and the command-palette provider.

`parse_slash` turns "/tier fast" into a `SlashCommand`; the app runs it. `RouterCommands` puts every
action (and "switch to <model>" for each catalog model) into Textual's command palette (ctrl+p).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui_router.ui.app import TuiRouterApp

#: name -> (argument hint, what it does); the order is the order /help shows.
SLASH_COMMANDS: dict[str, tuple[str, str]] = {
    "model": ("NAME", "switch to a model (the conversation is kept)"),
    "tier": ("local|fast|balanced|frontier", "switch to the first available model of a tier"),
    "mode": ("manual|suggest|auto", "set the routing mode"),
    "cost": ("", "show spend, frontier-only baseline and savings by model"),
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


#: palette title -> (app action, help); keys are filled in from the app's keymap.
PALETTE_ACTIONS: dict[str, tuple[str, str]] = {
    "Model picker": ("model_picker", "Fuzzy-search the catalog and switch model"),
    "Next model": ("next_model", "Switch to the next model in the sidebar"),
    "Previous model": ("previous_model", "Switch to the previous model in the sidebar"),
    "Accept suggestion": ("accept_suggestion", "Switch to the suggested model"),
    "Reject suggestion": ("reject_suggestion", "Keep the current model"),
    "Retry stronger": ("retry_stronger", "Retry the last turn on the next stronger tier"),
    "Cycle routing mode": ("cycle_mode", "manual → suggest → auto"),
    "Toggle sidebar": ("toggle_sidebar", "Show or hide the model sidebar"),
    "Cancel reply": ("cancel_reply", "Stop the reply that is streaming"),
    "Help": ("help", "Keys and slash commands"),
    "Session summary": ("summary", "Spend, baseline, savings and suggestions so far"),
    "Cost": ("cost", "Spend by model in the chat"),
    "New session": ("new_session", "Start a new session"),
    "Quit": ("quit_app", "Show the session summary and exit"),
}


class RouterCommands(Provider):
    """Palette entries for the app's actions and for switching to each model."""

    @property
    def router_app(self) -> TuiRouterApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, str, object]]:
        app = self.router_app
        keys = app.key_names()
        entries: list[tuple[str, str, object]] = []
        for title, (action, help_text) in PALETTE_ACTIONS.items():
            key = keys.get(action)
            label = f"{help_text} ({key})" if key else help_text
            entries.append((title, label, partial(app.run_action, action)))
        for model_id in app.model_ids():
            entries.append(
                (
                    f"Switch to {model_id}",
                    "Keep the conversation, answer with this model",
                    partial(app.switch_model, model_id, "palette"),
                ),
            )
        for mode in ("manual", "suggest", "auto"):
            entries.append(
                (
                    f"Routing mode: {mode}",
                    "Set how the router acts on prompts",
                    partial(app.set_mode, mode),
                ),
            )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
