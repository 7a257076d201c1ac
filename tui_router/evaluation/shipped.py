"""The strategies the product ships, replayed through the real `Router.decide`.

A replay catalog puts the dataset's models on the four tiers (chosen on the TRAIN split: fast is
the cheapest model not beaten on train, balanced the best one costing at most half the frontier,
frontier the frontier model), and a `Router` with the shipped rules and weights decides every
prompt. The decision's model is the pick; a ``cascade`` decision also brings its ladder, which the
caller walks with a gate (a real one on recorded answers, a simulated one on SWE-bench).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui_router.core.config import AppConfig
from tui_router.core.routing import strategies
from tui_router.core.routing.router import Router
from tui_router.core.tiers import TIERS
from tui_router.evaluation.datasets import Dataset

#: The strategies `Router.decide` offers that route on their own (manual needs a user), read
#: from the registry: a newly registered strategy gets its row through `Router.decide` with no
#: edit here.
SHIPPED: tuple[str, ...] = tuple(name for name in strategies.names() if name != "manual")


@dataclass(frozen=True, slots=True)
class _Model:
    id: str
    tier: str | None
    available: bool = True
    rates: None = None
    context_window: None = None


@dataclass(frozen=True, slots=True)
class ReplayCatalog:
    """The dataset's models on tiers; no prices (the dataset's recorded costs are used)."""

    tiers: Mapping[str, str]

    def by_tier(self) -> dict[str, list[_Model]]:
        out: dict[str, list[_Model]] = {t: [] for t in TIERS}
        seen: set[str] = set()
        for tier in ("fast", "balanced", "frontier"):
            model = self.tiers[tier]
            if model not in seen:
                out[tier].append(_Model(model, tier))
                seen.add(model)
        return out


def router_for(tiers: Mapping[str, str], strategy: str) -> Router:
    config = AppConfig(
        tiers={t: [m] for t, m in tiers.items() if t != "local"},
        frontier_model=tiers["frontier"],
        routing_strategy=strategy,
    )
    return Router(config, ReplayCatalog(tiers), strategy=strategy)


def decide_all(dataset: Dataset, tiers: Mapping[str, str], strategy: str) -> list[list[str]]:
    """Per item, the models `Router.decide` would try in order (one unless it is a cascade)."""
    router = router_for(tiers, strategy)
    out = []
    for item in dataset.items:
        decision = router.decide(item.prompt)
        first = decision.model or tiers["frontier"]
        chain = [first, *[m for m in decision.ladder if m != first]]
        out.append(chain if strategy == "cascade" else [first])
    return out
