"""The cascade strategy in the app, session side (no widgets): when a turn runs as a cascade.

A turn runs as a cascade when the session's router uses the cascade strategy, the mode is auto
or suggest, and the model about to answer is the cascade's start model — in auto mode the router
switched to it, in suggest mode the user accepted it (or no suggestion was needed). A rejected
suggestion sends a plain turn on the model the user kept. The cascade itself is the agent turn
of `core.verified_cascade` up the ladder `plan` returns (`SessionController.agent_events`): the
check command judges the work when `/check` is set, else the quality gates. The session's current
model stays the start model; `SessionController.last_answer_model` names the one that answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_router.ui.attach import Attachment

if TYPE_CHECKING:  # imported when the session opens, after the first frame
    from tui_router.ui.controller import SessionController


def plan(
    controller: SessionController, prompt: str, attachments: list[Attachment]
) -> tuple[str, ...] | None:
    """The models this turn tries in order, or None for a plain single call."""
    from tui_router.core.verified_cascade import cascade_models
    from tui_router.ui.suggest import routing_context

    router = controller.router
    if router is None or controller.mode == "manual":
        return None
    if getattr(router, "strategy", None) != "cascade":
        return None
    decision = router.decide(prompt, routing_context(controller, attachments))
    if decision.strategy != "cascade" or decision.model != controller.model_id:
        return None
    models = cascade_models(decision, controller.catalog)
    return models if len(models) > 1 else None
