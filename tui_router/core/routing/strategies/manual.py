"""``manual``: the model the user picked stands (at start: the default model, else the first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_router.core.routing.strategies import Plan

if TYPE_CHECKING:
    from tui_router.core.routing.context import RoutingContext
    from tui_router.core.routing.features import Features
    from tui_router.core.routing.router import Router


class Manual:
    keeps_model = True
    ladder = False

    def plan(
        self,
        router: Router,
        prompt: str,
        features: Features,
        ctx: RoutingContext,
        current_tier: str | None,
    ) -> Plan:
        model = ctx.current_model or router.config.default_model or router.placer.first_model()
        return Plan(
            router.placer.tier_of(model),
            model,
            "manual: the model you picked stands",
            "manual",
            confidence=1.0,
        )


STRATEGY = Manual()
