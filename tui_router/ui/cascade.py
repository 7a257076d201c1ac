"""The cascade strategy in the app, session side (no widgets): when a turn runs as a cascade,
and running it on the session's conversation, store and ledger.

A turn runs as a cascade when the session's router uses the cascade strategy, the mode is auto
or suggest, and the model about to answer is the cascade's start model — in auto mode the router
switched to it, in suggest mode the user accepted it (or no suggestion was needed). A rejected
suggestion sends a plain call on the model the user kept. Only the final answer joins the
conversation; every attempt stays in the store and the ledger. The session's current model stays
the start model; `SessionController.last_answer_model` names the one that answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui_router.core.errors import UserFacingError
from tui_router.ui.attach import Attachment

if TYPE_CHECKING:  # imported when the session opens, after the first frame
    from tui_router.ui.controller import SessionController


def plan(
    controller: SessionController, prompt: str, attachments: list[Attachment]
) -> tuple[str, ...] | None:
    """The models this turn tries in order, or None for a plain single call."""
    from tui_router.core.cascade_turn import cascade_models
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


async def run_turn(
    controller: SessionController,
    prompt: str,
    attachments: list[Attachment],
    models: tuple[str, ...],
    *,
    on_attempt: Callable[[str], Any] | None = None,
    on_delta: Callable[[str], Any] | None = None,
    on_usage: Callable[[Any], Any] | None = None,
    on_answer: Callable[[Any], Any] | None = None,
    on_escalate: Callable[[Any], Any] | None = None,
) -> Any:
    """Run one cascade turn (like `SessionController.run_turn`); return its CascadeTurnResult.

    The final answer joins the conversation; a cancelled attempt's partial text does too (it is
    what the user saw). Raises what the runner raises before the first request (no key), with
    the conversation and turn count as they were.
    """
    from tui_router.core.cascade_turn import CascadeTurn, judge_model
    from tui_router.core.turn import notify

    c = controller
    before = c.snapshot_turn()
    c.turn_index += 1
    c.last_prompt, c.last_attachments = prompt, list(attachments)
    c.conversation.add_user(c.compose_prompt(prompt, attachments))
    parts: list[str] = []
    answering = [models[0]]

    async def attempt(model: str) -> None:
        parts.clear()
        answering[0] = model
        c.live = None
        await notify(on_attempt, model)

    async def delta(text: str) -> None:
        parts.append(text)
        await notify(on_delta, text)

    async def usage(update: Any) -> None:
        c.live = update
        await notify(on_usage, update)

    async def answered(result: Any) -> None:
        c.live = None  # the call is in the ledger now: the ticker must not count it twice
        await notify(on_answer, result)

    judge = judge_model(c.catalog) if c.config.cascade_judge else None
    try:
        outcome = await CascadeTurn(c.runner, judge_model=judge).run(
            c.conversation,
            models,
            session_id=c.session_id,
            turn_index=c.turn_index,
            prompt=prompt,
            on_attempt=attempt,
            on_delta=delta,
            on_usage=usage,
            on_answer=answered,
            on_escalate=on_escalate,
        )
    except UserFacingError:  # raised before any request (no key): as if never sent
        c.live = None
        c.undo_unsent_turn(before)
        raise
    except BaseException:
        c.live = None
        c.last_answer_model = answering[0]  # the model the turn had reached: ctrl+r steps up
        if parts:
            c.conversation.add_assistant("".join(parts), answering[0])
        raise
    c.live = None
    c.escalations += len(outcome.escalations)
    final = outcome.final
    c.last_answer_model = final.model  # ctrl+r steps up from the answer kept, not the start
    if final.text:
        c.conversation.add_assistant(final.text, final.model)
    return outcome
