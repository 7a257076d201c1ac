"""``cascade``: start on the cheapest adequate tier; the decision carries the ladder above it.

The session climbs the ladder when an agent run's work fails its verifier — the check command,
else the quality gates (`core.verified_cascade`); this module only picks where to start.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui_router.core.routing.strategies import Plan
from tui_router.core.routing.strategies.rules import rules_plan
from tui_router.core.tiers import BALANCED, FAST, TIERS, tier_rank

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.decision import Decision
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.router import Router

#: A cascade starts on the rules' tier instead of the cheapest one above this mistake cost:
#: a gate catches empty or broken answers, not subtly wrong ones.
CASCADE_HIGH_STAKES = 0.7


class Cascade:
    keeps_model = False
    ladder = True

    def plan(
        self,
        router: Router,
        prompt: str,
        features: Features,
        ctx: RoutingContext,
        current_tier: str | None,
    ) -> Plan:
        """Start one tier below the rules' pick (never below fast), escalate on a failed gate.

        High-stakes prompts start on the rules' tier: a gate catches empty, refused, truncated
        or broken answers, not subtly wrong ones.
        """
        rules = rules_plan(router, prompt, features, ctx, current_tier)
        if rules.model is not None and rules.tier == current_tier:  # a follow-up stays
            return replace(rules, strategy="cascade")
        if features.mistake_cost >= CASCADE_HIGH_STAKES and rules.tier is not None:
            return Plan(
                rules.tier,
                None,
                f"cascade starts on {rules.tier}: high stakes, a gate cannot catch a "
                f"subtly wrong answer ({rules.reason})",
                "cascade",
                rules.rule,
                confidence=rules.confidence,
            )
        fast = tier_rank(FAST)
        wanted = max(tier_rank(rules.tier) if rules.tier in TIERS else fast, fast)
        start = TIERS[max(fast, wanted - 1)]
        if features.design_risk and tier_rank(start) < tier_rank(BALANCED):
            # A gate catches a broken answer, not a weak design: never start such a request
            # on the fast tier.
            start = BALANCED
        return Plan(
            start,
            None,
            f"cascade: start on {start} (the rules say {rules.tier}), "
            "escalate if the answer fails a quality gate",
            "cascade",
            rules.rule,
            confidence=0.6,
        )


def cascade_models(decision: Decision) -> tuple[str, ...]:
    """The models a cascade decision tries, in order: its model, then its ladder."""
    first = (decision.model,) if decision.model else ()
    return first + tuple(m for m in decision.ladder if m != decision.model)


STRATEGY = Cascade()
