"""The footer is rebuilt only when the keys it shows change (not on every focus change)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input
from textual.widgets._footer import FooterKey
from ui_support import wait_for

from tui_router.ui.widgets.key_footer import KeyFooter


class WithKey(Button):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "press", "Press me")]


class Harness(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield WithKey("with a key", id="keyed")
        yield KeyFooter()


def shown(app: App[None]) -> list[str]:
    return [key.description for key in app.query(FooterKey)]


async def test_focus_moves_without_a_change_of_keys_keep_the_footer_as_it_is() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        await wait_for(pilot, lambda: "Quit" in shown(app), "the footer's keys")
        keys = list(app.query(FooterKey))
        app.query_one("#two").focus()
        app.query_one("#one").focus()
        for _ in range(3):  # time for a rebuild, had one been started (Textual's footer rebuilds)
            await pilot.pause()
        assert list(app.query(FooterKey)) == keys  # the same widgets: not rebuilt


async def test_a_change_of_keys_rebuilds_it() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        await wait_for(pilot, lambda: "Quit" in shown(app), "the footer's keys")
        assert "Press me" not in shown(app)
        app.query_one("#keyed").focus()
        await wait_for(pilot, lambda: "Press me" in shown(app), "the focused button's key")
        app.query_one("#one").focus()
        await wait_for(pilot, lambda: "Press me" not in shown(app), "the button's key gone")
