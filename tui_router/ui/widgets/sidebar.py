"""The model switcher: models grouped by tier with $/MTok, context window and availability.

Clicking a model row posts `ModelSidebar.Selected`; the current model is highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui_router.core.tiers import TIERS
from tui_router.ui import format as fmt

TIER_ORDER = TIERS  # the tiers in order, from core/tiers.py


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


class ModelEntry(Static):
    DEFAULT_CSS = """
    ModelEntry { padding: 0 1; height: auto; }
    ModelEntry:hover { background: $boost; }
    ModelEntry.-current { background: $primary 30%; text-style: bold; }
    ModelEntry.-unavailable { color: $text-disabled; }
    """

    def __init__(self, row: ModelRow) -> None:
        super().__init__(self._render_row(row), classes="" if row.available else "-unavailable")
        self.row = row
        self.tooltip = row.availability

    @staticmethod
    def _render_row(row: ModelRow) -> Text:
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

    def on_click(self, event: events.Click) -> None:
        self.post_message(ModelSidebar.Selected(self.row.id))


class ModelSidebar(VerticalScroll, can_focus=False):
    """Toggle with ctrl+b (class ``-hidden`` on the screen hides it)."""

    DEFAULT_CSS = """
    ModelSidebar {
        width: 34;
        dock: right;
        border-left: vkey $primary 40%;
        padding: 0 0 1 0;
    }
    ModelSidebar > .tier { color: $accent; text-style: bold; padding: 1 1 0 1; }
    ModelSidebar > .legend { color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class Selected(Message):
        model_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[ModelRow] = []
        self.current: str | None = None

    async def set_models(self, rows: list[ModelRow], current: str | None) -> None:
        self.rows = rows
        self.current = current
        await self.remove_children()
        widgets: list[Static] = [Static("$/MTok in / out · context", classes="legend")]
        for tier in TIER_ORDER + tuple(sorted({r.tier for r in rows} - set(TIER_ORDER))):
            in_tier = [r for r in rows if r.tier == tier]
            if not in_tier:
                continue
            widgets.append(Static(tier.upper(), classes="tier"))
            widgets.extend(ModelEntry(r) for r in in_tier)
        await self.mount_all(widgets)
        self.set_current(current)

    def set_current(self, model_id: str | None) -> None:
        self.current = model_id
        for entry in self.query(ModelEntry):
            entry.set_class(entry.row.id == model_id, "-current")
            if entry.row.id == model_id and self.is_mounted:
                self.call_after_refresh(entry.scroll_visible, animate=False)
