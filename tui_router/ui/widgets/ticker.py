"""The cost ticker: spend, frontier-only baseline, savings, tokens, context used, prompt cache,
budget — always visible.

Colours come from the theme's ``$cost-ok`` / ``$cost-warn`` variables (the app supplies defaults).
It warns when spending exceeds the baseline or passes 80% of the budget, and colours the context
gauge past 80% of the window. A narrow window drops the least important parts whole (see
`PRIORITY`), never a word in the middle. Its one timer is the warm-cache countdown, which runs
once a second only while a cache is warm and the countdown is shown; otherwise it repaints when
the app shows new figures (at most 10 times a second while a reply streams).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from textual import events
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tui_router.ui import format as fmt

BUDGET_WARN_SHARE = Decimal("0.8")
#: The context gauge warns past this share of the window.
CONTEXT_WARN_SHARE = 0.8
SEPARATOR = " · "
#: Which parts a narrow ticker keeps longest (highest first); shown in the order of `ORDER`.
PRIORITY = ("spent", "activity", "budget", "ctx", "saved", "warm", "baseline", "cache", "tokens")
ORDER = ("activity", "spent", "baseline", "saved", "tokens", "ctx", "cache", "warm", "budget")


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
    #: tokens the next call would send (None: nothing sent yet), and the current model's window
    ctx_tokens: int | None = None
    ctx_window: int | None = None
    #: share of the input of the session's cache-capable calls read from the prompt cache
    #: (None: no such call yet)
    cache_ratio: float | None = None
    #: when (on `clock`) the current model's prompt cache goes cold (None: cold, or a provider
    #: whose cache lifetime is not known)
    cache_warm_until: float | None = None
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

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

    @property
    def ctx_warn(self) -> bool:
        return (
            self.ctx_tokens is not None
            and bool(self.ctx_window)
            and self.ctx_tokens >= CONTEXT_WARN_SHARE * (self.ctx_window or 0)
        )

    def warm_left(self) -> float | None:
        """Seconds the current model's cache stays warm (None: cold)."""
        if self.cache_warm_until is None:
            return None
        left = self.cache_warm_until - self.clock()
        return left if left > 0 else None


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
        self._warm_timer: Timer | None = None
        self._shown: tuple[str, tuple[object, ...]] | None = None
        super().__init__(self.render_state(self.state), id=id)

    def show(self, state: TickerState) -> None:
        """Show ``state``. The same figures again (the app refreshes the status after each reply
        and model switch) repaint nothing."""
        self.state = state
        parts = self.parts(state, self.activity)
        width = self.content_size.width
        if width > 0:  # (0 before the first layout: a resize fits it then)
            parts = fit(parts, width)
        text = join(parts)
        shown = (text.plain, tuple(text.spans))
        if shown != self._shown:
            self._shown = shown
            # One line whatever the figures: new text needs a repaint, not a layout of the screen.
            self.update(text, layout=False)
        share = state.budget_share
        savings = state.savings
        warn = (share is not None and share >= BUDGET_WARN_SHARE) or (
            savings is not None and savings < 0
        )
        self.set_class(warn, "-warn")
        self._count_down("warm" in parts)

    def set_activity(self, activity: str | None) -> None:
        """Say what the reply is doing before the figures (None: nothing is streaming)."""
        if activity != self.activity:
            self.activity = activity
            self.show(self.state)

    def on_resize(self, event: events.Resize) -> None:
        self.show(self.state)

    def _count_down(self, shown: bool) -> None:
        """Tick once a second while the warm-cache countdown is on screen; no timer otherwise
        (an idle app stays idle once the cache is cold)."""
        if shown and self._warm_timer is None:
            self._warm_timer = self.set_interval(1.0, self._tick)
        elif not shown and self._warm_timer is not None:
            self._warm_timer.stop()
            self._warm_timer = None

    def _tick(self) -> None:
        if self.screen.is_current:  # under another screen nobody sees it; the next tick will
            self.show(self.state)

    @property
    def counting_down(self) -> bool:
        return self._warm_timer is not None

    @staticmethod
    def parts(state: TickerState, activity: str | None = None) -> dict[str, Content]:
        """The ticker's parts by name (see `ORDER` and `PRIORITY`)."""
        est = state.estimated
        parts: dict[str, Content] = {}
        if activity:
            parts["activity"] = Content.styled(activity, "bold")
        spent = f"spent {fmt.usd(state.spend, estimated=est)}"
        if state.unpriced_calls:
            spent += f" (+{state.unpriced_calls} unpriced)"
        parts["spent"] = Content(spent)
        parts["baseline"] = Content(f"frontier-only {fmt.usd(state.baseline, estimated=est)}")
        savings = state.savings
        saved = f"saved {fmt.usd(savings, estimated=est)}"
        if savings is not None and state.baseline:
            saved += f" ({fmt.percent(savings, state.baseline)})"
        parts["saved"] = Content(saved)
        parts["tokens"] = Content(
            f"{fmt.tokens(state.tokens_in)} in / {fmt.tokens(state.tokens_out)} out"
        )
        if state.ctx_tokens is not None:
            ctx = f"ctx {compact(state.ctx_tokens)}"
            if state.ctx_window:
                ctx += f"/{compact(state.ctx_window)}"
            parts["ctx"] = Content.styled(ctx, "$text-warning bold" if state.ctx_warn else "")
        if state.cache_ratio is not None:
            parts["cache"] = Content(f"cache {state.cache_ratio:.0%}")
        left = state.warm_left()
        if left is not None:
            minutes, seconds = divmod(math.ceil(left), 60)
            parts["warm"] = Content(f"cache warm {minutes}:{seconds:02d}")
        share = state.budget_share
        if state.budget is not None:
            used = f"{share * 100:.0f}%" if share is not None else "n/a"
            parts["budget"] = Content(f"budget {used} of {fmt.usd_limit(state.budget)}")
        return parts

    @classmethod
    def render_state(cls, state: TickerState, activity: str | None = None) -> Content:
        """Every part of ``state`` on one line (as wide as it takes)."""
        return join(cls.parts(state, activity))


def fit(parts: dict[str, Content], width: int) -> dict[str, Content]:
    """The most important parts that fit in ``width`` cells (the least important go first);
    the first part alone is cut at the edge when even it does not fit."""
    kept = dict(parts)
    for name in reversed(PRIORITY):
        if join(kept).cell_length <= width or len(kept) == 1:
            break
        kept.pop(name, None)
    return kept


def join(parts: dict[str, Content]) -> Content:
    return Content(SEPARATOR).join(parts[name] for name in ORDER if name in parts)


def compact(count: int) -> str:
    """41_234 → "41k", 2_160 → "2.2k", 200_000 → "200k", 1_000_000 → "1M" (the context gauge)."""
    if count < 1000:
        return str(count)
    if count < 9_950:  # (rounds to "10.0k" from here: shown as "10k")
        return f"{count / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    if count < 999_500:
        return f"{count / 1000:.0f}k"
    return f"{count / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
