"""The routing facade: `Router.decide(prompt, context) -> Decision` for every strategy.

Strategies are looked up in the registry (`routing.strategies`): ``manual`` (the user's model
stands), ``rules`` (first matching rule), ``heuristic`` (hand-weighted score), ``learned`` (the
trained classifier, online feedback; rules stand in when its weights are missing) and ``cascade``
(start on the cheapest adequate tier; the ladder above it is tried when the work fails its
verifier — see `core.verified_cascade`). Whatever the strategy, a model whose
context window cannot hold the context is never chosen, the bundled offline model only when no
other model that holds the turn can be called, and the current model is preferred within a tier
(switching loses the prompt cache).
"""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from tui_router.core.config import AppConfig
from tui_router.core.routing import strategies
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.decision import (
    Decision,
    break_even,
    expected_output_tokens,
    kind_of,
    lost_cache,
    tier_rank,
    turn_cost,
)
from tui_router.core.routing.features import extract_features
from tui_router.core.routing.placement import CatalogLike, ModelLike, Placer
from tui_router.core.routing.rules import RuleSet, rules_in_force
from tui_router.core.routing.strategies import UnknownStrategyError

if TYPE_CHECKING:
    from tui_router.core.routing.learned import LearnedRouter

__all__ = [
    "ROUTER_STRATEGIES",
    "CatalogLike",
    "ModelLike",
    "Router",
    "UnknownStrategyError",
    "check_strategy",
]

#: Strategies `decide` accepts, as registered when this module loaded (the registry,
#: `routing.strategies.names()`, is the live list).
ROUTER_STRATEGIES: tuple[str, ...] = strategies.names()


#: How much one "retry stronger" counts in online learning, relative to an answered suggestion.
#: Kept at 1: one piece of feedback moves its own prompt's logit by at most
#: `learned.MAX_STEP`; a few consistent ones are what moves similar prompts up a tier.
RETRY_STRONGER_WEIGHT = 1.0


class Router:
    """Turns a prompt and its session into a `Decision`.

    Args:
        config: the app config (strategy, tiers, frontier model, ``[[rules]]``).
        catalog: the model catalog (tiers, availability, context windows, rates).
        feedback_path: the user's feedback file for the learned model (None: in memory only).
        strategy: overrides ``config.routing_strategy``.
        rules: overrides the rules in force (default: the config's, then the shipped set).
        learned: an already loaded learned model (default: loaded on first use).
    """

    def __init__(
        self,
        config: AppConfig,
        catalog: CatalogLike,
        feedback_path: Path | None = None,
        *,
        strategy: str | None = None,
        rules: RuleSet | None = None,
        learned: LearnedRouter | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.feedback_path = feedback_path
        self.strategy = check_strategy(strategy or config.routing_strategy)
        self.rules = rules if rules is not None else rules_in_force(config)
        self._learned = learned
        self._learned_tried = learned is not None
        #: why the learned model could not be loaded (None while it works or is untried)
        self.learned_error: str | None = None
        self.placer = Placer(config, catalog)

    # ---- the learned model ----------------------------------------------------------------------

    @property
    def learned(self) -> LearnedRouter | None:
        """The learned model, loaded on first use; None when its weights are missing."""
        if not self._learned_tried:
            self._learned_tried = True
            from tui_router.core.routing.learned import LearnedRouter

            try:
                self._learned = LearnedRouter.load(self.feedback_path)
            except (ValueError, OSError) as exc:
                self.learned_error = str(exc)
        return self._learned

    # ---- deciding -------------------------------------------------------------------------------

    def decide(
        self, prompt: str, context: RoutingContext | None = None, strategy: str | None = None
    ) -> Decision:
        """The model that should answer ``prompt``, and why. Never calls a model."""
        started = time.perf_counter()
        chosen_strategy = check_strategy(strategy) if strategy else self.strategy
        ctx = context or RoutingContext()
        features = extract_features(prompt, ctx)
        current = ctx.current_model
        current_tier = ctx.current_tier or self.placer.tier_of(current)
        required = self.placer.required_tokens(features)
        chosen = strategies.get(chosen_strategy)
        plan = chosen.plan(self, prompt, features, ctx, current_tier)
        if chosen.keeps_model:
            placed = self.placer.keep(plan.model, plan.tier, required)
        else:
            placed = self.placer.place(plan.tier, plan.model, required, ctx, current)
        reason = plan.reason if placed.note is None else f"{plan.reason}; {placed.note}"
        ladder: tuple[str, ...] = ()
        if chosen.ladder and placed.tier is not None:
            ladder = self.placer.ladder(placed.tier, required, ctx)
        current_fits = current is None or self.placer.fits(current, required)
        kind = kind_of(placed.model, placed.tier, current, current_tier, current_fits)
        out_tokens = expected_output_tokens(features, self.config.max_tokens)
        input_tokens = int(features.ctx_total_tokens or features.prompt_tokens)
        history = ctx.conversation_tokens
        # the history is read from cache on the model in use, and on one whose cache is warm
        warm = placed.model is not None and (
            placed.model == current or placed.model in ctx.warm_caches
        )
        cached = history if warm else 0
        new_rates = self.placer.rates(placed.model)
        old_rates = self.placer.rates(current)
        frontier_rates = self.placer.rates(self.config.frontier_model)
        switching = bool(current and placed.model and placed.model != current)
        lost = lost_cache(ctx.context_tokens, new_rates, old_rates) if switching else None
        # a model whose cache is warm takes the history back at its cache-read rate: free
        recache = None if not switching else Decimal(0) if placed.model in ctx.warm_caches else lost
        new_cost = turn_cost(new_rates, input_tokens, cached, out_tokens)
        old_cost = turn_cost(old_rates, input_tokens, history, out_tokens) if current else None
        decision = Decision(
            model=placed.model,
            tier=placed.tier,
            strategy=plan.strategy,
            reason=reason,
            rule=plan.rule,
            score=plan.score,
            confidence=plan.confidence,
            kind=kind,
            current_model=current,
            est_cost_usd=new_cost,
            current_cost_usd=old_cost,
            est_baseline_usd=turn_cost(frontier_rates, input_tokens, cached, out_tokens),
            lost_cache_usd=lost,
            recache_usd=recache,
            break_even_turns=(
                # steady state: after the switch the history is cached on the new model too
                break_even(
                    recache, turn_cost(new_rates, input_tokens, history, out_tokens), old_cost
                )
                if kind == "downgrade"
                else None
            ),
            ladder=ladder,
            available=placed.available,
            features=features,
            prompt=prompt,
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )
        return prefer_effort(decision, ctx, current_tier, current_fits)

    # ---- feedback ---------------------------------------------------------------------------

    def record_feedback(self, decision: Decision, accepted: bool) -> None:
        """The user accepted or rejected a suggested switch; the learned model learns from it.

        An accepted escalation or a rejected downgrade says the prompt needed a stronger model
        (label 1); an accepted downgrade or a rejected escalation says a cheaper one was fine.
        """
        if decision.kind == "stay" or not decision.prompt:
            return
        needed_stronger = (decision.kind == "escalate") == accepted
        learned = self.learned
        if learned is not None:
            learned.learn(
                decision.prompt, decision.features.as_dict(), 1.0 if needed_stronger else 0.0
            )

    def record_retry_stronger(
        self, prompt: str | Decision, context: RoutingContext | None = None
    ) -> None:
        """The user retried a turn on a stronger tier: the cheap answer was not good enough."""
        if isinstance(prompt, Decision):
            text, features = prompt.prompt, prompt.features
        else:
            text, features = prompt, extract_features(prompt, context)
        learned = self.learned
        if learned is not None and text:
            learned.learn(text, features.as_dict(), 1.0, weight=RETRY_STRONGER_WEIGHT)


#: models that take a reasoning effort (Anthropic extended thinking, OpenAI reasoning_effort)
EFFORT_MODELS = ("claude-sonnet-4", "claude-opus-4", "gpt-5", "o3", "o4")


def takes_effort(model_id: str | None) -> bool:
    return model_id is not None and model_id.startswith(EFFORT_MODELS)


def prefer_effort(
    decision: Decision, ctx: RoutingContext, current_tier: str | None, current_fits: bool
) -> Decision:
    """While the current model's prompt cache is warm, a one-tier escalation becomes a higher
    reasoning effort on the same model: the history stays cached and the turn gets more
    thinking. A model that cannot hold the context, one that takes no effort, a jump of more
    than one tier, or a cold cache keep the switch."""
    current = decision.current_model
    if (
        decision.kind != "escalate"
        or current is None
        or current not in ctx.warm_caches
        or not current_fits
        or not takes_effort(current)
        or tier_rank(decision.tier) - tier_rank(current_tier) != 1
    ):
        return decision
    from tui_router.core.money_text import format_usd

    kept = decision.recache_usd
    # the report's places: at four, a short history's $0.00047 read "~$0.0005"
    saving = f"; a switch would re-send the history (~{format_usd(kept, None)})" if kept else ""
    return replace(
        decision,
        model=current,
        tier=current_tier,
        effort="high",
        reason=f"{decision.reason}; {current}'s prompt cache is warm: raising its reasoning "
        f"effort instead of switching to {decision.model}{saving}",
        est_cost_usd=decision.current_cost_usd,
        lost_cache_usd=None,
        recache_usd=None,
    )


def check_strategy(name: str) -> str:
    """``name`` if it is a registered strategy, else `UnknownStrategyError` with a did-you-mean."""
    return strategies.check(name)
