"""Tables in an answer: one widget that draws the whole grid, instead of one per cell.

Textual's markdown table is a grid container with a widget per cell (a 3x3 table is 11
widgets), each one styled, measured and arranged by the grid layout on every layout: in a
streamed, table-heavy answer the tables took a third of the time to show it (benchmarks/
RESULTS.md, 2026-12-04). Here the table block composes one `TableGrid`, which wraps each cell's
text to its column and draws the keylines itself: one widget, one measure per width.

It draws what Textual's grid draws (a thin keyline around every cell, header cells in the
primary colour, one space of padding each side), with one difference: columns take the width
their text needs, up to the width there is. Textual's table spreads the extra width over its
last column and wraps the others down to their longest word ("lock then / read" beside an empty
half screen). A table too wide for the screen wraps its cells at spaces; a word longer than its
column is folded.

Uses Textual's table block from its private module (pinned version), as `answer_lists` does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets._markdown import MarkdownBlock, MarkdownTable

from tui_router.ui.widgets.drawn_lines import DrawnLines

#: keyline pieces: (left, middle, right, line) for the top, the separators and the bottom
_TOP = ("┌", "┬", "┐", "─")
_MIDDLE = ("├", "┼", "┤", "─")
_BOTTOM = ("└", "┴", "┘", "─")
#: a cell's padding, each side
_PAD = 1


def _longest_word(cell: Content) -> int:
    return max((cell_len(word) for word in cell.plain.split()), default=0)


def column_widths(columns: list[list[Content]], available: int) -> list[int]:
    """The text width of each column, ``available`` cells in all at most (but 2 a column at
    least: a wide character's width; a table wider than the screen has its lines cut).

    Every column its longest cell when they all fit. Else every column its longest word and the
    room left shared out as water fills: a column that wants less than an even share of what is
    left gets all it wants, the others split the rest. Else (not even the words fit) 2 each and
    the rest shared in proportion to the longest words.
    """
    available = max(available, 2 * len(columns))
    natural = [max(1, *(cell.cell_length for cell in column)) for column in columns]
    if sum(natural) <= available:
        return natural
    words = [max(1, *(_longest_word(cell) for cell in column)) for column in columns]
    if sum(words) >= available:
        total, room = sum(words), available - 2 * len(words)
        widths = [2 + room * word // total for word in words]
        left = available - sum(widths)
        for index in sorted(range(len(widths)), key=lambda i: -words[i]):
            if left <= 0:
                break
            widths[index] += 1
            left -= 1
        return widths
    widths = list(words)
    room = available - sum(words)
    wanting = sorted(range(len(columns)), key=lambda i: natural[i] - words[i])
    for position, index in enumerate(wanting):
        share = room // (len(wanting) - position)
        given = min(natural[index] - words[index], share)
        widths[index] += given
        room -= given
    return widths


class TableGrid(DrawnLines):
    """A markdown table's headers and rows, drawn as lines of text (module docstring)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"table-grid--keyline", "table-grid--header"}

    DEFAULT_CSS = """
    TableGrid {
        text-wrap: nowrap;  /* the lines are drawn to the width; a narrower screen cuts them */
        text-overflow: clip;
        & > .table-grid--keyline {
            color: $foreground 20%;
        }
        & > .table-grid--header {
            color: $primary;
        }
    }
    """

    def __init__(self, headers: list[Content], rows: list[list[Content]]) -> None:
        super().__init__()
        self.headers = headers
        self.rows = rows

    def set_cells(self, headers: list[Content], rows: list[list[Content]]) -> None:
        """Show these cells (the table grew while the answer streams)."""
        self.headers, self.rows = headers, rows
        self.redraw()

    def draw(self, width: int) -> list[Content]:
        count = max([len(self.headers), *(len(row) for row in self.rows)], default=0)
        if not count:
            return []
        rows = [self._padded(self.headers, count), *(self._padded(r, count) for r in self.rows)]
        columns = [[row[index] for row in rows] for index in range(count)]
        # keylines: one each side and one between columns; padding each side of every cell
        widths = column_widths(columns, width - (count + 1) - 2 * _PAD * count)
        out = [self._keyline(_TOP, widths)]
        for index, row in enumerate(rows):
            if index:
                out.append(self._keyline(_MIDDLE, widths))
            out.extend(self._row(row, widths, header=index == 0))
        out.append(self._keyline(_BOTTOM, widths))
        return out

    @staticmethod
    def _padded(row: list[Content], count: int) -> list[Content]:
        return row + [Content("")] * (count - len(row))

    @staticmethod
    def _keyline(pieces: tuple[str, str, str, str], widths: list[int]) -> Content:
        left, middle, right, line = pieces
        text = left + middle.join(line * (w + 2 * _PAD) for w in widths) + right
        return Content.styled(text, ".table-grid--keyline")

    @staticmethod
    def _row(cells: list[Content], widths: list[int], *, header: bool) -> list[Content]:
        wrapped = [
            cell.wrap(width) or [Content("")] for cell, width in zip(cells, widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped)
        bar = Content.styled("│", ".table-grid--keyline")
        pad = Content(" " * _PAD)
        out: list[Content] = []
        for y in range(height):
            parts: list[Content] = [bar]
            for lines, width in zip(wrapped, widths, strict=True):
                text = lines[y] if y < len(lines) else Content("")
                text = text.pad_right(max(0, width - text.cell_length))
                if header:
                    text = text.stylize_before(".table-grid--header")
                parts.extend((pad, text, pad, bar))
            out.append(Content("").join(parts))
        return out


class AnswerTable(MarkdownTable):
    """A markdown table drawn by one `TableGrid`, grown in place as its rows stream in."""

    def compose(self):  # type: ignore[no-untyped-def]
        headers, rows = self._get_headers_and_rows()
        self._headers, self._rows = headers, rows
        yield TableGrid(headers, rows)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if isinstance(block, MarkdownTable):
            try:
                grid = self.query_one(TableGrid)
            except NoMatches:
                pass
            else:
                headers, rows = block._get_headers_and_rows()
                self._headers, self._rows = headers, rows
                grid.set_cells(headers, rows)
                return
        await super()._update_from_block(block)
