"""The ledger: totals, baseline, savings, rollups, unknown prices flagged, estimates while streaming."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tui_router.core.config import PriceOverride
from tui_router.core.ledger import (
    CallRecord,
    Ledger,
    estimate_call,
    format_total,
    price_model_call,
)
from tui_router.core.pricing import Price, Rates
from tui_router.core.store import CallRow, Store
from tui_router.core.usage import Usage


def _record(
    model: str,
    cost: str | None,
    baseline: str | None,
    *,
    tier: str | None = "fast",
    turn: int = 1,
    usage: Usage | None = None,
    purpose: str = "chat",
) -> CallRecord:
    return CallRecord(
        model=model,
        usage=usage or Usage(input_tokens=100, output_tokens=10),
        price=Price(
            Decimal(cost) if cost is not None else None, "genai-prices" if cost else "unknown"
        ),
        baseline=Price(Decimal(baseline) if baseline is not None else None, "genai-prices"),
        tier=tier,
        turn=turn,
        purpose=purpose,
        baseline_model="claude-opus-4-6",
    )


def test_totals_baseline_and_savings_hand_computed() -> None:
    ledger = Ledger()
    ledger.add(_record("claude-haiku-4-5", "0.0012", "0.0060", turn=1))
    ledger.add(_record("claude-haiku-4-5", "0.0008", "0.0040", turn=2))
    ledger.add(_record("claude-opus-4-6", "0.0150", "0.0150", tier="frontier", turn=3))
    totals = ledger.totals
    assert totals.calls == 3
    assert totals.usage == Usage(input_tokens=300, output_tokens=30)
    assert ledger.cost_usd == Decimal("0.0170")
    assert ledger.baseline_usd == Decimal("0.0250")
    assert ledger.savings_usd == Decimal("0.0080")
    assert ledger.savings_pct == 32.0
    assert not totals.has_unknown_price
    assert totals.cost_text() == "$0.0170"


def test_unknown_price_is_flagged_not_zero() -> None:
    ledger = Ledger()
    ledger.add(_record("claude-haiku-4-5", "0.0010", "0.0050"))
    ledger.add(_record("ollama/llama3.2", None, "0.0030", tier=None))
    totals = ledger.totals
    assert totals.has_unknown_price and totals.unknown_price_calls == 1
    assert totals.cost_usd == Decimal("0.0010")  # the known part: a lower bound
    assert totals.cost_text() == "≥ $0.0010 (n/a for 1 call)"
    # savings only over calls whose actual and baseline prices are both known
    assert ledger.savings_usd == Decimal("0.0040")
    assert totals.savings_excluded_calls == 1
    assert ledger.savings_pct == 80.0


def test_all_unknown_total_is_na() -> None:
    ledger = Ledger([_record("ollama/x", None, None, tier=None)])
    assert ledger.cost_usd is None and ledger.baseline_usd is None
    assert ledger.savings_usd is None and ledger.savings_pct is None
    assert ledger.totals.cost_text() == "n/a"
    assert format_total(Decimal("0.5"), 2, places=2) == "≥ $0.50 (n/a for 2 calls)"


def test_empty_ledger() -> None:
    ledger = Ledger()
    assert ledger.cost_usd == 0 and ledger.savings_usd == 0 and ledger.savings_pct is None
    assert ledger.per_turn() == [] and ledger.budget_share(Decimal(1)) == 0.0


def test_rollups_per_model_per_tier_and_turn_series() -> None:
    ledger = Ledger()
    ledger.add(_record("claude-haiku-4-5", "0.001", "0.005", turn=1, purpose="cascade"))
    ledger.add(
        _record("claude-sonnet-4-6", "0.003", "0.005", tier="balanced", turn=1, purpose="cascade")
    )
    ledger.add(_record("claude-haiku-4-5", "0.002", "0.010", turn=2))
    ledger.add(_record("ollama/x", None, "0.001", tier=None, turn=3))
    per_model = ledger.per_model()
    assert list(per_model) == ["claude-haiku-4-5", "claude-sonnet-4-6", "ollama/x"]
    assert per_model["claude-haiku-4-5"].calls == 2
    assert per_model["claude-haiku-4-5"].cost_usd == Decimal("0.003")
    assert per_model["ollama/x"].cost_usd is None
    per_tier = ledger.per_tier()
    assert per_tier["fast"].usage.input_tokens == 200
    assert per_tier["balanced"].cost_usd == Decimal("0.003")
    assert per_tier["other"].unknown_price_calls == 1
    series = ledger.per_turn()
    assert [(s.turn, s.cost_usd, s.baseline_usd, s.unknown_price_calls) for s in series] == [
        (1, Decimal("0.004"), Decimal("0.010"), 0),
        (2, Decimal("0.002"), Decimal("0.010"), 0),
        (3, None, Decimal("0.001"), 1),  # no known price in the turn: unknown, never $0
    ]


def test_budget_share() -> None:
    ledger = Ledger([_record("m", "0.25", "1")])
    assert ledger.budget_share(Decimal("1.00")) == 0.25
    assert ledger.budget_share(None) is None


def test_ledger_from_store_rows_resumes_the_same_totals() -> None:
    with Store() as store:
        sid = store.create_session()
        for turn, (cost, base) in enumerate([("0.001", "0.004"), (None, "0.002")], start=1):
            store.record_call(
                CallRow(
                    session_id=sid,
                    turn=turn,
                    model="m",
                    purpose="chat",
                    usage=Usage(input_tokens=10, output_tokens=2),
                    cost_usd=Decimal(cost) if cost else None,
                    price_source="genai-prices" if cost else "unknown",
                    baseline_model="claude-opus-4-6",
                    baseline_cost_usd=Decimal(base),
                )
            )
        ledger = Ledger.from_rows(store.session_calls(sid))
    assert ledger.totals.calls == 2 and ledger.totals.unknown_price_calls == 1
    assert ledger.cost_usd == Decimal("0.001") and ledger.baseline_usd == Decimal("0.006")
    assert ledger.records[1].price.source == "unknown"


@dataclass(frozen=True)
class _Model:
    id: str
    api_model: str
    price_provider: str | None
    rates: Rates | None


def test_real_prices_from_genai_prices_hand_computed() -> None:
    haiku = _Model("claude-haiku-4-5", "claude-haiku-4-5", "anthropic", None)
    # Haiku 4.5: $1/MTok input, $0.10 cache read, $1.25 cache write (5m), $5 output.
    usage = Usage(
        input_tokens=10_000, cache_read_tokens=6_000, cache_write_tokens=2_000, output_tokens=1_000
    )
    price = price_model_call(usage, haiku)
    expected = (
        Decimal(2_000) * 1
        + Decimal(6_000) * Decimal("0.1")
        + Decimal(2_000) * Decimal("1.25")
        + Decimal(1_000) * 5
    ) / 1_000_000
    assert price == Price(expected, "genai-prices")


def test_override_keyed_by_qualified_id_prices_the_call() -> None:
    custom = _Model("ollama/llama3.2", "llama3.2", None, None)
    overrides = {"ollama/llama3.2": PriceOverride(Decimal("0.5"), Decimal("1.5"))}
    price = price_model_call(
        Usage(input_tokens=1_000_000, output_tokens=2_000_000), custom, overrides
    )
    assert price == Price(Decimal("3.5"), "override")
    assert price_model_call(Usage(input_tokens=5), custom).usd is None


def test_streaming_estimate_uses_base_rates_and_is_unknown_without_them() -> None:
    rates = Rates(Decimal(3), Decimal(15), Decimal("0.3"), Decimal("3.75"), 200_000, "genai-prices")
    sonnet = _Model("claude-sonnet-4-6", "claude-sonnet-4-6", "anthropic", rates)
    assert estimate_call(sonnet, 1_000, 200).usd == Decimal("0.006")
    assert estimate_call(_Model("x", "x", None, None), 1_000, 200).usd is None
