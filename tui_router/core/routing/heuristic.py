"""A hand-weighted scorer: P(the prompt needs a strong model) from the features alone.

Usable when nothing else is (no trained weights, no rules file): a noisy-or of the two routing
questions — ``needs_reasoning`` and ``mistake_cost`` — damped by ``cheap_task`` and nudged by
the session (retries and escalations push up, rejected escalations push down).
"""

from __future__ import annotations

from tui_router.core.routing.features import Features

#: Lowest score for each tier above ``fast``. The heuristic never picks ``local`` on its own.
THRESHOLDS: dict[str, float] = {"balanced": 0.4, "frontier": 0.7}
_BASE = 0.1


def score(features: Features) -> float:
    """0..1: how likely the prompt needs a balanced or frontier model."""
    strong = 1.0 - (
        (1.0 - 0.9 * features.needs_reasoning)
        * (1.0 - 0.95 * features.mistake_cost)
        * (1.0 - _BASE)
    )
    if features.ctx_total_tokens > 50_000:
        strong += 0.1  # long contexts are read better by stronger models
    strong *= 1.0 - 0.7 * features.cheap_task
    strong += 0.08 * min(features.ctx_retries_stronger, 2.0)
    strong += 0.04 * min(features.ctx_escalations, 2.0)
    strong -= 0.05 * min(features.ctx_rejected_escalations, 3.0)
    return max(0.0, min(1.0, strong))


def tier_for(value: float) -> str:
    """The tier a score maps to."""
    if value >= THRESHOLDS["frontier"]:
        return "frontier"
    if value >= THRESHOLDS["balanced"]:
        return "balanced"
    return "fast"


def confidence(value: float) -> float:
    """0.5 on a threshold, rising with the distance to the nearest one (capped at 0.95)."""
    distance = min(abs(value - t) for t in THRESHOLDS.values())
    return min(0.95, 0.5 + distance * 1.5)


def explain(features: Features) -> str:
    """The strongest drivers of the score, as a few words."""
    parts: list[str] = []
    if features.needs_reasoning >= 0.3:
        parts.append(f"needs reasoning {features.needs_reasoning:.2f}")
    if features.mistake_cost >= 0.3:
        parts.append(f"mistake cost {features.mistake_cost:.2f}")
    if features.cheap_task >= 0.3:
        parts.append(f"small task {features.cheap_task:.2f}")
    if features.ctx_retries_stronger:
        parts.append("retried stronger this session")
    return ", ".join(parts) or "no strong signal"
