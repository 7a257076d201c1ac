"""OpenAI Chat Completions, streamed, for OpenAI and every OpenAI-compatible server.

One class serves api.openai.com and the endpoints a user lists in config.toml (Ollama, vLLM,
LM Studio, llama.cpp server, OpenRouter): only the base URL and the key's env var differ. Usage is
asked for with ``stream_options.include_usage`` and arrives in a last chunk with no choices; a
server that ignores the option (or reports implausible counts, see `Usage.from_openai`) gets its
usage counted locally with tiktoken, marked estimated.
Tool calls stream as ``delta.tool_calls`` pieces keyed by ``index`` (the first names the call,
later ones append to its JSON arguments); they are emitted whole, in index order, once the
stream has finished, before the `StopEvent`. The request is shaped by `openai_params`.
The SDK is imported on the first call, in a worker thread.

Cancelling the consuming task closes the HTTP stream. Text already received is the consumer's to
keep; if the stream fails part-way, a last estimated `UsageEvent` precedes the `ErrorEvent`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tui_router.core.providers.base import (
    ProviderEvent,
    RetryEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)
from tui_router.core.providers.common import (
    Connection,
    estimated_usage,
    openai_params,
    tool_call_event,
)
from tui_router.core.providers.errors import ended_early, error_event
from tui_router.core.providers.sdk_provider import SDKProvider, usage_dict
from tui_router.core.usage import Usage


class OpenAIProvider(SDKProvider):
    """Streams Chat Completions from OpenAI or an OpenAI-compatible server."""

    SDK = "openai"
    CLIENT_CLASS = "AsyncOpenAI"

    @property
    def is_official(self) -> bool:
        """Serves OpenAI's own models (priced as OpenAI), not a compatible server's."""
        return self.endpoint.price_provider == "openai"

    def _params(self, request: StreamRequest) -> dict[str, Any]:
        return openai_params(request, official=self.is_official)

    async def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        usage: Usage | None = None
        text: list[str] = []
        finish_reason: str | None = None
        started = False
        #: tool calls by their stream index: [id, name, argument pieces]
        pieces: dict[int, tuple[list[str], list[str], list[str]]] = {}
        params = self._params(request)
        try:
            stream: Any = None
            async for step in self._open(
                connection, lambda client: client.chat.completions.create(**params)
            ):
                if isinstance(step, RetryEvent):
                    yield step
                else:
                    stream = step.stream
            async with stream:
                async for chunk in stream:
                    started = True
                    if getattr(chunk, "usage", None) is not None:
                        reported = Usage.from_openai(usage_dict(chunk.usage))
                        if reported.estimated:  # implausible: re-counted below
                            usage = None
                        else:
                            usage = reported
                            yield UsageEvent(usage)
                    for choice in chunk.choices or ():
                        content = getattr(choice.delta, "content", None) if choice.delta else None
                        if content:
                            text.append(content)
                            yield TextDelta(content)
                        for position, part in enumerate(
                            (getattr(choice.delta, "tool_calls", None) if choice.delta else None)
                            or ()
                        ):
                            _add_tool_piece(pieces, part, position)
                        if choice.finish_reason:
                            finish_reason = str(choice.finish_reason)
        except Exception as exc:  # API and transport failures become one ErrorEvent
            if started:  # the request was accepted: count what it cost, as far as we can tell
                calls = [event.call for event in _tool_call_events(pieces)]
                yield UsageEvent(
                    await asyncio.to_thread(estimated_usage, request, "".join(text), usage, calls)
                )
            yield error_event(exc, connection.context, mid_stream=started)
            return
        call_events = _tool_call_events(pieces)
        # a server that ignores include_usage (llama.cpp server, some proxies), or sent junk
        if usage is None:
            calls = [event.call for event in call_events]
            usage = await asyncio.to_thread(estimated_usage, request, "".join(text), None, calls)
            yield UsageEvent(usage)
        if finish_reason is None:
            yield ended_early(connection.context)
            return
        for call_event in call_events:
            yield call_event
        yield StopEvent(finish_reason)


def _add_tool_piece(
    pieces: dict[int, tuple[list[str], list[str], list[str]]], part: Any, position: int
) -> None:
    """Fold one ``delta.tool_calls`` item into the call it continues (matched by ``index``)."""
    index = getattr(part, "index", None)
    ids, names, arguments = pieces.setdefault(
        index if isinstance(index, int) else position, ([], [], [])
    )
    if getattr(part, "id", None):
        ids.append(str(part.id))
    function = getattr(part, "function", None)
    if function is not None:
        if getattr(function, "name", None):
            names.append(str(function.name))
        if getattr(function, "arguments", None):
            arguments.append(str(function.arguments))


def _tool_call_events(
    pieces: dict[int, tuple[list[str], list[str], list[str]]],
) -> list[ToolCallEvent]:
    """The streamed tool calls, whole, in index order (a call without an id gets one)."""
    events = []
    for index in sorted(pieces):
        ids, names, arguments = pieces[index]
        # OpenAI names a call once, in its first piece; some compatible servers repeat the id
        # and name in every piece, so the first one counts.
        call_id = ids[0] if ids else f"call_{index}"
        events.append(tool_call_event(call_id, names[0] if names else "", "".join(arguments)))
    return events
