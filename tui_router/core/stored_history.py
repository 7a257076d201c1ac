"""A stored session's history as the models saw it, for `--resume`.

The store keeps every message of a session in order: each turn's prompt, each model call's
answer with the tools it asked for, and each tool result as it was sent (redacted and capped as
the model got it). `stored_conversation` turns those rows back into the conversation a live
session would hold at that point, so the first call after a resume carries the files read, the
commands run and the steps in between, not only the prompts and final answers.

A turn that was tried again (ctrl+r "retry stronger", a cascade's escalation or fail-over) keeps
every attempt in the store, but the conversation only the last one, with the prompt it was sent:
the live session drops the earlier attempts (`Conversation.pop_last_turn`). An attempt ends with
an answer that asks for no tool, and a retry always runs on another model, so a new attempt
starts at an answer that follows a finished answer or that another model wrote, and at a prompt
stored for it (kind ``attempt``: an escalation sends the task with the failed attempt's diff).

`/compact` replaces the history sent to models with a summary (a user message and the reply to
it); the store keeps the history whole and the summary after it, and the conversation restarts
from the last summary.

A tool call without a stored result (the turn was cancelled while it waited or ran, the app
stopped, or the call's stream broke off) is answered with `NO_RESULT`, as a live session does
(`Conversation.answer_open_calls`): the APIs reject a tool call that no result follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tui_router.core.conversation import NO_RESULT, Message
from tui_router.core.store_rows import MessageRow


@dataclass
class _Attempt:
    prompt: MessageRow
    model: str | None = None
    answers: list[MessageRow] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Its last answer asked for no tool: the attempt ended there."""
        return bool(self.answers) and not self.answers[-1].tool_calls


def stored_conversation(rows: Sequence[MessageRow]) -> list[Message]:
    """The messages a live session would send after the turns ``rows`` hold (a session's
    messages in store order; system rows and turns without a prompt are left out). After a
    `/compact`, the last summary and what followed it: the live session had replaced the
    history before it."""
    start, messages = _last_summary(rows)
    turns: dict[int, list[MessageRow]] = {}
    for row in rows[start:]:
        turns.setdefault(row.turn or 0, []).append(row)
    for turn in sorted(turns):
        messages.extend(_turn_messages(turns[turn]))
    return messages


def _last_summary(rows: Sequence[MessageRow]) -> tuple[int, list[Message]]:
    """Where the rows after the last `/compact` summary start, and the summary's messages (its
    rows are written together, so they are one run); (0, []) when there is none."""
    end = next((i for i in range(len(rows) - 1, -1, -1) if rows[i].kind == "summary"), None)
    if end is None:
        return 0, []
    begin = end
    while begin > 0 and rows[begin - 1].kind == "summary":
        begin -= 1
    summary = [
        Message("user" if r.role == "user" else "assistant", r.content, model=r.model, summary=True)
        for r in rows[begin : end + 1]
    ]
    return end + 1, summary


def _turn_messages(rows: list[MessageRow]) -> list[Message]:
    results: dict[str, MessageRow] = {}
    attempts: list[_Attempt] = []
    for row in rows:
        if row.role == "user":  # the turn's prompt, or the one a later attempt was sent instead
            attempts.append(_Attempt(row))
        elif row.role == "assistant" and attempts:  # (none before a prompt: nothing it answers)
            last = attempts[-1]
            if last.answers and (last.finished or row.model != last.model):
                last = _Attempt(last.prompt)
                attempts.append(last)
            last.model = row.model
            last.answers.append(row)
        elif row.role == "tool" and row.tool_call_id is not None:
            results.setdefault(row.tool_call_id, row)
    if not attempts:  # nothing to answer: the APIs want a prompt before an answer
        return []
    final = attempts[-1]
    messages = [Message("user", final.prompt.content)]
    for answer in final.answers:
        messages.append(
            Message("assistant", answer.content, model=answer.model, tool_calls=answer.tool_calls)
        )
        for call in answer.tool_calls:
            result = results.get(call.id)
            if result is None:
                messages.append(Message("tool", NO_RESULT, tool_call_id=call.id, is_error=True))
            else:
                messages.append(
                    Message("tool", result.content, tool_call_id=call.id, is_error=result.is_error)
                )
    return messages
