"""Markdown that grows at its end; its finished parts are painted from cached lines.

Textual's `Markdown.append` re-parses only the last top-level block, but every frame lays out
and places every widget of the document: one box model per block (and one arrangement per list,
table and code block), ~600 widgets by the end of a long, code-heavy answer, tens of
milliseconds per frame, during which the keyboard waits.

Here the document is a column of `Markdown` widgets. Only the last one (the live segment)
receives text. Once it holds `SEAL_BLOCKS` finished blocks, it is sealed: its finished blocks are
never parsed, rebuilt or re-arranged again, and the text from the split point on continues in a
new live segment. After the frame that lays a sealed segment out, its cells are copied, once,
into `SealedLines` (one line-API widget at the top of the column) and the segment is hidden. A
frame then lays out the live segment's few blocks plus one widget of a known height, whatever
the answer's length, and paints only the lines that changed.

The split keeps the screen identical to one `Markdown` widget fed the same text: the new segment
starts at the start of a top-level block, which is where `Markdown.append` itself starts parsing
again; and two segments stack the margins that one widget collapses (the last block's bottom
margin and the next block's top margin), so a split is made only where one of the two is 0.
The copied lines are the hidden segments' own rendering, so a new width (lines wrap again) or a
new theme (colours change) shows the segments once more and copies them again after that frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.strip import Strip
from textual.widget import Widget

from tui_router.ui import key_activity

if TYPE_CHECKING:
    from textual.selection import Selection
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownBlock

#: Finished top-level blocks a live segment may hold before it is sealed. Every frame lays out
#: and repaints the live segment, and a key typed during a frame waits for it: with 3 instead
#: of 6 the longest frames of a streamed answer are shorter (tmux, 2 cores: the key's worst
#: extra delay 76-89 ms against 91-104), and since a seal no longer waits for a frame of its
#: own, the twice as many seals cost no throughput (benchmarks/RESULTS.md, 2026-12-04).
SEAL_BLOCKS = 3
#: Blocks a sealed segment keeps at least (a split point nearer the start is not used).
MIN_SEALED_BLOCKS = 2


class SealMark(Widget):
    """An empty, zero-height last child of a sealed segment, so its layout is cached once.

    Textual sizes a container whose children all have a dynamic height (``auto``, as markdown
    blocks have) against the height of the container around it: the column of segments grows
    with every frame, so without this fixed-height child every sealed segment, and every list,
    table and code block in it, would be arranged again on every frame.
    """

    DEFAULT_CSS = """
    SealMark {
        height: 0;
    }
    """


class SealedLines(Widget):
    """The sealed segments' cells, painted line by line (Textual's line API, as `Log` does).

    One widget of a fixed height instead of a tree of blocks: a frame places it in O(1) and
    repaints only the lines it is asked for. Text can be selected and copied as in the blocks
    (the selection is by line and column of the painted text), and links open as they do there.
    """

    DEFAULT_CSS = """
    SealedLines {
        width: 1fr;
        height: 0;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[Strip] = []
        self._texts: list[str] = []

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def add(self, strips: list[Strip]) -> None:
        """Paint ``strips`` below the lines already held."""
        self._lines.extend(strips)
        self._texts.extend(strip.text.rstrip() for strip in strips)
        self.styles.height = len(self._lines)

    def clear(self) -> None:
        self._lines.clear()
        self._texts.clear()
        self.styles.height = 0

    def render_line(self, y: int) -> Strip:
        if y >= len(self._lines):
            return Strip.blank(self.size.width, self.rich_style)
        strip = self._lines[y]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            if end == -1:
                end = strip.cell_length
            style = self.screen.get_component_rich_style("screen--selection")
            strip = Strip.join(
                [
                    strip.crop(0, start),
                    strip.crop(start, end).apply_style(style),
                    strip.crop(end),
                ]
            )
        # the offsets let the screen map a mouse position to this widget's text (selection)
        return strip.apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self._texts)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    async def action_link(self, href: str) -> None:
        # the painted links keep the blocks' click action; open them as `Markdown` does
        self.app.open_url(href)


def paint(segment: Widget) -> list[Strip] | None:
    """``segment`` and everything in it, as the screen paints it at its present size; None if
    the screen has not laid it out as it now is (try again after the next frame).

    Textual has no public call that renders a widget together with its children, so this
    arranges the segment with a compositor of its own (the screen's does the same for the whole
    screen). Each widget renders at the size the screen's last layout gave it, so every widget
    must have the size this arrangement gives it, and the segment must end where its last child
    (the zero-height `SealMark`) starts.
    """
    from tui_router.ui.compositor import Compositor

    size = segment.outer_size
    # First what the screen's own layout says: its SealMark placed, at the segment's end.
    # Painted right after sealing, the segment often has not been laid out again yet, and
    # arranging it (below) only to find that out took most of the paints' time. (Looking up
    # where widgets are is free only while the screen's map of them is current; when it is
    # not, the lookup would lay out the whole screen, so the check below decides alone.)
    mark = segment.children[-1] if segment.children else None
    if not isinstance(mark, SealMark) or not mark.outer_size.width:
        return None
    map_current = not getattr(segment.screen._compositor, "_full_map_invalidated", True)
    if map_current and mark.region.y - segment.region.y != size.height:
        return None
    compositor = Compositor()
    compositor.reflow(segment, size)
    layout = compositor.full_map
    marks = [geometry.region for widget, geometry in layout.items() if isinstance(widget, SealMark)]
    if len(marks) != 1 or marks[0].y != size.height:
        return None
    if any(
        widget.outer_size != geometry.region.size
        for widget, geometry in layout.items()
        if widget is not segment
    ):
        return None
    return compositor.render_strips(size)


class StreamedMarkdown(Vertical):
    """A markdown document that is appended to while it is shown (an answer as it streams).

    `append` adds text at the end; `update` replaces the whole document (a finished answer).
    """

    DEFAULT_CSS = """
    StreamedMarkdown {
        height: auto;
    }
    StreamedMarkdown > Markdown {
        margin: 0;
        padding: 0;
        background: transparent;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        # Imported here, not at the top: markdown-it and pygments are not needed for the first
        # frame (an empty chat); the warm-up worker imports them in the background.
        from tui_router.ui.widgets.answer_markdown import AnswerMarkdown

        # every segment colours fenced diffs (a sealed one keeps the colours it was given)
        self._markdown_type: type[Markdown] = AnswerMarkdown
        self._live: Markdown | None = AnswerMarkdown()
        self._sealed_source: list[str] = []
        self._sealed: list[Markdown] = []
        self._lines = SealedLines()
        #: how many of `_sealed` (from the first) `_lines` paints, and at what width
        self._painted = 0
        self._painted_width = 0
        self._paint_due = False
        #: the theme changed and Textual has not applied its styles yet (see `theme_changed`)
        self._theme_pending = False

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._lines
        if self._live is not None:
            yield self._live

    def theme_changed(self) -> None:
        """The app's theme changed: the painted lines have the old colours, paint them anew.

        Called by the `ChatPane` around it, which watches the theme once for all its answers:
        a watcher on the app per answer would stay there (and keep the answer, its painted lines
        and hidden segments alive) until the theme next changes.

        Textual applies the new theme's styles a moment later (queued on the app): a paint that
        ran in between would copy the old colours and keep them, so none runs until then.
        """
        self._theme_pending = True
        self._repaint_all()
        self.app.call_next(self._theme_applied)

    def _theme_applied(self) -> None:
        # queued behind Textual's own refresh of the styles: from here on, paints are right
        self._theme_pending = False

    @property
    def source(self) -> str:
        """The whole document as given (sealed segments, then the live one)."""
        live = "" if self._live is None else self._live.source
        return "".join(self._sealed_source) + live

    @property
    def segments(self) -> list[Markdown]:
        """The markdown widgets, first to last (painted ones are hidden)."""
        return list(self.query_children(self._markdown_type))

    @property
    def painted_count(self) -> int:
        """Sealed segments shown through `SealedLines` (not laid out as widgets any more)."""
        return self._painted

    async def append(self, fragment: str, *, seal: bool = True) -> None:
        """Add ``fragment`` at the end of the document, then seal the live segment if it is due.

        With ``seal=False`` the caller seals (`seal_if_due`) as a step of its own: a seal
        re-parses and mounts the blocks it moves, and together with the append that made it
        due, that is one long hold of the event loop instead of two short ones.
        """
        if not fragment:
            return
        if self._live is None:  # appending after `close`
            self._live = self._markdown_type()
            await self.mount(self._live)
        await self._live.append(fragment)
        if seal:
            await self.seal_if_due()

    async def update(self, markdown: str) -> None:
        """Replace the document with ``markdown`` and `close` it (a finished answer)."""
        self._sealed_source.clear()
        self._sealed.clear()
        self._lines.clear()
        self._painted = 0
        await self.remove_children(self.segments)
        self._live = self._markdown_type()
        await self.mount(self._live)
        await self._live.update(markdown)
        await self.close()

    async def close(self) -> None:
        """The document is complete: seal the live segment too, so it is painted as lines.

        A later `append` starts a new segment.
        """
        live, self._live = self._live, None
        if live is None:
            return
        if not self._blocks(live):
            await live.remove()
            return
        await live.mount(SealMark())
        self._sealed_source.append(live.source)
        self._sealed.append(live)
        self._paint_after_frame()

    def _blocks(self, segment: Markdown) -> list[MarkdownBlock]:
        from textual.widgets.markdown import MarkdownBlock

        return list(segment.query_children(MarkdownBlock))

    async def seal_if_due(self) -> bool:
        """Seal the live segment if it holds `SEAL_BLOCKS` finished blocks; True if it did."""
        live = self._live
        if live is None:
            return False
        blocks = self._blocks(live)
        # The last block is still growing; everything before it is final.
        if len(blocks) - 1 < SEAL_BLOCKS:
            return False
        split = _split_point(blocks)
        if split is None:
            return False
        lines = live.source.splitlines(keepends=True)  # the lines `Markdown.append` counts
        start = blocks[split].source_range[0]
        head, tail = "".join(lines[:start]), "".join(lines[start:])
        successor = self._markdown_type()
        with self.app.batch_update():  # no frame shows the blocks removed and not yet re-added
            await live.remove_children(blocks[split:])
            await live.mount(SealMark())
            await self.mount(successor, after=live)
            await successor.append(tail)
        self._sealed_source.append(head)
        self._sealed.append(live)
        self._live = successor
        self._paint_after_frame()
        return True

    def _paint_after_frame(self) -> None:
        # A segment's cells are right once a frame has laid it out as it now is.
        if not self._paint_due:
            self._paint_due = True
            self.call_after_refresh(self.paint_sealed)

    def paint_sealed(self) -> int:
        """Copy the sealed segments laid out since the last call into `SealedLines` and hide
        them; returns how many. The screen does not change: the lines are their cells."""
        self._paint_due = False
        if self._theme_pending:
            self._paint_after_frame()  # the new theme's styles are not applied yet
            return 0
        # a key read during the frame goes first: a paint renders every line of a segment
        # (20-40 ms), and it runs right after the frame, ahead of the key's message
        if key_activity.keys_go_first(self, self.paint_sealed):
            self._paint_due = True
            return 0
        width = self.size.width
        if self._painted and width != self._painted_width:
            self._repaint_all()  # a resize came first: everything wraps again
            return 0
        painted = 0
        with self.app.batch_update():
            for segment in self._sealed[self._painted :]:
                if not segment.is_mounted or segment.outer_size.width != width:
                    break  # not laid out yet at this width: after the next frame
                strips = paint(segment)
                if strips is None:
                    break
                self._lines.add(strips)
                segment.display = False
                painted += 1
        self._painted += painted
        self._painted_width = width
        if self._painted < len(self._sealed):
            self._paint_after_frame()
        return painted

    def _repaint_all(self) -> None:
        """Show the painted segments again (a new width or theme changes their cells) and paint
        them anew after the frame that lays them out."""
        if not self._painted:
            return
        with self.app.batch_update():
            for segment in self._sealed[: self._painted]:
                segment.display = True
            self._lines.clear()
        self._painted = 0
        self._paint_after_frame()

    def on_resize(self) -> None:
        # Only a new width changes the cells (the height grows with every step of the stream).
        if self._painted and self.size.width != self._painted_width:
            self._repaint_all()


def _split_point(blocks: list[MarkdownBlock]) -> int | None:
    """The index of the latest block a new segment can start with, or None.

    The sealed segment keeps at least `MIN_SEALED_BLOCKS` blocks. Two segments stack the margins
    that one widget collapses, so the boundary needs a 0 margin on one side: the bottom margin of
    the last sealed block, or the top margin of the first moved block if that block is finished
    (the growing last block can still change kind, a paragraph "`" becoming a code block).
    """
    last = len(blocks) - 1
    for index in range(last, MIN_SEALED_BLOCKS - 1, -1):
        above, below = blocks[index - 1].styles.margin, blocks[index].styles.margin
        if above.bottom == 0 or (index < last and below.top == 0):
            return index
    return None
