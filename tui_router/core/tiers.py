"""The model tiers, cheapest first: the one list config, catalog, routing and the commands share.

Which models sit in a tier is configuration (``[tiers]`` in config.toml); the tiers themselves and
their order are fixed here. A leaf module: it imports nothing, so anything may import it early.
"""

from __future__ import annotations

LOCAL = "local"
FAST = "fast"
BALANCED = "balanced"
FRONTIER = "frontier"

#: Every tier, cheapest (and weakest) first.
TIERS: tuple[str, ...] = (LOCAL, FAST, BALANCED, FRONTIER)

#: Where a default model is looked for when none is set: the cheapest useful tier first, the
#: local tier (free, but weak) last.
DEFAULT_MODEL_ORDER: tuple[str, ...] = (FAST, BALANCED, FRONTIER, LOCAL)

_RANK: dict[str, int] = {tier: index for index, tier in enumerate(TIERS)}


def tier_rank(tier: str | None) -> int:
    """0 local .. 3 frontier; -1 for an unknown or missing tier."""
    return _RANK.get(tier, -1) if tier is not None else -1
