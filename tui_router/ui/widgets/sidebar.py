"""The model switcher: models grouped by tier with $/MTok, context window and availability.

Clicking a model row posts `ModelSidebar.Selected`; the current model is highlighted, a hovered
one too, and a hovered row's tooltip says why a model is or is not available.

The rows are drawn by one widget (`ModelList`) inside the scrolling sidebar: as one widget per
row, the default catalog (8 models in 4 tiers) was 13 widgets mounted, styled and arranged when
the session opened, and restyled on every switch. The cells are those the widgets showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from tui_router.core.tiers import TIERS
from tui_router.ui import format as fmt
from tui_router.ui.widgets.layered_style import LayeredStyleWidget, fill

TIER_ORDER = TIERS  # the tiers in order, from core/tiers.py
LEGEND = "$/MTok in / out · context"


@dataclass(frozen=True)
class ModelRow:
    """What the sidebar shows for one model."""

    id: str
    tier: str
    input_rate: Decimal | None
    output_rate: Decimal | None
    context_window: int | None
    available: bool
    availability: str


def row_text(row: ModelRow) -> Text:
    """A model's two lines: its mark and id, then its rates and window (dim)."""
    mark = "●" if row.available else "○"
    text = Text(f"{mark} {row.id}\n", no_wrap=True, overflow="ellipsis")
    rates = f"{fmt.rate(row.input_rate)} / {fmt.rate(row.output_rate)}"
    if row.input_rate == 0 and row.output_rate == 0:
        rates = "free"
    window = fmt.context_window(row.context_window).removesuffix(" ctx")
    detail = f"  {rates} · {window}"
    if not row.available:
        detail += " · off"
    text.append(detail, style="dim")
    return text


@dataclass(frozen=True)
class _Line:
    """One drawn line: a piece of text in a part's style, or the blank above a tier's name."""

    part: str  # legend, tier, blank, model
    text: Text
    row: ModelRow | None = None


class ModelList(LayeredStyleWidget):
    """The sidebar's rows, drawn line by line: the legend, then each tier's name and models."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "model-list--legend",
        "model-list--tier",
        "model-list--model",
        "model-list--hover",
        "model-list--current",
        "model-list--unavailable",
    }
    # The rows' looks, as their widgets had them (`padding: 0 1` for each; a tier's name has a
    # blank line above it).
    DEFAULT_CSS = """
    ModelList {
        height: auto;
        .model-list--legend { color: $text-muted; }
        .model-list--tier { color: $accent; text-style: bold; }
        /* not $boost: the shipped themes set `panel`, and Textual then leaves boost transparent */
        .model-list--hover { background: $primary 20%; }
        .model-list--current { background: $primary 30%; text-style: bold; }
        .model-list--unavailable { color: $text-disabled; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ModelRow] = []
        self.current: str | None = None
        self._lines: list[_Line] = []
        self._hover: ModelRow | None = None

    def show(self, rows: list[ModelRow], current: str | None) -> None:
        self.rows, self.current, self._hover = rows, current, None
        lines = [_Line("legend", Text(LEGEND))]
        for tier in TIER_ORDER + tuple(sorted({r.tier for r in rows} - set(TIER_ORDER))):
            in_tier = [r for r in rows if r.tier == tier]
            if not in_tier:
                continue
            lines += [_Line("blank", Text()), _Line("tier", Text(tier.upper()))]
            for row in in_tier:
                first, second = row_text(row).split("\n")
                lines += [_Line("model", first, row), _Line("model", second, row)]
        self._lines = lines
        self.refresh(layout=True)

    def set_current(self, model_id: str | None) -> None:
        if model_id != self.current:
            self.current = model_id
            self.refresh()

    def model_lines(self, model_id: str | None) -> Region | None:
        """Where ``model_id``'s two lines are drawn (in this widget's coordinates), if listed."""
        for y, line in enumerate(self._lines):
            if line.row is not None and line.row.id == model_id:
                return Region(0, y, self.size.width, 2)
        return None

    def row_at(self, y: int) -> ModelRow | None:
        return self._lines[y].row if 0 <= y < len(self._lines) else None

    # -- drawing ------------------------------------------------------------------------------

    def _style(self, line: _Line) -> Style:
        row = line.row
        layers = [f"model-list--{line.part}"] if line.part != "blank" else []
        if row is not None:
            if row.id == self.current:  # its background, hovered or not (one rule won)
                layers.append("model-list--current")
            elif row is self._hover:
                layers.append("model-list--hover")
            if not row.available:
                layers.append("model-list--unavailable")
        return self.layered(*layers)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not 0 <= y < len(self._lines):
            return Strip.blank(width, fill(self.rich_style))
        line = self._lines[y]
        style = self._style(line)
        pad = fill(style)
        if line.part == "blank":
            return Strip.blank(width, pad)
        inner = max(0, width - 2)
        text = line.text.copy()
        text.truncate(inner, overflow="ellipsis")
        body = Segment.apply_style(text.render(self.app.console, end=""), style)
        rest = Segment(" " * (inner - text.cell_len), pad)
        return Strip([Segment(" ", pad), *body, rest, Segment(" ", pad)]).crop_extend(0, width, pad)

    # -- the mouse ----------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.row_at(event.y))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, row: ModelRow | None) -> None:
        if row is not self._hover:
            self._hover = row
            self.tooltip = row.availability if row is not None else None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        row = self.row_at(event.y)
        if row is not None:
            self.post_message(ModelSidebar.Selected(row.id))


class ModelSidebar(VerticalScroll, can_focus=False):
    """Toggle with ctrl+b (class ``-hidden`` on the screen hides it)."""

    DEFAULT_CSS = """
    ModelSidebar {
        width: 34;
        dock: right;
        border-left: vkey $primary 40%;
        padding: 0 0 1 0;
    }
    """

    @dataclass
    class Selected(Message):
        model_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.models = ModelList()

    @property
    def rows(self) -> list[ModelRow]:
        return self.models.rows

    @property
    def current(self) -> str | None:
        return self.models.current

    def compose(self) -> ComposeResult:
        yield self.models

    def set_models(self, rows: list[ModelRow], current: str | None) -> None:
        self.models.show(rows, current)
        self.set_current(current)

    def set_current(self, model_id: str | None) -> None:
        self.models.set_current(model_id)
        if self.is_mounted:  # once the list is laid out, its lines have their width
            self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        lines = self.models.model_lines(self.current)
        if lines is not None:
            self.scroll_to_region(lines, animate=False)
