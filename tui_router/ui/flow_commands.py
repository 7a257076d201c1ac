"""Model/mode/strategy switching, slash commands and large pastes (a mixin of `TuiRouterApp`).

Each command ends in one line in the chat saying what changed, or why nothing did.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import work

from tui_router.core.errors import UserFacingError
from tui_router.ui.attach import Attachment, check_fits, describe_paste
from tui_router.ui.commands import SlashError, parse_slash
from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.sidebar import ModelSidebar

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import App

    from tui_router.ui.controller import SessionController

    _Base = App[None]
else:
    _Base = object


class CommandFlow(_Base):
    if TYPE_CHECKING:  # provided by TuiRouterApp
        controller: SessionController | None
        ready: asyncio.Event
        boot_error: str | None
        cwd: Path
        streaming: bool
        pending: Any
        pending_pastes: list[Attachment]

        def cancel_reply(self, reason: str) -> None: ...
        def start_turn(self, text: str, attachments: Any, *, routed: bool = False) -> None: ...

        def refresh_status(self) -> None: ...
        def refresh_ticker(self) -> None: ...
        def on_main_screen(self) -> bool: ...
        def action_help(self) -> None: ...
        def hide_suggestion(self) -> None: ...

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    async def note(self, text: str, kind: str = "info") -> None:
        await self.chat.add_note(text, kind)  # type: ignore[arg-type]

    # -- switching model and mode -----------------------------------------------------------
    def step_model(self, step: int) -> None:
        if self.controller is None or not self.on_main_screen():
            return
        try:
            info = self.controller.step_model(step)
        except UserFacingError as exc:
            self.run_worker(self.note(str(exc), "error"), group="chat")
            return
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
        held = self.pending if self.pending is not None and self.pending.held else None
        self.hide_suggestion()
        self.refresh_status()
        kept = (
            " — conversation kept"
            if self.controller and self.controller.conversation.messages
            else ""
        )
        state = "" if info.available else f" (not available: {info.availability})"
        await self.note(f"Model: {info.id} ({info.tier or 'no tier'}){state}{kept}", "route")
        if held is not None:  # the user chose a model instead of answering: send it there
            self.start_turn(held.prompt, held.attachments or [], routed=True)

    def set_mode(self, mode: str) -> None:
        if self.controller is None:
            return
        self.controller.set_mode(mode)
        self.run_worker(self._mode_changed(), group="chat")

    async def _mode_changed(self) -> None:
        assert self.controller is not None
        mode = self.controller.mode
        held = self.pending if self.pending is not None and self.pending.held else None
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
        if held is not None and mode == "manual":  # no more suggestions: send as it stands
            self.start_turn(held.prompt, held.attachments or [], routed=True)

    def action_cycle_mode(self) -> None:
        if self.controller is None:
            return
        self.set_mode(self.controller.cycle_mode_next())

    def set_strategy(self, name: str) -> None:
        """The palette's "Strategy: NAME" (see `ui.strategy` for what a switch does)."""
        if self.controller is None:
            return
        self.run_worker(self._strategy_from_palette(name), group="chat")

    async def _strategy_from_palette(self, name: str) -> None:
        try:
            await self.switch_strategy(name)
        except UserFacingError as exc:
            await self.note(str(exc), "warn")

    async def switch_strategy(self, arg: str) -> None:
        """`/strategy [NAME]`: show the strategy in force, or switch; raises UserFacingError."""
        from tui_router.ui import strategy

        c = self.controller
        assert c is not None
        if not arg:
            await self.note(strategy.describe(c))
            return
        name, before = strategy.resolve(arg), strategy.current(c)
        if name == before:
            await self.note(f"{strategy.describe(c)} — already in force, nothing changed")
            return
        held = self.pending if self.pending is not None and self.pending.held else None
        await asyncio.to_thread(strategy.switch, c, name)
        self.hide_suggestion()  # it came from the old strategy
        self.refresh_status()
        await self.note(strategy.switched_line(c, before), "route")
        if held is not None:  # a prompt waiting on the old strategy's suggestion: route it anew
            self.start_turn(held.prompt, held.attachments or [])

    def on_model_sidebar_selected(self, message: ModelSidebar.Selected) -> None:
        self.switch_model(message.model_id, "sidebar")

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
            elif name == "strategy":
                await self.switch_strategy(arg)
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
