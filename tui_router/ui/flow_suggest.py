"""The router's suggestions on the main screen (a collaborator of `screens.main.MainScreen`).

While the user types (debounced, worker group "router") and on submit the router looks at the
prompt; in suggest mode the suggestion bar shows its pick and a submitted prompt is held until
tab accepts or esc rejects; auto mode switches and says so; manual mode records silently. The
routing itself is `suggest` (no widgets).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui_router.ui import suggest
from tui_router.ui.attach import Attachment
from tui_router.ui.commands import is_slash
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar

if TYPE_CHECKING:
    from tui_router.ui.screens.main import MainScreen

#: Seconds of no typing before the router looks at the prompt.
ROUTER_DEBOUNCE = 0.4


class SuggestionFlow:
    """The suggestion on show (or the prompt held for its answer), and the answers to it."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.pending: suggest.Pending | None = None
        #: The prompt being typed was already answered (or routed): do not suggest again.
        self.answered_this_prompt = False
        #: The prompt's text when it was answered (a prompt that no longer starts like it is new).
        self.answered_text = ""

    def held(self) -> suggest.Pending | None:
        """The suggestion a submitted prompt waits on, if any."""
        return self.pending if self.pending is not None and self.pending.held else None

    def hide(self) -> None:
        self.pending = None
        self.screen.query_one(SuggestionBar).hide()

    def show(self, pending: suggest.Pending) -> None:
        c = self.screen.controller
        assert c is not None
        self.pending = pending
        self.screen.query_one(SuggestionBar).show(suggest.view_of(c, pending.decision))

    # -- while typing -----------------------------------------------------------------------
    def prompt_changed(self, text: str) -> None:
        if self.answered_this_prompt and not _same_prompt(text, self.answered_text):
            self.answered_this_prompt = False  # a new prompt: the answer was for another one
        c = self.screen.controller
        if c is None or c.router is None or c.mode != "suggest" or self.answered_this_prompt:
            return
        if not text.strip() or is_slash(text) or len(text) > 20_000:
            return
        self.route_typing(text)

    def route_typing(self, text: str) -> None:
        # exclusive: a newer keystroke cancels the worker still waiting out the debounce. The
        # work is given as a function, not a coroutine: keys typed faster than the loop starts
        # workers cancel them before they run, and a coroutine made for one would never be awaited
        async def route() -> None:
            await self._route_typing(text)

        self.screen.run_worker(
            route,  # type: ignore[arg-type]  # Textual's WorkType union: mypy infers Never for it
            exclusive=True,
            group="router",
            name="router",
            exit_on_error=False,
        )

    async def _route_typing(self, text: str) -> None:
        await asyncio.sleep(ROUTER_DEBOUNCE)
        c = self.screen.controller
        if c is None or self.screen.streaming or self.held() is not None:
            return  # a held prompt keeps its suggestion until it is answered
        if self.screen.query_one(PromptInput).text != text:
            return  # sent (or changed) meanwhile: its suggestion would outlive the prompt
        decision = suggest.decide(c, text)
        if decision is None:
            if self.pending is not None and not self.pending.held:
                self.hide()
            return
        if self.pending is not None and self.pending.decision.model == decision.model:
            return  # already showing this one
        decision_id = suggest.record(c, decision, "shown")
        self.show(suggest.Pending(decision, text, decision_id, suggest.kind_of(decision)))

    # -- tab / esc --------------------------------------------------------------------------
    def take_answer(self, accepted: bool) -> None:
        # Taken at once (not in the worker) so a double press cannot answer twice.
        pending = self.pending
        if pending is None:
            return
        self.hide()
        self.answered_this_prompt = True
        self.answered_text = self.screen.query_one(PromptInput).text
        self.screen.run_worker(self._answer(pending, accepted), group="chat")

    async def _answer(self, pending: suggest.Pending, accepted: bool) -> None:
        screen, c = self.screen, self.screen.controller
        if c is None:
            return
        suggest.answer(c, pending, accepted)
        d = pending.decision
        if accepted:
            c.apply(d)  # its model, and its effort
            screen.refresh_status()
            what = f"{d.effort} reasoning effort on" if d.effort else f"{pending.kind} to"
            await screen.note(
                f"Accepted: {what} {d.model} ({d.tier}) — {d.reason}", "route", keep=True
            )
        else:
            await screen.note(
                f"Rejected: {pending.kind} to {d.model}; staying on {c.model_id}", "info", keep=True
            )
        if pending.held:
            screen.turns.start_turn(pending.prompt, pending.attachments or [], routed=True)

    # -- on submit --------------------------------------------------------------------------
    async def route_on_submit(self, text: str, attachments: list[Attachment]) -> bool:
        """Ask the router about a submitted prompt; True when it is held for the user's answer."""
        c = self.screen.controller
        assert c is not None
        if self.answered_this_prompt or c.router is None:
            return False
        decision = suggest.decide(c, text, attachments)
        if decision is None:
            return False
        return await self._route(decision, text, attachments)

    async def _route(self, decision: Any, text: str, attachments: list[Attachment]) -> bool:
        screen, c = self.screen, self.screen.controller
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
            c.apply(decision)
            screen.refresh_status()
            await screen.note(
                f"Auto: {kind} from {before} to {decision.model} ({decision.tier}) — "
                f"{decision.reason}",
                "route",
                keep=True,
            )
            return False
        pending = self.pending
        if pending is not None and pending.decision.model == decision.model:
            decision_id = pending.decision_id
        else:
            decision_id = suggest.record(c, decision, "shown")
        self.show(
            suggest.Pending(decision, text, decision_id, kind, held=True, attachments=attachments)
        )
        await screen.note(
            "Prompt held: tab sends it on the suggested model, esc on the current one"
        )
        return True


def _same_prompt(text: str, answered: str) -> bool:
    """Whether ``text`` is still the prompt answered as ``answered`` (edited, not replaced): it
    keeps the first words. Started over, it is a new prompt that gets its own look. Empty is
    the same prompt: sending clears the prompt before the turn reads the answer."""
    text = text.strip()
    return not text or text.startswith(answered.strip()[:20])
