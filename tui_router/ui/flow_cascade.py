"""The cascade turn on the main screen (a function `flow.TurnFlow` calls for the cascade strategy).

Each attempt streams into its own answer with its own meta line (model, tokens, cost; the judge's
call when one was asked); between two attempts one line says which gate failed and where the turn
goes next: "quality gate failed: <reason> — escalating to <model>". The ticker counts every call.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui_router.core.errors import UserFacingError
from tui_router.ui import cascade
from tui_router.ui.attach import Attachment

if TYPE_CHECKING:
    from tui_router.ui.flow import TurnFlow
    from tui_router.ui.screens.main import MainScreen
    from tui_router.ui.widgets.chat import AssistantMessage


async def stream_cascade(
    turns: TurnFlow, text: str, attachments: list[Attachment], models: tuple[str, ...]
) -> None:
    """Run one cascade turn: each attempt into its own answer, a line between two attempts."""
    screen, c = turns.screen, turns.screen.controller
    assert c is not None
    if c.over_budget():
        await screen.note(c.budget_line(), "warn")
        return
    shown: list[AssistantMessage] = []
    answering = [models[0]]
    final_meta: dict[int, str] = {}  # id(message) -> its meta line once answered

    async def attempt(model: str) -> None:
        answering[0] = model
        message = await screen.chat.add_assistant(model, c.catalog.describe(model).tier)
        message.set_meta(c.live_meta_line(model))
        shown.append(message)
        screen.refresh_status()

    async def delta(chunk: str) -> None:
        await shown[-1].append(chunk)

    def usage(_update: Any) -> None:
        turns.tick(shown[-1], answering[0])

    async def answered(done: Any) -> None:
        message = shown[-1]
        await message.finish()
        final_meta[id(message)] = _meta(c, done)
        message.set_meta(final_meta[id(message)])
        screen.refresh_ticker()

    async def escalate(step: Any) -> None:
        await screen.note(
            f"quality gate failed: {step.reason} — escalating to {step.to_model}", "warn"
        )

    turns.cancel_reason = None
    task = asyncio.create_task(
        cascade.run_turn(
            c, text, attachments, models, on_attempt=attempt, on_delta=delta,
            on_usage=usage, on_answer=answered, on_escalate=escalate,
        )
    )  # fmt: skip
    turns.turn_task = task
    try:
        outcome = await task
    except asyncio.CancelledError:
        if turns.cancel_reason is None or not shown:
            raise  # the worker itself is being cancelled (the app is closing)
        await shown[-1].finish()
        await turns.after_cancel(shown[-1])
        if id(shown[-1]) in final_meta:  # cancelled while the judge was asked about it
            shown[-1].set_meta(final_meta[id(shown[-1])] + " · judge cancelled")
        return
    except UserFacingError as exc:  # no key for the first model: nothing was sent
        for message in shown:
            await message.finish()
            await message.remove()
        await screen.note(str(exc), "error")
        return
    except Exception:  # a bug: the worker's failure becomes one notification
        if shown:
            await shown[-1].finish()
            shown[-1].set_meta("failed — see the notification")
        raise
    finally:
        turns.turn_task = None
    for extra in shown[len(outcome.attempts) :]:  # a model that could not be called
        await extra.finish()
        await extra.remove()
    screen.refresh_ticker()
    await _say_outcome(screen, outcome)


async def _say_outcome(screen: MainScreen, outcome: Any) -> None:
    final = outcome.final
    if outcome.stopped:
        await screen.note(f"{outcome.stopped}; kept {final.model}'s answer", "warn")
    elif not outcome.passed and outcome.escalations:
        await screen.note(
            f"no model passed the quality gates; kept {final.model}'s answer "
            f"({outcome.attempts[-1].gate.reason})",
            "warn",
        )
    if final.status == "error":
        await screen.note(
            f"{final.model}: {final.error} — the partial answers and their cost are kept",
            "error",
        )


def _meta(controller: Any, attempt: Any) -> str:
    """The answer's meta line, plus the judge's call when one was asked about it."""
    line = str(controller.meta_line(attempt.result))
    judge = attempt.judge
    if judge is not None:
        from tui_router.ui import format as fmt

        verdict = "passed" if attempt.gate.passed else "failed"
        line += (
            f" · judged by {judge.model} ({verdict}): "
            f"{fmt.usd(judge.price.usd, estimated=judge.usage.estimated)}"
        )
    return line
