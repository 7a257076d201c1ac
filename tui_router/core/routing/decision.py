"""A routing decision as data: which model, why, how sure, and what it costs.

`Decision` is what `Router.decide` returns and what the UI shows, the store records and
`tui-router route --json` prints. The cost helpers here estimate one turn from $/MTok rates;
the ledger prices the real call afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from tui_router.core.pricing import MTOK, Rates
from tui_router.core.routing.features import Features
from tui_router.core.store_rows import money_text
from tui_router.core.tiers import TIERS
from tui_router.core.tiers import tier_rank as tier_rank  # re-exported: routing's name for it

Kind = Literal["stay", "escalate", "downgrade"]
#: the tiers in order (`tui_router.core.tiers.TIERS`), under the name routing code uses
TIER_ORDER: tuple[str, ...] = TIERS


def kind_of(
    chosen_model: str | None,
    chosen_tier: str | None,
    current_model: str | None,
    current_tier: str | None,
    current_fits: bool = True,
) -> Kind:
    """Escalate/downgrade relative to the model in use; "stay" when nothing would change.

    A different model of the same tier is a "stay" unless the current model cannot hold the
    context, which makes the move an escalation (to a bigger window).
    """
    if chosen_model is None or current_model is None or chosen_model == current_model:
        return "stay"
    new, old = tier_rank(chosen_tier), tier_rank(current_tier)
    if new > old:
        return "escalate"
    if new < old:
        return "downgrade"
    return "stay" if current_fits else "escalate"


@dataclass(frozen=True, slots=True)
class Decision:
    """Which model should answer, and why.

    Attributes:
        model: the chosen model id; None when no model can take the turn (then ``reason`` says
            why, e.g. the context fits no window).
        tier: its tier.
        strategy: the strategy that decided ("manual", "rules", "cascade", "learned",
            "heuristic"), plus "fallback" notes in ``reason`` when one stood in for another.
        reason: one human line.
        rule: the rule that fired (rules, and cascade's starting rule), else None.
        score: probability the prompt needs a strong model (learned/heuristic), else None.
        confidence: 0..1, how sure the strategy is.
        kind: stay / escalate / downgrade, relative to ``current_model``.
        current_model: the model in use when the decision was made.
        est_cost_usd: estimated cost of this turn on ``model`` (None: price unknown).
        current_cost_usd: the same turn on the model in use (None: unknown or no model in use).
        est_baseline_usd: the same turn on the frontier model (the baseline).
        lost_cache_usd: for a switch, the prompt cache given up: context tokens x (new input
            rate - old cache-read rate); None when staying or unknown.
        ladder: for cascade, the models tried next, in order, if the answer fails a gate.
        effort: the reasoning effort to ask ``model`` for ("low", "medium", "high"), or None
            for the model's default. While the current model's cache is warm an escalation
            may be an effort change on the same model instead of a switch.
        recache_usd: what a switch pays to send the history to a model whose cache is cold
            (0 when that model's cache is warm: switching back within its lifetime is free).
        break_even_turns: for a switch to a cheaper model, the turns its lower price needs to
            pay back ``recache_usd`` (None when it never does, or not a downgrade).
        available: False when ``model`` is not configured now (no key): shown, not callable.
        features: what the decision was made on.
        prompt: the prompt decided on (kept for feedback; not in `to_dict`).
        latency_ms: time taken by `decide`.
    """

    model: str | None
    tier: str | None
    strategy: str
    reason: str
    rule: str | None = None
    score: float | None = None
    confidence: float = 0.5
    kind: Kind = "stay"
    current_model: str | None = None
    est_cost_usd: Decimal | None = None
    current_cost_usd: Decimal | None = None
    est_baseline_usd: Decimal | None = None
    lost_cache_usd: Decimal | None = None
    ladder: tuple[str, ...] = ()
    effort: str | None = None
    recache_usd: Decimal | None = None
    break_even_turns: int | None = None
    available: bool = True
    features: Features = field(default_factory=Features)
    prompt: str = field(default="", repr=False)
    latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (money as decimal strings, null when unknown)."""
        return {
            "tier": self.tier,
            "model": self.model,
            "strategy": self.strategy,
            "reason": self.reason,
            "confidence": round(self.confidence, 3),
            "rule": self.rule,
            "score": None if self.score is None else round(self.score, 4),
            "kind": self.kind,
            "current_model": self.current_model,
            "available": self.available,
            "est_cost_usd": money_text(self.est_cost_usd),
            "current_cost_usd": money_text(self.current_cost_usd),
            "est_baseline_usd": money_text(self.est_baseline_usd),
            "lost_cache_usd": money_text(self.lost_cache_usd),
            "ladder": list(self.ladder),
            "effort": self.effort,
            "recache_usd": money_text(self.recache_usd),
            "break_even_turns": self.break_even_turns,
            "features": {k: round(v, 4) for k, v in self.features.as_dict().items()},
            "latency_ms": round(self.latency_ms, 4),
        }


def expected_output_tokens(features: Features, max_tokens: int) -> int:
    """A rough answer length: short for small edits, long for reasoning-heavy work."""
    if features.cheap_task >= 0.4:
        guess = 250
    elif features.needs_reasoning >= 0.5:
        guess = 1500
    else:
        guess = 600
    return max(1, min(guess, max_tokens))


def turn_cost(
    rates: Rates | None, input_tokens: int, cached_tokens: int, output_tokens: int
) -> Decimal | None:
    """$ for one call: ``cached_tokens`` of the input read from the cache, the rest uncached."""
    if rates is None:
        return None
    cached = min(cached_tokens, input_tokens)
    cache_rate = rates.cache_read if rates.cache_read is not None else rates.input
    total = (
        (input_tokens - cached) * rates.input + cached * cache_rate + output_tokens * rates.output
    )
    return total / MTOK


def break_even(
    recache_usd: Decimal | None, new_turn_usd: Decimal | None, old_turn_usd: Decimal | None
) -> int | None:
    """Turns a cheaper model needs to win back the re-cache cost of switching to it."""
    if recache_usd is None or new_turn_usd is None or old_turn_usd is None:
        return None
    saving = old_turn_usd - new_turn_usd
    if saving <= 0:
        return None
    if recache_usd <= 0:
        return 0
    return math.ceil(recache_usd / saving)


def lost_cache(context_tokens: int, new: Rates | None, old: Rates | None) -> Decimal | None:
    """What a switch gives up: the context re-read at the new model's input rate instead of
    the old model's cache-read rate."""
    if new is None or old is None or context_tokens <= 0:
        return None if new is None or old is None else Decimal(0)
    old_rate = old.cache_read if old.cache_read is not None else old.input
    return context_tokens * (new.input - old_rate) / MTOK
