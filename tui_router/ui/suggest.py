"""The suggestion flow's non-widget half: ask the router, turn a Decision into what the bar
shows, and record every suggestion and the user's answer in the store (decisions table).

Outcomes: "shown" when the bar appears, then "accepted" / "rejected"; "auto-applied" in auto mode;
"silent" in manual mode (kept for the routing review, never shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_router.ui.attach import Attachment
from tui_router.ui.widgets.suggestion import SuggestionView

if TYPE_CHECKING:  # imported when the session opens, after the first frame
    from tui_router.ui.controller import SessionController


@dataclass
class Pending:
    """A suggestion on screen (or applied), with its store row id."""

    decision: Any
    prompt: str
    decision_id: int
    kind: str  # "escalate" | "downgrade"
    held: bool = False  # the prompt was submitted and waits for the answer
    attachments: list[Attachment] | None = None


def decide(
    controller: SessionController, prompt: str, attachments: list[Attachment] | None = None
) -> Any | None:
    """The router's decision when it proposes a *different* model, else None."""
    router = controller.router
    if router is None or not prompt.strip():
        return None
    decision = router.decide(prompt, routing_context(controller, attachments))
    if decision is None or decision.model is None or decision.model == controller.model_id:
        return None
    if not getattr(decision, "available", True):
        return None  # never suggest a model the user cannot call now
    if kind_of(decision) == "stay":
        return None
    return decision


def routing_context(
    controller: SessionController, attachments: list[Attachment] | None = None
) -> Any:
    """What the router may weigh besides the prompt: files, history size, the session's past."""
    from tui_router.core.routing.context import AttachedFile, RoutingContext

    files = tuple(AttachedFile(a.label, a.tokens) for a in attachments or [])
    # ~4 characters per token: a cheap size signal, recomputed on every keystroke
    history_tokens = sum(len(m.content) for m in controller.conversation.messages) // 4
    return RoutingContext(
        attached_files=files,
        conversation_tokens=history_tokens,
        current_model=controller.model_id,
        current_tier=controller.tier,
        escalations=controller.escalations,
        retries_stronger=controller.retries_stronger,
        recent_rejections=tuple(controller.recent_rejections[-5:]),
        turn_index=controller.turn_index,
        warm_caches=controller.warm_caches(),
    )


def record_retry(controller: SessionController, prompt: str) -> None:
    """Tell the router the last answer was not good enough (it learns from that)."""
    router = controller.router
    if router is not None and hasattr(router, "record_retry_stronger"):
        router.record_retry_stronger(
            prompt, routing_context(controller, controller.last_attachments)
        )


def kind_of(decision: Any) -> str:
    return str(getattr(decision, "kind", "stay"))


def view_of(controller: SessionController, decision: Any) -> SuggestionView:
    target = controller.catalog.describe(decision.model)
    recache = None if decision.effort else _money(decision, "recache_usd")
    return SuggestionView(
        kind=kind_of(decision),
        model=decision.model,
        tier=decision.tier or target.tier or "?",
        reason=str(decision.reason),
        est_cost=_money(decision, "est_cost_usd"),
        current_cost=_money(decision, "current_cost_usd"),
        # the core's warm-cache figure when it has one: what re-sending the history to the
        # target costs (nothing while the target's own cache is warm)
        lost_cache=_money(decision, "lost_cache_usd") if recache is None else recache,
        recache=recache,
        break_even_turns=getattr(decision, "break_even_turns", None),
        target_warm=decision.model in controller.warm_caches(),
    )


def record(controller: SessionController, decision: Any, outcome: str) -> int:
    from tui_router.core.store_rows import DecisionRow

    current = controller.catalog.describe(controller.model_id)
    row = DecisionRow(
        session_id=controller.session_id,
        turn=controller.turn_index + 1,
        strategy=str(getattr(decision, "strategy", controller.config.routing_strategy)),
        suggested_model=decision.model,
        suggested_tier=decision.tier,
        current_model=controller.model_id,
        current_tier=current.tier,
        reason=str(decision.reason),
        rule=getattr(decision, "rule", None),
        score=getattr(decision, "score", None),
        confidence=getattr(decision, "confidence", None),
        est_cost_usd=_money(decision, "est_cost_usd"),
        est_baseline_usd=_money(decision, "est_baseline_usd"),
        lost_cache_usd=_money(decision, "lost_cache_usd"),
        outcome=outcome,
    )
    return int(controller.store.record_decision(row))


def answer(controller: SessionController, pending: Pending, accepted: bool) -> None:
    """Store the user's answer and teach the router; the caller switches the model."""
    controller.store.update_decision(pending.decision_id, "accepted" if accepted else "rejected")
    if accepted:
        if pending.kind == "escalate":
            controller.escalations += 1
    else:
        controller.recent_rejections.append(pending.kind)
    router = controller.router
    if router is not None:
        router.record_feedback(pending.decision, accepted)


def _money(decision: Any, name: str) -> Decimal | None:
    value = getattr(decision, name, None)
    return value if isinstance(value, Decimal) or value is None else Decimal(str(value))
