"""The command-palette provider (ctrl+p): every app action, "Switch to <model>" for each catalog
model, the routing modes and "Strategy: <name>" for each routing strategy. Imported only when the
palette opens (textual.command is not needed for the first frame)."""

from __future__ import annotations

from collections.abc import Coroutine
from functools import partial
from typing import Any, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui_router.ui.commands import PALETTE_ACTIONS
from tui_router.ui.strategy import STRATEGY_HELP


# What the palette needs of the app, said here rather than imported: the app imports this module
# (when the palette opens), so importing the app back would close a cycle.
class _Commands(Protocol):
    def switch_model(self, model_id: str, source: str) -> None: ...
    def set_mode(self, mode: str) -> None: ...
    def set_strategy(self, name: str) -> None: ...


class _Screen(Protocol):
    @property
    def commands(self) -> _Commands: ...


class _Controller(Protocol):
    def model_ids(self) -> list[str]: ...


class _RouterApp(Protocol):
    @property
    def main_screen(self) -> _Screen: ...
    @property
    def controller(self) -> _Controller | None: ...
    def key_names(self) -> dict[str, str]: ...
    def run_action(
        self, action: str, default_namespace: Any = None
    ) -> Coroutine[Any, Any, bool]: ...


class RouterCommands(Provider):
    """Palette entries for the app's actions and for switching to each model."""

    @property
    def router_app(self) -> _RouterApp:
        return cast(_RouterApp, self.app)  # a `TuiRouterApp`

    def _entries(self) -> list[tuple[str, str, object]]:
        app = self.router_app
        screen = app.main_screen
        keys = app.key_names()
        entries: list[tuple[str, str, object]] = []
        for title, (action, help_text) in PALETTE_ACTIONS.items():
            key = keys.get(action)
            label = f"{help_text} ({key})" if key else help_text
            # the main screen's action of that name, else the app's (help, summary, quit)
            namespace = screen if hasattr(screen, f"action_{action}") else app
            entries.append((title, label, partial(app.run_action, action, namespace)))
        model_ids = app.controller.model_ids() if app.controller is not None else []
        for model_id in model_ids:
            entries.append(
                (
                    f"Switch to {model_id}",
                    "Keep the conversation, answer with this model",
                    partial(screen.commands.switch_model, model_id, "palette"),
                ),
            )
        for mode in ("manual", "suggest", "auto"):
            entries.append(
                (
                    f"Routing mode: {mode}",
                    "Set how the router acts on prompts",
                    partial(screen.commands.set_mode, mode),
                ),
            )
        for name, what in STRATEGY_HELP.items():
            entries.append(
                (
                    f"Strategy: {name}",
                    f"Route with {name}: {what}",
                    partial(screen.commands.set_strategy, name),
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
