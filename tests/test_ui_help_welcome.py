"""The help screen lists every key and command; the welcome screen says how to get a model."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from tui_router.core.config import DEFAULT_KEYS
from tui_router.core.extras import install_command, running_from_clone
from tui_router.core.paths import get_paths
from tui_router.ui.commands import SLASH_COMMANDS
from tui_router.ui.screens.help import HelpScreen
from tui_router.ui.screens.welcome import WelcomeScreen
from tui_router.ui.themes import APP_VARIABLE_DEFAULTS


class Host(App[None]):
    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.to_push = screen
        self.results: list[Any] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return APP_VARIABLE_DEFAULTS

    def on_mount(self) -> None:
        self.push_screen(self.to_push, self.results.append)


def screen_text(screen: Screen[Any]) -> str:
    """The text of every Static on the screen, rendered at its width."""
    lines = []
    for widget in screen.query(Static):
        local = Region(0, 0, widget.size.width, widget.size.height)
        lines.append("\n".join(strip.text for strip in widget.render_lines(local)))
    return "\n".join(lines)


async def test_help_lists_every_configured_key_and_every_slash_command() -> None:
    keys = {**DEFAULT_KEYS, "next_model": "f3"}  # a user's own binding shows as configured
    app = Host(HelpScreen(keys, extra_keys=[("ctrl+j", "insert a newline")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app.screen)
        for key in keys.values():
            assert key in text
        assert "f3" in text and "switch to the next model" in text
        assert "ctrl+p" in text and "ctrl+j" in text and "insert a newline" in text
        for name in SLASH_COMMANDS:
            assert f"/{name}" in text
        assert "@path" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and not isinstance(app.screen, HelpScreen)


async def test_the_commands_keep_a_readable_description_column_at_60_columns() -> None:
    # "/strategy manual|rules|cascade|learned|heuristic" made the command column ~48 wide: at 60
    # columns the descriptions wrapped a few characters a line ("sta… / a / new / ses…")
    app = Host(HelpScreen(DEFAULT_KEYS))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#help-commands", Static)
        lines = [
            strip.text
            for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))
        ]
        starts = {line.index("switch the routing") for line in lines if "/strategy" in line}
        assert starts and max(starts) <= 20, lines
        assert table.size.width - max(starts) >= 30  # a description line holds a few words
        text = " ".join(" ".join(lines).split())
        assert "manual, rules, cascade, learned or heuristic" in text
        assert "local, fast, balanced or frontier" in text and "manual, suggest or auto" in text


async def test_welcome_says_how_to_add_a_key_an_endpoint_or_the_local_model() -> None:
    app = Host(WelcomeScreen())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app.screen)
        assert "ANTHROPIC_API_KEY" in text and "OPENAI_API_KEY" in text
        assert "[endpoints.ollama]" in text and 'kind = "openai"' in text and "base_url" in text
        assert install_command("local") in text
        # the tests run from the clone: there the command is uv's, not pip's
        assert running_from_clone() and "uv run --extra local tui-router" in text
        assert str(get_paths().config_file) in " ".join(text.split())
        assert "tui-router config init" in text  # no config file yet: how to start one
        await pilot.press("q")
        await pilot.pause()
        assert app.results == [True]


async def test_welcome_escape_continues_without_a_model() -> None:
    app = Host(WelcomeScreen())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [False] and app.is_running
