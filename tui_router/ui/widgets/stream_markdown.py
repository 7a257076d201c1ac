"""Markdown that grows at its end, laid out in sealed segments so a long answer stays cheap.

Textual's `Markdown.append` re-parses only the last top-level block, but the widget holding the
document is laid out again on every append, and that costs one box model per block (and one
arrangement per list, table and code block) for the whole answer: ~600 widgets by the end of a
long, code-heavy answer, tens of milliseconds per frame, during which the keyboard waits.

Here the document is a column of `Markdown` widgets. Only the last one (the live segment)
receives text. Once it holds `SEAL_BLOCKS` finished blocks, it is sealed: its finished blocks stay
where they are, never parsed, rebuilt or re-arranged again (their arrangement stays cached), and
the text from the split point on continues in a new live segment. A frame then lays out the live
segment's few blocks plus one cached height per sealed segment, whatever the answer's length.

The split keeps the screen identical to one `Markdown` widget fed the same text: the new segment
starts at the start of a top-level block, which is where `Markdown.append` itself starts parsing
again; and two segments stack the margins that one widget collapses (the last block's bottom
margin and the next block's top margin), so a split is made only where one of the two is 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownBlock

#: Finished top-level blocks a live segment may hold before it is sealed.
SEAL_BLOCKS = 6
#: Blocks a sealed segment keeps at least (a split point nearer the start is not used).
MIN_SEALED_BLOCKS = 3


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


class SegmentSpacer(Widget):
    """Stands in, at the same height, for a sealed segment parked far above the view."""

    DEFAULT_CSS = """
    SegmentSpacer {
        height: 0;
        display: none;
    }
    """


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
        self._spacers: dict[Markdown, SegmentSpacer] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        if self._live is not None:
            yield self._live

    @property
    def source(self) -> str:
        """The whole document as given (sealed segments, then the live one)."""
        live = "" if self._live is None else self._live.source
        return "".join(self._sealed_source) + live

    @property
    def segments(self) -> list[Markdown]:
        """The markdown widgets, first to last."""
        return list(self.query_children(self._markdown_type))

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
        self._spacers.clear()
        await self.remove_children()
        self._live = self._markdown_type()
        await self.mount(self._live)
        await self._live.update(markdown)
        await self.close()

    async def close(self) -> None:
        """The document is complete: seal the live segment too, so it can be parked.

        A later `append` starts a new segment.
        """
        live, self._live = self._live, None
        if live is None:
            return
        if not self._blocks(live):
            await live.remove()
            return
        spacer = SegmentSpacer()
        with self.app.batch_update():
            await live.mount(SealMark())
            await self.mount(spacer, before=live)
        self._sealed_source.append(live.source)
        self._spacers[live] = spacer

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
        spacer = SegmentSpacer()
        with self.app.batch_update():  # no frame shows the blocks removed and not yet re-added
            await live.remove_children(blocks[split:])
            await live.mount(SealMark())
            await self.mount(spacer, before=live)
            await self.mount(successor, after=live)
            await successor.append(tail)
        self._sealed_source.append(head)
        self._spacers[live] = spacer
        self._live = successor
        return True

    @property
    def parked_count(self) -> int:
        """Sealed segments now hidden behind a spacer."""
        return sum(1 for segment in self._spacers if not segment.display)

    def park_above(self, row: int) -> int:
        """Park the sealed segments whose bottom edge is above screen row ``row``.

        A parked segment is not displayed and a spacer of its height takes its place, so the
        screen does not change (it is out of view) but Textual no longer places its widgets on
        every layout (it places every displayed widget, on screen or not). Returns how many were
        parked now. The caller must `unpark` before any of them can come into view.
        """
        parked = 0
        for segment, spacer in self._spacers.items():
            if not segment.display:
                continue
            region = segment.region
            if region.height and region.bottom <= row:
                spacer.styles.height = region.height
                spacer.display = True
                segment.display = False
                parked += 1
        return parked

    def unpark(self) -> None:
        """Show every parked segment again, in place of its spacer."""
        for segment, spacer in self._spacers.items():
            if not segment.display:
                segment.display = True
                spacer.display = False


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
