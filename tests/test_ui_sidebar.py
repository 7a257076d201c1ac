"""The model sidebar draws its rows in one widget and shows the cells the widget-per-row sidebar
showed (a reference copy of it is below): the current model, an unavailable one, a hovered one
and a free one, in a dark and a light theme (an id too long for the sidebar is cut with an
ellipsis); a click on a row
selects its model, a hovered row shows why its model is or is not available, and the current
model is scrolled into view."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from ui_support import wait_for

from tui_router.ui.themes import register_app_themes
from tui_router.ui.widgets.sidebar import (
    LEGEND,
    TIER_ORDER,
    ModelList,
    ModelRow,
    ModelSidebar,
    row_text,
)


def row(model_id: str, tier: str, rates: tuple[str, str] = ("1", "5"), **kw: object) -> ModelRow:
    values: dict[str, object] = {
        "id": model_id,
        "tier": tier,
        "input_rate": Decimal(rates[0]),
        "output_rate": Decimal(rates[1]),
        "context_window": 200_000,
        "available": True,
        "availability": f"{model_id}: key set",
    }
    values.update(kw)
    return ModelRow(**values)  # type: ignore[arg-type]


ROWS = [
    row("claude-haiku-4-5", "fast"),
    row("gpt-5-nano", "fast", ("0.05", "0.4"), available=False, availability="no OPENAI_API_KEY"),
    row("smollm2-135m-instruct", "local", ("0", "0")),
    row("claude-sonnet-4-6", "balanced", ("3", "15"), context_window=1_000_000),
    row("claude-opus-4-6", "frontier", ("5", "25")),
]
#: Longer than the sidebar is wide. Textual's `Static` wrapped it under a lone mark (it does not
#: apply a Rich text's ``no_wrap``/``overflow``); drawn, it is cut with an ellipsis as meant.
LONG_ID = "a-model-id-far-too-long-for-the-sidebar-2025"
CURRENT = "claude-sonnet-4-6"


# -- the sidebar as it was: one widget per row (the reference) --------------------------------


class RefEntry(Static):
    DEFAULT_CSS = """
    RefEntry { padding: 0 1; height: auto; }
    RefEntry:hover { background: $primary 20%; }
    RefEntry.-current { background: $primary 30%; text-style: bold; }
    RefEntry.-unavailable { color: $text-disabled; }
    """

    def __init__(self, model: ModelRow) -> None:
        text = row_text(model)
        super().__init__(text, classes="" if model.available else "-unavailable")
        self.row = model


class RefSidebar(VerticalScroll):
    DEFAULT_CSS = """
    RefSidebar {
        width: 34;
        dock: right;
        border-left: vkey $primary 40%;
        padding: 0 0 1 0;
    }
    RefSidebar > .tier { color: $accent; text-style: bold; padding: 1 1 0 1; }
    RefSidebar > .legend { color: $text-muted; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(LEGEND, classes="legend")
        for tier in TIER_ORDER:
            in_tier = [r for r in ROWS if r.tier == tier]
            if in_tier:
                yield Static(tier.upper(), classes="tier")
                for model in in_tier:
                    entry = RefEntry(model)
                    entry.set_class(model.id == CURRENT, "-current")
                    yield entry


class Harness(App[None]):
    def __init__(self, reference: bool, theme: str) -> None:
        super().__init__()
        register_app_themes(self)  # the shipped themes too
        self.reference = reference
        self.start_theme = theme
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield RefSidebar() if self.reference else ModelSidebar()

    def on_mount(self) -> None:
        self.theme = self.start_theme
        if not self.reference:
            self.query_one(ModelSidebar).set_models(ROWS, CURRENT)

    def on_model_sidebar_selected(self, message: ModelSidebar.Selected) -> None:
        self.selected.append(message.model_id)


Cells = list[list[tuple[str, str]]]


async def sidebar_cells(reference: bool, theme: str, hover_y: int | None = None) -> Cells:
    app = Harness(reference, theme)
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        if hover_y is not None:
            await pilot.hover(offset=(40, hover_y))
        await pilot.pause()
        return [
            [(char, str(segment.style)) for segment in strip.crop(26, 60) for char in segment.text]
            for strip in app.screen._compositor.render_strips(app.size)
        ]


def assert_same(got: Cells, want: Cells) -> None:
    for y, (a, b) in enumerate(zip(want, got, strict=True)):
        assert a == b, (
            f"row {y}:\n  want {''.join(c for c, _ in a)!r}\n  got  {''.join(c for c, _ in b)!r}"
        )


@pytest.mark.parametrize("theme", ["tui-router-dark", "tui-router-light", "textual-light"])
async def test_the_sidebar_shows_the_cells_of_one_widget_per_row(theme: str) -> None:
    assert_same(await sidebar_cells(False, theme), await sidebar_cells(True, theme))


@pytest.mark.parametrize("y", [4, 9, 14])  # the free model, the unavailable one, the current one
async def test_a_hovered_row_shows_the_cells_of_a_hovered_widget(y: int) -> None:
    want = await sidebar_cells(True, "textual-dark", hover_y=y)
    got = await sidebar_cells(False, "textual-dark", hover_y=y)
    assert_same(got, want)
    if y != 14:  # the current row keeps its own background under the mouse
        assert got != await sidebar_cells(False, "textual-dark")  # the hover shows


@pytest.mark.parametrize("theme", ["tui-router-dark", "tui-router-light", "tui-router-contrast"])
async def test_a_hovered_row_shows_on_a_256_colour_terminal_in_every_shipped_theme(
    theme: str,
) -> None:
    """The hover was `$boost`, which the shipped themes leave transparent (they set `panel`, and
    Textual then makes no boost): a hovered row looked like any other, in every terminal."""
    from rich.color import ColorSystem
    from rich.style import Style

    def background(cells: Cells, y: int) -> object:
        color = Style.parse(cells[y][2][1]).bgcolor  # (a cell of the row's text)
        return None if color is None else color.downgrade(ColorSystem.EIGHT_BIT)

    still = await sidebar_cells(False, theme)
    hovered = await sidebar_cells(False, theme, hover_y=4)  # the free model's first line
    assert background(hovered, 4) != background(still, 4)
    assert background(hovered, 14) == background(still, 14)  # the current row is not hovered
    # and a hovered row is not mistaken for the current model's
    assert background(hovered, 4) != background(still, 14)


async def test_a_click_selects_a_model_and_a_hover_says_why_it_is_available_or_not() -> None:
    app = Harness(False, "textual-dark")
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        models = app.query_one(ModelList)
        nano = models.model_lines("gpt-5-nano")
        assert nano is not None  # listed
        await pilot.hover(ModelList, offset=(5, nano.y))
        assert models.tooltip == "no OPENAI_API_KEY"
        await pilot.click(ModelList, offset=(5, nano.y + 1))
        await wait_for(pilot, lambda: app.selected == ["gpt-5-nano"], "the selection")
        await pilot.click(ModelList, offset=(5, 0))  # the legend selects nothing
        await pilot.pause()
        assert app.selected == ["gpt-5-nano"]
        models.post_message(events.Leave(models))
        await wait_for(pilot, lambda: models.tooltip is None, "no tooltip off the rows")


async def test_the_current_model_is_scrolled_into_view() -> None:
    many = [row(f"model-{n:02d}", "fast") for n in range(30)]
    app = Harness(False, "textual-dark")
    async with app.run_test(size=(60, 24)) as pilot:
        sidebar = app.query_one(ModelSidebar)
        sidebar.set_models(many, "model-00")
        await pilot.pause()
        assert sidebar.scroll_y == 0
        sidebar.set_current("model-29")
        await wait_for(pilot, lambda: sidebar.scroll_y > 0, "the scroll to the current model")
        lines = sidebar.models.model_lines("model-29")
        assert lines is not None  # listed
        assert (
            sidebar.scroll_y
            <= lines.y
            < sidebar.scroll_y + sidebar.scrollable_content_region.height
        )
        assert "model-29" in sidebar.models.render_line(lines.y).text
        assert sidebar.models.model_lines("no-such-model") is None
        sidebar.set_current("no-such-model")  # not listed: nothing to scroll to, no error
        await pilot.pause()


async def test_an_id_too_long_for_the_sidebar_is_cut_with_an_ellipsis() -> None:
    app = Harness(False, "textual-dark")
    async with app.run_test(size=(60, 24)) as pilot:
        sidebar = app.query_one(ModelSidebar)
        sidebar.set_models([*ROWS, row(LONG_ID, "frontier")], CURRENT)
        await pilot.pause()
        lines = sidebar.models.model_lines(LONG_ID)
        assert lines is not None  # listed
        first = sidebar.models.render_line(lines.y).text
        second = sidebar.models.render_line(lines.y + 1).text
        assert first.rstrip().endswith("…") and first.startswith(" ● a-model-id-far-too")
        assert len(first) == sidebar.models.size.width
        assert "$1 / $5 · 200k" in second
