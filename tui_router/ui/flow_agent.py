"""An agent turn on the main screen (`flow.TurnFlow` runs one per prompt): the session's events,
rendered as they come.

Each model call of the turn is one assistant message (its text, then its meta line with the
exact cost); each tool call one `ToolLine` under it. A call that needs a yes puts an
`ApprovalPanel` above the prompt and the turn waits on its future (the session's, see
`core.events`): nothing else runs until y / n / a / esc answers it. The header shows the step and
the time; esc cancels the turn, keeping the work done and its cost.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from tui_router.core.events import (
    Approval,
    CallPriced,
    Notice,
    StepStarted,
    TextDelta,
    ToolCallRequested,
    ToolResult,
    TurnDone,
    TurnError,
)
from tui_router.core.verified_cascade import CascadeDone
from tui_router.ui import format as fmt
from tui_router.ui.format import failure_line
from tui_router.ui.widgets import stream_gc
from tui_router.ui.widgets.approval import ApprovalPanel, Decision
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.tool_line import ToolLine, ToolLineState

if TYPE_CHECKING:
    from tui_router.ui.attach import Attachment
    from tui_router.ui.controller import SessionController
    from tui_router.ui.flow import TurnFlow
    from tui_router.ui.widgets.chat import AssistantMessage

#: the most characters of a refusal or error shown on a tool's line
DETAIL_CHARS = 120
#: the clock of the header's elapsed time (a module attribute: snapshot tests stop it)
clock = time.monotonic


class AgentTurnView:
    """What one agent turn has put on screen, and the approval it waits for."""

    def __init__(self, turns: TurnFlow, controller: SessionController, model_id: str) -> None:
        self.turns = turns
        self.screen = turns.screen
        self.c = controller
        self.model_id = model_id
        self.message: AssistantMessage | None = None
        self.priced = False  # the current message has its call's meta line
        self.lines: dict[str, ToolLine] = {}
        self.panel: ApprovalPanel | None = None
        self.future: asyncio.Future[Approval] | None = None
        self.step = 0
        self.max_steps = 0
        #: steps sent in the whole turn: a cascade's attempts each count theirs from 1
        self.steps_sent = 0
        self.started = clock()
        self.cost = Decimal(0)
        self.unpriced = False
        self.files: list[str] = []
        self.tools = 0
        self.done: TurnDone | None = None
        self.cascade: CascadeDone | None = None
        self.errors: list[str] = []
        self.unsent = False
        self._clock: Any | None = None

    # -- the header's step and clock --------------------------------------------------------
    def start_clock(self) -> None:
        self._clock = self.screen.set_interval(1.0, self.show_progress)

    def stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.stop()
            self._clock = None
        self.screen.query_one(StatusHeader).set_progress(None)

    def show_progress(self) -> None:
        if self.step == 0:
            return
        elapsed = _whole_seconds(clock() - self.started)
        waiting = f" · {fmt.WAITING_FOR_ANSWER}" if self.panel is not None else ""
        self.screen.query_one(StatusHeader).set_progress(
            f"step {self.step}/{self.max_steps} · {elapsed}{waiting}"
        )

    def running_tool(self) -> ToolLine | None:
        """The tool call running now, if one is (its line spins)."""
        return next((line for line in self.lines.values() if line.state == "running"), None)

    # -- the events -------------------------------------------------------------------------
    async def consume(self, events: Any) -> None:
        async for event in events:
            await self.render(event)

    async def render(self, event: Any) -> None:
        screen, c = self.screen, self.c
        if isinstance(event, TextDelta):
            message = self.message or await self._new_message(event.model)
            await message.append(event.text)
            self.turns.tick(message, event.model)
        elif isinstance(event, StepStarted):
            self.step, self.max_steps, self.model_id = event.step, event.max_steps, event.model
            self.steps_sent += 1
            await self._finish_message()
            await self._new_message(event.model)
            self.show_progress()
        elif isinstance(event, CallPriced):
            result = event.result
            if result.price.usd is None:
                self.unpriced = True
            else:
                self.cost += result.price.usd
            if self.message is not None and not self.priced:
                await self.message.finish()
                self.message.set_meta(c.meta_line(result))
                self.priced = True
            screen.refresh_ticker()
        elif isinstance(event, ToolCallRequested):
            await self._tool_requested(event)
        elif isinstance(event, ToolResult):
            self._tool_finished(event)
        elif isinstance(event, Notice):
            await screen.note(event.text, "route" if "escalat" in event.text else "info", keep=True)
        elif isinstance(event, TurnError):
            if event.kind == "config":
                self.unsent = True
            if event.kind == "stop":  # a cap stopped the step it had just announced
                self.step = max(self.step - 1, 0)
                self.steps_sent = max(self.steps_sent - 1, 0)
            self.errors.append(event.message)
            if self.unsent or event.kind == "stop":
                # not sent (no key, a budget): the line says what to do; a stronger tier
                # (ctrl+r) would be stopped the same way
                who = f"{event.model}: " if event.model else ""
                await screen.note(f"{who}{event.message}", "error", keep=True)
            else:
                partial = self.message is not None and bool(self.message.text)
                line = failure_line(self.c, event.model, event.message, partial=partial)
                await screen.note(line, "error", keep=True)
        elif isinstance(event, TurnDone):
            self.done = event
        elif isinstance(event, CascadeDone):
            self.cascade = event
            self.done = event.final
            # a rejected attempt's files were put back before the next one: what stays changed
            # is the kept attempt's
            self.files = list(event.final.files_changed)

    async def _new_message(self, model: str) -> AssistantMessage:
        c = self.c
        # A step after the first comes while the person may be typing their next prompt: a
        # full garbage pass (0.2-0.4 s into a long turn) is left to a quiet moment, not run here.
        self.message = await self.screen.chat.add_assistant(
            model, c.catalog.describe(model).tier, gc_catch_up=self.step <= 1
        )
        self.message.set_meta(c.live_meta_line(model))
        self.priced = False
        return self.message

    async def _finish_message(self) -> None:
        if self.message is not None:
            await self.message.finish()

    async def _tool_requested(self, event: ToolCallRequested) -> None:
        await self._finish_message()
        self.tools += 1
        waits = event.approval is not None
        line = ToolLine(event.call.id, event.preview.title, "waiting" if waits else "running")
        self.lines[event.call.id] = line
        if not waits:
            await self.screen.chat.add_entry(line)
            return
        preview = event.preview
        panel = await self.screen.approval_panel()
        self.panel, self.future = panel, event.approval
        # the line and the panel in one repaint, with no full garbage-collector pass in it
        with stream_gc.no_pass_during(self.screen), self.screen.app.batch_update():
            await self.screen.chat.add_entry(line)
            panel.ask(
                event.call.id,
                preview.title,
                event.reason,
                diff=preview.diff,
                command=preview.command,
                cwd=preview.cwd,
                always=event.always,
            )
            panel.focus()
            self.show_progress()

    async def answer(self, call_id: str, decision: Decision, note: str) -> None:
        """The person answered the call ``call_id``: set the session's future, hide the panel
        (an answer to a call no longer asked about changes nothing)."""
        panel = self.panel
        if panel is None or call_id != panel.call_id:
            return
        future, self.future, self.panel = self.future, None, None
        line = self.lines.get(call_id)
        if future is not None and not future.done():
            future.set_result(Approval(decision, note))
        if line is not None and decision != "no":
            line.running()
        await self._close_panel(panel)
        self.show_progress()

    async def _close_panel(self, panel: ApprovalPanel) -> None:
        refocus = panel.has_focus_within or self.screen.focused is None
        with stream_gc.no_pass_during(self.screen):  # the answer's frame is awaited too
            if refocus:
                # before it is hidden: a focused panel hidden hands the focus to the next
                # widget in the chain (a tool line, the chat), one more restyle and repaint
                self.screen.set_focus(self.screen.query_one(PromptInput), scroll_visible=False)
            await panel.close()

    def _tool_finished(self, event: ToolResult) -> None:
        outcome = event.outcome
        line = self.lines.get(event.call.id)
        for path in outcome.files_changed:
            if path not in self.files:
                self.files.append(path)
        if line is None:
            return
        if event.status == "ok":  # what it did: "edit_file src/utils.py (+2 −2)"
            title = f"{event.call.name} {outcome.summary}" if outcome.summary else None
            detail = ""
        else:  # what it was about, then why it failed (as a resumed session shows it)
            title, detail = None, _one_line(outcome.content)
        output = outcome.content
        if event.status == "ok" and outcome.diff:
            output = outcome.diff
        if outcome.report:  # a delegate's task and its sub-agent's calls, then its answer
            output = f"{outcome.report}\n\n{output}"
        state: ToolLineState = event.status
        if outcome.command_failed:  # no ✓ for "→ exit 1"
            state = "error"
        line.finish(state, output, title=title, detail=detail, duration_s=event.duration_s)

    # -- the end ----------------------------------------------------------------------------
    def cost_text(self) -> str:
        if self.unpriced:
            return "n/a (a model without a known price)"
        return fmt.usd(self.cost)

    def undo_text(self) -> str:
        return "/undo puts it back" if len(self.files) == 1 else "/undo puts them back"

    def files_text(self) -> str:
        files = self.files
        shown = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
        return f"{fmt.counted(len(files), 'file')} changed ({shown})"

    async def finished(self) -> None:
        """The turn ended on its own: one line when it used tools, stopped early or escalated."""
        screen, done = self.screen, self.done
        await self._finish_message()
        if self.message is not None and not self.message.text and not self.priced:
            # the step that was never sent (a budget, a key): no "waiting for the first tokens…"
            await self.message.remove()
        if self.unsent:
            return
        if done is None:
            return
        cascade = self.cascade
        if cascade is not None:
            line, style = _cascade_line(cascade)
            await screen.note(line, style, keep=True)
        steps = max(self.steps_sent, done.steps)
        if self.tools or done.stopped or steps > 1:
            parts = [fmt.counted(steps, "step"), fmt.counted(self.tools, "tool call")]
            parts.append(self.cost_text())
            line = ("Turn stopped: " if done.stopped else "Turn done: ") + " · ".join(parts)
            if self.files:
                line += f" — {self.files_text()}; {self.undo_text()}"
            await screen.note(line, "info", keep=True)
        if done.stopped and not self.errors:
            await screen.note(
                f"Stopped: {done.stopped}; the work so far is kept", "warn", keep=True
            )
        if done.escalation and cascade is None:
            await screen.note(
                f"{done.escalation} — ctrl+r retries on a stronger tier", "warn", keep=True
            )

    async def cancelled(self, reason: str | None) -> None:
        """esc (or a budget stop) cancelled the turn: the work done and its cost are kept."""
        screen, c = self.screen, self.c
        if self.panel is not None:
            panel, self.panel, self.future = self.panel, None, None
            await self._close_panel(panel)
        await self._finish_message()
        if self.message is not None and not self.priced:
            record = c.last_record()
            if record is not None and record.model == self.model_id:
                self.message.set_meta(c.meta_line(_RecordView(record)))
                if record.price.usd is not None:
                    self.cost += record.price.usd
            else:
                self.message.set_meta(f"{self.model_id} · cancelled")
        for line in self.lines.values():
            if line.state in ("running", "waiting"):
                line.finish("error", "", detail="cancelled")
        screen.refresh_ticker()
        if reason == "budget":
            await screen.note(c.budget_line(stopped=True), "warn", keep=True)
            return
        if not self.tools:  # a plain reply: as before the agent
            await screen.note(
                "Reply cancelled — the partial answer and its cost are kept", "warn", keep=True
            )
            return
        kept = f"; {self.files_text()} — {self.undo_text()}" if self.files else ""
        await screen.note(
            f"Turn cancelled at step {self.steps_sent} — the work done so far and its cost "
            f"({self.cost_text()}) are kept{kept}",
            "warn",
            keep=True,
        )


async def stream_agent_turn(
    turns: TurnFlow,
    text: str,
    attachments: list[Attachment],
    *,
    purpose: str = "chat",
    retry: bool = False,
    ladder: tuple[str, ...] | None = None,
) -> None:
    """Run one agent turn and show it (the worker of group "stream" awaits this); with a
    ``ladder`` (the cascade strategy's), a cascade up it."""
    screen, c = turns.screen, turns.screen.controller
    assert c is not None
    if c.over_budget():
        await screen.note(c.budget_line(), "warn")
        return
    model_id = c.model_id if ladder is None else ladder[0]
    view = AgentTurnView(turns, c, model_id)
    turns.agent_view = view
    turns.cancel_reason = None
    screen.refresh_status()
    events = c.agent_events(
        text, attachments, purpose=purpose, model_id=model_id, retry=retry, ladder=ladder
    )
    task = asyncio.create_task(view.consume(events))
    turns.turn_task = task
    view.start_clock()
    try:
        await task
    except asyncio.CancelledError:
        if turns.cancel_reason is None:
            raise  # the worker itself is being cancelled (the app is closing)
        await view.cancelled(turns.cancel_reason)
        return
    except Exception:  # a bug: the worker's failure becomes one notification
        await view._finish_message()
        if view.message is not None:
            view.message.set_meta("failed — see the notification")
        raise
    finally:
        turns.turn_task = None
        turns.agent_view = None
        view.stop_clock()
    await view.finished()
    screen.refresh_ticker()


def _cascade_line(cascade: CascadeDone) -> tuple[str, Literal["route", "warn"]]:
    """The cascade's summary: each model and its verdict, and what was kept (a warning when
    nothing passed)."""
    tried = " → ".join(f"{a.model} ({a.check})" for a in cascade.attempts)
    if cascade.verifier == "check":
        verdict = "check passed" if cascade.passed else "check not passed"
        return f"verified cascade: {tried}; {verdict}", "route"
    if cascade.passed:
        return f"cascade: {tried}; the quality gates passed", "route"
    last = cascade.attempts[-1]
    kept = f"; kept {last.model}'s answer ({last.reason})" if last.reason else ""
    return f"cascade: {tried}; no model passed the quality gates{kept}", "warn"


def _whole_seconds(seconds: float) -> str:
    """The header's clock: "12 s", "3 min 05 s" (it ticks once a second)."""
    whole = int(seconds)
    return f"{whole} s" if whole < 120 else f"{whole // 60} min {whole % 60:02d} s"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1] + "…"


class _RecordView:
    """A ledger record seen through the TurnResult attributes `meta_line` reads."""

    def __init__(self, record: Any) -> None:
        self.model, self.tier, self.usage = record.model, record.tier, record.usage
        self.price, self.status = record.price, record.status
