"""Lists in a streamed answer grow by their new items instead of being rebuilt whole.

Textual's `Markdown.append` parses the document again from its last block and, for a list,
removes the list and mounts the whole new one (`MarkdownBlock._update_from_block`): each step of
a streamed list rebuilt every item so far, quadratic in its length (a 100-item list took 1.6 s to
show, 400 items 24 s, holding the event loop). Text added at the end cannot change the items above
the last one (Textual draws tight and loose lists alike), so an update keeps them and replaces
only the last item and what follows it. A numbered list whose numbers get wider (item 10 after
9: every number is padded to one width) or start elsewhere is rebuilt as Textual would.

Uses Textual's list classes from its private module (pinned version): they are not exported.
"""

from __future__ import annotations

import contextlib

from textual.containers import Horizontal, Vertical
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
)

_SUFFIX = ". "


def _items(block: MarkdownBlock) -> list[MarkdownListItem]:
    return [b for b in block._blocks if isinstance(b, MarkdownListItem)]


def _row(symbol: str, item: MarkdownListItem) -> Horizontal:
    # as Textual's list `compose` builds an item: its bullet, then its blocks
    bullet = MarkdownBullet()
    bullet.symbol = symbol
    return Horizontal(bullet, Vertical(*item._blocks))


async def _grow(shown: MarkdownBlock, new: MarkdownBlock, symbols: list[str] | None) -> bool:
    """Replace ``shown``'s last row and add the rows after it from ``new`` (not mounted);
    False when ``new`` is not ``shown`` with items added or the last one grown."""
    rows = list(shown.query_children(Horizontal))
    items = _items(new)
    if type(new) is not type(shown) or not rows or len(items) < len(rows):
        return False
    keep = len(rows) - 1
    symbols = symbols or [item.bullet for item in items]
    await rows[-1].remove()
    await shown.mount_all([_row(symbols[i], item) for i, item in enumerate(items) if i >= keep])
    new._blocks.clear()
    return True


class AnswerBulletList(MarkdownBulletList):
    """A bullet list that grows by its new items (module docstring)."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _grow(self, block, None):
            await super()._update_from_block(block)


class AnswerOrderedList(MarkdownOrderedList):
    """A numbered list that grows by its new items while its numbers keep their width."""

    #: (first number, padded width) of the numbers shown; set as the list is composed
    _numbering: tuple[int, int] | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        self._numbering = _numbering(_items(self))
        yield from super().compose()

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        items = _items(block)
        numbering = _numbering(items)
        if numbering == self._numbering:
            start, width = numbering
            symbols = [f"{n}{_SUFFIX}".rjust(width + 1) for n in range(start, start + len(items))]
            if await _grow(self, block, symbols):
                return
        await super()._update_from_block(block)


def _numbering(items: list[MarkdownListItem]) -> tuple[int, int]:
    """A numbered list's first number and its numbers' padded width, as Textual pads them."""
    start = 1
    if items:
        with contextlib.suppress(ValueError):  # Textual's rule: a bullet that is no number: 1
            start = int(items[0].bullet)
    width = max((len(f"{n}{_SUFFIX}") for n in range(start, start + len(items))), default=0)
    return start, width
