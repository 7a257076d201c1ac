"""``heuristic``: the hand-weighted score (`routing.heuristic`) picks the tier, above a floor.

Also home of the guard-rail floors every scored strategy (this one, ``learned``) applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_router.core.routing import heuristic
from tui_router.core.routing.strategies import Plan
from tui_router.core.tiers import tier_rank

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.router import Router

#: Guard rails for the scored strategies (learned, heuristic): (feature, at least, tier floor).
#: A score can be fooled by phrasing; an irreversible change or a proof must not go to the
#: cheapest tier (LiteLLM's keyword scorer sent proofs to its cheapest tier).
FLOORS: tuple[tuple[str, float, str, str], ...] = (
    ("mistake_cost", 0.7, "frontier", "costly mistake"),
    ("sig_math_proof", 1.0, "balanced", "maths/proof"),
    ("has_traceback", 1.0, "balanced", "stack trace"),
    ("design_risk", 1.0, "balanced", "design, security scheme, concurrency or data migration"),
)


def score_plan(features: Features) -> Plan:
    """The heuristic score's tier, without the floors (the rules' fallback uses it too)."""
    value = heuristic.score(features)
    tier = heuristic.tier_for(value)
    return Plan(
        tier,
        None,
        f"score {value:.2f} → {tier} ({heuristic.explain(features)})",
        "heuristic",
        score=value,
        confidence=heuristic.confidence(value),
    )


def apply_floor(plan: Plan, features: Features) -> Plan:
    """Raise a scored plan's tier to the guard-rail floor its features demand."""
    rank = tier_rank(plan.tier)
    rank = 99 if rank < 0 else rank  # an unknown tier is left alone
    for key, threshold, floor, label in FLOORS:
        if getattr(features, key) >= threshold and rank < tier_rank(floor):
            return Plan(
                floor,
                plan.model,
                f"{plan.reason}; raised to {floor} ({label})",
                plan.strategy,
                plan.rule,
                plan.score,
                plan.confidence,
            )
    return plan


class Heuristic:
    keeps_model = False
    ladder = False

    def plan(
        self,
        router: Router,
        prompt: str,
        features: Features,
        ctx: RoutingContext,
        current_tier: str | None,
    ) -> Plan:
        return apply_floor(score_plan(features), features)


STRATEGY = Heuristic()
