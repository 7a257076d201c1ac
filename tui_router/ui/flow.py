"""The turn and suggestion flows of the app (a mixin of `TuiRouterApp`).

Submit → slash command, or: read `@files` (off the UI thread) → ask the router (suggest mode holds
the prompt until tab/esc; auto mode switches and says so; manual mode records silently) → stream
the reply into the chat (worker group "stream") while the ticker ticks → meta line with the exact
usage and cost. The router also runs while the user types (worker group "router", debounced).
With the cascade strategy the turn may take several calls (`flow_cascade`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.actions import SkipAction
from textual.widgets import TextArea

from tui_router.core.errors import UserFacingError
from tui_router.ui import cascade, suggest
from tui_router.ui.attach import Attachment, attach_files
from tui_router.ui.commands import is_slash
from tui_router.ui.flow_cascade import CascadeFlow
from tui_router.ui.widgets.chat import AssistantMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar

#: Seconds of no typing before the router looks at the prompt.
ROUTER_DEBOUNCE = 0.4
#: Seconds between ticker/meta refreshes while a reply streams.
TICK_INTERVAL = 0.1


class TurnFlow(CascadeFlow):
    def init_flow(self) -> None:
        self.streaming = False
        self.pending: suggest.Pending | None = None
        self.pending_pastes: list[Attachment] = []
        self.answered_this_prompt = False
        self._turn_task: asyncio.Task[Any] | None = None
        self._cancel_reason: str | None = None
        self._last_tick = 0.0

    async def show_restored(self, controller: Any) -> None:
        for entry in controller.restored:
            if entry.role == "user":
                await self.chat.add_user(entry.text, entry.attachments)
            else:
                message = await self.chat.add_assistant(entry.model or "?", None)
                await message.set_text(entry.text)
                message.set_meta(entry.meta)

    # -- suggestions ------------------------------------------------------------------------
    def hide_suggestion(self) -> None:
        self.pending = None
        self.query_one(SuggestionBar).hide()

    def show_suggestion(self, pending: suggest.Pending) -> None:
        assert self.controller is not None
        self.pending = pending
        self.query_one(SuggestionBar).show(suggest.view_of(self.controller, pending.decision))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # A named handler, not @on: the decorator only registers on MessagePump subclasses.
        if event.text_area.id != "prompt":
            return
        c = self.controller
        if c is None or c.router is None or c.mode != "suggest" or self.answered_this_prompt:
            return
        text = event.text_area.text
        if not text.strip() or is_slash(text) or len(text) > 20_000:
            return
        self.route_typing(text)

    @work(exclusive=True, group="router", name="router", exit_on_error=False)
    async def route_typing(self, text: str) -> None:
        await asyncio.sleep(ROUTER_DEBOUNCE)  # exclusive: a newer keystroke cancels this one
        c = self.controller
        if c is None or self.streaming:
            return
        decision = suggest.decide(c, text)
        if decision is None:
            if self.pending is not None and not self.pending.held:
                self.hide_suggestion()
            return
        if self.pending is not None and self.pending.decision.model == decision.model:
            return  # already showing this one
        decision_id = suggest.record(c, decision, "shown")
        self.show_suggestion(
            suggest.Pending(decision, text, decision_id, suggest.kind_of(decision))
        )

    def action_accept_suggestion(self) -> None:
        if self.pending is None or not self.on_main_screen():
            raise SkipAction()  # tab keeps its usual meaning: move focus
        self._take_answer(True)

    def action_reject_suggestion(self) -> None:
        if not self.on_main_screen():
            raise SkipAction()
        if self.pending is not None:
            self._take_answer(False)
        elif self.streaming:
            self.cancel_reply("esc")
        else:
            raise SkipAction()

    def _take_answer(self, accepted: bool) -> None:
        # Taken at once (not in the worker) so a double press cannot answer twice.
        pending = self.pending
        if pending is None:
            return
        self.hide_suggestion()
        self.answered_this_prompt = True
        self.run_worker(self._answer(pending, accepted), group="chat")

    async def _answer(self, pending: suggest.Pending, accepted: bool) -> None:
        c = self.controller
        if c is None:
            return
        suggest.answer(c, pending, accepted)
        d = pending.decision
        if accepted:
            c.switch(d.model)
            self.refresh_status()
            await self.note(
                f"Accepted: {pending.kind} to {d.model} ({d.tier}) — {d.reason}", "route"
            )
        else:
            await self.note(
                f"Rejected: {pending.kind} to {d.model}; staying on {c.model_id}", "info"
            )
        if pending.held:
            self.start_turn(pending.prompt, pending.attachments or [], routed=True)

    # -- submitting -------------------------------------------------------------------------
    async def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        text = message.text
        if is_slash(text):
            await self.run_slash(text)
            return
        if self.streaming or (self.pending is not None and self.pending.held):
            self.query_one(PromptInput).load_text(text)
            why = (
                "A reply is on its way — wait for it, or press esc to cancel it"
                if self.streaming
                else "Answer the suggestion first: tab switches, esc keeps the current model"
            )
            await self.note(why, "warn")
            return
        self.start_turn(text, None)

    def start_turn(
        self, text: str, attachments: list[Attachment] | None, *, routed: bool = False
    ) -> None:
        self.streaming = True  # claimed now: a second enter must not start another turn
        self.send_prompt(text, attachments, routed)

    @work(exclusive=True, group="stream", name="turn", exit_on_error=False)
    async def send_prompt(
        self, text: str, attachments: list[Attachment] | None, routed: bool
    ) -> None:
        try:
            await self._send(text, attachments, routed)
        finally:
            self.streaming = False
            self.refresh_status()

    async def _send(self, text: str, attachments: list[Attachment] | None, routed: bool) -> None:
        await self.ready.wait()
        c = self.controller
        if c is None:
            await self.note(f"No session: {self.boot_error}", "error")
            return
        if attachments is None:
            found = await asyncio.to_thread(
                attach_files, text, self.cwd, c.count_tokens, c.estimate_input
            )
            if found.problems:
                for problem in found.problems:
                    await self.note(problem, "error")
                self.query_one(PromptInput).load_text(text)
                return
            attachments = found.attachments + self.pending_pastes
            self.pending_pastes = []
        if not routed and not self.answered_this_prompt and c.router is not None:
            decision = suggest.decide(c, text, attachments)
            if decision is not None and await self._route_on_submit(decision, text, attachments):
                return  # held for the user's answer
        self.answered_this_prompt = False
        await self.chat.add_user(text, [a.summary() for a in attachments])
        models = cascade.plan(c, text, attachments)  # the cascade strategy: a ladder to climb
        if models is not None:
            await self.stream_cascade(text, attachments, models)
        else:
            await self.stream_reply(text, attachments)

    async def _route_on_submit(
        self, decision: Any, text: str, attachments: list[Attachment]
    ) -> bool:
        c = self.controller
        assert c is not None
        kind = suggest.kind_of(decision)
        if c.mode == "manual":
            suggest.record(c, decision, "silent")
            return False
        if c.mode == "auto":
            suggest.record(c, decision, "auto-applied")
            if kind == "escalate":
                c.escalations += 1
            before = c.model_id
            c.switch(decision.model)
            self.refresh_status()
            await self.note(
                f"Auto: {kind} from {before} to {decision.model} ({decision.tier}) — "
                f"{decision.reason}",
                "route",
            )
            return False
        pending = self.pending
        if pending is not None and pending.decision.model == decision.model:
            decision_id = pending.decision_id
        else:
            decision_id = suggest.record(c, decision, "shown")
        self.show_suggestion(
            suggest.Pending(decision, text, decision_id, kind, held=True, attachments=attachments)
        )
        await self.note("Prompt held: tab sends it on the suggested model, esc on the current one")
        return True

    async def stream_reply(
        self,
        text: str,
        attachments: list[Attachment],
        *,
        purpose: str = "chat",
        retry: bool = False,
    ) -> None:
        c = self.controller
        assert c is not None
        if c.over_budget():
            await self.note(c.budget_line(), "warn")
            return
        model_id = c.model_id
        message = await self.chat.add_assistant(model_id, c.tier)
        message.set_meta(c.live_meta_line(model_id))
        self._cancel_reason = None
        self.refresh_status()
        task = asyncio.create_task(
            c.send(
                text,
                attachments,
                purpose=purpose,
                model_id=model_id,
                retry=retry,
                on_delta=message.append,
                on_usage=lambda _u: self._tick(message, model_id),
            )
        )
        self._turn_task = task
        try:
            result = await task
        except asyncio.CancelledError:
            if self._cancel_reason is None:
                raise  # the worker itself is being cancelled (the app is closing)
            await message.finish()
            await self._after_cancel(message)
            return
        except UserFacingError as exc:  # no key, unknown endpoint: nothing was sent
            await message.finish()
            await message.remove()
            await self.note(str(exc), "error")
            return
        except Exception:  # a bug: the worker's failure becomes one notification
            await message.finish()
            message.set_meta("failed — see the notification")
            raise
        finally:
            self._turn_task = None
        await message.finish()
        message.set_meta(c.meta_line(result))
        self.refresh_ticker()
        if result.status == "error":
            await self.note(
                f"{result.model}: {result.error} — the partial answer and its cost "
                "are kept; ctrl+r retries on a stronger tier",
                "error",
            )

    def _tick(self, message: AssistantMessage, model_id: str) -> None:
        c = self.controller
        if c is None:
            return
        now = asyncio.get_running_loop().time()
        if now - self._last_tick >= TICK_INTERVAL:
            self._last_tick = now
            message.set_meta(c.live_meta_line(model_id))
            self.refresh_ticker()
        if c.over_budget() and self._cancel_reason is None:
            self.cancel_reply("budget")

    def cancel_reply(self, reason: str) -> None:
        if self._turn_task is not None and not self._turn_task.done():
            self._cancel_reason = reason
            self._turn_task.cancel()

    def action_cancel_reply(self) -> None:
        self.cancel_reply("esc")

    async def _after_cancel(self, message: AssistantMessage) -> None:
        c = self.controller
        assert c is not None
        record = c.last_record()
        if record is not None:
            message.set_meta(c.meta_line(_RecordView(record)))
        self.refresh_ticker()
        if self._cancel_reason == "budget":
            await self.note(c.budget_line(), "warn")
        else:
            await self.note("Reply cancelled — the partial answer and its cost are kept", "warn")

    # -- retry stronger ---------------------------------------------------------------------
    def action_retry_stronger(self) -> None:
        """ctrl+r: send the last turn again one tier above the model that answered it (see
        `SessionController.retry_target`); both answers and both costs stay."""
        c = self.controller
        if c is None or not self.on_main_screen():
            return
        if self.streaming:
            self.notify("Wait for the reply to finish (or esc to cancel it) first")
            return
        if c.last_prompt is None:
            self.run_worker(
                self.note("Nothing to retry yet: send a prompt first", "warn"), group="chat"
            )
            return
        answered, target = c.retry_target()
        if target is None:
            self.run_worker(
                self.note(f"{answered} is already in the strongest available tier", "warn"),
                group="chat",
            )
            return
        self.streaming = True
        self.retry_turn(target, answered)

    @work(exclusive=True, group="stream", name="retry stronger", exit_on_error=False)
    async def retry_turn(self, target: Any, answered: str) -> None:
        c = self.controller
        assert c is not None
        try:
            suggest.record_retry(c, c.last_prompt or "")
            c.switch(target.id)
            c.retries_stronger += 1
            c.escalations += 1
            self.refresh_status()
            await self.note(
                f"Retrying turn {c.turn_index} on {target.id} ({target.tier}); "
                f"the answer from {answered} and its cost are kept",
                "route",
            )
            await self.stream_reply(
                c.last_prompt or "", c.last_attachments, purpose="retry", retry=True
            )
        finally:
            self.streaming = False
            self.refresh_status()


class _RecordView:
    """A ledger record seen through the TurnResult attributes `meta_line` reads."""

    def __init__(self, record: Any) -> None:
        self.model, self.tier, self.usage = record.model, record.tier, record.usage
        self.price, self.status = record.price, record.status
