"""The model catalog: order, availability, the start model, tier steps, prices and lookups."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from tui_router.core import endpoints
from tui_router.core.catalog import LOCAL_CONTEXT_WINDOW, build_catalog, pricing_warnings
from tui_router.core.config import AppConfig, EndpointConfig, PriceOverride
from tui_router.core.endpoints import UnknownModelError
from tui_router.core.errors import UserFacingError
from tui_router.core.extras import install_command
from tui_router.core.usage import Usage

OLLAMA = EndpointConfig(
    "ollama", "openai", "http://localhost:11434/v1", None, ("llama3.2", "qwen2.5-coder"), "local"
)


@pytest.fixture
def no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoints, "local_model_installed", lambda: False)


@pytest.fixture
def local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoints, "local_model_installed", lambda: True)


def test_default_catalog_lists_the_tiers_in_order(no_local_model: None) -> None:
    catalog = build_catalog(AppConfig())
    assert catalog.ids == [
        "local/smollm2-135m",
        "claude-haiku-4-5", "gpt-5-mini", "gpt-5-nano",
        "claude-sonnet-4-6", "gpt-5.1",
        "claude-opus-4-6", "gpt-5.5",
    ]  # fmt: skip
    assert list(catalog.by_tier()) == ["local", "fast", "balanced", "frontier"]
    haiku = catalog.require("claude-haiku-4-5")
    assert (haiku.tier, haiku.endpoint.name, haiku.api_model) == (
        "fast",
        "anthropic",
        "claude-haiku-4-5",
    )


def test_building_the_catalog_does_not_import_genai_prices() -> None:
    code = (
        "import sys\n"
        "from tui_router.core.config import AppConfig\n"
        "from tui_router.core.catalog import build_catalog\n"
        "catalog = build_catalog(AppConfig())\n"
        "assert 'genai_prices' not in sys.modules, 'imported at build'\n"
        "assert catalog.get('gpt-5.1').rates is not None\n"
        "assert 'genai_prices' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_availability_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, no_local_model: None
) -> None:
    catalog = build_catalog(AppConfig())
    haiku = catalog.require("claude-haiku-4-5")
    assert not haiku.available and "ANTHROPIC_API_KEY" in haiku.availability
    assert install_command("local") in catalog.require("local/smollm2-135m").availability
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    assert build_catalog(AppConfig()).require("claude-haiku-4-5").available


def test_start_model_is_the_first_available_fast_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    assert build_catalog(AppConfig()).default_model().id == "gpt-5-mini"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    assert build_catalog(AppConfig()).default_model().id == "claude-haiku-4-5"


def test_start_model_falls_back_to_balanced_then_local(
    monkeypatch: pytest.MonkeyPatch, local_model: None
) -> None:
    assert build_catalog(AppConfig()).default_model().id == "local/smollm2-135m"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    config = AppConfig(tiers={"local": ["local/smollm2-135m"], "fast": ["gpt-5-mini"],
                              "balanced": ["claude-sonnet-4-6"], "frontier": []})  # fmt: skip
    assert build_catalog(config).default_model().id == "claude-sonnet-4-6"


def test_only_the_bundled_model_is_the_offline_fallback(local_model: None) -> None:
    config = AppConfig(
        tiers={"local": ["ollama/llama3.2", "local/smollm2-135m"]}, endpoints=(OLLAMA,)
    )
    catalog = build_catalog(config)
    assert [m.id for m in catalog if m.offline_fallback] == ["local/smollm2-135m"]
    data = {m.id: m.to_dict() for m in catalog}
    assert data["local/smollm2-135m"]["offline_fallback"] is True
    assert data["ollama/llama3.2"]["offline_fallback"] is False


@pytest.mark.parametrize("tiered", [True, False])
def test_start_model_is_a_callable_model_of_the_users_before_the_offline_fallback(
    local_model: None, tiered: bool
) -> None:
    # No key: the user's own local server (tiered after the bundled model, or listed by its
    # endpoint only) starts the session; the bundled model is what is left when nothing else is.
    local = ["local/smollm2-135m", "ollama/llama3.2"] if tiered else ["local/smollm2-135m"]
    config = AppConfig(tiers={"local": local}, endpoints=(OLLAMA,))
    assert build_catalog(config).default_model().id == "ollama/llama3.2"


def test_start_model_from_config_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    catalog = build_catalog(AppConfig(default_model="claude-opus-4-6"))
    assert catalog.default_model().id == "claude-opus-4-6"


def test_no_model_at_all_says_how_to_get_one(no_local_model: None) -> None:
    with pytest.raises(UserFacingError) as caught:
        build_catalog(AppConfig()).default_model()
    message = str(caught.value)
    for needed in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "[endpoints.", install_command("local")):
        assert needed in message


def test_frontier_is_the_configured_baseline_model() -> None:
    catalog = build_catalog(AppConfig(frontier_model="gpt-5.5"))
    frontier = catalog.frontier()
    assert frontier.id == "gpt-5.5"
    assert frontier.rates is not None and frontier.rates.input == Decimal(5)


def test_prices_and_context_windows(no_local_model: None) -> None:
    catalog = build_catalog(AppConfig())
    sonnet = catalog.require("claude-sonnet-4-6")
    assert sonnet.rates is not None
    assert (sonnet.rates.input, sonnet.rates.output, sonnet.rates.cache_read) == (
        Decimal(3),
        Decimal(15),
        Decimal("0.3"),
    )
    assert sonnet.context_window == 1_000_000
    assert catalog.require("claude-haiku-4-5").context_window == 200_000
    local = catalog.require("local/smollm2-135m")
    assert local.context_window == LOCAL_CONTEXT_WINDOW == 2048
    assert local.rates is not None and local.rates.source == "local"
    assert local.price(Usage(input_tokens=100, output_tokens=100)).usd == Decimal(0)


def test_endpoint_models_join_the_catalog_once(no_local_model: None) -> None:
    config = AppConfig(
        tiers={"local": ["ollama/llama3.2"], "fast": [], "balanced": [], "frontier": []},
        endpoints=(OLLAMA,),
    )
    catalog = build_catalog(config)
    assert catalog.ids == ["ollama/llama3.2", "local/smollm2-135m", "ollama/qwen2.5-coder"]
    assert [m.id for m in catalog.untiered()] == ["local/smollm2-135m", "ollama/qwen2.5-coder"]
    llama = catalog.require("ollama/llama3.2")
    assert (llama.tier, llama.api_model, llama.available) == ("local", "llama3.2", True)
    assert catalog.get("llama3.2") is llama  # the bare id the endpoint lists
    assert llama.context_window is None  # genai-prices does not know it; no guess


def test_a_config_price_applies_by_catalog_id(no_local_model: None) -> None:
    override = PriceOverride(Decimal(1), Decimal(2))
    config = AppConfig(endpoints=(OLLAMA,), prices={"ollama/qwen2.5-coder": override})
    model = build_catalog(config).require("ollama/qwen2.5-coder")
    assert model.rates is not None and model.rates.source == "override"
    price = model.price(Usage(input_tokens=1_000_000, output_tokens=1_000_000))
    # 1M × $1 + 1M × $2
    assert (price.usd, price.source) == (Decimal(3), "override")


def test_unknown_prices_stay_unknown(no_local_model: None) -> None:
    endpoint = EndpointConfig("corp", "openai", "https://llm.corp/v1", "CORP_KEY", ("mystery-7b",))
    catalog = build_catalog(AppConfig(endpoints=(endpoint,)))
    mystery = catalog.require("corp/mystery-7b")
    assert mystery.rates is None and not mystery.priced
    assert mystery.price(Usage(input_tokens=5, output_tokens=5)).usd is None
    assert mystery.to_dict()["usd_per_mtok"] == {
        "input": None, "output": None, "cache_read": None, "cache_write": None
    }  # fmt: skip
    (warning,) = pricing_warnings(catalog)
    assert "corp/mystery-7b" in warning and '[prices."corp/mystery-7b"]' in warning


def test_an_endpoint_without_a_price_provider_is_not_priced_at_a_namesake(
    no_local_model: None,
) -> None:
    # a self-hosted `gpt-4o-mini` was priced at OpenAI's list price (and counted as savings):
    # an endpoint that names no price list is unknown, as the README says
    endpoint = EndpointConfig(
        "myvllm", "openai", "http://127.0.0.1:8000/v1", None, ("gpt-4o-mini",)
    )
    catalog = build_catalog(AppConfig(endpoints=(endpoint,)))
    served = catalog.require("myvllm/gpt-4o-mini")
    assert served.rates is None and served.price(Usage(input_tokens=5, output_tokens=5)).usd is None
    (warning,) = pricing_warnings(catalog)
    assert "myvllm/gpt-4o-mini" in warning
    # with a price list named, the same id is priced from it
    named = EndpointConfig(
        "myvllm", "openai", "http://127.0.0.1:8000/v1", None, ("gpt-4o-mini",), "openai"
    )
    assert build_catalog(AppConfig(endpoints=(named,))).require("myvllm/gpt-4o-mini").priced


def test_require_suggests_a_known_id() -> None:
    with pytest.raises(UnknownModelError, match="did you mean 'claude-haiku-4-5'"):
        build_catalog(AppConfig()).require("haiku")


def test_describe_accepts_ids_outside_the_catalog() -> None:
    catalog = build_catalog(AppConfig())
    dated = catalog.describe("claude-haiku-4-5-20251001")
    assert dated.tier is None and dated.endpoint.name == "anthropic"
    assert dated.rates is not None and dated.rates.priced_as == "claude-haiku-4-5"
    unpriced = catalog.describe("gpt-9-imaginary")
    assert unpriced.endpoint.name == "openai" and unpriced.rates is None
    assert catalog.describe("claude-haiku-4-5") is catalog.get("claude-haiku-4-5")
    with pytest.raises(UnknownModelError):
        catalog.describe("nonsense-model")


def test_a_stronger_tier_skips_tiers_without_an_available_model(
    monkeypatch: pytest.MonkeyPatch, local_model: None
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    config = AppConfig(tiers={"local": ["local/smollm2-135m"], "fast": ["gpt-5-mini"],
                              "balanced": ["claude-sonnet-4-6"], "frontier": ["gpt-5.5"]})  # fmt: skip
    catalog = build_catalog(config)  # no Anthropic key: balanced has nothing available
    assert catalog.stronger_tier("fast") == "frontier"
    assert catalog.stronger_tier("local") == "fast"
    assert catalog.stronger_tier("frontier") is None
    assert catalog.stronger_tier("nonsense") is None
    assert catalog.first_available("balanced") is None


def test_next_model_cycles_available_models_in_sidebar_order(
    monkeypatch: pytest.MonkeyPatch, no_local_model: None
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    catalog = build_catalog(AppConfig())
    order = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6"]
    model = catalog.next_model("claude-haiku-4-5")
    assert model is not None and model.id == order[1]
    last = catalog.next_model("claude-opus-4-6")
    assert last is not None and last.id == order[0]  # wraps
    back = catalog.next_model("claude-haiku-4-5", step=-1)
    assert back is not None and back.id == order[2]
    start = catalog.next_model("not-in-catalog")
    assert start is not None and start.id == order[0]
    # from a model without its key (`/model gpt-5-mini`): on from its place in the sidebar
    assert not catalog.describe("gpt-5-mini").available
    on = catalog.next_model("gpt-5-mini")
    assert on is not None and on.id == "claude-sonnet-4-6"
    back = catalog.next_model("gpt-5-mini", step=-1)
    assert back is not None and back.id == "claude-haiku-4-5"


def test_json_form_has_decimal_strings(no_local_model: None) -> None:
    data = json.loads(json.dumps([m.to_dict() for m in build_catalog(AppConfig())]))
    haiku = next(d for d in data if d["id"] == "claude-haiku-4-5")
    assert haiku["usd_per_mtok"] == {
        "input": "1", "output": "5", "cache_read": "0.1", "cache_write": "1.25"
    }  # fmt: skip
    assert haiku["context_window"] == 200_000 and haiku["tier"] == "fast"


def test_a_name_the_local_endpoint_does_not_serve_is_unknown() -> None:
    # the bundled runtime loads one model: any other name was answered by it, and recorded
    # under the name that was typed
    config = AppConfig()
    assert endpoints.resolve_model("local/smollm2-135m", config).model == "smollm2-135m"
    with pytest.raises(UnknownModelError, match="serves only local/smollm2-135m"):
        endpoints.resolve_model("local/gpt-17", config)
    # an endpoint prefix with no such endpoint says so (its hint was the very id typed)
    with pytest.raises(
        UnknownModelError, match=r"no endpoint named 'ollama'.*\[endpoints\.ollama\]"
    ):
        endpoints.resolve_model("ollama/llama3.2", config)
