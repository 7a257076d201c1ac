"""What `tui-router ask` prints and records, shared by a plain turn and a cascade: the route
taken, the one-line cost, the ``--json`` object, the stored decision and the session title.
Imports no command module, so both can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui_router.core.store_rows import money_text


@dataclass(frozen=True)
class Route:
    """Which model answers and why; ``decision`` is the router's when it chose."""

    model: Any
    mode: str
    reason: str
    strategy: str = "manual"
    decision: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "tier": self.model.tier, "reason": self.reason}


def cost_line(result: Any, ledger: Any = None) -> str:
    """One quiet line for a person at a terminal (scripts, with stderr redirected, never see it).
    With ``ledger`` (a turn of several calls), the turn's totals follow the last call's line."""
    from tui_router.core.money_text import format_usd
    from tui_router.core.plural import counted

    if ledger is not None:
        totals = ledger.totals
        return (
            f"[{result.model} · {counted(totals.calls, 'call')} · {format_usd(totals.cost_usd, 6)}"
            f" · frontier-only {format_usd(totals.baseline_usd, 6)}]"
        )

    usage = result.usage
    cache = usage.cache_read_tokens + usage.cache_write_tokens
    tokens = f"{usage.input_tokens:,} in" + (f" ({cache:,} cache)" if cache else "")
    tokens += f" / {usage.output_tokens:,} out"
    approx = "~" if usage.estimated else ""
    return (
        f"[{result.model} · {tokens} · {approx}{format_usd(result.price.usd, 6)}"
        f" · frontier-only {approx}{format_usd(result.baseline.usd, 6)}]"
    )


def json_result(session_id: str, result: Any, route: Route) -> dict[str, Any]:
    usage = result.usage
    cost, baseline = result.price.usd, result.baseline.usd
    savings = None if cost is None or baseline is None else baseline - cost
    return {
        "session_id": session_id,
        "call_id": result.call_id,
        "model": result.model,
        "provider": result.endpoint,
        "tier": result.tier,
        "text": result.text,
        "usage": {
            "input_tokens": usage.input_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "output_tokens": usage.output_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "estimated": usage.estimated,
        },
        "cost_usd": money_text(cost),
        "price_source": result.price.source,
        "baseline": {
            "model": result.baseline_model,
            "cost_usd": money_text(baseline),
            "assumption": "same token counts re-priced at the frontier model",
        },
        "savings_usd": None if savings is None else str(savings),
        "route": route.to_dict(),
        "stop_reason": result.stop_reason,
        "duration_ms": result.duration_ms,
        "status": result.status,
        "error": result.error,
    }


def decision_row(session_id: str, decision: Any) -> Any:
    from tui_router.core.store import DecisionRow

    return DecisionRow(
        session_id=session_id,
        turn=1,
        strategy=decision.strategy,
        suggested_model=decision.model,
        suggested_tier=decision.tier,
        current_model=None,
        current_tier=None,
        reason=decision.reason,
        rule=decision.rule,
        score=decision.score,
        confidence=decision.confidence,
        est_cost_usd=decision.est_cost_usd,
        est_baseline_usd=decision.est_baseline_usd,
        lost_cache_usd=decision.lost_cache_usd,
        outcome="auto-applied",
    )


def session_title(prompt: str) -> str:
    """The prompt on one line, cut to 60 characters: the session's title in history."""
    line = " ".join(prompt.split())
    return line if len(line) <= 60 else line[:59] + "…"
