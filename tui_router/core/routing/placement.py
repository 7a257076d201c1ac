"""Placing a strategy's wish (a tier or a model) on a concrete model of the catalog.

The hard constraints live here, shared by every strategy: a model whose context window cannot
hold the context (history + attachments + prompt) plus the answer the router expects is never
chosen (the call itself then asks for no more output than the window has room for); models
that can be called now come before those that cannot (no key); within a tier the model in use is
kept (switching loses the prompt cache). When the wished tier has no fitting model, stronger tiers
are tried first, then cheaper ones. The offline fallback (the bundled 135M model) is taken for a
tier wish only when no other model that holds the turn can be called; a model named outright (a
rule's model, the model in use, manual mode) stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tui_router.core.config import AppConfig
from tui_router.core.pricing import Rates
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.decision import TIER_ORDER, expected_output_tokens
from tui_router.core.routing.features import Features
from tui_router.core.tiers import DEFAULT_MODEL_ORDER


class ModelLike(Protocol):
    """What the router reads of a catalog entry (`catalog.ModelInfo` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def tier(self) -> str | None: ...
    @property
    def available(self) -> bool: ...
    @property
    def rates(self) -> Rates | None: ...
    @property
    def context_window(self) -> int | None: ...


def is_offline_fallback(info: object) -> bool:
    """Whether ``info`` is the bundled offline model (`catalog.ModelInfo.offline_fallback`).

    Read with a default: a catalog that marks no model (a test's, a replay's) has no fallback.
    """
    return bool(getattr(info, "offline_fallback", False))


class CatalogLike(Protocol):
    """What the router reads of the catalog (`catalog.Catalog` fits)."""

    def by_tier(self) -> Mapping[str, Sequence[ModelLike]]: ...


@dataclass(frozen=True, slots=True)
class Placed:
    """The model chosen, whether it can be called now, and a note when the wish was bent."""

    model: str | None
    tier: str | None
    available: bool
    note: str | None


class Placer:
    """Knows the catalog's models by tier and id; answers "which model can take this turn?"."""

    def __init__(self, config: AppConfig, catalog: CatalogLike) -> None:
        self.config = config
        self.catalog = catalog
        self.tiers: dict[str, tuple[ModelLike, ...]] = {
            tier: tuple(models) for tier, models in catalog.by_tier().items()
        }
        self.by_id: dict[str, ModelLike] = {
            m.id: m for models in self.tiers.values() for m in models
        }
        #: the offline fallbacks among them (the bundled model), looked up once
        self.fallbacks = frozenset(m.id for m in self.by_id.values() if is_offline_fallback(m))

    def required_tokens(self, features: Features) -> int:
        """Context plus prompt plus the expected answer: what a window must hold.

        The answer's share is the router's own guess of its length (the one the cost estimate
        uses), not ``max_tokens``: reserving the whole output cap would rule out a 2,048-token
        model even for "hi". The call asks for no more than the window leaves (`turn.answer_limit`).
        """
        total = int(features.ctx_total_tokens or features.prompt_tokens)
        return total + expected_output_tokens(features, self.config.max_tokens)

    def fits(self, model_id: str, required: int) -> bool:
        """False only when the window is known and too small (an unknown window is allowed)."""
        info = self.by_id.get(model_id)
        window = info.context_window if info is not None else None
        return window is None or window >= required

    def keep(self, model: str | None, tier: str | None, required: int) -> Placed:
        """Manual mode: the user's model stands, with a warning when it cannot hold the context."""
        if model is None:
            return Placed(None, None, False, "no model is configured")
        info = self.by_id.get(model)
        available = info.available if info is not None else True
        note = None
        if not self.fits(model, required):
            window = info.context_window if info is not None else None
            note = (
                f"warning: about {required:,} tokens (context and a typical answer) "
                f"exceed its {window:,}-token window"
            )
        return Placed(model, tier, available, note)

    def place(
        self,
        tier: str | None,
        model: str | None,
        required: int,
        ctx: RoutingContext,
        current: str | None,
    ) -> Placed:
        """``model`` if it fits and can be called, else the best fitting model near ``tier``."""
        if model is not None:
            if self.fits(model, required) and self.allowed(model, ctx):
                return Placed(model, tier or self.tier_of(model), True, None)
            tier = tier or self.tier_of(model) or "fast"
        target = tier if tier in TIER_ORDER else "fast"
        order = tier_order(target)
        for need_available in (True, False):
            spare_fallback: bool | None = None  # looked up when a fallback comes up
            for candidate_tier in order:
                for info in self._candidates(candidate_tier, current):
                    if need_available and not self.allowed(info.id, ctx):
                        continue
                    if info.context_window is not None and info.context_window < required:
                        continue
                    if info.id in self.fallbacks and info.id != current:
                        if spare_fallback is None:
                            spare_fallback = self._others_hold(required, ctx, need_available)
                        if spare_fallback:
                            continue
                    notes = []
                    if candidate_tier != target:
                        why = self._why_not(target, required, ctx, need_available)
                        notes.append(f"{why}, so {candidate_tier}")
                    if model is not None and info.id != model:
                        notes.insert(0, f"{model} cannot take this turn")
                    if not need_available:
                        notes.append(f"{info.id} is not configured (no key)")
                    return Placed(info.id, candidate_tier, need_available, "; ".join(notes) or None)
        return Placed(None, None, False, f"no model has a context window for ~{required:,} tokens")

    def ladder(self, start_tier: str, required: int, ctx: RoutingContext) -> tuple[str, ...]:
        """For cascade: one fitting model per tier above ``start_tier`` (callable ones first;
        never the offline fallback while another model that holds the turn can be called)."""
        spare_fallback = self._others_hold(required, ctx, need_available=True)
        ladder: list[str] = []
        for tier in TIER_ORDER[TIER_ORDER.index(start_tier) + 1 :]:
            fitting = [
                m
                for m in self.tiers.get(tier, ())
                if self.fits(m.id, required) and not (spare_fallback and m.id in self.fallbacks)
            ]
            usable = [m for m in fitting if self.allowed(m.id, ctx)] or fitting
            if usable:
                ladder.append(usable[0].id)
        return tuple(ladder)

    def allowed(self, model_id: str, ctx: RoutingContext) -> bool:
        if ctx.available_models is not None:
            return model_id in ctx.available_models
        info = self.by_id.get(model_id)
        return info is not None and info.available

    def tier_of(self, model_id: str | None) -> str | None:
        if model_id is None:
            return None
        info = self.by_id.get(model_id)
        return info.tier if info is not None else self.config.tier_of(model_id)

    def rates(self, model_id: str | None) -> Rates | None:
        if model_id is None:
            return None
        info = self.by_id.get(model_id)
        if info is None:
            get = getattr(self.catalog, "get", None)
            info = get(model_id) if callable(get) else None
        return info.rates if info is not None else None

    def first_model(self) -> str | None:
        """The first callable model, cheapest useful tier first."""
        for tier in DEFAULT_MODEL_ORDER:
            for info in self.tiers.get(tier, ()):
                if info.available:
                    return info.id
        return None

    def _others_hold(self, required: int, ctx: RoutingContext, need_available: bool) -> bool:
        """Whether a model other than the offline fallback holds the turn (and can be called
        now, when ``need_available``): then a tier wish does not land on the fallback."""
        return bool(self.fallbacks) and any(
            m.id not in self.fallbacks
            and self.fits(m.id, required)
            and (not need_available or self.allowed(m.id, ctx))
            for m in self.by_id.values()
        )

    def _why_not(self, tier: str, required: int, ctx: RoutingContext, need_available: bool) -> str:
        """Why the wished tier was passed over: its model is the offline fallback (and another
        can be called), its models fit but none can be called, or none holds the turn."""
        fitting = [m for m in self.tiers.get(tier, ()) if self.fits(m.id, required)]
        fallback = next((m for m in fitting if m.id in self.fallbacks), None)
        if fallback is not None and (not need_available or self.allowed(fallback.id, ctx)):
            return f"{fallback.id} is the offline fallback"
        if need_available and fitting:
            return f"no {tier} model can be called now"
        available = "available " if need_available else ""
        return f"no {available}{tier} model holds ~{required:,} tokens"

    def _candidates(self, tier: str, current: str | None) -> list[ModelLike]:
        models = list(self.tiers.get(tier, ()))
        for index, info in enumerate(models):
            if info.id == current:  # switching within a tier only loses the cache
                models.insert(0, models.pop(index))
                break
        return models


def tier_order(target: str) -> list[str]:
    """The target tier, then stronger tiers, then cheaper ones (nearest first)."""
    index = TIER_ORDER.index(target)
    return [target, *TIER_ORDER[index + 1 :], *reversed(TIER_ORDER[:index])]
