"""Provider-neutral conversation: the messages of a session, independent of any model.

A conversation can change model between turns and keep its history: messages carry the model that
produced them for display and accounting only, and every provider receives the same history.
An agent turn adds two shapes to plain text: an assistant message may carry `ToolCall`s, and each
call is answered by a ``"tool"`` message (``tool_call_id`` names the call). Each provider turns
these into its own wire format (Anthropic ``tool_use``/``tool_result`` blocks, OpenAI
``tool_calls`` and ``role: tool`` messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]

#: the result a tool call gets when it has none (an error result, as the model reads it): a turn
#: that ended between the call and its result, live or in a stored session; the APIs reject a
#: history with a tool call that no result follows
NO_RESULT = (
    "no result: the turn ended before this call finished (it was cancelled while it waited for "
    "approval or ran, or the app stopped); if it had started, it may have run in part"
)


@dataclass(frozen=True)
class ToolCall:
    """A tool the model asked to run: the provider's call id, the tool name, its parsed input."""

    id: str
    name: str
    arguments: dict[str, Any]


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass
class Message:
    """One message. ``model`` is set on assistant messages (which model wrote it)."""

    role: Role
    content: str
    model: str | None = None
    #: assistant messages: the tools the model asked for, in order
    tool_calls: tuple[ToolCall, ...] = ()
    #: tool messages: the call this result answers, and whether it is an error the model sees
    tool_call_id: str | None = None
    is_error: bool = False
    #: `/compact`'s summary or the reply to it: it stands for the turns before it, so "retry
    #: stronger" never takes it back as the last turn's prompt
    summary: bool = False


def text_chars(messages: Iterable[Message]) -> int:
    """The characters of ``messages`` that a prompt carries: their text, and for an agent's
    history the tool calls' names and input too (what token estimates are made from)."""
    total = 0
    for message in messages:
        total += len(message.content)
        total += sum(len(f"{call.name}{call.arguments}") for call in message.tool_calls)
    return total


@dataclass
class Conversation:
    """The history sent to whichever model answers the next turn."""

    system: str | None = None
    messages: list[Message] = field(default_factory=list)

    def add_user(self, text: str) -> Message:
        message = Message("user", text)
        self.messages.append(message)
        return message

    def add_assistant(
        self, text: str, model: str, tool_calls: tuple[ToolCall, ...] = ()
    ) -> Message:
        message = Message("assistant", text, model=model, tool_calls=tool_calls)
        self.messages.append(message)
        return message

    def add_tool_result(self, call_id: str, content: str, *, is_error: bool = False) -> Message:
        message = Message("tool", content, tool_call_id=call_id, is_error=is_error)
        self.messages.append(message)
        return message

    def answer_open_calls(self, content: str = NO_RESULT) -> list[Message]:
        """Answer each tool call of the last assistant message that has no result yet with
        ``content`` (an error the model sees); return the results added.

        Both APIs refuse a history in which a tool call is not followed by its result, so a
        turn that ends between a call and its result (a cancel, a stream that broke off after
        a tool call, a cap) must not leave one open: the next prompt would fail.
        """
        messages = self.messages
        last = next(
            (i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "assistant"), None
        )
        if last is None or not messages[last].tool_calls:
            return []
        answered = {m.tool_call_id for m in messages[last + 1 :] if m.role == "tool"}
        return [
            self.add_tool_result(call.id, content, is_error=True)
            for call in messages[last].tool_calls
            if call.id not in answered
        ]

    def pop_last_turn(self) -> tuple[Message | None, Message | None]:
        """Remove the last turn (its prompt and everything after it: tool calls, tool results,
        the answer) for "retry stronger"; return (the prompt, the final answer). A turn that
        `/compact` has folded into its summary is not there to remove: the summary stays, and
        the retried prompt goes after it."""
        messages = self.messages
        last_user = next(
            (i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), None
        )
        if last_user is not None and messages[last_user].summary:
            return None, None
        assistant = messages[-1] if messages and messages[-1].role == "assistant" else None
        if last_user is None:
            if assistant is not None:
                messages.pop()
            return None, assistant
        user = messages[last_user]
        del messages[last_user:]
        return user, assistant

    def for_provider(self) -> list[Message]:
        """The history as providers receive it (system prompt travels separately)."""
        return [m for m in self.messages if m.role != "system"]
