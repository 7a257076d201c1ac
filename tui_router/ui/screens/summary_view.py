"""A session report flattened into the strings and numbers the summary screen shows.

Kept apart from the screen so the numbers can be checked without a terminal, and so the screen
never computes money: everything here comes from the ledger's Decimal totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tui_router.core.ledger import Ledger, Totals, format_total
from tui_router.core.pricing import format_usd
from tui_router.core.store_rows import DecisionRow


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
    turn_costs: list[float] = field(default_factory=list)
    turn_baselines: list[float] = field(default_factory=list)


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
    return ("≥" if unknown_calls else "") + format_usd(amount)


def savings_text(totals: Totals) -> str:
    """ "$0.0797 (65%)", with a note when some calls could not be compared."""
    savings = totals.savings_usd
    if savings is None:
        return "n/a (no call has both prices known)"
    pct = totals.savings_pct
    text = format_usd(savings) + (f" ({pct:.0f}%)" if pct is not None else "")
    if totals.savings_excluded_calls:
        n = totals.savings_excluded_calls
        text += f" · {n} call{'s' if n != 1 else ''} with an unknown price left out"
    return text


def build_view(
    *,
    session_id: str,
    baseline_model: str,
    ledger: Ledger,
    decisions: Iterable[DecisionRow] = (),
    prompts: Mapping[int, str] | None = None,
) -> SummaryView:
    """Build the view from a session's ledger, its routing decisions and its prompts by turn."""
    tiers: dict[str, str | None] = {}
    for record in ledger.records:
        tiers.setdefault(record.model, record.tier)
    models = [model_line(name, tiers.get(name), t) for name, t in ledger.per_model().items()]
    totals = ledger.totals
    per_turn = ledger.per_turn()
    savings = totals.savings_usd
    return SummaryView(
        session_id=session_id,
        baseline_model=baseline_model,
        models=models,
        total=model_line("total", None, totals),
        total_text=totals.cost_text(),
        baseline_text=totals.baseline_text(),
        savings_text=savings_text(totals),
        overspent=savings is not None and savings < 0,
        suggestions_text=suggestions_line(list(decisions)),
        escalations_text=escalations_line(r.purpose for r in ledger.records),
        most_expensive_text=most_expensive_line(ledger, prompts or {}),
        turn_costs=[float(t.cost_usd) for t in per_turn],
        turn_baselines=[float(t.baseline_usd) for t in per_turn],
    )


def suggestions_line(decisions: Sequence[DecisionRow]) -> str:
    """Counts of routing suggestions by what happened to them."""
    shown = [d for d in decisions if d.outcome != "silent"]
    count = {
        o: sum(d.outcome == o for d in shown) for o in ("accepted", "rejected", "auto-applied")
    }
    unanswered = len(shown) - sum(count.values())
    parts = [
        f"Suggestions: {len(shown)} shown",
        f"{count['accepted']} accepted",
        f"{count['rejected']} rejected",
    ]
    if count["auto-applied"]:
        parts.append(f"{count['auto-applied']} applied in auto mode")
    if unanswered:
        parts.append(f"{unanswered} unanswered")
    return " · ".join(parts)


def escalations_line(purposes: Iterable[str]) -> str:
    """Cascade escalations (a second call after a failed quality gate) and "retry stronger"."""
    seen = list(purposes)
    escalations = sum(p == "cascade" for p in seen)
    retries = sum(p == "retry" for p in seen)
    extra = sum(p in ("judge", "background") for p in seen)
    text = f"Escalations: {escalations} · retries on a stronger tier: {retries}"
    if extra:
        text += f" · judge/background calls: {extra} (counted above)"
    return text


def most_expensive_line(ledger: Ledger, prompts: Mapping[int, str]) -> str:
    turns = ledger.per_turn()
    if not turns:
        return "Most expensive turn: none (no calls yet)"
    top = max(turns, key=lambda t: t.cost_usd)
    models = sorted({r.model for r in ledger.records if r.turn == top.turn})
    text = f"Most expensive turn: #{top.turn} on {', '.join(models)}: {format_usd(top.cost_usd)}"
    if top.unknown_price_calls:
        text = text.replace(
            format_usd(top.cost_usd), format_total(top.cost_usd, top.unknown_price_calls)
        )
    prompt = " ".join((prompts.get(top.turn) or "").split())
    if prompt:
        text += f" — “{prompt[:40]}{'…' if len(prompt) > 40 else ''}”"
    return text


def summary_view(report: Any) -> SummaryView:
    """Adapt a `core.report.SessionReport` to the view."""
    return build_view(
        session_id=report.session_id,
        baseline_model=report.baseline_model,
        ledger=report.ledger,
        decisions=report.decisions,
        prompts=report.prompts,
    )
