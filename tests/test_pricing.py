"""Call prices against figures worked out by hand from the published $/MTok rates.

Rates used (genai-prices 0.2.3 bundled data, $ per million tokens):
  claude-haiku-4-5   in 1, out 5, cache read 0.1, cache write 1.25 (5m) / 2 (1h)
  claude-sonnet-4-6  in 3, out 15, cache read 0.3, cache write 3.75 (5m) / 6 (1h)
  claude-sonnet-4-5  as 4-6 up to 200k input tokens; above: in 6, out 22.5, cache read 0.6
  gpt-5-mini         in 0.25, out 2, cache read 0.025
  gpt-5.5            in 5, out 30; above 272k input tokens: in 10, out 45
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tui_router.core.config import PriceOverride
from tui_router.core.money_text import format_usd
from tui_router.core.pricing import Price, model_rates, price_call
from tui_router.core.usage import Usage


def test_plain_input_and_output() -> None:
    usage = Usage(input_tokens=1_000, output_tokens=500)
    # 1,000 × $1 + 500 × $5 = $1,000 + $2,500 per million → 3,500 / 1e6
    assert price_call(usage, "claude-haiku-4-5", "anthropic") == Price(
        Decimal("0.0035"), "genai-prices"
    )


def test_anthropic_cache_read_is_added_back_and_priced_at_the_read_rate() -> None:
    usage = Usage.from_anthropic(
        {"input_tokens": 200, "cache_read_input_tokens": 10_000, "output_tokens": 300}
    )
    assert usage.input_tokens == 10_200
    # 200 uncached × 1 + 10,000 read × 0.1 + 300 out × 5 = 200 + 1,000 + 1,500 = 2,700 / 1e6
    assert price_call(usage, "claude-haiku-4-5", "anthropic").usd == Decimal("0.0027")


def test_anthropic_cache_writes_5m_and_1h_at_their_own_rates() -> None:
    usage = Usage.from_anthropic(
        {
            "input_tokens": 100,
            "cache_creation_input_tokens": 3_000,
            "cache_read_input_tokens": 500,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 2_000,
                "ephemeral_1h_input_tokens": 1_000,
            },
            "output_tokens": 400,
        }
    )
    # 100 × 3 + 500 read × 0.3 + 2,000 (5m) × 3.75 + 1,000 (1h) × 6 + 400 × 15
    # = 300 + 150 + 7,500 + 6,000 + 6,000 = 19,950 / 1e6
    assert price_call(usage, "claude-sonnet-4-6", "anthropic").usd == Decimal("0.01995")


def test_one_hour_writes_are_a_part_of_all_writes_not_extra() -> None:
    only_5m = Usage(input_tokens=1_000, cache_write_tokens=1_000, output_tokens=0)
    only_1h = Usage(
        input_tokens=1_000, cache_write_tokens=1_000, cache_write_1h_tokens=1_000, output_tokens=0
    )
    # haiku: 1,000 × 1.25 = 1,250 / 1e6 and 1,000 × 2 = 2,000 / 1e6 (not 1.25 + 2)
    assert price_call(only_5m, "claude-haiku-4-5", "anthropic").usd == Decimal("0.00125")
    assert price_call(only_1h, "claude-haiku-4-5", "anthropic").usd == Decimal("0.002")


def test_openai_reasoning_tokens_are_inside_output_not_added() -> None:
    usage = Usage.from_openai(
        {
            "prompt_tokens": 2_000,
            "completion_tokens": 1_500,
            "prompt_tokens_details": {"cached_tokens": 1_000},
            "completion_tokens_details": {"reasoning_tokens": 1_200},
        }
    )
    assert usage.reasoning_tokens == 1_200
    # (2,000 − 1,000) × 0.25 + 1,000 cached × 0.025 + 1,500 out × 2 = 250 + 25 + 3,000 = 3,275
    assert price_call(usage, "gpt-5-mini", "openai").usd == Decimal("0.003275")


def test_the_long_context_tier_applies_to_the_whole_call_above_200k() -> None:
    above = Usage.from_anthropic({"input_tokens": 250_000, "output_tokens": 1_000})
    # 250,000 × 6 + 1,000 × 22.5 = 1,500,000 + 22,500 = 1,522,500 / 1e6
    assert price_call(above, "claude-sonnet-4-5", "anthropic").usd == Decimal("1.5225")
    at_threshold = Usage.from_anthropic({"input_tokens": 200_000, "output_tokens": 1_000})
    # not above 200k: 200,000 × 3 + 1,000 × 15 = 615,000 / 1e6
    assert price_call(at_threshold, "claude-sonnet-4-5", "anthropic").usd == Decimal("0.615")


def test_the_tier_threshold_counts_cached_input_too() -> None:
    usage = Usage.from_anthropic(
        {"input_tokens": 50_000, "cache_read_input_tokens": 200_000, "output_tokens": 1_000}
    )
    # 250k total input > 200k: 50,000 × 6 + 200,000 × 0.6 + 1,000 × 22.5
    # = 300,000 + 120,000 + 22,500 = 442,500 / 1e6
    assert price_call(usage, "claude-sonnet-4-5", "anthropic").usd == Decimal("0.4425")


def test_gpt_5_5_tier_above_272k() -> None:
    usage = Usage.from_openai({"prompt_tokens": 300_000, "completion_tokens": 2_000})
    # 300,000 × 10 + 2,000 × 45 = 3,000,000 + 90,000 = 3,090,000 / 1e6
    assert price_call(usage, "gpt-5.5", "openai").usd == Decimal("3.09")


def test_unknown_model_is_none_and_shows_na_never_zero() -> None:
    price = price_call(Usage(input_tokens=10, output_tokens=10), "no-such-model-xyz", "openai")
    assert price == Price(None, "unknown")
    assert not price.known
    assert format_usd(price.usd) == "n/a"
    assert model_rates("no-such-model-xyz", "openai") is None


def test_config_override_replaces_genai_prices() -> None:
    overrides = {"gpt-5-mini": PriceOverride(Decimal(2), Decimal(8), cache_read=Decimal("0.5"))}
    usage = Usage(
        input_tokens=10_000, cache_read_tokens=4_000, cache_write_tokens=1_000, output_tokens=2_000
    )
    # 5,000 uncached × 2 + 4,000 read × 0.5 + 1,000 written × 2 (no cache_write: input rate)
    # + 2,000 × 8 = 10,000 + 2,000 + 2,000 + 16,000 = 30,000 / 1e6
    assert price_call(usage, "gpt-5-mini", "openai", overrides) == Price(
        Decimal("0.03"), "override"
    )
    rates = model_rates("gpt-5-mini", "openai", overrides)
    assert rates is not None
    assert (rates.input, rates.output, rates.cache_read, rates.cache_write, rates.source) == (
        Decimal(2),
        Decimal(8),
        Decimal("0.5"),
        Decimal(2),
        "override",
    )


def test_override_prices_a_model_genai_prices_does_not_know() -> None:
    overrides = {"my-model": PriceOverride(Decimal("0.5"), Decimal("1.5"))}
    usage = Usage(input_tokens=2_000, output_tokens=1_000)
    # 2,000 × 0.5 + 1,000 × 1.5 = 1,000 + 1,500 = 2,500 / 1e6
    assert price_call(usage, "my-model", None, overrides).usd == Decimal("0.0025")


def test_local_model_is_free_with_source_local() -> None:
    price = price_call(Usage(input_tokens=5_000, output_tokens=5_000), "smollm2-135m", "local")
    assert price == Price(Decimal(0), "local")
    assert format_usd(price.usd) == "$0.0000"


def test_inconsistent_usage_is_clamped_not_an_error() -> None:
    # a server that reports more cached tokens than prompt tokens: priced as 150 cached reads
    usage = Usage(input_tokens=100, cache_read_tokens=150, output_tokens=0)
    # 150 × 0.1 = 15 / 1e6
    assert price_call(usage, "claude-haiku-4-5", "anthropic").usd == Decimal("0.000015")


def test_rates_report_base_prices_context_window_and_tier_threshold() -> None:
    haiku = model_rates("claude-haiku-4-5", "anthropic")
    assert haiku is not None
    assert (haiku.input, haiku.output, haiku.cache_read, haiku.cache_write) == (
        Decimal(1),
        Decimal(5),
        Decimal("0.1"),
        Decimal("1.25"),
    )
    assert haiku.context_window == 200_000
    assert haiku.tiered_above is None
    sonnet_45 = model_rates("claude-sonnet-4-5", "anthropic")
    assert sonnet_45 is not None and sonnet_45.input == Decimal(3)
    assert sonnet_45.tiered_above == 200_000


def test_dated_ids_are_priced_as_their_base_model_and_say_so() -> None:
    rates = model_rates("claude-haiku-4-5-20251001", "anthropic")
    assert rates is not None and rates.priced_as == "claude-haiku-4-5"


@pytest.mark.parametrize(
    ("amount", "places", "shown"),
    [
        (Decimal("0.0035"), 4, "$0.0035"),
        (Decimal("0.00004"), 4, "$0.0000"),
        (Decimal("1234.5"), 2, "$1,234.50"),
        (None, 4, "n/a"),
    ],
)
def test_format_usd(amount: Decimal | None, places: int, shown: str) -> None:
    assert format_usd(amount, places) == shown


def test_matches_genai_prices_own_usage_extraction() -> None:
    """Our normalisation of a raw Anthropic response prices the same as genai-prices' own."""
    import genai_prices

    response = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "usage": {
            "input_tokens": 731,
            "cache_creation_input_tokens": 1_204,
            "cache_read_input_tokens": 18_000,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 204,
                "ephemeral_1h_input_tokens": 1_000,
            },
            "output_tokens": 977,
        },
    }
    expected = (
        genai_prices.extract_usage(response, provider_id="anthropic").calc_price().total_price
    )
    ours = price_call(Usage.from_anthropic(response["usage"]), "claude-sonnet-4-6", "anthropic")
    assert ours.usd == expected


# -- the cache of rates: warm, `models` and `route` do not import genai-prices ----------------


def test_cached_rates_equal_computed_ones_and_stale_data_recomputes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json
    from importlib import metadata

    from tui_router.core import pricing
    from tui_router.core.paths import get_paths

    ids = [("claude-sonnet-4-5", "anthropic"), ("gpt-5.5", "openai"), ("no-such-xyz", "openai")]
    computed = [model_rates(model, provider) for model, provider in ids]
    info = pricing.price_data_info()
    cache_file = get_paths().cache_dir / pricing.PRICE_CACHE_FILE
    assert cache_file.is_file()
    pricing._cache_memo.clear()  # as a new process: read back from the file
    monkeypatch.setattr(pricing, "_genai_rates", lambda *a: pytest.fail("not from the cache"))
    assert [model_rates(model, provider) for model, provider in ids] == computed
    monkeypatch.setattr(pricing, "_read_text", lambda path: pytest.fail("not from the cache"))
    assert pricing.price_data_info() == info
    assert info.version == metadata.version("genai-prices")
    assert computed[0] is not None and computed[0].tiered_above == 200_000
    assert computed[2] is None  # an unknown price is cached as unknown, never as zero

    # another genai-prices (or another day): the cache is stale and is not used
    stored = json.loads(cache_file.read_text(encoding="utf-8"))
    stored["stamp"] = "other"
    stored["data"]["rates anthropic claude-sonnet-4-5"]["input"] = "999"
    cache_file.write_text(json.dumps(stored), encoding="utf-8")
    pricing._cache_memo.clear()
    monkeypatch.undo()
    assert model_rates("claude-sonnet-4-5", "anthropic") == computed[0]


def test_a_warm_models_and_route_run_never_imports_genai_prices() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tui_router.cli import main\n"
        "assert main([*sys.argv[1:]]) == 0\n"
        "assert 'genai_prices' not in sys.modules, 'genai_prices imported'\n"
    )
    first = [sys.executable, "-c", "from tui_router.cli import main; main(['models'])"]
    subprocess.run(first, check=True, timeout=120, capture_output=True)  # fills the cache
    for argv in (["models"], ["models", "--json"], ["route", "write a proof"]):
        run = subprocess.run(
            [sys.executable, "-c", code, *argv], timeout=120, capture_output=True, text=True
        )
        assert run.returncode == 0, (argv, run.stderr)


def test_the_display_rule_reads_a_figure_the_same_wherever_it_is_shown() -> None:
    """Four places ($0.0079 for 0.007872), more only when needed for two significant digits:
    a price that is not zero never reads "$0.0000"."""
    from tui_router.core.money_text import format_usd

    shown = {x: format_usd(Decimal(x), None) for x in ("0.007872", "0.0175", "0.000435", "0")}
    assert shown == {
        "0.007872": "$0.0079",
        "0.0175": "$0.0175",
        "0.000435": "$0.00044",
        "0": "$0.0000",
    }


def test_a_negative_figure_has_its_sign_before_the_dollar() -> None:
    """A saving that is negative (routing cost more than the frontier model) read "$-0.0001";
    a figure that rounds to zero at fixed places has no sign."""
    assert format_usd(Decimal("-0.0012"), None) == "-$0.0012"
    assert format_usd(Decimal("-0.0001"), 4) == "-$0.0001"
    assert format_usd(Decimal("-0.000042"), None) == "-$0.000042"
    assert format_usd(Decimal("-1234.5"), 2) == "-$1,234.50"
    assert format_usd(Decimal("-0.00004"), 4) == "$0.0000"
    assert format_usd(Decimal("-0"), None) == "$0.0000"
