"""The cost ticker: spend, frontier-only baseline, savings, tokens, budget — always visible.

Colours come from the theme's ``$cost-ok`` / ``$cost-warn`` variables (the app supplies defaults).
It warns when spending exceeds the baseline or passes 80% of the budget. It has no timer: it
repaints when the app shows new figures (at most 10 times a second while a reply streams).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from tui_router.ui import format as fmt

BUDGET_WARN_SHARE = Decimal("0.8")


@dataclass(frozen=True)
class TickerState:
    spend: Decimal | None  # None: a call had no known price
    baseline: Decimal | None
    tokens_in: int = 0
    tokens_out: int = 0
    cache_read: int = 0
    estimated: bool = False  # a reply is streaming; figures include an estimate
    budget: Decimal | None = None
    unpriced_calls: int = 0

    @property
    def savings(self) -> Decimal | None:
        if self.spend is None or self.baseline is None:
            return None
        return self.baseline - self.spend

    @property
    def budget_share(self) -> Decimal | None:
        if self.budget is None or self.budget == 0 or self.spend is None:
            return None
        return self.spend / self.budget


class CostTicker(Static):
    DEFAULT_CSS = """
    CostTicker {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $cost-ok;
    }
    CostTicker.-warn { color: $cost-warn; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        # The first content is given here, not in on_mount: an update after mounting would
        # repaint the widget once more before the app's first frame.
        self.state = TickerState(Decimal(0), Decimal(0))
        #: what the reply is doing, shown first ("streaming 12 s", "no tokens for 20 s — …")
        self.activity: str | None = None
        super().__init__(self.render_state(self.state), id=id)

    def show(self, state: TickerState) -> None:
        """Show ``state``. The same figures again (the app refreshes the status after each reply
        and model switch) repaint nothing."""
        self.state = state
        text = self.render_state(state)
        if self.activity:
            text = Text.assemble((self.activity, "bold"), "  ·  ", text)
        if text != self.content:
            # One line whatever the figures: new text needs a repaint, not a layout of the screen.
            self.update(text, layout=False)
        share = state.budget_share
        savings = state.savings
        warn = (share is not None and share >= BUDGET_WARN_SHARE) or (
            savings is not None and savings < 0
        )
        self.set_class(warn, "-warn")

    def set_activity(self, activity: str | None) -> None:
        """Say what the reply is doing before the figures (None: nothing is streaming)."""
        if activity != self.activity:
            self.activity = activity
            self.show(self.state)

    @staticmethod
    def render_state(state: TickerState) -> Text:
        est = state.estimated
        parts = [f"spent {fmt.usd(state.spend, estimated=est)}"]
        if state.unpriced_calls:
            parts[-1] += f" (+{state.unpriced_calls} unpriced)"
        parts.append(f"frontier-only {fmt.usd(state.baseline, estimated=est)}")
        savings = state.savings
        if savings is not None and state.baseline:
            parts.append(
                f"saved {fmt.usd(savings, estimated=est)} ({fmt.percent(savings, state.baseline)})"
            )
        else:
            parts.append(f"saved {fmt.usd(savings, estimated=est)}")
        tok = f"{fmt.tokens(state.tokens_in)} in / {fmt.tokens(state.tokens_out)} out"
        if state.cache_read:
            tok += f" ({fmt.tokens(state.cache_read)} cached)"
        parts.append(tok)
        share = state.budget_share
        if state.budget is not None:
            used = f"{share * 100:.0f}%" if share is not None else "n/a"
            parts.append(f"budget {used} of {fmt.usd(state.budget, places=2)}")
        return Text("  ·  ".join(parts))
