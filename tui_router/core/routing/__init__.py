"""Routing: which model should answer this prompt, and why.

`features` (what a prompt and its session look like), `rules` (ordered, auditable rules),
`heuristic` (a hand-weighted scorer), `gates`/`cascade` (try cheap, check, escalate), `learned`
(a trained classifier with online feedback) and `router.Router`, the facade that turns a prompt
into a `decision.Decision`. Import the submodules you need; this package imports nothing heavy.
"""

from __future__ import annotations

from tui_router.core.routing.context import AttachedFile, RoutingContext
from tui_router.core.routing.features import Features, extract_features

__all__ = ["AttachedFile", "Features", "RoutingContext", "extract_features"]
