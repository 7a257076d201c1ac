"""A session's cost report as data: what `tui-router report` prints and the TUI summary shows.

Built from the store only (`build_report`), so a report after the process exited shows exactly what
the session recorded: stored tokens and the prices used then, never re-priced. The baseline is every
call's usage re-priced at the frontier model (`BASELINE_ASSUMPTION`).

Counting rules: *escalations* are the extra cascade attempts of a turn, each a move to another
model (a turn answered by a cheap model then a stronger one counts 1, however many steps each
attempt took); *retries* are "retry stronger" calls; suggestions are the
routing decisions shown to the user (silent ones are not counted) by their answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tui_router.core.ledger import Ledger, Totals, TurnSpend
from tui_router.core.store import Store, UnknownSessionError
from tui_router.core.store_rows import CallRow, DecisionRow, SessionRow, money_text
from tui_router.core.usage import Usage

BASELINE_ASSUMPTION = "baseline = same token counts re-priced at {model}"
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class ModelRow:
    model: str
    tier: str | None
    totals: Totals


@dataclass(frozen=True, slots=True)
class SuggestionCounts:
    shown: int = 0
    accepted: int = 0
    rejected: int = 0
    auto_applied: int = 0

    @property
    def unanswered(self) -> int:
        return self.shown - self.accepted - self.rejected - self.auto_applied


@dataclass(frozen=True, slots=True)
class ExpensiveTurn:
    turn: int
    cost_usd: Decimal | None  # None: no call of the turn has a known price
    unknown_price_calls: int
    models: tuple[str, ...]
    prompt: str


@dataclass(frozen=True, slots=True)
class SessionReport:
    """Everything a session's cost report shows. Money is Decimal; None means unknown."""

    session: SessionRow
    baseline_model: str
    ledger: Ledger
    calls: list[CallRow]
    decisions: list[DecisionRow]
    prompts: dict[int, str]
    models: list[ModelRow]
    suggestions: SuggestionCounts
    escalations: int
    retries: int
    errors: int
    cancelled: int
    most_expensive_turn: ExpensiveTurn | None
    per_turn: list[TurnSpend] = field(default_factory=list)

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def totals(self) -> Totals:
        return self.ledger.totals

    @property
    def baseline_assumption(self) -> str:
        return BASELINE_ASSUMPTION.format(model=self.baseline_model)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: money as decimal strings (null when unknown), tokens as integers."""
        totals = self.totals
        top = self.most_expensive_turn
        return {
            "session_id": self.session.id,
            "started_at": self.session.started_at,
            "ended_at": self.session.ended_at,
            "title": self.session.title,
            "mode": self.session.mode,
            "strategy": self.session.strategy,
            "models": [_model_dict(row.model, row.tier, row.totals) for row in self.models],
            "total": _model_dict(None, None, totals),
            "baseline": {
                "model": self.baseline_model,
                "assumption": self.baseline_assumption,
                "cost_usd": money_text(totals.baseline_usd),
                "unknown_price_calls": totals.unknown_baseline_calls,
            },
            "savings_usd": money_text(totals.savings_usd),
            "savings_pct": None if totals.savings_pct is None else round(totals.savings_pct, 2),
            "savings_excluded_calls": totals.savings_excluded_calls,
            "cache_hit_ratio": _ratio(totals.usage.cache_hit_ratio),
            "suggestions": {
                "shown": self.suggestions.shown,
                "accepted": self.suggestions.accepted,
                "rejected": self.suggestions.rejected,
                "auto_applied": self.suggestions.auto_applied,
                "unanswered": self.suggestions.unanswered,
            },
            "escalations": self.escalations,
            "retries": self.retries,
            "errors": self.errors,
            "cancelled": self.cancelled,
            "most_expensive_turn": None
            if top is None
            else {
                "turn": top.turn,
                "cost_usd": money_text(top.cost_usd),
                "unknown_price_calls": top.unknown_price_calls,
                "models": list(top.models),
                "prompt": top.prompt,
            },
            "turns": [
                {
                    "turn": t.turn,
                    "cost_usd": money_text(t.cost_usd),
                    "baseline_usd": money_text(t.baseline_usd),
                    "unknown_price_calls": t.unknown_price_calls,
                    "unknown_baseline_calls": t.unknown_baseline_calls,
                }
                for t in self.per_turn
            ],
            "calls": [_call_dict(call) for call in self.calls],
        }


def build_report(store: Store, session_id: str) -> SessionReport:
    """The report of a stored session; raises `UnknownSessionError` if there is none."""
    session = store.get_session(session_id)
    if session is None:
        raise UnknownSessionError(
            f"no session {session_id!r} in {store.path}; `tui-router sessions` lists them"
        )
    calls = store.session_calls(session_id)
    decisions = store.session_decisions(session_id)
    prompts: dict[int, str] = {}
    for message in store.session_messages(session_id):
        # the prompt as typed, not what a retry or /compact sent in its place
        if message.role == "user" and message.turn is not None and message.kind is None:
            prompts.setdefault(message.turn, message.content)
    ledger = Ledger.from_rows(calls)
    tiers: dict[str, str | None] = {}
    for call in calls:
        tiers.setdefault(call.model, call.tier)
    baseline_model = (
        session.frontier_model
        or next((c.baseline_model for c in calls if c.baseline_model), None)
        or "the frontier model"
    )
    return SessionReport(
        session=session,
        baseline_model=baseline_model,
        ledger=ledger,
        calls=calls,
        decisions=decisions,
        prompts=prompts,
        models=[ModelRow(m, tiers.get(m), t) for m, t in ledger.per_model().items()],
        suggestions=count_suggestions(decisions),
        escalations=count_escalations(calls),
        retries=sum(c.purpose == "retry" for c in calls),
        errors=sum(c.status == "error" for c in calls),
        cancelled=sum(c.status == "cancelled" for c in calls),
        most_expensive_turn=_most_expensive(ledger, calls, prompts),
        per_turn=ledger.per_turn(),
    )


def count_suggestions(decisions: Sequence[DecisionRow]) -> SuggestionCounts:
    shown = [d for d in decisions if d.outcome != "silent"]
    return SuggestionCounts(
        shown=len(shown),
        accepted=sum(d.outcome == "accepted" for d in shown),
        rejected=sum(d.outcome == "rejected" for d in shown),
        auto_applied=sum(d.outcome == "auto-applied" for d in shown),
    )


def count_escalations(calls: Sequence[CallRow]) -> int:
    """Extra cascade attempts: per turn, the times its cascade calls move to another model."""
    return len(escalation_starts(calls))


def escalation_starts(calls: Sequence[CallRow]) -> set[int]:
    """The indices in ``calls`` (one session's, in order) of the cascade calls that begin a
    turn's next attempt: each on another model than the turn's cascade call before it.

    An attempt of an agent turn is several calls on one model (its steps), so counting the
    calls beyond a turn's first counted every step of a later attempt as an escalation.
    """
    starts: set[int] = set()
    last_model: dict[int, str] = {}
    for index, call in enumerate(calls):
        if call.purpose != "cascade":
            continue
        previous = last_model.get(call.turn)
        if previous is not None and previous != call.model:
            starts.add(index)
        last_model[call.turn] = call.model
    return starts


def sparkline(values: Sequence[Decimal | float], scale_max: Decimal | float | None = None) -> str:
    """One block character per value, scaled to ``scale_max`` (default: the largest value).

    Pass the same ``scale_max`` to two series (spend and baseline) to compare them by eye.
    """
    if not values:
        return ""
    top = float(scale_max if scale_max is not None else max(values))
    if top <= 0:
        return SPARK_BLOCKS[0] * len(values)
    last = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[min(last, max(0, round(float(v) / top * last)))] for v in values)


def _most_expensive(
    ledger: Ledger, calls: Sequence[CallRow], prompts: dict[int, str]
) -> ExpensiveTurn | None:
    turns = ledger.per_turn()
    if not turns:
        return None
    # by the known part; first of equals: the earliest turn
    top = max(turns, key=lambda t: t.cost.known_usd)
    models = tuple(dict.fromkeys(c.model for c in calls if c.turn == top.turn))
    prompt = " ".join(prompts.get(top.turn, "").split())
    return ExpensiveTurn(top.turn, top.cost_usd, top.unknown_price_calls, models, prompt)


def _usage_dict(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "estimated": usage.estimated,
    }


def _model_dict(model: str | None, tier: str | None, totals: Totals) -> dict[str, Any]:
    data: dict[str, Any] = {} if model is None else {"model": model, "tier": tier}
    data.update(
        calls=totals.calls,
        **_usage_dict(totals.usage),
        cost_usd=money_text(totals.cost_usd),
        unknown_price_calls=totals.unknown_price_calls,
        baseline_cost_usd=money_text(totals.baseline_usd),
    )
    return data


def _call_dict(call: CallRow) -> dict[str, Any]:
    return {
        "id": call.id,
        "turn": call.turn,
        "model": call.model,
        "endpoint": call.endpoint,
        "tier": call.tier,
        "purpose": call.purpose,
        "status": call.status,
        "error": call.error,
        "stop_reason": call.stop_reason,
        "usage": _usage_dict(call.usage),
        "cost_usd": money_text(call.cost_usd),
        "price_source": call.price_source,
        "baseline_model": call.baseline_model,
        "baseline_cost_usd": money_text(call.baseline_cost_usd),
        "duration_ms": call.duration_ms,
        "started_at": call.started_at,
    }


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
