"""Exact call cost in USD: genai-prices' bundled data, the config's overrides, or unknown.

Money is `Decimal`. An unknown price is `None` (shown as "n/a"), never zero; a local model is
free by definition. genai-prices is imported on first use (~180 ms) so start-up does not pay it.
Tiered prices (e.g. above 200k input tokens) are applied by genai-prices itself.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tui_router.core.config import PriceOverride
from tui_router.core.usage import Usage

PriceSource = Literal["genai-prices", "override", "local", "unknown"]
MTOK = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Price:
    """The cost of one call and where the rate came from. ``usd`` is None when unknown."""

    usd: Decimal | None
    source: PriceSource

    @property
    def known(self) -> bool:
        return self.usd is not None


@dataclass(frozen=True, slots=True)
class Rates:
    """Base $/MTok of a model (the lowest tier when prices are tiered)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    context_window: int | None
    source: PriceSource


def is_local_provider(price_provider: str | None) -> bool:
    return price_provider == "local"


def price_call(
    usage: Usage,
    model: str,
    price_provider: str | None,
    overrides: Mapping[str, PriceOverride] | None = None,
) -> Price:
    """Price one call's usage on ``model`` as served by ``price_provider``."""
    override = (overrides or {}).get(model)
    if override is not None:
        return Price(_price_with_override(usage, override), "override")
    if is_local_provider(price_provider):
        return Price(Decimal(0), "local")
    calc = _genai_calc(usage, model, price_provider)
    if calc is None:
        return Price(None, "unknown")
    return Price(Decimal(calc.total_price), "genai-prices")


def model_rates(
    model: str,
    price_provider: str | None,
    overrides: Mapping[str, PriceOverride] | None = None,
) -> Rates | None:
    """$/MTok for display and estimates; None when no price is known."""
    override = (overrides or {}).get(model)
    if override is not None:
        return Rates(override.input, override.output, override.cache_read, override.cache_write, None, "override")
    if is_local_provider(price_provider):
        zero = Decimal(0)
        return Rates(zero, zero, zero, zero, None, "local")
    calc = _genai_calc(Usage(input_tokens=1, output_tokens=1), model, price_provider)
    if calc is None:
        return None
    price = calc.model_price
    return Rates(
        input=_base(price.input_mtok) or Decimal(0),
        output=_base(price.output_mtok) or Decimal(0),
        cache_read=_base(price.cache_read_mtok),
        cache_write=_base(price.cache_write_mtok),
        context_window=getattr(calc.model, "context_window", None),
        source="genai-prices",
    )


def format_usd(amount: Decimal | None, places: int = 4) -> str:
    """"$0.0123" or "n/a"; never prints an unknown price as zero."""
    if amount is None:
        return "n/a"
    quantum = Decimal(1).scaleb(-places)
    return f"${amount.quantize(quantum):,}"


def _price_with_override(usage: Usage, rates: PriceOverride) -> Decimal:
    cache_read_rate = rates.cache_read if rates.cache_read is not None else rates.input
    cache_write_rate = rates.cache_write if rates.cache_write is not None else rates.input
    total = (
        usage.uncached_input_tokens * rates.input
        + usage.cache_read_tokens * cache_read_rate
        + usage.cache_write_tokens * cache_write_rate
        + usage.output_tokens * rates.output
    )
    return total / MTOK


def _genai_calc(usage: Usage, model: str, price_provider: str | None) -> Any | None:
    try:
        return _calc_cached(
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens - usage.cache_write_1h_tokens,
            usage.cache_write_1h_tokens,
            usage.output_tokens,
            model,
            price_provider,
        )
    except LookupError:
        return None


@functools.lru_cache(maxsize=4096)
def _calc_cached(
    input_tokens: int,
    cache_read: int,
    cache_write_5m: int,
    cache_write_1h: int,
    output_tokens: int,
    model: str,
    price_provider: str | None,
) -> Any:
    import genai_prices

    fields = {
        "input_tokens": input_tokens,
        "cache_read_tokens": cache_read or None,
        "cache_write_tokens": (cache_write_5m + cache_write_1h) or None,
        "cache_write_1h_tokens": cache_write_1h or None,
        "output_tokens": output_tokens,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        usage = genai_prices.Usage(**{k: v for k, v in fields.items() if v is not None})
        return genai_prices.calc_price(usage, model, provider_id=price_provider)


def _base(value: Any) -> Decimal | None:
    """The base rate of a plain or tiered genai-prices price."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    return Decimal(str(base))
