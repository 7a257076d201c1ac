"""Routing strategies: one `Strategy` protocol and the registry `Router.decide` looks them up in.

A strategy is one module that turns a prompt into a `Plan` (a tier or model, and why); the Router
then fits the plan to the context window and to what can be called. The built-ins go through the
same hook as any other strategy: one `register` line each, below. This module is a leaf — it
imports no routing code until a strategy is first used — so config validation and the CLI can list
the names cheaply.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from tui_router.core.errors import UserFacingError

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.router import Router


class UnknownStrategyError(UserFacingError):
    """A routing strategy name that does not exist."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What a strategy wants before the context-fit and availability checks."""

    tier: str | None
    model: str | None
    reason: str
    strategy: str
    rule: str | None = None
    score: float | None = None
    confidence: float = 0.5


class Strategy(Protocol):
    """How one strategy picks a tier or model for a prompt.

    Attributes:
        keeps_model: the plan's model stands as picked (placed with `Placer.keep`: only a
            model that cannot hold the context is replaced), instead of being chosen within
            the plan's tier.
        ladder: the decision carries the ladder of stronger models a cascade escalates to.
    """

    keeps_model: bool
    ladder: bool

    def plan(
        self,
        router: Router,
        prompt: str,
        features: Features,
        ctx: RoutingContext,
        current_tier: str | None,
    ) -> Plan:
        """The strategy's wish for ``prompt``; never calls a model."""
        ...


#: name -> "module:attribute" of the strategy instance, in registration order
_ENTRIES: dict[str, str] = {}
#: name -> what it does, in the words /strategy and the palette show
_DESCRIPTIONS: dict[str, str] = {}
_LOADED: dict[str, Strategy] = {}


def register(name: str, target: str, description: str) -> None:
    """Make strategy ``name`` available everywhere a strategy can be named (config.toml's
    ``routing_strategy``, ``--strategy``, the TUI's /strategy and palette, the what-if review).

    ``target`` is ``"module:attribute"`` of the strategy instance; the module is imported on
    first use. ``description`` says what it does, in a few words for a person.
    """
    _ENTRIES[name] = target
    _DESCRIPTIONS[name] = description
    _LOADED.pop(name, None)


def names() -> tuple[str, ...]:
    """Registered strategy names, in registration order."""
    return tuple(_ENTRIES)


def descriptions() -> dict[str, str]:
    """Every registered strategy and what it does, in registration order."""
    return dict(_DESCRIPTIONS)


def get(name: str) -> Strategy:
    """The strategy registered as ``name`` (`UnknownStrategyError` with a did-you-mean if none)."""
    loaded = _LOADED.get(name)
    if loaded is None:
        module, _, attribute = _ENTRIES[check(name)].partition(":")
        loaded = _LOADED[name] = getattr(import_module(module), attribute)
    return loaded


def check(name: str) -> str:
    """``name`` if it is a strategy, else `UnknownStrategyError` with a did-you-mean."""
    if name in _ENTRIES:
        return name
    close = difflib.get_close_matches(name, list(_ENTRIES), n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UnknownStrategyError(
        f"unknown routing strategy {name!r}: use one of {', '.join(_ENTRIES)}{hint}"
    )


# The built-in strategies, registered through the same hook as any other (one call each).
register(
    "manual",
    f"{__name__}.manual:STRATEGY",
    "the model you picked stands; the router never proposes a switch",
)
register(
    "rules",
    f"{__name__}.rules:STRATEGY",
    "the first matching rule picks the tier: your [[rules]], else the shipped set",
)
register("cascade", f"{__name__}.cascade:STRATEGY", "cheap model first, quality gate, escalate")
register(
    "learned",
    f"{__name__}.learned:STRATEGY",
    "a trained classifier picks the tier and learns from your accepts, rejects, retries",
)
register(
    "heuristic",
    f"{__name__}.heuristic:STRATEGY",
    "a hand-weighted score of the prompt picks the tier (nothing learned)",
)
