"""The turn on the main screen (a collaborator of `screens.main.MainScreen`).

Submit → slash command, or: read `@files` (off the UI thread) → ask the router
(`flow_suggest`) → stream the reply into the chat (worker group "stream") while the ticker
ticks → meta line with the exact usage and cost. A session with an agent (the app's) runs each
turn as an agent turn (`flow_agent`: tool lines, approvals, the step in the header). With the
cascade strategy the agent turn climbs a ladder of models (`flow_agent`, `core.verified_cascade`);
ctrl+r retries the last turn one tier stronger.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui_router.core.errors import UserFacingError
from tui_router.ui import cascade, suggest
from tui_router.ui.attach import Attachment
from tui_router.ui.commands import is_slash
from tui_router.ui.flow_attach import AttachFlow
from tui_router.ui.format import failure_line
from tui_router.ui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from tui_router.ui.flow_agent import AgentTurnView
    from tui_router.ui.screens.main import MainScreen
    from tui_router.ui.widgets.chat import AssistantMessage

#: Seconds between ticker/meta refreshes while a reply streams.
TICK_INTERVAL = 0.1


class TurnFlow:
    """Sends turns and streams their replies; one at a time (`MainScreen.streaming`)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The call streaming now, and why it is being cancelled (None: not by the user).
        self.turn_task: asyncio.Task[Any] | None = None
        self.cancel_reason: str | None = None
        #: the agent turn on screen now (its approval panel answers through it)
        self.agent_view: AgentTurnView | None = None
        self._last_tick = 0.0
        #: when the last tokens arrived (the event loop's clock): a reply that stalls says so
        self.last_token_at = 0.0
        #: prompts sent while a reply streamed or a prompt was held, sent in order after it
        self.queued: list[str] = []
        self.attach = AttachFlow(screen)

    # -- submitting -------------------------------------------------------------------------
    async def submit(self, text: str) -> None:
        screen = self.screen
        if is_slash(text):
            await screen.commands.run_slash(text)
            return
        panel = self.agent_view is not None and self.agent_view.panel is not None
        if (screen.streaming or screen.suggestions.held() is not None) and not panel:
            # queued, not refused: sent when the reply (or the held prompt) is done
            self.queued.append(text)
            behind = "the reply on its way" if screen.streaming else "the held prompt"
            short = text if len(text) <= 60 else text[:59] + "…"
            await screen.note(f"Queued ({len(self.queued)}) behind {behind}: {short}")
            return
        if screen.streaming or screen.suggestions.held() is not None:
            screen.query_one(PromptInput).restore(text)
            why = (
                "A reply is on its way — wait for it, or press esc to cancel it"
                if screen.streaming
                else "Answer the suggestion first: tab switches, esc keeps the current model"
            )
            if self.agent_view is not None and self.agent_view.panel is not None:
                why = (
                    "A tool call waits for your answer above the prompt (y yes · n no · "
                    "a always · esc no); your text stays in the prompt until the turn ends"
                )
            await screen.note(why, "warn")
            return
        self.start_turn(text, None)

    def start_turn(
        self, text: str, attachments: list[Attachment] | None, *, routed: bool = False
    ) -> None:
        self.screen.streaming = True  # claimed now: a second enter must not start another turn
        self.screen.run_worker(
            self._turn(text, attachments, routed),
            exclusive=True,
            group="stream",
            name="turn",
            exit_on_error=False,
        )

    async def _turn(self, text: str, attachments: list[Attachment] | None, routed: bool) -> None:
        try:
            await self._send(text, attachments, routed)
        finally:
            self.screen.streaming = False
            self.screen.refresh_status()
            self.screen.call_later(self.send_queued)

    async def send_queued(self) -> None:
        """The next queued prompt, once nothing streams and no prompt is held."""
        screen = self.screen
        if self.queued and not screen.streaming and screen.suggestions.held() is None:
            await self.submit(self.queued.pop(0))

    async def _send(self, text: str, attachments: list[Attachment] | None, routed: bool) -> None:
        screen, app = self.screen, self.screen.router_app
        await app.ready.wait()
        c = screen.controller
        if c is None:
            await screen.note(f"No session: {app.boot_error}", "error")
            return
        if attachments is None:
            attachments = await self.attach.gather(text)  # may ask first (`flow_attach`)
            if attachments is None:
                return  # said why, and gave the prompt back
        if not routed and await screen.suggestions.route_on_submit(text, attachments):
            return  # held for the user's answer
        screen.suggestions.answered_this_prompt = False
        await screen.chat.add_user(text, [a.summary() for a in attachments])
        screen.session_title.prompt_sent(c, text)  # the first prompt titles the session
        models = cascade.plan(c, text, attachments)  # the cascade strategy: a ladder to climb
        if models is not None:
            from tui_router.ui.flow_agent import stream_agent_turn

            await stream_agent_turn(self, text, attachments, ladder=models)
        else:
            await self.stream_reply(text, attachments)

    async def stream_reply(
        self,
        text: str,
        attachments: list[Attachment],
        *,
        purpose: str = "chat",
        retry: bool = False,
    ) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        if c.agent is not None:
            from tui_router.ui.flow_agent import stream_agent_turn

            await stream_agent_turn(self, text, attachments, purpose=purpose, retry=retry)
            return
        if c.over_budget():
            await screen.note(c.budget_line(), "warn")
            return
        model_id = c.model_id
        message = await screen.chat.add_assistant(model_id, c.tier)
        message.set_meta(c.live_meta_line(model_id))
        self.cancel_reason = None
        screen.refresh_status()
        task = asyncio.create_task(
            c.send(
                text,
                attachments,
                purpose=purpose,
                model_id=model_id,
                retry=retry,
                on_delta=message.append,
                on_usage=lambda _u: self.tick(message, model_id),
                on_notice=lambda line: screen.note(line, "info", keep=True),
            )
        )
        self.turn_task = task
        try:
            result = await task
        except asyncio.CancelledError:
            if self.cancel_reason is None:
                raise  # the worker itself is being cancelled (the app is closing)
            await message.finish()
            await self.after_cancel(message)
            return
        except UserFacingError as exc:  # no key, unknown endpoint: nothing was sent
            await message.finish()
            await message.remove()
            await screen.note(str(exc), "error")
            return
        except Exception:  # a bug: the worker's failure becomes one notification
            await message.finish()
            message.set_meta("failed — see the notification")
            raise
        finally:
            self.turn_task = None
        await message.finish()
        message.set_meta(c.meta_line(result))
        screen.refresh_ticker()
        if result.status == "error":
            await screen.note(
                failure_line(c, result.model, result.error or "", partial=bool(result.text)),
                "error",
                keep=True,
            )

    def tick(self, message: AssistantMessage, model_id: str) -> None:
        """A usage update while streaming: meta line and ticker (throttled), budget check."""
        c = self.screen.controller
        if c is None:
            return
        now = asyncio.get_running_loop().time()
        self.last_token_at = now  # the screen's stall check reads it
        if now - self._last_tick >= TICK_INTERVAL:
            self._last_tick = now
            message.set_meta(c.live_meta_line(model_id))
            self.screen.refresh_ticker()
        # only a call still streaming can be stopped: once recorded (no live figure) its text
        # is paid for, and cutting off what is left to draw would save nothing
        if c.live is not None and c.over_budget() and self.cancel_reason is None:
            self.cancel_reply("budget")

    def cancel_reply(self, reason: str) -> None:
        if self.turn_task is not None and not self.turn_task.done():
            self.cancel_reason = reason
            self.turn_task.cancel()

    async def after_cancel(self, message: AssistantMessage) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        record = c.last_record()
        if record is not None:
            message.set_meta(c.meta_line(_RecordView(record)))
        screen.refresh_ticker()
        if self.cancel_reason == "budget":
            await screen.note(c.budget_line(stopped=True), "warn", keep=True)
        else:
            await screen.note(
                "Reply cancelled — the partial answer and its cost are kept", "warn", keep=True
            )

    # -- retry stronger ---------------------------------------------------------------------
    def retry_stronger(self) -> None:
        """ctrl+r: send the last turn again one tier above the model that answered it (see
        `SessionController.retry_target`); both answers and both costs stay."""
        screen, c = self.screen, self.screen.controller
        if c is None or not screen.on_top():
            return
        if screen.streaming:
            screen.notify("Wait for the reply to finish (or esc to cancel it) first")
            return
        if c.last_prompt is None:
            screen.note_later("Nothing to retry yet: send a prompt first", "warn")
            return
        answered, target = c.retry_target()
        if target is None:
            screen.note_later(f"{answered} is already in the strongest available tier", "warn")
            return
        screen.streaming = True
        screen.run_worker(
            self._retry(target, answered),
            exclusive=True,
            group="stream",
            name="retry stronger",
            exit_on_error=False,
        )

    async def _retry(self, target: Any, answered: str) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        try:
            suggest.record_retry(c, c.last_prompt or "")
            c.switch(target.id)
            c.retries_stronger += 1
            c.escalations += 1
            screen.refresh_status()
            await screen.note(
                f"Retrying turn {c.turn_index} on {target.id} ({target.tier}); "
                f"the answer from {answered} and its cost are kept",
                "route",
                keep=True,
            )
            await self.stream_reply(
                c.last_prompt or "", c.last_attachments, purpose="retry", retry=True
            )
        finally:
            screen.streaming = False
            screen.refresh_status()


class _RecordView:
    """A ledger record seen through the TurnResult attributes `meta_line` reads."""

    def __init__(self, record: Any) -> None:
        self.model, self.tier, self.usage = record.model, record.tier, record.usage
        self.price, self.status = record.price, record.status
