"""Model/mode/strategy switching, slash commands and large pastes on the main screen (a
collaborator of `screens.main.MainScreen`; the palette calls it too).

Each command ends in one line in the chat saying what changed, or why nothing did.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui_router.core.errors import UserFacingError
from tui_router.ui import format as fmt
from tui_router.ui.attach import (
    Attachment,
    check_fits,
    describe_paste,
    holders_line,
    window_holders,
)
from tui_router.ui.commands import SlashError, parse_slash
from tui_router.ui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from tui_router.ui.screens.main import MainScreen


#: the slash commands of the agent (`CommandFlow.agent_command`)
AGENT_COMMANDS = ("undo", "compact", "check", "permissions")


class CommandFlow:
    """What the keys, the slash commands and the palette change, said in the chat."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: Large pastes waiting for the prompt that names them ("[paste #1]").
        self.pending_pastes: list[Attachment] = []

    def take_pastes(self) -> list[Attachment]:
        pastes, self.pending_pastes = self.pending_pastes, []
        return pastes

    # -- switching model and mode -----------------------------------------------------------
    def step_model(self, step: int) -> None:
        screen, c = self.screen, self.screen.controller
        if c is None or not screen.on_top():
            return
        try:
            info = c.step_model(step)
        except UserFacingError as exc:
            screen.note_later(str(exc), "error")
            return
        screen.run_worker(self._switched(info, "f2" if step > 0 else "shift+f2"), group="chat")

    def switch_model(self, model_id: str, source: str) -> None:
        screen, c = self.screen, self.screen.controller
        if c is None:
            return
        try:
            info = c.switch(model_id)
        except UserFacingError as exc:
            screen.note_later(str(exc), "error")
            return
        screen.run_worker(self._switched(info, source), group="chat")

    async def _switched(self, info: Any, source: str) -> None:
        screen, c = self.screen, self.screen.controller
        held = screen.suggestions.held()
        screen.suggestions.hide()
        screen.refresh_status()
        kept = " — conversation kept" if c and c.conversation.messages else ""
        state = "" if info.available else f" (not available: {info.availability})"
        await screen.note(
            f"Model: {info.id} ({info.tier or 'no tier'}){state}{kept}", "route", keep=True
        )
        if held is not None:  # the user chose a model instead of answering: send it there
            screen.turns.start_turn(held.prompt, held.attachments or [], routed=True)

    def set_mode(self, mode: str) -> None:
        c = self.screen.controller
        if c is None:
            return
        c.set_mode(mode)
        self.screen.run_worker(self._mode_changed(), group="chat")

    def cycle_mode(self) -> None:
        c = self.screen.controller
        if c is None:
            return
        self.set_mode(c.cycle_mode_next())

    async def _mode_changed(self) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        mode = c.mode
        held = screen.suggestions.held()
        if mode == "manual":
            screen.suggestions.hide()
        screen.refresh_status()
        what = {
            "manual": "you pick the model; the router stays silent",
            "suggest": "the router suggests a model; tab accepts, esc rejects",
            "auto": "the router picks the model for each prompt and says so",
        }[mode]
        if c.router is None and mode != "manual":
            what += " (routing engine not installed: no suggestions)"
        await screen.note(f"Routing mode: {mode} — {what}", "route", keep=True)
        if held is not None and mode == "manual":  # no more suggestions: send as it stands
            screen.turns.start_turn(held.prompt, held.attachments or [], routed=True)

    def set_strategy(self, name: str) -> None:
        """The palette's "Strategy: NAME" (see `ui.strategy` for what a switch does)."""
        if self.screen.controller is None:
            return
        self.screen.run_worker(self._strategy_from_palette(name), group="chat")

    async def _strategy_from_palette(self, name: str) -> None:
        try:
            await self.switch_strategy(name)
        except UserFacingError as exc:
            await self.screen.note(str(exc), "warn")

    async def switch_strategy(self, arg: str) -> None:
        """`/strategy [NAME]`: show the strategy in force, or switch; raises UserFacingError."""
        from tui_router.ui import strategy

        screen, c = self.screen, self.screen.controller
        assert c is not None
        if not arg:
            await screen.note(strategy.describe(c))
            return
        name, before = strategy.resolve(arg), strategy.current(c)
        if name == before:
            await screen.note(f"{strategy.describe(c)} — already in force, nothing changed")
            return
        held = screen.suggestions.held()
        await asyncio.to_thread(strategy.switch, c, name)
        screen.suggestions.hide()  # it came from the old strategy
        screen.refresh_status()
        await screen.note(strategy.switched_line(c, before), "route", keep=True)
        if held is not None:  # a prompt waiting on the old strategy's suggestion: route it anew
            screen.turns.start_turn(held.prompt, held.attachments or [])

    # -- large pastes -----------------------------------------------------------------------
    def handle_paste(self, text: str) -> None:
        self.screen.run_worker(
            self._paste(text), group="paste", name="large paste", exit_on_error=False
        )

    async def _paste(self, text: str) -> None:
        screen = self.screen
        await screen.router_app.ready.wait()
        c = screen.controller
        if c is None:
            return
        tokens = await asyncio.to_thread(c.count_tokens, text)
        label = f"paste #{len(self.pending_pastes) + 1}"
        problem = check_fits(f"A paste of {len(text):,} characters", tokens, c.estimate_input)
        self.pending_pastes.append(Attachment(label, text, tokens))
        if problem:  # kept, not thrown away: it goes once a model that holds it is chosen
            where = holders_line(window_holders(c, tokens))
            problem = problem.removesuffix(" — nothing was sent")
            screen.query_one(PromptInput).insert(f"[{label}]")
            await screen.note(
                f"{problem}; kept as [{label}]: {where}; or send and choose (a file, a model)",
                "warn",
            )
            return
        screen.query_one(PromptInput).insert(f"[{label}]")
        await screen.note(describe_paste(len(text), tokens, c.estimate_input))

    # -- slash commands ---------------------------------------------------------------------
    async def run_slash(self, text: str) -> None:
        screen, app = self.screen, self.screen.router_app
        try:
            command = parse_slash(text)
        except SlashError as exc:
            await screen.note(str(exc), "warn")
            return
        await app.ready.wait()
        c = screen.controller
        if c is None:
            await screen.note(f"No session: {app.boot_error}", "error")
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
                await self.show_cost()
            elif name == "new":
                await self.new_session()
            elif name == "help":
                app.action_help()
            elif name in AGENT_COMMANDS:
                await self.agent_command(name, arg)
        except UserFacingError as exc:
            await screen.note(str(exc), "warn")

    async def agent_command(self, name: str, arg: str) -> None:
        """/undo, /compact, /check and /permissions; raises UserFacingError."""
        screen, c = self.screen, self.screen.controller
        assert c is not None
        if name == "permissions":
            for line in c.permission_lines():
                await screen.note(line)
            return
        if name == "check":
            await self._check(arg)
            return
        if screen.streaming:
            raise UserFacingError(f"/{name} waits for the turn to end (esc cancels it)")
        if name == "undo":
            if c.agent is None:
                raise UserFacingError("Nothing to undo: tools are off in this session")
            await screen.note(await asyncio.to_thread(c.undo, arg), "route", keep=True)
        elif name == "compact":
            screen.streaming = True  # nothing is sent while the history is being replaced
            screen.run_worker(self._compact(), group="stream", name="compact", exit_on_error=False)

    async def _compact(self) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        from tui_router.core.background import nothing_to_compact

        try:
            if nothing_to_compact(c.conversation) is None:  # (else said at once, below)
                await screen.note("Compacting the conversation…")
            await screen.note(await c.compact_line(), "route", keep=True)
        except UserFacingError as exc:
            await screen.note(str(exc), "warn")
        finally:
            screen.streaming = False
            screen.refresh_status()

    async def _check(self, arg: str) -> None:
        screen, c = self.screen, self.screen.controller
        assert c is not None
        if arg.lower() in ("off", "none", "clear"):
            c.check_command = None
            await screen.note("Check cleared: the next turns run as usual", "route", keep=True)
            return
        if arg:
            if c.agent is None:
                raise UserFacingError("/check needs the agent: tools are off in this session")
            c.check_command = arg
        if c.check_command is None:
            await screen.note("No check set: /check CMD (e.g. /check pytest -q) sets one")
            return
        ladder = c.cascade_ladder(c.model_id)
        await screen.note(
            f"Check for the next turns: `{c.check_command}` — each turn starts on {ladder[0]} "
            f"and escalates ({' → '.join(ladder)}) until it passes; /check off clears it",
            "route",
            keep=True,
        )

    async def show_cost(self) -> None:
        c = self.screen.controller
        if c is not None:
            for line in c.cost_lines():
                await self.screen.note(line)

    async def new_session(self) -> None:
        screen, c = self.screen, self.screen.controller
        if c is None:
            return
        screen.turns.cancel_reply("new session")
        old, totals = c.session_id, c.ledger.totals
        # what the old session spent is said here: the summary at quit is the new one's
        spent = f"{fmt.counted(totals.calls, 'call')}, {totals.cost_text()}"
        await asyncio.to_thread(c.new_session)
        screen.suggestions.hide()
        await screen.chat.clear_all()
        screen.refresh_status()
        await screen.note(
            f"New session {c.session_id} (session {old}: {spent}, is kept in the history; "
            f"`tui-router report {old[:10]}`)"
        )
