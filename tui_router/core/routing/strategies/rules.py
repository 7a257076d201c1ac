"""``rules``: the first matching rule of the rule set in force names a tier or a model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_router.core.routing.rules import CURRENT
from tui_router.core.routing.strategies import Plan
from tui_router.core.routing.strategies.heuristic import score_plan

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.router import Router


def rules_plan(
    router: Router, prompt: str, features: Features, ctx: RoutingContext, current_tier: str | None
) -> Plan:
    """The first matching rule's tier or model (a ``current`` rule on turn 1: the score's tier)."""
    rule = router.rules.first_match(prompt, features, ctx)
    reason = f"rule {rule.name}: {rule.reason or ', '.join(rule.conditions()) or 'catch-all'}"
    if rule.model is not None:
        return Plan(
            router.placer.tier_of(rule.model),
            rule.model,
            reason,
            "rules",
            rule.name,
            confidence=rule.confidence,
        )
    if rule.tier == CURRENT:
        if ctx.current_model is not None:
            return Plan(
                current_tier,
                ctx.current_model,
                reason,
                "rules",
                rule.name,
                confidence=rule.confidence,
            )
        # Nothing to continue on (first turn): let the score pick the tier.
        plan = score_plan(features)
        return Plan(
            plan.tier,
            None,
            f"{reason}; no model in use, so {plan.reason}",
            "rules",
            rule.name,
            plan.score,
            plan.confidence,
        )
    return Plan(rule.tier, None, reason, "rules", rule.name, confidence=rule.confidence)


class Rules:
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
        return rules_plan(router, prompt, features, ctx, current_tier)


STRATEGY = Rules()
