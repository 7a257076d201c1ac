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


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
class Price:
    """The cost of one call and where the rate came from. ``usd`` is None when unknown."""

    usd: Decimal | None
    source: PriceSource

    @property
    def known(self) -> bool:
        return self.usd is not None


@dataclass(frozen=True)
class Rates:
    """Base $/MTok of a model (the lowest tier when prices are tiered).

    Attributes:
        cache_write: the 5-minute cache-write rate (Anthropic's default TTL).
        context_window: max input tokens as genai-prices knows it (None for overrides/local).
        priced_as: the genai-prices model id the rates came from; it can differ from the id asked
            for (dated ids map to base ids, and its data has aliases such as gpt-5.1-mini ->
            gpt-5.1-codex-mini), so displays can say what was priced.
        tiered_above: input-token count above which a higher tier applies to the whole call.
    """

    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    context_window: int | None
    source: PriceSource
    priced_as: str | None = None
    tiered_above: int | None = None


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
        # what is charged: cache tokens without their own rate cost the input rate
        return Rates(
            override.input,
            override.output,
            override.cache_read if override.cache_read is not None else override.input,
            override.cache_write if override.cache_write is not None else override.input,
            None,
            "override",
        )
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
        priced_as=getattr(calc.model, "id", None),
        tiered_above=_first_tier_start(price.input_mtok),
    )


def known_model_ids(price_provider: str) -> list[str]:
    """The model ids genai-prices knows for one provider (for "did you mean"); [] if none."""
    snapshot = _snapshot()
    if snapshot is None:
        return []
    for provider in snapshot.providers:
        if provider.id == price_provider:
            return [model.id for model in provider.models]
    return []


def known_price_providers() -> list[str]:
    """genai-prices provider ids (what ``price_provider`` may name), plus ``local``."""
    snapshot = _snapshot()
    ids = [provider.id for provider in snapshot.providers] if snapshot is not None else []
    return [*ids, "local"]


def format_usd(amount: Decimal | None, places: int = 4) -> str:
    """ "$0.0123" or "n/a"; never prints an unknown price as zero."""
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
    # genai-prices rejects usage whose parts exceed their whole (cache > input, 1h > all writes);
    # a provider reporting that is off by a few tokens, so clamp rather than lose the price.
    cache_write = usage.cache_write_tokens
    write_1h = min(usage.cache_write_1h_tokens, cache_write)
    input_tokens = max(usage.input_tokens, usage.cache_read_tokens + cache_write)
    try:
        return _calc_cached(
            input_tokens,
            usage.cache_read_tokens,
            cache_write - write_1h,
            write_1h,
            usage.output_tokens,
            model,
            price_provider,
        )
    except (LookupError, ValueError):
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

    # In genai-prices a unit whose dimensions extend another's is a subset of it:
    # cache_write_1h_tokens is counted inside cache_write_tokens (priced at the 1h rate when the
    # model has one), and both cache kinds inside input_tokens.
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


def _snapshot() -> Any | None:
    try:
        from genai_prices import data_snapshot

        return data_snapshot.get_snapshot()
    except Exception:  # an internal API of genai-prices: suggestions are optional
        return None


def _first_tier_start(value: Any) -> int | None:
    tiers = getattr(value, "tiers", None)
    return int(tiers[0].start) if tiers else None


def _base(value: Any) -> Decimal | None:
    """The base rate of a plain or tiered genai-prices price."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    return Decimal(str(base))
