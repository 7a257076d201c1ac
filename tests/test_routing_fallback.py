"""The bundled model is the offline fallback: the router takes it only when no other model that
holds the turn can be called, a local model of the user's own stays routable, and a hand-picked
bundled model stands."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from routing_fakes import FakeCatalog, FakeModel, rates, standard_config

from tui_router.core import endpoints
from tui_router.core.cascade_verifiers import judge_model
from tui_router.core.catalog import LOCAL_CONTEXT_WINDOW, Catalog, build_catalog
from tui_router.core.config import AppConfig, EndpointConfig
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.decision import Decision
from tui_router.core.routing.router import Router
from tui_router.core.verified_cascade import cascade_models

BUNDLED = "local/smollm2-135m"
#: The shipped learned weights score these far below the fast threshold: their wish is "local".
ONE_LINERS = ("hi", "rename x to y", "fix the typo in README")
#: A fast-tier coding prompt for the shipped learned weights.
CODING = "write a function that parses ISO dates in Python"
#: A keyless OpenAI-compatible server of the user's (never contacted: routing calls no model).
OLLAMA = EndpointConfig("ollama", "openai", "http://127.0.0.1:9/v1", None, ("llama3.2",), "local")


@pytest.fixture(autouse=True)
def local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `local` extra is installed: the bundled model can be called."""
    monkeypatch.setattr(endpoints, "local_model_installed", lambda: True)


@pytest.fixture
def anthropic_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")


def decide(
    prompt: str,
    strategy: str = "learned",
    config: AppConfig | None = None,
    context: RoutingContext | None = None,
) -> tuple[Decision, Catalog]:
    config = config or AppConfig()
    catalog = build_catalog(config)
    return Router(config, catalog, None, strategy=strategy).decide(prompt, context), catalog


# ---- a key is set: the router does not choose the bundled model --------------------------------


@pytest.mark.parametrize("prompt", ONE_LINERS)
def test_a_one_liner_goes_to_fast_not_the_offline_fallback(
    prompt: str, anthropic_key: None
) -> None:
    decision, _ = decide(prompt)
    assert "→ local" in decision.reason  # the learned wish was the local tier ...
    assert (decision.model, decision.tier) == ("claude-haiku-4-5", "fast")  # ... fast answers
    assert decision.available
    assert f"{BUNDLED} is the offline fallback, so fast" in decision.reason


def test_suggest_mode_offers_fast_not_the_bundled_model(anthropic_key: None) -> None:
    on_balanced = RoutingContext(current_model="claude-sonnet-4-6")
    decision, _ = decide("rename x to y", context=on_balanced)
    assert (decision.kind, decision.model) == ("downgrade", "claude-haiku-4-5")


def test_a_rule_naming_the_local_tier_lands_on_fast_but_one_naming_the_model_stands(
    anthropic_key: None,
) -> None:
    by_tier = {"name": "docs-local", "tier": "local", "keywords": ["docstring"]}
    decision, _ = decide("add a docstring", "rules", AppConfig(raw={"rules": [by_tier]}))
    assert decision.model == "claude-haiku-4-5"
    assert f"{BUNDLED} is the offline fallback, so fast" in decision.reason
    by_model = {"name": "docs-smol", "model": BUNDLED, "keywords": ["docstring"]}
    decision, _ = decide("add a docstring", "rules", AppConfig(raw={"rules": [by_model]}))
    assert (decision.model, decision.rule) == (BUNDLED, "docs-smol")


# ---- no key: the bundled model is the one that can answer -------------------------------------


def test_without_a_key_the_offline_fallback_takes_the_turn() -> None:
    one_liner, _ = decide("rename x to y")
    assert (one_liner.model, one_liner.tier, one_liner.available) == (BUNDLED, "local", True)
    assert "offline fallback" not in one_liner.reason
    coding, _ = decide(CODING)
    assert (coding.model, coding.available) == (BUNDLED, True)
    assert (
        "→ fast" in coding.reason and "no fast model can be called now, so local" in coding.reason
    )


def test_without_a_key_a_conversation_too_big_for_the_fallback_is_not_sent_to_it() -> None:
    crowded = RoutingContext(conversation_tokens=LOCAL_CONTEXT_WINDOW)
    decision, _ = decide("rename x to y", context=crowded)
    assert decision.model != BUNDLED and not decision.available


# ---- a local model of the user's own stays routable -------------------------------------------


def test_a_configured_local_model_takes_a_one_liner_ahead_of_the_bundled_one(
    anthropic_key: None,
) -> None:
    config = AppConfig(
        tiers={"local": [BUNDLED, "ollama/llama3.2"], "fast": ["claude-haiku-4-5"]},
        endpoints=(OLLAMA,),
    )
    decision, _ = decide("rename x to y", config=config)
    assert (decision.model, decision.tier) == ("ollama/llama3.2", "local"), decision.reason
    assert "offline fallback" not in decision.reason


@dataclass(frozen=True)
class FakeBundled(FakeModel):
    """A catalog entry marked like `catalog.ModelInfo.offline_fallback` marks the bundled one."""

    offline_fallback: bool = True


def fake_catalog(*local: FakeModel) -> FakeCatalog:
    return FakeCatalog([
        *local,
        FakeModel("small-fast", "fast", 32_000, rates("0.5", "2", "0.05")),
        FakeModel("mid", "balanced", 400_000, rates("3", "15", "0.3")),
        FakeModel("top", "frontier", 1_000_000, rates("5", "25", "0.5")),
    ])  # fmt: skip


def test_a_small_window_local_model_of_the_users_own_is_chosen_and_the_window_still_rules() -> None:
    bundled = FakeBundled("bundled", "local", 2_048, rates("0", "0", "0"))
    mine = FakeModel("my-local", "local", 2_048, rates("0", "0", "0"))
    config = standard_config(tiers={"local": ["bundled", "my-local"], "fast": ["small-fast"],
                                    "balanced": ["mid"], "frontier": ["top"]})  # fmt: skip
    router = Router(config, fake_catalog(bundled, mine), strategy="learned")
    assert router.decide("rename x to y").model == "my-local"
    crowded = router.decide("rename x to y", RoutingContext(conversation_tokens=1_900))
    assert crowded.model == "small-fast"
    assert "no available local model holds ~" in crowded.reason
    # Only the bundled entry in the local tier: a callable fast model answers instead.
    alone = Router(config, fake_catalog(bundled), strategy="learned").decide("rename x to y")
    assert alone.model == "small-fast"
    assert "bundled is the offline fallback, so fast" in alone.reason


# ---- cascade ----------------------------------------------------------------------------------


def test_a_cascade_does_not_start_on_the_bundled_model_while_a_fast_model_can_be_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bundled model listed first in the fast tier: the flag follows the model, not its tier.
    config = AppConfig(tiers={"local": [], "fast": [BUNDLED, "claude-haiku-4-5"],
                              "balanced": ["claude-sonnet-4-6"], "frontier": ["claude-opus-4-6"]})  # fmt: skip
    offline, catalog = decide("rename x to y", "cascade", config)
    assert cascade_models(offline, catalog) == (BUNDLED,)  # no key: the fallback answers
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    online, catalog = decide("rename x to y", "cascade", config)
    assert cascade_models(online, catalog) == (
        "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6"
    )  # fmt: skip


def test_a_cascade_ladder_skips_the_bundled_model_while_another_can_be_called(
    anthropic_key: None,
) -> None:
    config = AppConfig(tiers={"local": [], "fast": ["claude-haiku-4-5"],
                              "balanced": [BUNDLED, "claude-sonnet-4-6"], "frontier": []})  # fmt: skip
    decision, catalog = decide("rename x to y", "cascade", config)
    assert decision.ladder == ("claude-sonnet-4-6",)
    assert cascade_models(decision, catalog) == ("claude-haiku-4-5", "claude-sonnet-4-6")


def test_the_cascade_judge_is_never_the_bundled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    config = AppConfig(tiers={"fast": [BUNDLED, "claude-haiku-4-5"]})
    assert judge_model(build_catalog(config)) is None  # no key: no judge worth asking
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    assert judge_model(build_catalog(config)) == "claude-haiku-4-5"


# ---- chosen by hand ---------------------------------------------------------------------------


def test_manual_mode_keeps_the_bundled_model_the_user_picked(anthropic_key: None) -> None:
    on_bundled = RoutingContext(current_model=BUNDLED)
    decision, catalog = decide(CODING, "manual", context=on_bundled)
    assert (decision.model, decision.kind, decision.available) == (BUNDLED, "stay", True)
    assert decision.reason == "manual: the model you picked stands"
    router = Router(AppConfig(), catalog, None)
    kept = router.placer.keep(BUNDLED, "local", 500)
    assert (kept.model, kept.available, kept.note) == (BUNDLED, True, None)


def test_a_one_liner_stays_on_the_bundled_model_the_user_is_on(anthropic_key: None) -> None:
    # Picked by hand (/model, /tier local, f2): a local wish keeps it, no suggestion to switch.
    decision, _ = decide("rename x to y", context=RoutingContext(current_model=BUNDLED))
    assert (decision.model, decision.kind) == (BUNDLED, "stay"), decision.reason
    # A prompt that wants more than the local tier is still offered fast.
    coding, _ = decide(CODING, context=RoutingContext(current_model=BUNDLED))
    assert (coding.model, coding.kind) == ("claude-haiku-4-5", "escalate")
