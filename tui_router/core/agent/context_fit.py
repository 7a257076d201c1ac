"""Keeping an agent's history inside the model's context window.

Tool results are the bulk of an agent's history (a file read, a test run) and the part the model
needs least once it has acted on them. When the history would not fit the window with room for the
answer, the oldest tool results are elided first (their content replaced by a one-line note, so
the call and its result still pair up); if that is not enough, the oldest whole turns go. The
latest turn is never dropped and its last `KEEP_RECENT_RESULTS` tool results are kept whole.
The sizes are the ~4-characters-per-token estimate: this runs before every step and must be cheap.
"""

from __future__ import annotations

from dataclasses import replace

from tui_router.core.conversation import Conversation, Message
from tui_router.core.plural import counted
from tui_router.core.tokens import TOKENS_PER_MESSAGE, estimate_tokens

#: tool results of the latest turn that are never elided
KEEP_RECENT_RESULTS = 4
#: results shorter than this are not worth eliding
MIN_ELIDE_TOKENS = 64


def history_tokens(conversation: Conversation) -> int:
    """Estimated prompt size of the conversation (system prompt included)."""
    total = estimate_tokens(conversation.system or "")
    for message in conversation.messages:
        total += _message_tokens(message)
    return total


def fit_to_window(conversation: Conversation, budget_tokens: int) -> list[str]:
    """Shrink ``conversation`` in place until its estimate fits ``budget_tokens``.

    Returns one line per kind of change made, for the chat ("elided 3 older tool results
    (12,400 tokens) to fit the window"); empty when it already fit.
    """
    notes: list[str] = []
    size = history_tokens(conversation)
    if size <= budget_tokens:
        return notes
    messages = conversation.messages
    last_user = _last_user_index(messages)
    protected = _recent_results(messages, last_user)
    elided = saved = 0
    for index, message in enumerate(messages):
        if size <= budget_tokens:
            break
        if message.role != "tool" or index in protected or _is_elided(message):
            continue
        tokens = _message_tokens(message)
        if tokens < MIN_ELIDE_TOKENS:
            continue
        note = f"[tool output elided to fit the context window: {tokens:,} tokens]"
        messages[index] = replace(message, content=note)
        now = _message_tokens(messages[index])
        size -= tokens - now
        saved += tokens - now
        elided += 1
    if elided:
        notes.append(
            f"elided {counted(elided, 'older tool result')} "
            f"(~{saved:,} tokens) to fit the context window"
        )
    dropped = 0
    while size > budget_tokens:
        cut = _second_user_index(messages)
        if cut is None:  # only the latest turn is left: it is never dropped
            break
        size -= sum(_message_tokens(m) for m in messages[:cut])
        del messages[:cut]
        dropped += 1
    if dropped:
        notes.append(f"dropped the {counted(dropped, 'oldest turn')} to fit the context window")
    return notes


def _message_tokens(message: Message) -> int:
    tokens = estimate_tokens(message.content) + TOKENS_PER_MESSAGE
    for call in message.tool_calls:
        tokens += estimate_tokens(f"{call.name}{call.arguments}")
    return tokens


def _is_elided(message: Message) -> bool:
    return message.content.startswith("[tool output elided")


def _last_user_index(messages: list[Message]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "user":
            return index
    return 0


def _recent_results(messages: list[Message], last_user: int) -> set[int]:
    recent = [i for i in range(last_user, len(messages)) if messages[i].role == "tool"]
    return set(recent[-KEEP_RECENT_RESULTS:])


def _second_user_index(messages: list[Message]) -> int | None:
    """Where the second turn starts (so ``messages[:i]`` is the oldest whole turn)."""
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    return users[1] if len(users) >= 2 else None
