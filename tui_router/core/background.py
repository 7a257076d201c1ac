"""Background work of a session, on the fast tier: its title and the summary of `/compact`.

Neither is part of the conversation the user sees answered: each is one model call with its own
small request, priced and recorded (purpose ``title`` / ``compact``) like every other call. The
title runs beside the first turn (the turn never waits for it); `compact` replaces the history
sent to models with a summary, while the store keeps the history whole and the summary after it
(a resumed session goes on from the summary, as the live one did). A history too small to
gain from a summary is not sent (`MIN_COMPACT_TOKENS`), and a summary no smaller than the history
it summarises is not used (its call is still paid for, and said).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_router.core.agent.context_fit import history_tokens
from tui_router.core.agent.tools import short_line
from tui_router.core.conversation import Conversation
from tui_router.core.errors import UserFacingError

if TYPE_CHECKING:
    from tui_router.core.session import Session
    from tui_router.core.turn import TurnResult

TITLE_SYSTEM = (
    "Write a title of at most six words for a coding session that starts with the user's "
    "request below. Answer with the title only: no quotes, no punctuation at the end."
)
TITLE_PROMPT_CAP = 2_000
TITLE_MAX_TOKENS = 24

COMPACT_SYSTEM = """\
You summarise a coding session so that it can continue without its full history. Keep: the
user's goals and constraints, decisions made, files read or changed (paths) and what changed,
commands run and their outcome, open problems and next steps. Drop pleasantries and raw tool
output. Write compact markdown, at most about 400 words."""
#: the most characters of one tool result the summariser is shown
TRANSCRIPT_RESULT_CAP = 2_000
#: a history (system prompt aside) smaller than this is not compacted: the summary asked for
#: (about 400 words, some 550 tokens) and its framing would be about as big
MIN_COMPACT_TOKENS = 1_000


@dataclass(frozen=True)
class CompactResult:
    """What ``/compact`` did: the summary call, and the history's size before and after.
    ``kept``: the summary was not smaller, so the history was kept as it was (``tokens_after``
    is then the size the summary would have given)."""

    result: TurnResult
    tokens_before: int
    tokens_after: int
    kept: bool = False


def _transcript(conversation: Conversation) -> str:
    """The history as plain text for the summariser (tool results capped)."""
    lines: list[str] = []
    for message in conversation.messages:
        content = message.content
        if message.role == "tool" and len(content) > TRANSCRIPT_RESULT_CAP:
            content = content[:TRANSCRIPT_RESULT_CAP] + " […]"
        lines.append(f"## {message.role}\n{content}")
        for call in message.tool_calls:
            lines.append(f"(tool call {call.name} {json.dumps(call.arguments)[:300]})")
    return "\n\n".join(lines)


async def make_title(session: Session, prompt: str) -> str | None:
    """A short title for the session from its first prompt, written by a fast-tier model
    (purpose ``title``) and stored on the session; None when no such model can be called
    or the call fails (the prompt's first line stays the title). Runs beside the turn: the
    turn never waits for it."""
    found = session.catalog.first_available("fast", fallback_ok=False)
    if found is None:
        return None
    # the session this title is for: `/new` may start another one while the call runs
    session_id = session.session_id
    request = Conversation(system=TITLE_SYSTEM)
    request.add_user(prompt[:TITLE_PROMPT_CAP])
    try:
        result = await session.runner.run(
            request,
            found.id,
            session_id=session_id,
            turn_index=max(session.turn_index, 1),
            purpose="title",
            store_text=False,
            max_tokens=TITLE_MAX_TOKENS,
        )
    except UserFacingError:  # a budget, a key: a title is not worth saying so
        return None
    title = " ".join(result.text.split()).strip(" \"'`.#*")
    if not result.ok or not title:
        return None
    title = short_line(title, 60)
    session.store.set_title(session_id, title)
    return title


def nothing_to_compact(conversation: Conversation) -> str | None:
    """Why ``conversation`` is not worth a summary call (empty, or under
    `MIN_COMPACT_TOKENS`), or None when it is."""
    if not conversation.messages:
        return "Nothing to compact yet: the conversation is empty"
    own = history_tokens(conversation) - history_tokens(Conversation(system=conversation.system))
    if own < MIN_COMPACT_TOKENS:
        return (
            f"Nothing to compact: the conversation is only ~{own:,} tokens (a summary is worth "
            f"it from ~{MIN_COMPACT_TOKENS:,}); nothing was sent"
        )
    return None


async def compact(session: Session, model_id: str | None = None) -> CompactResult:
    """Replace the history with a summary written by a fast-tier model (``/compact``).

    The summary call is recorded with purpose ``compact``; the store keeps the full history,
    and the summary after it (only the conversation sent to models shrinks). Raises
    `UserFacingError` when there is nothing to compact (an empty history, or one under
    `MIN_COMPACT_TOKENS`: no call is made) or the summary call fails (the history is then
    kept). A summary that is not smaller than the history is not used: the result says
    ``kept``.
    """
    conversation = session.conversation
    problem = nothing_to_compact(conversation)
    if problem is not None:
        raise UserFacingError(problem)
    before = history_tokens(conversation)
    model = model_id or _compact_model(session)
    request = Conversation(system=COMPACT_SYSTEM)
    request.add_user(_transcript(session.conversation))
    result = await session.runner.run(
        request,
        model,
        session_id=session.session_id,
        turn_index=session.turn_index,
        purpose="compact",
        store_text=False,
    )
    if not result.ok or not result.text.strip():
        raise UserFacingError(
            f"/compact: the summary call to {model} failed ({result.error or 'no text'}); "
            "the history is kept as it was"
        )
    summary = Conversation(system=conversation.system)
    summary.add_user(f"[Summary of the conversation so far]\n{result.text.strip()}").summary = True
    summary.add_assistant("Understood; I will continue from this summary.", model).summary = True
    after = history_tokens(summary)
    if after >= before:  # a summary that saves nothing: the history as it was is better
        return CompactResult(result, before, after, kept=True)
    _store_summary(session, summary, result.call_id)
    conversation.messages[:] = summary.messages
    return CompactResult(result, before, after)


def _store_summary(session: Session, summary: Conversation, call_id: int) -> None:
    """Keep the summary that now stands for the history, as the models get it: `--resume`
    rebuilds the history from the store, and without this it sent the whole history the
    summary had replaced (`stored_history` restarts from the last summary)."""
    from tui_router.core.store_rows import MessageRow

    session.store.add_messages(
        session.session_id,
        [
            MessageRow(
                0,
                message.role,
                message.content,
                turn=session.turn_index,
                model=message.model,
                call_id=call_id or None,
                kind="summary",
            )
            for message in summary.messages
        ],
    )


def _compact_model(session: Session) -> str:
    found = session.catalog.first_available("fast", fallback_ok=False)
    return session.model_id if found is None else found.id
