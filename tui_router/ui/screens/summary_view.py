"""A session report flattened into the strings and numbers the summary screen shows.

Kept apart from the screen so the numbers can be checked without a terminal, and so the screen
never computes money: everything here comes from the ledger's Decimal totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tui_router.core.ledger import Totals, format_total
from tui_router.core.money_text import format_usd
from tui_router.core.price_sum import PriceSum
from tui_router.core.report import ExpensiveTurn, SessionReport, SuggestionCounts
from tui_router.ui.format import counted


@dataclass(frozen=True, slots=True)
class ModelLine:
    """One row of the per-model table (or the total row)."""

    model: str
    tier: str | None
    calls: int
    input_tokens: int
    cache_tokens: int
    output_tokens: int
    cost_text: str
    baseline_text: str


@dataclass(frozen=True, slots=True)
class SummaryView:
    """Everything the summary screen shows, ready to display."""

    session_id: str
    baseline_model: str
    models: list[ModelLine]
    total: ModelLine
    total_text: str
    baseline_text: str
    savings_text: str
    overspent: bool
    suggestions_text: str
    escalations_text: str
    most_expensive_text: str
    #: the known part of each turn's spend and baseline (the bars)
    turn_costs: list[float] = field(default_factory=list)
    turn_baselines: list[float] = field(default_factory=list)
    #: the highest turn: "$0.0123", "≥ $0.0123" when some turn has an unknown price, or "n/a"
    turn_cost_peak: str = "$0.0000"
    turn_baseline_peak: str = "$0.0000"
    #: the session's title (its first prompt's line, or the one a fast-tier model wrote)
    title: str | None = None


def model_line(name: str, tier: str | None, totals: Totals) -> ModelLine:
    usage = totals.usage
    return ModelLine(
        model=name,
        tier=tier,
        calls=totals.calls,
        input_tokens=usage.input_tokens,
        cache_tokens=usage.cache_read_tokens + usage.cache_write_tokens,
        output_tokens=usage.output_tokens,
        cost_text=("~" if usage.estimated else "")
        + cell_total(totals.cost_usd, totals.unknown_price_calls),
        baseline_text=cell_total(totals.baseline_usd, totals.unknown_baseline_calls),
    )


def cell_total(amount: Decimal | None, unknown_calls: int) -> str:
    """A table cell: "$0.0123", "≥$0.0123" when some prices are unknown, or "n/a"."""
    if amount is None:
        return "n/a"
    return ("≥" if unknown_calls else "") + format_usd(amount, None)


def savings_text(totals: Totals) -> str:
    """ "$0.0797 (65%)", with a note when some calls could not be compared."""
    savings = totals.savings_usd
    if savings is None:
        return "n/a (no call has both prices known)"
    pct = totals.savings_pct
    text = format_usd(savings, None) + (f" ({pct:.0f}%)" if pct is not None else "")
    if totals.savings_excluded_calls:
        text += (
            f" · {counted(totals.savings_excluded_calls, 'call')} with an unknown price left out"
        )
    return text


def summary_view(report: SessionReport) -> SummaryView:
    """Flatten a `SessionReport` (the same data `tui-router report` prints) for the screen."""
    totals = report.totals
    savings = totals.savings_usd
    return SummaryView(
        session_id=report.session_id,
        baseline_model=report.baseline_model,
        models=[model_line(row.model, row.tier, row.totals) for row in report.models],
        total=model_line("total", None, totals),
        total_text=totals.cost_text(),
        baseline_text=totals.baseline_text(),
        savings_text=savings_text(totals),
        overspent=savings is not None and savings < 0,
        suggestions_text=suggestions_line(report.suggestions),
        escalations_text=escalations_line(report),
        most_expensive_text=most_expensive_line(report.most_expensive_turn),
        turn_costs=[float(t.cost.known_usd) for t in report.per_turn],
        turn_baselines=[float(t.baseline.known_usd) for t in report.per_turn],
        turn_cost_peak=peak_text([t.cost for t in report.per_turn]),
        turn_baseline_peak=peak_text([t.baseline for t in report.per_turn]),
        title=report.session.title,
    )


def peak_text(spends: list[PriceSum]) -> str:
    """The highest of the turns' spends, known parts only: "≥" when a turn has an unknown price,
    "n/a" when no turn has a known one."""
    if spends and all(spend.usd is None for spend in spends):
        return "n/a"
    peak = max((spend.known_usd for spend in spends), default=Decimal(0))
    return ("≥ " if any(spend.unknown for spend in spends) else "") + format_usd(peak, None)


def suggestions_line(counts: SuggestionCounts) -> str:
    """Routing suggestions shown, and what the user answered."""
    parts = [
        f"Suggestions: {counts.shown} shown",
        f"{counts.accepted} accepted",
        f"{counts.rejected} rejected",
    ]
    if counts.auto_applied:
        parts.append(f"{counts.auto_applied} applied in auto mode")
    if counts.unanswered:
        parts.append(f"{counts.unanswered} unanswered")
    return " · ".join(parts)


def escalations_line(report: SessionReport) -> str:
    """Cascade escalations, "retry stronger" calls, and failed or cancelled calls (all counted)."""
    text = (
        f"Cascade escalations: {report.escalations} · retries on a stronger tier: {report.retries}"
    )
    if report.errors or report.cancelled:
        text += f" · failed calls: {report.errors} · cancelled: {report.cancelled}"
    usage = report.totals.usage
    if usage.cache_read_tokens and usage.cache_hit_ratio is not None:
        text += f" · prompt cache: {usage.cache_hit_ratio:.0%} of input read from cache"
    return text


def most_expensive_line(top: ExpensiveTurn | None) -> str:
    if top is None:
        return "Most expensive turn: none (no calls yet)"
    cost = format_total(top.cost_usd, top.unknown_price_calls)
    text = f"Most expensive turn: #{top.turn} on {', '.join(top.models)}: {cost}"
    if top.prompt:
        text += f" — “{top.prompt[:40]}{'…' if len(top.prompt) > 40 else ''}”"
    return text
