"""One tool call of an agent turn: check it, ask about it, run it, and answer the model.

A call is checked against the workspace and the permissions (`Permissions.check`: allow, ask or
deny) and previewed (the diff, the command). A denied call, or one whose preview already settles
it (an edit that cannot apply, a write of what is there, invalid input), is answered at once and
not run. A call that needs a yes yields a `ToolCallRequested` with an approval future and waits for
it; an approved or allowed one runs, writes going through the turn's checkpoint first. Every call
ends in a `ToolResult`; its result joins the conversation and the turn's record, and the same
failing call a third time (`REPEATED_ERRORS`) is the turn's reason to escalate.

The ``delegate`` tool is not a workspace tool: it is a sub-task on another model, and the session
runs it (`Session._delegate`); its result is answered here like any other.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from tui_router.core.agent.tools import ToolOutcome
from tui_router.core.events import (
    Approval,
    ToolCallRequested,
    ToolRecord,
    ToolResult,
    ToolStatus,
    TurnEvent,
)

if TYPE_CHECKING:
    from tui_router.core.agent.agent import Agent
    from tui_router.core.agent.checkpoints import Checkpoint
    from tui_router.core.conversation import Conversation, ToolCall
    from tui_router.core.telemetry import Telemetry
    from tui_router.core.turn_state import TurnState

#: a failing call (same tool, same input) that fails this often is a reason to escalate
REPEATED_ERRORS = 3


class ToolStep:
    """The tool calls of one turn, on one agent, answered into one conversation."""

    def __init__(
        self,
        agent: Agent,
        conversation: Conversation,
        state: TurnState,
        checkpoint: Checkpoint | None,
        telemetry: Telemetry,
        on_always: Callable[[ToolCall, str], None] | None = None,
    ) -> None:
        self.agent = agent
        self.conversation = conversation
        self.state = state
        self.checkpoint = checkpoint
        self.telemetry = telemetry
        #: told of each "always" answer (the call, what it allows): the session stores it
        self.on_always = on_always

    async def run(self, call: ToolCall, malformed: str | None = None) -> AsyncIterator[TurnEvent]:
        """Check, ask about, run and answer ``call``. ``malformed``: the raw input the provider
        sent for it when that was not a JSON object (the call is answered with the error)."""
        agent = self.agent
        check = agent.permissions.check(call, agent.workspace)
        with agent.workspace.reading_outside(check.outside):  # the preview reads what it asks
            preview = agent.toolbox.preview(call)
        if malformed is not None:
            outcome = ToolOutcome(
                f"error: the input of {call.name} was not a JSON object: {malformed[:200]!r}",
                is_error=True,
            )
            yield self.answer(call, "error", outcome)
            return
        if check.verdict == "deny":
            yield ToolCallRequested(call, preview, check.reason)
            refused = ToolOutcome(f"refused: {check.reason}", is_error=True)
            yield self.answer(call, "denied", refused)
            return
        if preview.settled is not None:
            # It would change nothing as it stands (an edit whose old_text is not in the file, a
            # write of what is there): the model hears so at once, and nobody is asked to approve
            # it. It is not run: the file could change between this look and a run no one approved
            # (and a write of the same bytes is no "file changed" to undo).
            outcome = preview.settled
            yield ToolCallRequested(call, preview, check.reason)
            yield self.answer(call, "error" if outcome.is_error else "ok", outcome)
            return
        if check.verdict == "ask":
            future: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
            yield ToolCallRequested(
                call,
                preview,
                check.reason,
                future,
                outside=check.outside is not None,
                always=agent.permissions.always_for(call),
            )
            answer = await future
            if not answer.approved:
                why = f": {answer.note}" if answer.note else ""
                refused = ToolOutcome(f"refused by the user{why}", is_error=True)
                yield self.answer(call, "denied", refused)
                return
            if answer.decision == "always":
                allowed = agent.permissions.remember_always(call)
                if self.on_always is not None:
                    self.on_always(call, allowed)
        else:
            yield ToolCallRequested(call, preview, check.reason)
        started = time.monotonic()
        with agent.workspace.reading_outside(check.outside):  # a yes to one read outside
            outcome = await agent.toolbox.run(call, self.checkpoint)
        for path in outcome.files_changed:
            if path not in self.state.files_changed:
                self.state.files_changed.append(path)
        status: ToolStatus = "error" if outcome.is_error else "ok"
        yield self.answer(call, status, outcome, time.monotonic() - started)

    def answer(
        self, call: ToolCall, status: ToolStatus, outcome: ToolOutcome, duration_s: float = 0.0
    ) -> ToolResult:
        """Give the model ``call``'s result and record it (the turn's tools, its unsaved
        results, telemetry, and the count of this exact call's failures)."""
        self.conversation.add_tool_result(call.id, outcome.content, is_error=outcome.is_error)
        state = self.state
        state.unsaved_results.append((call.id, outcome.content, outcome.is_error))
        if status == "ok" and outcome.diff:  # what the chat folds under the line, for --resume
            state.unsaved_diffs[call.id] = outcome.diff
        state.tools.append(ToolRecord(call.name, status, outcome.path, outcome.exit_code))
        self.telemetry.record_tool(call.name, status, duration_s)
        if status == "error" or outcome.command_failed:
            signature = f"{call.name} {json.dumps(call.arguments, sort_keys=True)}"
            count = state.failures[signature] = state.failures.get(signature, 0) + 1
            if count >= REPEATED_ERRORS and state.escalation is None:
                what = outcome.summary or call.name
                state.escalation = f"repeated tool errors: {what} failed {count} times"
        return ToolResult(call, status, outcome, duration_s)
