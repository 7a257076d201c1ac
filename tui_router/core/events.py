"""The events of one turn, as `Session.run_turn` yields them.

A turn is an async stream of these; the TUI renders them and `ask` prints them. A question to the
person at the keyboard travels inside an event as an `asyncio.Future` that the consumer answers
with ``set_result`` (toad's pattern): `ToolCallRequested.approval` for a tool that needs a yes,
`RouteSuggested.answer` for a suggested switch of model. The session waits on the future; nothing
else in the turn runs meanwhile. A turn always ends with exactly one `TurnDone`; a `TurnError`
just before it says the turn ended on an error. A consumer that stops iterating (or cancels the
task iterating) cancels the turn: the model call in flight is recorded as cancelled, a running
command is killed, and the work done so far and its cost are kept.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from tui_router.core.conversation import ToolCall

if TYPE_CHECKING:
    from tui_router.core.agent.tools import ToolOutcome, ToolPreview
    from tui_router.core.routing.decision import Decision
    from tui_router.core.turn import TurnResult

#: How a tool call ended: ran ("ok"), was refused by a rule or a person ("denied"), or failed.
ToolStatus = Literal["ok", "denied", "error"]


@dataclass(frozen=True)
class Approval:
    """A person's answer to a tool call: "yes", "no", or "always" (this tool — for commands,
    this command prefix — for the rest of the session). ``note`` goes to the model with a no."""

    decision: Literal["yes", "no", "always"]
    note: str = ""

    @property
    def approved(self) -> bool:
        return self.decision in ("yes", "always")


@dataclass(frozen=True)
class StepStarted:
    """A model call of the turn is about to be sent (step 1 is the first)."""

    step: int
    model: str
    max_steps: int


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer, in order, from ``model``."""

    text: str
    model: str


@dataclass(frozen=True)
class ToolCallRequested:
    """The model asked for a tool. ``approval`` is None when the call needs no yes (a read
    inside the workspace, a tool allowed by config or flags); otherwise the consumer must answer
    it with an `Approval`, and the tool runs only after a yes."""

    call: ToolCall
    preview: ToolPreview
    reason: str
    approval: asyncio.Future[Approval] | None = None
    #: a read outside the workspace and every extra folder: only a person's yes covers it
    #: (no --allow flag, not --yes)
    outside: bool = False
    #: what an "always" answer would allow for the rest of the session (`Permissions.always_for`)
    always: str = ""


@dataclass(frozen=True)
class ToolResult:
    """What a tool call came to; ``outcome.content`` is what the model sees."""

    call: ToolCall
    status: ToolStatus
    outcome: ToolOutcome
    duration_s: float = 0.0


@dataclass(frozen=True)
class CallPriced:
    """A model call of the turn finished (or failed, or was cancelled) and is on disk."""

    result: TurnResult


@dataclass(frozen=True)
class RouteSuggested:
    """The router would send this turn to another model; answer with True (switch) or False."""

    decision: Decision
    answer: asyncio.Future[bool]


@dataclass(frozen=True)
class Notice:
    """A line for the person: context elided to fit the window, a cap reached, a switch made."""

    text: str


@dataclass(frozen=True)
class ToolRecord:
    """One tool call of a finished turn, for summaries and ``ask --json``."""

    name: str
    status: ToolStatus
    path: str | None = None
    #: run_command: the command's exit code (status "ok" says the tool worked, not the command)
    exit_code: int | None = None


@dataclass(frozen=True)
class TurnDone:
    """The turn is over. ``stopped`` says why it ended early ("max steps (40) reached", "cost cap
    of $0.05 reached", "cancelled"), None when the model finished its answer."""

    text: str
    model: str | None
    steps: int
    tools: tuple[ToolRecord, ...] = ()
    files_changed: tuple[str, ...] = ()
    checkpoint_id: int | None = None
    stopped: str | None = None
    cost_usd: Decimal | None = None
    results: tuple[TurnResult, ...] = field(default=(), repr=False)
    #: why a stronger model should take over (repeated tool errors), when the turn says so
    escalation: str | None = None


@dataclass(frozen=True)
class TurnError:
    """The turn ends on an error (a provider failure, a missing key): one line to show.
    The `TurnDone` that follows keeps what the turn did before it."""

    message: str
    model: str | None = None
    #: "other": the provider failed; "config": not sent (no key, or a budget before the first
    #: call: the turn is undone); "stop": a budget stopped a turn that had done work
    kind: str = "other"
    #: a budget or cost cap refused the call (``ask`` exits 3 on it, as on any cap)
    budget: bool = False


TurnEvent = (
    StepStarted
    | TextDelta
    | ToolCallRequested
    | ToolResult
    | CallPriced
    | RouteSuggested
    | Notice
    | TurnDone
    | TurnError
)
