"""Rows of the history store: sessions, calls, messages, routing decisions, session totals.

Plain frozen dataclasses shared by `store` (which reads and writes them), `ledger` and `report`.
Money is `Decimal`, None when the price was unknown.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tui_router.core.conversation import ToolCall
from tui_router.core.price_sum import CostAndBaseline, PriceSum
from tui_router.core.usage import Usage


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_session_id() -> str:
    """A ULID: 48-bit millisecond time + 80 random bits, Crockford base32; sorts by creation."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    started_at: str
    ended_at: str | None = None
    title: str | None = None
    start_model: str | None = None
    mode: str | None = None
    strategy: str | None = None
    frontier_model: str | None = None
    summary_json: str | None = None
    #: the workspace folder's name (None for sessions recorded before it was kept)
    project: str | None = None
    #: the workspace folder's absolute path (None for sessions recorded before it was kept)
    workspace: str | None = None

    @property
    def summary(self) -> dict[str, Any] | None:
        return json.loads(self.summary_json) if self.summary_json else None


@dataclass(frozen=True, slots=True)
class CallRow:
    """One model call as stored: raw usage plus the price (and baseline price) used at the time."""

    session_id: str
    turn: int
    model: str
    purpose: str
    usage: Usage
    cost_usd: Decimal | None
    price_source: str
    status: str = "ok"
    endpoint: str | None = None
    price_provider: str | None = None
    tier: str | None = None
    baseline_model: str | None = None
    baseline_cost_usd: Decimal | None = None
    duration_ms: int = 0
    error: str | None = None
    stop_reason: str | None = None
    started_at: str = field(default_factory=now_iso)
    id: int = 0


@dataclass(frozen=True, slots=True)
class MessageRow:
    seq: int
    role: str
    content: str
    turn: int | None = None
    model: str | None = None
    created_at: str = ""
    call_id: int | None = None
    #: assistant messages of an agent turn: the tools the model asked for
    tool_calls: tuple[ToolCall, ...] = ()
    #: tool messages: the call answered, and whether the model was told it failed
    tool_call_id: str | None = None
    is_error: bool = False
    #: None: the conversation as typed and answered; else one of `store.MESSAGE_KINDS`
    kind: str | None = None


def message_row_from_db(row: tuple[Any, ...]) -> MessageRow:
    """A `MessageRow` from ``seq, role, content, turn, model, created_at, call_id,
    tool_calls_json, tool_call_id, is_error, kind``."""
    calls: tuple[ToolCall, ...] = ()
    if row[7]:
        calls = tuple(
            ToolCall(str(c["id"]), str(c["name"]), dict(c.get("arguments") or {}))
            for c in json.loads(row[7])
        )
    return MessageRow(
        seq=row[0],
        role=row[1],
        content=row[2],
        turn=row[3],
        model=row[4],
        created_at=row[5],
        call_id=row[6],
        tool_calls=calls,
        tool_call_id=row[8],
        is_error=bool(row[9]),
        kind=row[10],
    )


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """A routing decision shown to (or applied for) the user, and what they answered."""

    session_id: str
    turn: int
    strategy: str
    suggested_model: str | None = None
    suggested_tier: str | None = None
    current_model: str | None = None
    current_tier: str | None = None
    reason: str | None = None
    rule: str | None = None
    score: float | None = None
    confidence: float | None = None
    est_cost_usd: Decimal | None = None
    est_baseline_usd: Decimal | None = None
    lost_cache_usd: Decimal | None = None
    outcome: str = "shown"
    created_at: str = field(default_factory=now_iso)
    answered_at: str | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class SessionTotals(CostAndBaseline):
    """A session with its call totals, for `sessions` listings (money: None when unknown)."""

    session: SessionRow
    calls: int
    models: tuple[str, ...]
    cost: PriceSum
    baseline: PriceSum

    @property
    def savings_usd(self) -> Decimal | None:
        if self.cost.unknown or self.baseline.unknown:
            return None
        return self.baseline.known_usd - self.cost.known_usd


def session_totals(
    session: SessionRow, calls: list[tuple[str, str | None, str | None]]
) -> SessionTotals:
    """Totals of one session from its calls' (model, cost, baseline cost) columns."""
    models = tuple(dict.fromkeys(model for model, _cost, _baseline in calls))
    cost = PriceSum.of(parse_money(cost) for _model, cost, _baseline in calls)
    baseline = PriceSum.of(parse_money(baseline) for _model, _cost, baseline in calls)
    return SessionTotals(session, len(calls), models, cost, baseline)


def money_text(amount: Decimal | None) -> str | None:
    """Money as stored: the exact decimal string, NULL when the price was unknown."""
    return None if amount is None else str(amount)


def parse_money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def call_row_from_db(row: tuple[Any, ...]) -> CallRow:
    """A `CallRow` from a SELECT of the store's call columns, in their order."""
    usage = Usage(
        input_tokens=row[4],
        cache_read_tokens=row[5],
        cache_write_tokens=row[6],
        cache_write_1h_tokens=row[7],
        output_tokens=row[8],
        reasoning_tokens=row[9],
        estimated=bool(row[10]),
    )
    return CallRow(
        session_id=row[0],
        turn=row[1],
        model=row[2],
        purpose=row[3],
        usage=usage,
        cost_usd=parse_money(row[11]),
        price_source=row[12],
        status=row[13],
        endpoint=row[14],
        price_provider=row[15],
        tier=row[16],
        baseline_model=row[17],
        baseline_cost_usd=parse_money(row[18]),
        duration_ms=row[19],
        error=row[20],
        stop_reason=row[21],
        started_at=row[22],
        id=row[23],
    )


def decision_row_from_db(row: tuple[Any, ...]) -> DecisionRow:
    """A `DecisionRow` from a SELECT of the store's decision columns, in their order."""
    return DecisionRow(
        session_id=row[0],
        turn=row[1],
        strategy=row[2],
        suggested_model=row[3],
        suggested_tier=row[4],
        current_model=row[5],
        current_tier=row[6],
        reason=row[7],
        rule=row[8],
        score=row[9],
        confidence=row[10],
        est_cost_usd=parse_money(row[11]),
        est_baseline_usd=parse_money(row[12]),
        lost_cache_usd=parse_money(row[13]),
        outcome=row[14],
        created_at=row[15],
        answered_at=row[16],
        id=row[17],
    )


def strategies_used(stored: str | None) -> list[str]:
    """The strategies a session row names (`Store.record_strategy`), in the order of use."""
    return [name for name in (stored or "").split(",") if name]


#: The SELECT column lists, in the order the row mappers read them.
SESSION_COLUMNS = (
    "id, started_at, ended_at, title, start_model, mode, strategy, frontier_model, summary_json,"
    " project, workspace"
)
CALL_COLUMNS = (
    "session_id, turn, model, purpose, input_tokens, cache_read_tokens, cache_write_tokens,"
    " cache_write_1h_tokens, output_tokens, reasoning_tokens, estimated, cost_usd, price_source,"
    " status, endpoint, price_provider, tier, baseline_model, baseline_cost_usd, duration_ms,"
    " error, stop_reason, started_at, id"
)
DECISION_COLUMNS = (
    "session_id, turn, strategy, suggested_model, suggested_tier, current_model, current_tier,"
    " reason, rule, score, confidence, est_cost_usd, est_baseline_usd, lost_cache_usd, outcome,"
    " created_at, answered_at, id"
)
