"""Cache- and effort-aware decisions: while the model in use has a warm prompt cache, a one-tier
escalation becomes a higher reasoning effort on it; a switch shows what re-caching costs and, for
a cheaper model, the turns it takes to pay that back; a model whose cache is warm is free to go
back to."""

from __future__ import annotations

from decimal import Decimal

from routing_fakes import FakeCatalog, FakeModel, rates

from tui_router.core.config import AppConfig
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.router import Router, takes_effort

SONNET, OPUS, HAIKU = "claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5"
RISKY = "Debug this race condition in our production payment migration"
SMALL = "fix the typo in the README heading"


def _router() -> Router:
    catalog = FakeCatalog(
        [
            FakeModel(HAIKU, "fast", 200_000, rates("1", "5", "0.1")),
            FakeModel(SONNET, "balanced", 1_000_000, rates("3", "15", "0.3")),
            FakeModel(OPUS, "frontier", 1_000_000, rates("5", "25", "0.5")),
        ]
    )
    config = AppConfig(
        tiers={"local": [], "fast": [HAIKU], "balanced": [SONNET], "frontier": [OPUS]},
        frontier_model=OPUS,
        routing_strategy="rules",
    )
    return Router(config, catalog, strategy="rules")


def _context(
    current: str, tier: str, warm: tuple[str, ...], history: int = 40_000
) -> RoutingContext:
    return RoutingContext(
        conversation_tokens=history, current_model=current, current_tier=tier, warm_caches=warm
    )


def test_a_warm_cache_turns_a_one_tier_escalation_into_more_effort() -> None:
    cold = _router().decide(RISKY, _context(SONNET, "balanced", ()))
    assert (cold.model, cold.kind, cold.effort) == (OPUS, "escalate", None)
    assert cold.recache_usd is not None and cold.recache_usd > 0
    warm = _router().decide(RISKY, _context(SONNET, "balanced", (SONNET,)))
    assert (warm.model, warm.kind, warm.effort) == (SONNET, "escalate", "high")
    assert "prompt cache is warm" in warm.reason and OPUS in warm.reason
    assert warm.est_cost_usd == cold.current_cost_usd  # priced on the model it stays on
    assert warm.to_dict()["effort"] == "high"


def test_the_recache_figure_in_the_reason_reads_as_the_report_says_it() -> None:
    # a short history costs $0.00047 to re-send to opus; at four places it read "~$0.0005"
    warm = _router().decide(RISKY, _context(SONNET, "balanced", (SONNET,), history=100))
    assert warm.effort == "high" and "re-send the history (~$0.00047)" in warm.reason


def test_a_jump_of_two_tiers_keeps_the_switch() -> None:
    decision = _router().decide(RISKY, _context(HAIKU, "fast", (HAIKU,)))
    assert decision.model == OPUS and decision.effort is None  # haiku is two tiers below


def test_a_downgrade_shows_the_recache_cost_and_its_break_even() -> None:
    decision = _router().decide(SMALL, _context(OPUS, "frontier", (OPUS,)))
    assert decision.kind == "downgrade" and decision.model == HAIKU
    # 40,000 history tokens re-read at haiku's $1 instead of opus' $0.50 cache read
    assert decision.recache_usd == Decimal(40_000) * (Decimal(1) - Decimal("0.5")) / 1_000_000
    assert decision.break_even_turns is not None and decision.break_even_turns >= 1
    # a turn on opus with the history cached costs $0.0263; on haiku, once cached there, about
    # $0.005: the $0.02 of re-caching is paid back by the first turn
    assert decision.current_cost_usd == Decimal("0.026295")
    assert decision.break_even_turns == 1


def test_switching_back_to_a_model_whose_cache_is_warm_is_free() -> None:
    decision = _router().decide(SMALL, _context(OPUS, "frontier", (OPUS, HAIKU)))
    assert decision.model == HAIKU and decision.recache_usd == 0
    assert decision.break_even_turns == 0


def test_which_models_take_an_effort() -> None:
    assert takes_effort(SONNET) and takes_effort(OPUS) and takes_effort("gpt-5-mini")
    assert (
        not takes_effort(HAIKU) and not takes_effort("ollama/llama3.2") and not takes_effort(None)
    )
