"""The ``delegate`` tool: a read-only sub-task run on a cheap model.

Finding, reading and summarising are most of an agent's tokens and rarely need the model that
plans the change. ``delegate`` hands such a sub-task to a model of the fast tier (or the tier the
caller names, never above the caller's own), with the read-only tools only (`READ_ONLY_TOOLS`),
its own short conversation, and a step cap; its final answer is the tool result the caller sees.
Every call it makes is recorded with purpose ``subagent``. Reads outside the workspace are refused
(there is nobody to ask inside a sub-task). The chat shows the task and the sub-agent's tool calls
with their outcome (`SubtaskEnd.report`) above the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_router.core.conversation import Conversation
from tui_router.core.plural import counted
from tui_router.core.providers.base import ToolSpec

if TYPE_CHECKING:
    from tui_router.core.agent.agent import Agent
    from tui_router.core.agent.tools import ToolOutcome
    from tui_router.core.conversation import ToolCall
    from tui_router.core.turn import TurnResult, TurnRunner

#: most model calls one delegated sub-task may make
SUBAGENT_MAX_STEPS = 12
DEFAULT_TIER = "fast"
SUBAGENT_TIERS = ("local", "fast", "balanced")

DELEGATE_SPEC = ToolSpec(
    "delegate",
    "Hand a read-only sub-task (find where something is defined, read and summarise files, "
    "answer a question about the code) to a cheaper, faster model. It can read, list and "
    "search the workspace but not change anything; its answer comes back as this tool's "
    "result. Use it for searches and summaries that would otherwise take you many reads.",
    {
        "type": "object",
        "properties": {
            "task": {
                "type": "string",
                "description": "The sub-task, self-contained: what to find or summarise, and "
                "what to report back.",
            },
            "tier": {
                "type": "string",
                "enum": list(SUBAGENT_TIERS),
                "description": "Model tier for the sub-task (default fast).",
            },
        },
        "required": ["task"],
        "additionalProperties": False,
    },
)

SUBAGENT_SYSTEM = """\
You are a read-only helper of a coding assistant, working in the user's repository.
Use read_file, list_files and search to do the task you are given, then answer with what was
asked: exact paths, line numbers and short quotes where they help. You cannot change files.
Be brief: your answer goes back to the assistant that asked, not to the user."""


@dataclass(frozen=True)
class SubTask:
    """A validated delegate call."""

    task: str
    tier: str


def parse_delegate(arguments: dict[str, object]) -> SubTask | str:
    """The sub-task of a ``delegate`` call, or the error message the model sees."""
    task = arguments.get("task")
    if not isinstance(task, str) or not task.strip():
        return "error: delegate needs a non-empty 'task'"
    tier = arguments.get("tier", DEFAULT_TIER)
    if tier not in SUBAGENT_TIERS:
        return f"error: delegate tier must be one of {', '.join(SUBAGENT_TIERS)}"
    return SubTask(task.strip(), str(tier))


#: the task's characters on the delegate line (the whole task is in its output)
TASK_CHARS = 60


@dataclass(frozen=True)
class SubtaskEnd:
    """How a sub-task ended: its answer (or why it has none), in how many steps, at what cost;
    the task, and a line per tool call the sub-agent made ("✓ search /add/ in . · 1 match in 1
    file", "✗ write_file x.txt: refused: the sub-task may only read")."""

    answer: str
    failed: bool
    steps: int
    cost_usd: Decimal | None  # None: a step's price is unknown
    model: str
    task: str = ""
    calls: tuple[str, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        """The delegate line after its name: "→ model: the task · 3 steps · $0.0023"."""
        from tui_router.core.agent.tools import short_line
        from tui_router.core.money_text import format_usd

        steps = counted(self.steps, "step")
        cost = format_usd(self.cost_usd)
        task = f": {short_line(self.task, TASK_CHARS)}" if self.task else ""
        return f"→ {self.model}{task} · {steps} · {cost}"

    @property
    def report(self) -> str:
        """What the chat shows above the answer: the task, then the sub-agent's tool calls."""
        calls = "\n".join(f"  {line}" for line in self.calls) or "  (none)"
        return f"task: {self.task}\n{counted(len(self.calls), 'tool call')}:\n{calls}"


def call_line(call: ToolCall, outcome: ToolOutcome) -> str:
    """One sub-agent tool call and its outcome, on one line."""
    from tui_router.core.agent.tools import list_subject, search_subject, short_line

    if not outcome.is_error and outcome.summary:
        return f"✓ {call.name} {outcome.summary}"
    args = call.arguments if isinstance(call.arguments, dict) else {}
    subject = (
        search_subject(args)
        if call.name == "search"
        else list_subject(args)
        if call.name == "list_files"
        else str(args.get("path") or args.get("command") or "")
    )
    mark = "✗" if outcome.is_error else "✓"
    what = f"{call.name} {short_line(subject, 60)}".rstrip()
    return f"{mark} {what}: {short_line(outcome.content, 100)}"


async def run_subtask(
    runner: TurnRunner,
    agent: Agent,
    task: SubTask,
    model: str,
    *,
    session_id: str,
    turn_index: int,
) -> AsyncIterator[TurnResult | SubtaskEnd]:
    """The sub-task's own loop on ``model`` with the read-only tools: yields each priced call
    (purpose ``subagent``, already recorded by the runner), then a `SubtaskEnd`. A tool other
    than a read, or a read the permissions do not simply allow, is refused to the sub-agent."""
    from tui_router.core.agent.tools import READ_ONLY_TOOLS, TOOL_SPECS, ToolOutcome

    conversation = Conversation(system=f"{SUBAGENT_SYSTEM}\nWorkspace: {agent.workspace_root}")
    conversation.add_user(task.task)
    specs = tuple(spec for spec in TOOL_SPECS if spec.name in READ_ONLY_TOOLS)
    answer, failed, steps = "", False, 0
    cost: Decimal | None = Decimal(0)
    calls: list[str] = []
    while steps < SUBAGENT_MAX_STEPS:
        steps += 1
        sub = await runner.run(
            conversation,
            model,
            session_id=session_id,
            turn_index=turn_index,
            purpose="subagent",
            store_text=False,
            tools=specs,
            cache_key=f"{session_id}:subagent",
        )
        # a step with no known price makes the sub-task's cost unknown ("n/a"), never $0
        cost = None if cost is None or sub.price.usd is None else cost + sub.price.usd
        yield sub
        conversation.add_assistant(sub.text, sub.model, sub.tool_calls)
        answer = sub.text
        if not sub.ok:
            answer, failed = f"the sub-task failed on {model}: {sub.error}", True
            break
        if not sub.tool_calls:
            break
        for sub_call in sub.tool_calls:
            check = agent.permissions.check(sub_call, agent.workspace)
            if sub_call.name not in READ_ONLY_TOOLS:
                out = ToolOutcome("refused: the sub-task may only read", is_error=True)
            elif check.verdict != "allow":
                out = ToolOutcome(f"refused: {check.reason}", is_error=True)
            else:
                with agent.workspace.reading_outside(check.outside):  # an "always" for it
                    out = await agent.toolbox.run(sub_call)
            conversation.add_tool_result(sub_call.id, out.content, is_error=out.is_error)
            calls.append(call_line(sub_call, out))
    else:  # the step cap came first
        answer = answer or f"the sub-task stopped after {SUBAGENT_MAX_STEPS} steps"
    answer = answer or "(the sub-task gave no answer)"
    yield SubtaskEnd(answer, failed, steps, cost, model, task.task, tuple(calls))
