"""The ``delegate`` tool: a read-only sub-task run on a cheap model.

Finding, reading and summarising are most of an agent's tokens and rarely need the model that
plans the change. ``delegate`` hands such a sub-task to a model of the fast tier (or the tier the
caller names, never above the caller's own), with the read-only tools only (`READ_ONLY_TOOLS`),
its own short conversation, and a step cap; its final answer is the tool result the caller sees.
Every call it makes is recorded with purpose ``subagent``. Reads outside the workspace are refused
(there is nobody to ask inside a sub-task).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_router.core.providers.base import ToolSpec

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
