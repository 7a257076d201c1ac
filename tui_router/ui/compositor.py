"""Textual's compositor, without a second layout of everything after a layout that placed a
new widget (the main screen's, and the one that paints an answer's sealed parts).

Textual's `Compositor.reflow` arranges every widget (the full map) but leaves the map marked
stale when the frame's dirty widgets included one it had not placed yet; the next lookup of any
widget's region (the chat keeping its end in view, a cursor, a click) then arranges the whole
screen again. While an answer streams a new block is mounted every few steps: a third of the
full layouts in a streamed answer were these repeats (`tests/test_ui_repaint.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual._compositor import Compositor as TextualCompositor
from textual._compositor import ReflowResult

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.widget import Widget


class Compositor(TextualCompositor):
    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = super().reflow(parent, size)
        # what reflow has just built is the full map (every widget, `visible_only=False`)
        self._full_map_invalidated = False
        return result
