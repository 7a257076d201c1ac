"""The footer is one widget that shows the cells Textual's `Footer` shows (keys, a disabled key,
a hovered key, the palette's key on the right) while its keys fit, whole keys only (the ones it
keeps first) when they do not, is drawn again only when its keys change, and presses a key that
is clicked."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Button, Footer, Input
from ui_support import make_app, started, wait_for

from tui_router.ui.widgets.key_footer import KeyFooter


class WithKey(Button):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "press", "Press me")]


class Harness(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit"),
        Binding("f5", "shout", "Shout", tooltip="Say it loud"),
        Binding("f6", "later", "Not now"),  # shown disabled: `check_action` says None
        Binding("f7", "hidden", "Hidden", show=False),
    ]

    def __init__(self, footer: type[Widget] = KeyFooter, theme: str = "textual-dark") -> None:
        super().__init__()
        self.footer_type = footer
        self.start_theme = theme
        self.shouts = 0
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield WithKey("with a key", id="keyed")
        yield self.footer_type()

    def on_mount(self) -> None:
        self.theme = self.start_theme

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "later" else True

    def action_shout(self) -> None:
        self.shouts += 1

    def bell(self) -> None:
        self.bells += 1


Cells = list[tuple[str, str]]


def footer_cells(app: App[None]) -> Cells:
    strips = app.screen._compositor.render_strips(app.size)
    return [(char, str(segment.style)) for segment in strips[-1] for char in segment.text]


def shown(app: App[None]) -> str:
    return "".join(char for char, _ in footer_cells(app))


async def cells_of(
    footer: type[Widget], theme: str, width: int, hover_x: int | None = None
) -> Cells:
    app = Harness(footer, theme)
    async with app.run_test(size=(width, 8)) as pilot:
        await wait_for(pilot, lambda: "Quit" in shown(app), "the footer's keys")
        if hover_x is not None:
            await pilot.hover(offset=(hover_x, 7))
            await pilot.pause()
        return footer_cells(app)


# solarized sets the footer's colours; ansi-dark gives each key a background of its own
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "solarized-light", "ansi-dark"])
@pytest.mark.parametrize("width", [100, 45])  # 45: the keys fill the line to the last cell
async def test_the_footer_shows_the_cells_textuals_footer_shows(theme: str, width: int) -> None:
    want = await cells_of(Footer, theme, width)
    got = await cells_of(KeyFooter, theme, width)
    assert got == want, (
        f"\n  want {''.join(c for c, _ in want)!r}\n  got  {''.join(c for c, _ in got)!r}"
    )


@pytest.mark.parametrize("x", [2, 12, 97])  # on Quit, on Shout, on the palette's key
async def test_a_hovered_key_shows_the_cells_textuals_footer_shows(x: int) -> None:
    want = await cells_of(Footer, "textual-dark", 100, hover_x=x)
    got = await cells_of(KeyFooter, "textual-dark", 100, hover_x=x)
    assert got == want
    assert got != await cells_of(KeyFooter, "textual-dark", 100)  # the hover shows


async def test_focus_moves_without_a_change_of_keys_leave_the_footer_as_it_is() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        await wait_for(pilot, lambda: "Quit" in shown(app), "the footer's keys")
        footer = app.query_one(KeyFooter)
        keys = footer.keys
        app.query_one("#two").focus()
        app.query_one("#one").focus()
        for _ in range(3):  # time for a redraw, had one been started
            await pilot.pause()
        assert footer.keys is keys  # not recomputed into a new value: nothing to draw again


async def test_a_change_of_keys_redraws_it() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        await wait_for(pilot, lambda: "Quit" in shown(app), "the footer's keys")
        assert "Press me" not in shown(app)
        assert "Hidden" not in shown(app)
        app.query_one("#keyed").focus()
        await wait_for(pilot, lambda: "Press me" in shown(app), "the focused button's key")
        app.query_one("#one").focus()
        await wait_for(pilot, lambda: "Press me" not in shown(app), "the button's key gone")


async def test_a_click_on_a_key_presses_it_and_on_a_disabled_key_rings_the_bell() -> None:
    app = Harness()
    async with app.run_test(size=(100, 8)) as pilot:
        await wait_for(pilot, lambda: "Shout" in shown(app), "the footer's keys")
        text = shown(app)
        await pilot.click(KeyFooter, offset=(text.index("Shout"), 0))
        await wait_for(pilot, lambda: app.shouts == 1, "the clicked key's action")
        await pilot.click(KeyFooter, offset=(text.index("Not now"), 0))
        await wait_for(pilot, lambda: app.bells == 1, "the bell for a disabled key")
        assert app.shouts == 1
        await pilot.click(KeyFooter, offset=(text.index("Quit") + 30, 0))  # between keys
        await pilot.pause()
        assert (app.shouts, app.bells) == (1, 1)


async def test_a_hovered_key_shows_its_tooltip() -> None:
    app = Harness()
    async with app.run_test(size=(100, 8)) as pilot:
        await wait_for(pilot, lambda: "Shout" in shown(app), "the footer's keys")
        footer = app.query_one(KeyFooter)
        await pilot.hover(KeyFooter, offset=(shown(app).index("Shout"), 0))
        assert footer.tooltip == "Say it loud"
        await pilot.hover(KeyFooter, offset=(footer.size.width - 2, 0))  # the palette's key
        assert footer.tooltip == "Open the command palette"
        await pilot.hover(Input)
        assert footer.tooltip is None


class KeepingShout(KeyFooter):
    def __init__(self) -> None:
        super().__init__(keep=("shout",))


# the harness's screen scrolls: its scrollbar takes the last 2 columns of the footer's line too
@pytest.mark.parametrize(
    ("footer", "width", "text"),
    [
        (KeyFooter, 44, " ^q Quit  f5 Shout            ▏^p palette   "),
        (KeyFooter, 25, " ^q Quit   ▏^p palette   "),
        (KeyFooter, 12, " ^q Quit    "),  # the palette's key alone is too wide
        (KeepingShout, 44, " ^q Quit  f5 Shout            ▏^p palette   "),
        (KeepingShout, 25, " f5 Shout  ▏^p palette   "),
        (KeepingShout, 12, " f5 Shout   "),
        (KeepingShout, 8, "        "),
    ],
)
async def test_keys_that_do_not_fit_are_left_out_whole(
    footer: type[KeyFooter], width: int, text: str
) -> None:
    # Textual's footer cuts the last key at the palette's (" f6 Not▏^p palette"); this one shows
    # whole keys: the kept ones, the palette's, then the others in order, each that still fits
    app = Harness(footer)
    async with app.run_test(size=(width, 8)) as pilot:
        await wait_for(pilot, lambda: app.query_one(KeyFooter).keys != (), "the footer's keys")
        await pilot.pause()
        assert shown(app) == text


async def test_a_click_on_a_key_of_a_narrow_footer_presses_that_key() -> None:
    app = Harness(KeepingShout)
    async with app.run_test(size=(30, 8)) as pilot:
        await wait_for(pilot, lambda: "Shout" in shown(app), "the footer's keys")
        text = shown(app)
        assert "Quit" not in text  # the kept key and the palette's fill the line
        await pilot.click(KeyFooter, offset=(text.index("Shout"), 0))
        await wait_for(pilot, lambda: app.shouts == 1, "the clicked key's action")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (
            (80, 24),
            " ^q Quit  ^l Models  f2 Next model  ^r Retry stronger  f1 Help      ▏^p palette ",
        ),
        ((60, 20), " ^q Quit  ^l Models  f2 Next model  f1 Help     ▏^p palette "),
        ((24, 8), " ^q Quit  f1 Help       "),
    ],
)
async def test_the_main_screen_keeps_quit_and_help_when_its_keys_do_not_fit(
    server, tmp_path: Path, size: tuple[int, int], text: str
) -> None:
    # was " … ^o Mode  ^b S▏^p palette" at 80 columns (f1 Help not shown), "^r Retry str▏" at 60
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        assert shown(app) == text
