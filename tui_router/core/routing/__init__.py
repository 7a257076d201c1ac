"""Routing: which model should answer this prompt, and why.

`features` (what a prompt and its session look like), `rules` (ordered, auditable rules),
`heuristic` (a hand-weighted scorer), `gates` (is a cheap answer good enough?), `learned`
(a trained classifier with online feedback), `strategies` (the strategy registry) and
`router.Router`, the facade that turns a prompt into a `decision.Decision`. Import the submodules
you need: the names below load on first use, so importing one submodule (say `learned`) does not
pay for the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_router.core.routing.context import AttachedFile, RoutingContext
    from tui_router.core.routing.features import Features, extract_features

__all__ = ["AttachedFile", "Features", "RoutingContext", "extract_features"]

_LAZY = {
    "AttachedFile": "tui_router.core.routing.context",
    "RoutingContext": "tui_router.core.routing.context",
    "Features": "tui_router.core.routing.features",
    "extract_features": "tui_router.core.routing.features",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
