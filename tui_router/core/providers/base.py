"""The provider contract: one async stream of events per call.

Every provider (Anthropic, OpenAI and OpenAI-compatible servers, the bundled local model) turns a
request into the same events, so the ledger, the CLI and the TUI never see an SDK type:

* `TextDelta`  - a piece of the answer, in order;
* `ToolCallEvent` - the model asked for a tool (emitted once its input has streamed in whole);
* `UsageEvent` - token usage so far (cumulative; the last one is exact unless marked estimated);
* `StopEvent`  - the call finished normally, with the provider's stop reason;
* `ErrorEvent` - the call failed; ``message`` is one line fit to show a person;
* `RetryEvent` - the request failed before any answer and is about to be sent again (after
  ``wait_s``); a consumer that does not know it may ignore it.

A stream always ends with exactly one `StopEvent` or `ErrorEvent`. API failures are reported as an
`ErrorEvent`, never raised; misconfiguration found before any request (no key, unknown endpoint)
raises `ProviderConfigError` whose message names the env var or endpoint to fix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from tui_router.core.conversation import Message, ToolCall
from tui_router.core.errors import UserFacingError
from tui_router.core.usage import Usage

ErrorKind = Literal[
    "auth", "rate_limit", "overloaded", "server", "connection", "timeout", "bad_request", "other"
]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A complete tool call: the provider's id, the tool's name and its parsed input.

    An input that is not a JSON object (a model's malformed arguments) arrives as
    ``arguments={}`` with ``malformed`` holding the raw text, so the loop can tell the model.
    """

    call: ToolCall
    malformed: str | None = None


@dataclass(frozen=True, slots=True)
class UsageEvent:
    usage: Usage


@dataclass(frozen=True, slots=True)
class StopEvent:
    reason: str  # "end_turn", "max_tokens", "stop", "length", ... as the provider said it


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    message: str
    kind: ErrorKind = "other"
    status: int | None = None


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """Attempt ``attempt`` of ``of`` is about to be sent, ``wait_s`` seconds from now.

    ``reason`` is short ("rate limited", "server error (HTTP 500)", "connection failed");
    `message` is the line to show: "rate limited, retrying in 4 s (2/3)".
    """

    attempt: int
    of: int
    wait_s: float
    reason: str

    @property
    def message(self) -> str:
        return f"{self.reason}, retrying in {seconds_text(self.wait_s)} ({self.attempt}/{self.of})"


def seconds_text(seconds: float) -> str:
    """``4 s``, ``0.5 s``, ``12 s``: a wait as a person reads it."""
    return f"{round(seconds, 1):g} s" if seconds < 10 else f"{seconds:.0f} s"


ProviderEvent = TextDelta | ToolCallEvent | UsageEvent | StopEvent | ErrorEvent | RetryEvent


class ProviderConfigError(UserFacingError):
    """A provider cannot be used as configured; the message says what to set, and where."""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool offered to the model: its name, what it does, and a JSON schema for its input."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What one call asks for.

    ``tools`` are offered with the provider's native tool calling. ``cache_key`` switches prompt
    caching on: Anthropic gets cache breakpoints on the tools/system prefix and on the latest
    message; OpenAI gets it as ``prompt_cache_key`` (one per session, so steps share a cache).
    ``effort`` is a reasoning effort ("low", "medium", "high") for models that take one.
    """

    model: str
    messages: Sequence[Message]
    system: str | None = None
    max_tokens: int = 4096
    temperature: float | None = None
    tools: Sequence[ToolSpec] = ()
    cache_key: str | None = None
    effort: str | None = None


@runtime_checkable
class Provider(Protocol):
    """A configured endpoint that can stream answers."""

    #: registry name of this endpoint ("anthropic", "openai", "ollama", "local", ...)
    name: str
    #: genai-prices provider id used for pricing ("anthropic", "openai"), or None for unpriced/local
    price_provider: str | None

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Stream one call. Cancelling the consuming task aborts the HTTP request."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client (idempotent)."""
        ...
