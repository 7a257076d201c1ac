"""The session ledger: every call's usage and price, summed into totals, rollups and the baseline.

The frontier-only baseline of a call is its token usage re-priced at the configured frontier model
(same input, cache and output token counts). Savings = baseline - actual.

Unknown prices are never counted as $0. A total keeps the sum of the known prices and the number of
calls whose price is unknown (a `price_sum.PriceSum`); it is shown as "≥ $0.0123 (n/a for 2
calls)", or "n/a" when no call in it has a known price. Savings and their percentage are computed
over the calls whose actual *and* baseline prices are known; ``savings_excluded_calls`` says how
many calls were left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from tui_router.core.config import PriceOverride
from tui_router.core.money_text import format_usd
from tui_router.core.price_sum import CostAndBaseline, PriceSum
from tui_router.core.pricing import MTOK, Price, PriceSource, Rates, price_call
from tui_router.core.store_rows import CallRow
from tui_router.core.usage import Usage


class PricedModel(Protocol):
    """What the ledger needs of a catalog entry (`catalog.ModelInfo` satisfies it)."""

    @property
    def id(self) -> str: ...
    @property
    def api_model(self) -> str: ...
    @property
    def price_provider(self) -> str | None: ...
    @property
    def rates(self) -> Rates | None: ...


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One model call as the ledger counts it.

    ``baseline`` is the same usage priced at ``baseline_model`` (the frontier model).
    """

    model: str
    usage: Usage
    price: Price
    baseline: Price
    tier: str | None = None
    endpoint: str | None = None
    purpose: str = "chat"
    duration_ms: int = 0
    status: str = "ok"
    turn: int = 0
    baseline_model: str | None = None
    call_id: int | None = None

    @classmethod
    def from_row(cls, row: CallRow) -> CallRecord:
        """Rebuild a record from the store (the price stored then, never re-priced)."""
        # The baseline's rate source is not stored; only whether its price was known matters.
        known = row.baseline_cost_usd is not None
        baseline_source: PriceSource = "genai-prices" if known else "unknown"
        return cls(
            model=row.model,
            usage=row.usage,
            price=Price(row.cost_usd, _source(row.price_source)),
            baseline=Price(row.baseline_cost_usd, baseline_source),
            tier=row.tier,
            endpoint=row.endpoint,
            purpose=row.purpose,
            duration_ms=row.duration_ms,
            status=row.status,
            turn=row.turn,
            baseline_model=row.baseline_model,
            call_id=row.id,
        )


@dataclass(frozen=True, slots=True)
class Totals(CostAndBaseline):
    """Sums over a set of calls. Known prices are summed; unknown ones are counted, not zeroed."""

    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: PriceSum = field(default_factory=PriceSum)
    baseline: PriceSum = field(default_factory=PriceSum)
    comparable_cost_usd: Decimal = Decimal(0)
    comparable_baseline_usd: Decimal = Decimal(0)
    savings_excluded_calls: int = 0
    duration_ms: int = 0

    @property
    def has_unknown_price(self) -> bool:
        return self.cost.unknown > 0

    @property
    def known_cost_usd(self) -> Decimal:
        return self.cost.known_usd

    @property
    def known_baseline_usd(self) -> Decimal:
        return self.baseline.known_usd

    @property
    def savings_usd(self) -> Decimal | None:
        if self.calls and self.savings_excluded_calls == self.calls:
            return None
        return self.comparable_baseline_usd - self.comparable_cost_usd

    @property
    def savings_pct(self) -> float | None:
        """Savings as a percentage of the (comparable) baseline; None when that is zero."""
        savings = self.savings_usd
        if savings is None or not self.comparable_baseline_usd:
            return None
        return float(savings / self.comparable_baseline_usd * 100)

    def cost_text(self, places: int | None = None) -> str:
        return format_total(self.cost_usd, self.unknown_price_calls, places)

    def baseline_text(self, places: int | None = None) -> str:
        return format_total(self.baseline_usd, self.unknown_baseline_calls, places)

    def add(self, record: CallRecord) -> Totals:
        cost, baseline = record.price.usd, record.baseline.usd
        comparable = cost is not None and baseline is not None
        return Totals(
            calls=self.calls + 1,
            usage=self.usage + record.usage,
            cost=self.cost.add(cost),
            baseline=self.baseline.add(baseline),
            comparable_cost_usd=self.comparable_cost_usd + (cost if comparable and cost else 0),
            comparable_baseline_usd=self.comparable_baseline_usd
            + (baseline if comparable and baseline else 0),
            savings_excluded_calls=self.savings_excluded_calls + (not comparable),
            duration_ms=self.duration_ms + record.duration_ms,
        )


@dataclass(frozen=True, slots=True)
class TurnSpend(CostAndBaseline):
    """Spend of one turn (all its calls: cascade attempts, judges, retries) and its baseline."""

    turn: int
    cost: PriceSum
    baseline: PriceSum


def format_total(amount: Decimal | None, unknown_calls: int, places: int | None = None) -> str:
    """ "$0.0123", "≥ $0.0123 (n/a for 2 calls)" when some prices are unknown, or "n/a".

    In the display rule's places (`money_text.display_places`), the app's and the report's, unless
    ``places`` says otherwise: four places were the default, and the app's totals read a real
    $0.00002 as "$0.0000"."""
    if amount is None:
        return "n/a"
    text = format_usd(amount, places)
    if unknown_calls:
        plural = "call" if unknown_calls == 1 else "calls"
        return f"≥ {text} (n/a for {unknown_calls} {plural})"
    return text


def format_cell(amount: Decimal | None, unknown_calls: int) -> str:
    """A table cell, in the display rule's places: "$0.0123", "≥ $0.0123 (2 n/a)" when some
    prices are unknown (a table's note says what n/a means), or "n/a"."""
    text = format_usd(amount, None)
    return f"≥ {text} ({unknown_calls} n/a)" if amount is not None and unknown_calls else text


class Ledger:
    """The calls of one session, in the order they ended."""

    def __init__(self, records: Iterable[CallRecord] = ()) -> None:
        self.records: list[CallRecord] = []
        self._totals = Totals()
        for record in records:
            self.add(record)

    @classmethod
    def from_rows(cls, rows: Iterable[CallRow]) -> Ledger:
        """The ledger of a stored session (used on resume and by reports)."""
        return cls(CallRecord.from_row(row) for row in rows)

    def add(self, record: CallRecord) -> None:
        self.records.append(record)
        self._totals = self._totals.add(record)

    @property
    def totals(self) -> Totals:
        return self._totals

    @property
    def cost_usd(self) -> Decimal | None:
        return self._totals.cost_usd

    @property
    def baseline_usd(self) -> Decimal | None:
        return self._totals.baseline_usd

    @property
    def savings_usd(self) -> Decimal | None:
        return self._totals.savings_usd

    @property
    def savings_pct(self) -> float | None:
        return self._totals.savings_pct

    def per_model(self) -> dict[str, Totals]:
        """Totals per model, in order of first use."""
        return self._rollup(lambda r: r.model)

    def per_tier(self) -> dict[str, Totals]:
        """Totals per tier ("other" for a model outside the configured tiers)."""
        return self._rollup(lambda r: r.tier or "other")

    def _rollup(self, key_of: _KeyOf) -> dict[str, Totals]:
        rollup: dict[str, Totals] = {}
        for record in self.records:
            key = key_of(record)
            rollup[key] = rollup.get(key, Totals()).add(record)
        return rollup

    def budget_share(self, budget_usd: Decimal | None) -> float | None:
        """Share of the budget used (1.0 = all of it); None without a budget."""
        if budget_usd is None or budget_usd <= 0:
            return None
        return float(self._totals.known_cost_usd / budget_usd)

    def per_turn(self) -> list[TurnSpend]:
        """Spend per turn in turn order (a turn with no known price has a cost of None)."""
        by_turn: dict[int, Totals] = {}
        for record in self.records:
            by_turn[record.turn] = by_turn.get(record.turn, Totals()).add(record)
        return [TurnSpend(turn, t.cost, t.baseline) for turn, t in sorted(by_turn.items())]


class _KeyOf(Protocol):
    def __call__(self, record: CallRecord, /) -> str: ...


def price_model_call(
    usage: Usage, model: PricedModel, overrides: Mapping[str, PriceOverride] | None = None
) -> Price:
    """Price ``usage`` on a catalog model; an override may be keyed by its id or its API id."""
    overrides = overrides or {}
    override = overrides.get(model.id) or overrides.get(model.api_model)
    if override is not None:
        return price_call(usage, model.api_model, model.price_provider, {model.api_model: override})
    return price_call(usage, model.api_model, model.price_provider)


def estimate_price(usage: Usage, rates: Rates | None) -> Price:
    """A quick price from base $/MTok (no tiers); for live estimates, not for the record."""
    if rates is None:
        return Price(None, "unknown")
    cache_read = rates.cache_read if rates.cache_read is not None else rates.input
    cache_write = rates.cache_write if rates.cache_write is not None else rates.input
    usd = (
        usage.uncached_input_tokens * rates.input
        + usage.cache_read_tokens * cache_read
        + usage.cache_write_tokens * cache_write
        + usage.output_tokens * rates.output
    ) / MTOK
    return Price(usd, rates.source)


def estimate_call(model: PricedModel, prompt_tokens: int, streamed_output_tokens: int) -> Price:
    """What a call is costing so far, while it streams: prompt + streamed tokens at base rates."""
    usage = Usage(input_tokens=prompt_tokens, output_tokens=streamed_output_tokens, estimated=True)
    return estimate_price(usage, model.rates)


def _source(text: str) -> PriceSource:
    if text in ("genai-prices", "override", "local", "unknown"):
        return text  # type: ignore[return-value]
    return "unknown"
