"""Tables in an answer: one widget draws the grid (keylines, header colour, wrapped cells), the
columns take the width their text needs, a streamed row grows the same widget, and no width is
too small to draw at."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Markdown

from tui_router.ui.widgets.answer_markdown import AnswerMarkdown
from tui_router.ui.widgets.answer_table import AnswerTable, TableGrid, column_widths

TABLE = """\
| approach | cost | risk |
|---|---|---|
| lock then read | one lock per miss | none |
| read then lock | none | double writes when two workers miss at once |
"""


def cells(*columns: list[str]) -> list[list[Content]]:
    return [[Content(text) for text in column] for column in columns]


def test_columns_take_what_their_text_needs_when_it_fits() -> None:
    assert column_widths(cells(["approach", "lock then read"], ["cost", "none"]), 40) == [14, 4]


def test_short_columns_keep_their_width_and_long_ones_share_the_rest() -> None:
    columns = cells(["a", "lock then read"], ["b", "x " * 40], ["c", "y " * 40])
    widths = column_widths(columns, 50)
    assert widths[0] == 14, "a column that fits its share is not wrapped"
    assert sum(widths) == 50 and abs(widths[1] - widths[2]) <= 1


def test_columns_narrower_than_their_words_still_sum_to_the_room() -> None:
    widths = column_widths(cells(["supercalifragilistic"], ["antidisestablishment"]), 10)
    assert sum(widths) == 10 and min(widths) >= 1


class TableApp(App[None]):
    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown
        self.links: list[str] = []

    def compose(self) -> ComposeResult:
        yield AnswerMarkdown(self.markdown)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        self.links.append(event.href)


def screen_rows(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips(app.size)]


async def test_a_table_is_one_widget_with_keylines_and_wrapped_cells() -> None:
    app = TableApp(TABLE + "\nafter\n")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(AnswerTable)
        assert [type(w) for w in table.query("*")] == [TableGrid], "one widget for the grid"
        rows = [row.strip() for row in screen_rows(app)]
        assert rows[0].startswith("┌") and rows[0].endswith("┐")
        assert rows[1].startswith("│ approach") and rows[1].count("│") == 4
        assert "│ lock then read │" in rows[3], "a column that fits is not wrapped"
        first_line = next(row for row in rows if "double writes" in row)
        assert "once" not in first_line, "the long cell wraps inside its column"
        assert any("once" in row and row.startswith("│") for row in rows)
        bottom = next(i for i, row in enumerate(rows) if row.startswith("└"))
        assert rows[bottom + 2] == "after", "one blank line after the table, as before"
        # keylines in the faint line colour, headers in the primary colour
        grid = app.query_one(TableGrid)
        strip = app.screen._compositor.render_strips(app.size)[1]
        styles = {segment.text.strip(): segment.style for segment in strip if segment.text.strip()}
        primary = app.current_theme.primary
        assert styles["approach"] is not None and styles["approach"].color is not None
        assert styles["approach"].color.triplet is not None
        assert styles["approach"].color.triplet.hex == primary.lower()
        keyline = grid.get_component_rich_style("table-grid--keyline")
        assert styles["│"].color == keyline.color


async def test_a_streamed_row_grows_the_same_grid() -> None:
    app = TableApp("")
    async with app.run_test(size=(80, 20)) as pilot:
        markdown = app.query_one(AnswerMarkdown)
        lines = TABLE.splitlines(keepends=True)
        await markdown.append("".join(lines[:3]))
        await pilot.pause()
        grid = app.query_one(TableGrid)
        assert len(grid.rows) == 1
        await markdown.append(lines[3])
        await pilot.pause()
        assert app.query_one(TableGrid) is grid and len(grid.rows) == 2
        assert any("double writes" in row for row in screen_rows(app))


async def test_a_narrow_screen_cuts_the_table_lines_and_never_fails() -> None:
    app = TableApp(TABLE)
    async with app.run_test(size=(20, 30)) as pilot:
        await pilot.pause()
        rows = [row.strip() for row in screen_rows(app)]
        # each drawn line stays one screen row (cut at the edge, not wrapped onto the next)
        assert rows[0].startswith("┌") and "┐" not in rows[1]
        assert all(not row.startswith(("─", "┬", "┼")) for row in rows)


async def test_a_link_in_a_cell_is_opened_as_the_answers_links_are() -> None:
    app = TableApp("| site |\n|---|\n| [docs](https://example.org/docs) |\n")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        rows = screen_rows(app)
        [y] = [y for y, row in enumerate(rows) if "│ docs │" in row]
        grid = app.query_one(TableGrid)
        x = rows[y].index("docs") - grid.region.x
        await pilot.click(TableGrid, offset=(x + 1, y - grid.region.y))
        await pilot.pause()
        assert app.links == ["https://example.org/docs"]


async def test_wide_characters_keep_their_cells_however_narrow_the_screen() -> None:
    app = TableApp("| 漢字 | b |\n|---|---|\n| 全角 | c |\n")
    async with app.run_test(size=(12, 20)) as pilot:
        await pilot.pause()
        shown = "".join(screen_rows(app))
        for char in "漢字全角":
            assert char in shown, f"{char} was dropped"
