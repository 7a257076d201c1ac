"""The strategy registry: the built-ins go through `register`, and a registered strategy is one
that config, `--strategy` and `Router.decide` all take."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from routing_fakes import standard_catalog, standard_config

from tui_router.core.routing import strategies
from tui_router.core.routing.router import Router, check_strategy
from tui_router.core.routing.strategies import Plan, UnknownStrategyError


def test_the_built_ins_are_registered_in_order() -> None:
    assert strategies.names() == ("manual", "rules", "cascade", "learned", "heuristic")


def test_every_strategy_says_what_it_does() -> None:
    described = strategies.descriptions()
    assert list(described) == list(strategies.names())
    assert all(described.values())


def test_a_typo_gets_a_did_you_mean() -> None:
    with pytest.raises(UnknownStrategyError, match="did you mean 'cascade'"):
        strategies.check("cascde")


class _AlwaysFrontier:
    keeps_model = False
    ladder = False

    def plan(self, router, prompt, features, ctx, current_tier) -> Plan:  # type: ignore[no-untyped-def]
        return Plan("frontier", None, "always the frontier", "always-frontier")


STRATEGY = _AlwaysFrontier()


@pytest.fixture
def registered() -> Iterator[str]:
    strategies.register("always-frontier", f"{__name__}:STRATEGY", "the frontier, always")
    try:
        yield "always-frontier"
    finally:
        strategies._ENTRIES.pop("always-frontier")
        strategies._DESCRIPTIONS.pop("always-frontier")
        strategies._LOADED.pop("always-frontier", None)


def test_a_registered_strategy_is_one_the_router_decides_with(registered: str) -> None:
    assert check_strategy(registered) == registered
    assert strategies.descriptions()[registered] == "the frontier, always"
    router = Router(standard_config(), standard_catalog(), strategy=registered)
    decision = router.decide("rename x to y")
    assert (decision.tier, decision.strategy, decision.reason) == (
        "frontier",
        registered,
        "always the frontier",
    )
    other = Router(standard_config(), standard_catalog(), strategy="rules")
    assert other.decide("rename x to y", strategy=registered).tier == "frontier"


@pytest.mark.parametrize("command", ["route", "ask"])
def test_the_command_line_takes_a_registered_strategy(registered: str, command: str) -> None:
    from tui_router.cli import build_parser

    # --strategy's choices come from the registry, not from a list kept beside it
    args = build_parser(command).parse_args([command, "--strategy", registered, "hello"])
    assert args.strategy == registered
