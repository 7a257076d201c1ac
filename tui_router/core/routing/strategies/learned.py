"""``learned``: the trained classifier (with online feedback) scores the prompt, above a floor.

When its weights cannot be loaded the rules stand in, and the reason says why.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui_router.core.routing.strategies import Plan
from tui_router.core.routing.strategies.heuristic import apply_floor
from tui_router.core.routing.strategies.rules import rules_plan

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.learned import LearnedRouter
    from tui_router.core.routing.router import Router


class Learned:
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
        learned = router.learned
        if learned is None:
            plan = rules_plan(router, prompt, features, ctx, current_tier)
            why = router.learned_error or "unavailable"
            return replace(plan, reason=f"{plan.reason} (learned model unavailable: {why})")
        values = features.as_dict()
        value = _session_nudge(learned.score(prompt, values), features)
        tier = learned.tier_for(value)
        drivers = ", ".join(learned.explain(prompt, values)) or "no strong signal"
        plan = Plan(
            tier,
            None,
            f"learned score {value:.2f} → {tier} ({drivers})",
            "learned",
            score=value,
            confidence=_confidence(value, learned),
        )
        return apply_floor(plan, features)


def _session_nudge(value: float, features: Features) -> float:
    """Retries stronger in this session push the score up; rejected escalations pull it down."""
    value += 0.08 * min(features.ctx_retries_stronger, 2.0)
    value -= 0.05 * min(features.ctx_rejected_escalations, 3.0)
    return max(0.0, min(1.0, value))


def _confidence(value: float, learned: LearnedRouter) -> float:
    distance = min(abs(value - t) for t in learned.thresholds.values())
    return min(0.95, 0.5 + distance * 1.5)


STRATEGY = Learned()
