"""A piece of an answer's markdown drawn as lines of text by one widget (a list item, a table).

Textual builds these pieces from several widgets each, every one styled, measured and arranged
on every layout. A `DrawnLines` draws its piece as lines of `Content` for a width (`draw`),
keeps the last drawing, and both measures (its height) and paints from it. Styles come from its
component classes and, for the inline markup (``.strong``, ``.code_inline``...), from the
markdown block around it; a link in it opens as the markdown's own links do.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown


class DrawnLines(Widget):
    """Lines drawn for a width by `draw`; drawn again only for a new width or `redraw`."""

    DEFAULT_CSS = """
    DrawnLines {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._drawn: tuple[int, list[Content]] | None = None  # (width, lines) last drawn

    def draw(self, width: int) -> list[Content]:
        """The lines, ``width`` cells wide at most (a subclass draws its piece)."""
        raise NotImplementedError

    def lines(self, width: int) -> list[Content]:
        """`draw`'s lines for ``width``, drawn once per width."""
        if self._drawn is None or self._drawn[0] != width:
            self._drawn = (width, self.draw(width))
        return self._drawn[1]

    def redraw(self) -> None:
        """What is drawn changed: draw it again (and lay it out: its height may change)."""
        self._drawn = None
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))

    async def action_link(self, href: str) -> None:
        # a link in the drawn text: open it as the markdown's own links open
        self.post_message(Markdown.LinkClicked(self.query_ancestor(Markdown), href))
