"""The Router facade: decisions on clear prompts, context fit, availability, costs, strategies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from routing_fakes import FakeCatalog, FakeModel, rates, standard_catalog, standard_config

from tui_router.core.routing.context import AttachedFile, RoutingContext
from tui_router.core.routing.decision import tier_rank
from tui_router.core.routing.router import ROUTER_STRATEGIES, Router, UnknownStrategyError

AUTOMATIC = ("rules", "heuristic", "learned", "cascade")


def router(strategy: str = "rules", catalog: FakeCatalog | None = None, **kwargs) -> Router:
    return Router(standard_config(), catalog or standard_catalog(), strategy=strategy, **kwargs)


@pytest.mark.parametrize("strategy", ["rules", "heuristic", "cascade"])
def test_rename_goes_to_the_fast_tier(strategy: str) -> None:
    decision = router(strategy).decide("rename getUser to fetch_user in api.py")
    assert decision.tier == "fast"
    assert decision.model in ("small-fast", "fast-big")


@pytest.mark.parametrize("strategy", AUTOMATIC)
def test_a_production_migration_that_drops_a_column_goes_to_the_frontier(strategy: str) -> None:
    decision = router(strategy).decide(
        "Write the prod migration that drops the email column from the users table"
    )
    assert (decision.tier, decision.model) == ("frontier", "top"), decision.reason


@pytest.mark.parametrize("strategy", AUTOMATIC)
@pytest.mark.parametrize(
    "prompt",
    [
        "Prove that the square root of 2 is irrational.",
        "Let a, b > 0 with a + b = 1. Find the minimum of a^2/b + b^2/a.",
    ],
)
def test_a_proof_never_goes_to_the_cheapest_tier(strategy: str, prompt: str) -> None:
    decision = router(strategy).decide(prompt)
    assert tier_rank(decision.tier) >= tier_rank("balanced"), decision.reason


@pytest.mark.parametrize("strategy", AUTOMATIC)
def test_ok_continue_in_a_long_session_never_lands_on_a_model_too_small(strategy: str) -> None:
    context = RoutingContext(
        conversation_tokens=150_000, current_model="tiny-local", current_tier="local"
    )
    decision = router(strategy).decide("ok continue", context)
    assert decision.model not in ("tiny-local", "small-fast")  # 2k and 32k windows
    assert decision.model is not None
    windows = {m.id: m.context_window for m in standard_catalog().models}
    assert windows[decision.model] >= 150_000
    assert decision.kind == "escalate"


def test_ok_continue_stays_on_a_model_that_fits() -> None:
    context = RoutingContext(conversation_tokens=150_000, current_model="fast-big")
    decision = router("rules").decide("ok continue", context)
    assert decision.model == "fast-big" and decision.kind == "stay"
    assert decision.rule == "follow-up-stays"
    assert decision.lost_cache_usd is None


@pytest.mark.parametrize("strategy", AUTOMATIC)
def test_a_model_whose_window_is_too_small_is_never_chosen(strategy: str) -> None:
    catalog = FakeCatalog(
        [
            FakeModel("fast-small-window", "fast", 8_000, rates("1", "5", "0.1")),
            FakeModel("balanced-small-window", "balanced", 16_000, rates("3", "15", "0.3")),
            FakeModel("frontier-big", "frontier", 500_000, rates("5", "25", "0.5")),
        ]
    )
    attached = (AttachedFile("dump.sql", 40_000),)
    decision = router(strategy, catalog).decide(
        "rename foo to bar", RoutingContext(attached_files=attached)
    )
    assert decision.model == "frontier-big"
    assert "holds" in decision.reason  # says why it moved up


def test_when_no_window_fits_no_model_is_chosen() -> None:
    catalog = FakeCatalog([FakeModel("small", "fast", 8_000, rates("1", "5", "0.1"))])
    decision = router("rules", catalog).decide(
        "summarise", RoutingContext(conversation_tokens=50_000)
    )
    assert decision.model is None
    assert "no model has a context window" in decision.reason


def test_an_unknown_window_does_not_block_a_model() -> None:
    catalog = FakeCatalog([FakeModel("mystery", "fast", None, None)])
    decision = router("rules", catalog).decide(
        "rename a", RoutingContext(conversation_tokens=10**6)
    )
    assert decision.model == "mystery"
    assert decision.est_cost_usd is None  # unknown price: n/a, never $0


def test_available_models_are_preferred_and_unavailable_ones_flagged() -> None:
    catalog = standard_catalog(small_fast=False)
    decision = router("rules", catalog).decide("rename a to b")
    assert decision.model == "fast-big" and decision.available
    nothing = standard_catalog(
        **{k: False for k in ("tiny_local", "small_fast", "fast_big", "mid", "top")}
    )
    decision = router("rules", nothing).decide("rename a to b")
    assert decision.model == "small-fast" and not decision.available
    assert "not configured" in decision.reason


def test_the_context_can_restrict_the_models() -> None:
    context = RoutingContext(available_models=("mid",))
    decision = router("rules").decide("rename a to b", context)
    assert decision.model == "mid"


def test_within_a_tier_the_current_model_is_kept() -> None:
    context = RoutingContext(current_model="fast-big", conversation_tokens=1_000)
    decision = router("rules").decide("rename a to b", context)
    assert decision.model == "fast-big" and decision.kind == "stay"


def test_escalate_and_downgrade_with_costs_and_the_lost_cache() -> None:
    r = router("rules")
    up = r.decide(
        "write the prod migration dropping the users table",
        RoutingContext(current_model="fast-big", conversation_tokens=100_000),
    )
    assert up.kind == "escalate" and up.model == "top"
    # 100k context tokens x (frontier input $5 - fast cache read $0.10) per MTok
    assert up.lost_cache_usd == Decimal("100000") * (Decimal("5") - Decimal("0.1")) / Decimal(10**6)
    assert up.est_cost_usd is not None and up.current_cost_usd is not None
    assert up.est_baseline_usd == up.est_cost_usd  # the chosen model is the frontier model
    down = r.decide("rename a to b", RoutingContext(current_model="top", conversation_tokens=1_000))
    assert down.kind == "downgrade" and down.tier == "fast"
    assert down.est_cost_usd is not None and down.est_baseline_usd is not None
    assert down.est_cost_usd < down.est_baseline_usd


def test_staying_reads_the_history_from_the_cache() -> None:
    r = router("rules")
    context = RoutingContext(current_model="fast-big", conversation_tokens=100_000)
    stay = r.decide("ok continue", context)
    # 100k cached at $0.10 + the prompt at $1 + output at $5 per MTok
    assert stay.est_cost_usd is not None and stay.est_cost_usd < Decimal("0.02")
    assert stay.current_cost_usd == stay.est_cost_usd


def test_manual_keeps_the_users_model_and_warns_when_it_cannot_hold_the_context() -> None:
    r = router("manual")
    decision = r.decide("prove the Riemann hypothesis", RoutingContext(current_model="small-fast"))
    assert (decision.model, decision.kind, decision.strategy) == ("small-fast", "stay", "manual")
    too_big = r.decide(
        "ok", RoutingContext(current_model="small-fast", conversation_tokens=100_000)
    )
    assert too_big.model == "small-fast" and "warning" in too_big.reason


def test_cascade_starts_cheap_and_names_the_ladder() -> None:
    decision = router("cascade").decide("write a function that reverses a string")
    assert decision.tier == "fast" and decision.strategy == "cascade"
    assert decision.ladder == ("mid", "top")
    risky = router("cascade").decide("delete the production database backups, it is irreversible")
    assert risky.tier == "frontier" and risky.ladder == ()


def test_every_strategy_explains_itself_and_keeps_its_features() -> None:
    for strategy in ROUTER_STRATEGIES:
        decision = router(strategy).decide("rename a to b", RoutingContext(current_model="mid"))
        assert decision.reason and decision.strategy in (strategy, "rules")
        assert 0.0 <= decision.confidence <= 1.0
        assert decision.features.cheap_rename == 1.0
        assert decision.latency_ms >= 0.0


def test_rules_decisions_name_the_rule() -> None:
    decision = router("rules").decide("add a docstring to parse()")
    assert decision.rule == "cheap-edit" and "cheap-edit" in decision.reason


def test_an_unknown_strategy_is_a_clear_error() -> None:
    with pytest.raises(UnknownStrategyError, match="did you mean 'learned'"):
        router("learnd")
    with pytest.raises(UnknownStrategyError):
        router("rules").decide("x", strategy="fancy")


def test_learned_falls_back_to_rules_when_its_weights_are_missing(monkeypatch, tmp_path) -> None:
    from tui_router.core.routing import learned

    monkeypatch.setattr(learned, "WEIGHTS_FILE", tmp_path / "missing.json")
    r = router("learned")
    decision = r.decide("rename a to b")
    assert decision.strategy == "rules" and decision.rule == "cheap-edit"
    assert "learned model unavailable" in decision.reason
    assert r.learned_error is not None


def test_the_decision_serialises_for_json() -> None:
    data = router("heuristic").decide("rename a", RoutingContext(current_model="top")).to_dict()
    for key in (
        "tier",
        "model",
        "strategy",
        "reason",
        "confidence",
        "features",
        "latency_ms",
        "kind",
        "est_cost_usd",
        "est_baseline_usd",
        "lost_cache_usd",
        "score",
    ):
        assert key in data
    assert isinstance(data["est_cost_usd"], str) and Decimal(data["est_cost_usd"]) >= 0
    assert all(isinstance(v, float) for v in data["features"].values())


@pytest.mark.parametrize("strategy", ROUTER_STRATEGIES)
@pytest.mark.parametrize(
    "prompt",
    [
        "",
        "   ",
        "?" * 10,
        "```",
        "ünïcödé ∑ ∫ 🙂",
        "x" * 200_000,
        "Traceback (most recent call last):",
    ],
)
def test_odd_prompts_still_get_a_decision(strategy: str, prompt: str) -> None:
    decision = router(strategy).decide(prompt, RoutingContext(current_model="mid"))
    assert decision.model is not None and decision.reason
    assert 0.0 <= decision.features.needs_reasoning <= 1.0
