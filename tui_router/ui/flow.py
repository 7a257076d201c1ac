"""The turn and suggestion flows of the app (a mixin of `TuiRouterApp`).

Submit → slash command, or: read `@files` (off the UI thread) → ask the router (suggest mode holds
the prompt until tab/esc; auto mode switches and says so; manual mode records silently) → stream
the reply into the chat (worker group "stream") while the ticker ticks → meta line with the exact
usage and cost. The router also runs while the user types (worker group "router", debounced).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import work
from textual.actions import SkipAction
from textual.widgets import TextArea

from tui_router.core.errors import UserFacingError
from tui_router.ui import suggest
from tui_router.ui.attach import Attachment, attach_files, check_fits, describe_paste
from tui_router.ui.commands import SlashError, is_slash, parse_slash
from tui_router.ui.widgets.chat import AssistantMessage, ChatPane
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.sidebar import ModelSidebar
from tui_router.ui.widgets.suggestion import SuggestionBar

if TYPE_CHECKING:
    from tui_router.ui.app import TuiRouterApp

    _Base = TuiRouterApp
else:
    _Base = object

#: Seconds of no typing before the router looks at the prompt.
ROUTER_DEBOUNCE = 0.4
#: Seconds between ticker/meta refreshes while a reply streams.
TICK_INTERVAL = 0.1


class TurnFlow(_Base):
    def init_flow(self) -> None:
        self.streaming = False
        self.pending: suggest.Pending | None = None
        self.pending_pastes: list[Attachment] = []
        self.answered_this_prompt = False
        self._turn_task: asyncio.Task[Any] | None = None
        self._cancel_reason: str | None = None
        self._last_tick = 0.0

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    async def note(self, text: str, kind: str = "info") -> None:
        await self.chat.add_note(text, kind)  # type: ignore[arg-type]

    async def show_restored(self, controller: Any) -> None:
        for entry in controller.restored:
            if entry.role == "user":
                await self.chat.add_user(entry.text, entry.attachments)
            else:
                message = await self.chat.add_assistant(entry.model or "?", None)
                await message.set_text(entry.text)
                message.set_meta(entry.meta)

    # -- switching model and mode -----------------------------------------------------------
    def step_model(self, step: int) -> None:
        if self.controller is None or not self.on_main_screen():
            return
        info = self.controller.step_model(step)
        self.run_worker(self._switched(info, "f2" if step > 0 else "shift+f2"), group="chat")

    def switch_model(self, model_id: str, source: str) -> None:
        if self.controller is None:
            return
        try:
            info = self.controller.switch(model_id)
        except UserFacingError as exc:
            self.run_worker(self.note(str(exc), "error"), group="chat")
            return
        self.run_worker(self._switched(info, source), group="chat")

    async def _switched(self, info: Any, source: str) -> None:
        self.hide_suggestion()
        self.refresh_status()
        kept = " — conversation kept" if self.controller and self.controller.conversation.messages else ""
        state = "" if info.available else f" (not available: {info.availability})"
        await self.note(f"Model: {info.id} ({info.tier or 'no tier'}){state}{kept}", "route")

    def set_mode(self, mode: str) -> None:
        if self.controller is None:
            return
        self.controller.set_mode(mode)
        self.run_worker(self._mode_changed(), group="chat")

    async def _mode_changed(self) -> None:
        assert self.controller is not None
        mode = self.controller.mode
        if mode == "manual":
            self.hide_suggestion()
        self.refresh_status()
        what = {
            "manual": "you pick the model; the router stays silent",
            "suggest": "the router suggests a model; tab accepts, esc rejects",
            "auto": "the router picks the model for each prompt and says so",
        }[mode]
        if self.controller.router is None and mode != "manual":
            what += " (routing engine not installed: no suggestions)"
        await self.note(f"Routing mode: {mode} — {what}", "route")

    def action_cycle_mode(self) -> None:
        if self.controller is None:
            return
        self.set_mode(self.controller.cycle_mode_next())

    def on_model_sidebar_selected(self, message: ModelSidebar.Selected) -> None:
        self.switch_model(message.model_id, "sidebar")

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
        self.show_suggestion(suggest.Pending(decision, text, decision_id, suggest.kind_of(decision)))

    def action_accept_suggestion(self) -> None:
        if self.pending is None or not self.on_main_screen():
            raise SkipAction()  # tab keeps its usual meaning: move focus
        self.run_worker(self._answer(True), group="chat")

    def action_reject_suggestion(self) -> None:
        if not self.on_main_screen():
            raise SkipAction()
        if self.pending is not None:
            self.run_worker(self._answer(False), group="chat")
        elif self.streaming:
            self.cancel_reply("esc")
        else:
            raise SkipAction()

    async def _answer(self, accepted: bool) -> None:
        pending, c = self.pending, self.controller
        if pending is None or c is None:
            return
        self.hide_suggestion()
        self.answered_this_prompt = True
        suggest.answer(c, pending, accepted)
        d = pending.decision
        if accepted:
            c.switch(d.model)
            self.refresh_status()
            await self.note(f"Accepted: {pending.kind} to {d.model} ({d.tier}) — {d.reason}", "route")
        else:
            await self.note(f"Rejected: {pending.kind} to {d.model}; staying on {c.model_id}", "info")
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
            await self.note("A reply is on its way — wait for it, or press esc to cancel it", "warn")
            return
        self.start_turn(text, None)

    def start_turn(self, text: str, attachments: list[Attachment] | None, *,
                   routed: bool = False) -> None:
        self.streaming = True  # claimed now: a second enter must not start another turn
        self.send_prompt(text, attachments, routed)

    @work(exclusive=True, group="stream", name="turn", exit_on_error=False)
    async def send_prompt(self, text: str, attachments: list[Attachment] | None,
                          routed: bool) -> None:
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
            found = await asyncio.to_thread(attach_files, text, self.cwd, c.count_tokens,
                                            c.estimate_input)
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
        await self.stream_reply(text, attachments)

    async def _route_on_submit(self, decision: Any, text: str, attachments: list[Attachment]) -> bool:
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
            await self.note(f"Auto: {kind} from {before} to {decision.model} ({decision.tier}) — "
                            f"{decision.reason}", "route")
            return False
        pending = self.pending
        if pending is not None and pending.decision.model == decision.model:
            decision_id = pending.decision_id
        else:
            decision_id = suggest.record(c, decision, "shown")
        self.show_suggestion(suggest.Pending(decision, text, decision_id, kind, held=True,
                                             attachments=attachments))
        await self.note("Prompt held: tab sends it on the suggested model, esc on the current one")
        return True

    async def stream_reply(self, text: str, attachments: list[Attachment], *,
                           purpose: str = "chat", retry: bool = False) -> None:
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
        task = asyncio.create_task(c.run_turn(
            text, attachments, purpose=purpose, model_id=model_id, retry=retry,
            on_delta=message.append, on_usage=lambda _u: self._tick(message, model_id),
        ))
        self._turn_task = task
        try:
            result = await task
        except asyncio.CancelledError:
            await message.finish()
            await self._after_cancel(message)
            return
        except UserFacingError as exc:  # no key, unknown endpoint: nothing was sent
            await message.finish()
            await message.remove()
            c.conversation.pop_last_turn()
            await self.note(str(exc), "error")
            return
        finally:
            self._turn_task = None
        await message.finish()
        message.set_meta(c.meta_line(result))
        self.refresh_ticker()
        if result.status == "error":
            await self.note(f"{result.model}: {result.error} — the partial answer and its cost "
                            "are kept; ctrl+r retries on a stronger tier", "error")

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
        c = self.controller
        if c is None or not self.on_main_screen():
            return
        if self.streaming:
            self.notify("Wait for the reply to finish (or esc to cancel it) first")
            return
        if c.last_prompt is None:
            self.run_worker(self.note("Nothing to retry yet: send a prompt first", "warn"),
                            group="chat")
            return
        target = c.stronger_model()
        if target is None:
            self.run_worker(self.note(f"{c.model_id} is already in the strongest available tier",
                                      "warn"), group="chat")
            return
        self.streaming = True
        self.retry_turn(target)

    @work(exclusive=True, group="stream", name="retry stronger", exit_on_error=False)
    async def retry_turn(self, target: Any) -> None:
        c = self.controller
        assert c is not None
        try:
            before = c.model_id
            suggest.record_retry(c, c.last_prompt or "")
            c.switch(target.id)
            c.retries_stronger += 1
            c.escalations += 1
            self.refresh_status()
            await self.note(f"Retrying turn {c.turn_index} on {target.id} ({target.tier}); "
                            f"the answer from {before} and its cost are kept", "route")
            await self.stream_reply(c.last_prompt or "", c.last_attachments, purpose="retry",
                                    retry=True)
        finally:
            self.streaming = False
            self.refresh_status()

    # -- large pastes -----------------------------------------------------------------------
    def on_prompt_input_large_paste(self, message: PromptInput.LargePaste) -> None:
        self.handle_paste(message.text)

    @work(group="paste", name="large paste", exit_on_error=False)
    async def handle_paste(self, text: str) -> None:
        await self.ready.wait()
        c = self.controller
        if c is None:
            return
        tokens = await asyncio.to_thread(c.count_tokens, text)
        label = f"paste #{len(self.pending_pastes) + 1}"
        problem = check_fits(f"A paste of {len(text):,} characters", tokens, c.estimate_input)
        if problem:
            await self.note(problem, "error")
            return
        self.pending_pastes.append(Attachment(label, text, tokens))
        self.query_one(PromptInput).insert(f"[{label}]")
        await self.note(describe_paste(len(text), tokens, c.estimate_input))

    # -- slash commands ---------------------------------------------------------------------
    async def run_slash(self, text: str) -> None:
        try:
            command = parse_slash(text)
        except SlashError as exc:
            await self.note(str(exc), "warn")
            return
        await self.ready.wait()
        c = self.controller
        if c is None:
            await self.note(f"No session: {self.boot_error}", "error")
            return
        name, arg = command.name, command.arg
        try:
            if name == "model":
                if not arg:
                    raise UserFacingError("/model needs a model id, e.g. /model claude-haiku-4-5")
                await self._switched(c.switch(arg), "/model")
            elif name == "tier":
                await self._switched(c.switch_tier(arg.lower()), "/tier")
            elif name == "mode":
                c.set_mode(arg.lower())
                await self._mode_changed()
            elif name == "cost":
                await self.action_cost()
            elif name == "new":
                await self.action_new_session()
            elif name == "help":
                self.action_help()
        except UserFacingError as exc:
            await self.note(str(exc), "warn")

    async def action_cost(self) -> None:
        if self.controller is not None:
            for line in self.controller.cost_lines():
                await self.note(line)

    async def action_new_session(self) -> None:
        c = self.controller
        if c is None:
            return
        self.cancel_reply("new session")
        old = c.session_id
        await asyncio.to_thread(c.new_session)
        self.hide_suggestion()
        await self.chat.clear_all()
        self.refresh_status()
        await self.note(f"New session {c.session_id} (session {old} is kept in the history)")


class _RecordView:
    """A ledger record seen through the TurnResult attributes `meta_line` reads."""

    def __init__(self, record: Any) -> None:
        self.model, self.tier, self.usage = record.model, record.tier, record.usage
        self.price, self.status = record.price, record.status
