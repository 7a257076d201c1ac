"""How full the current model's context window is: the tokens the next call would send.

The exact part is the last call's prompt as the API counted it (cache reads and writes included);
what the conversation gained since (that call's answer, tool results, a new prompt) is estimated
from its characters with the session's calibrated characters per token (`token_calibration`).
Without an exact part (no call yet, a resumed session, a model of another family, a history cut
or rewritten since: retry, /compact, elided tool output) the whole prompt is estimated: the
system prompt, the messages and the tool definitions an agent's call carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui_router.core.conversation import Conversation, Message, text_chars
from tui_router.core.token_calibration import TokenCalibration, family_of
from tui_router.core.tokens import TOKENS_PER_MESSAGE, TOKENS_PER_REPLY, tokens_for_chars
from tui_router.core.usage import Usage

#: Past this share of the window the ticker warns: the next turns may need elision or /compact.
WARN_SHARE = 0.8


@dataclass(frozen=True)
class ContextMark:
    """What the last call sent, as its API counted it.

    Attributes:
        model: the model that was called (token counts differ between families).
        prompt_tokens: the call's whole input, cache reads and writes included.
        messages: how many messages of the history it sent.
        last: the last of them; the mark holds while the history still has it at that place
            (a retry, /compact or an elision rewrites the history and drops the mark).
    """

    model: str
    prompt_tokens: int
    messages: int
    last: Message | None


@dataclass(frozen=True)
class ContextUse:
    """Tokens the next call would send, and the window they must fit (None: not known)."""

    tokens: int
    window: int | None

    @property
    def share(self) -> float | None:
        if not self.window:
            return None
        return self.tokens / self.window

    @property
    def warn(self) -> bool:
        share = self.share
        return share is not None and share >= WARN_SHARE


def mark_call(model: str, usage: Usage, conversation: Conversation) -> ContextMark | None:
    """The mark of a call that just sent ``conversation`` (None when its usage is not exact)."""
    if usage.estimated or usage.input_tokens <= 0:
        return None
    messages = conversation.messages
    return ContextMark(model, usage.input_tokens, len(messages), messages[-1] if messages else None)


def measure(
    conversation: Conversation,
    model_id: str,
    window: int | None,
    mark: ContextMark | None,
    calibration: TokenCalibration | None = None,
    live: Usage | None = None,
    tools: int = 0,
) -> ContextUse:
    """The tokens the next call on ``model_id`` would send. While a call streams (``live``),
    its prompt and what it has written so far. ``tools``: the estimated tokens of the tool
    definitions each call sends (a mark's exact count has them already)."""
    if live is not None:
        return ContextUse(live.input_tokens + live.output_tokens, window)
    messages = conversation.messages
    if mark is not None and _holds(mark, messages) and family_of(mark.model) == family_of(model_id):
        added = messages[mark.messages :]
        return ContextUse(mark.prompt_tokens + _estimate(added, model_id, calibration), window)
    tokens = _estimate(messages, model_id, calibration) + TOKENS_PER_REPLY + tools
    if conversation.system:
        tokens += TOKENS_PER_MESSAGE + _tokens(len(conversation.system), model_id, calibration)
    return ContextUse(tokens, window)


def _holds(mark: ContextMark, messages: Sequence[Message]) -> bool:
    if len(messages) < mark.messages:
        return False
    return mark.messages == 0 or messages[mark.messages - 1] is mark.last


def _estimate(
    messages: Sequence[Message], model_id: str, calibration: TokenCalibration | None
) -> int:
    sent = [m for m in messages if m.role != "system"]  # the system prompt travels apart
    return TOKENS_PER_MESSAGE * len(sent) + _tokens(text_chars(sent), model_id, calibration)


def _tokens(chars: int, model_id: str, calibration: TokenCalibration | None) -> int:
    if calibration is None:
        return tokens_for_chars(chars)
    return calibration.tokens_for_chars(model_id, chars)
