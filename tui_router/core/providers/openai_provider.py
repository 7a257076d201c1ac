"""OpenAI Chat Completions, streamed, for OpenAI and every OpenAI-compatible server.

One class serves api.openai.com and the endpoints a user lists in config.toml (Ollama, vLLM,
LM Studio, llama.cpp server, OpenRouter): only the base URL and the key's env var differ. Usage is
asked for with ``stream_options.include_usage`` and arrives in a last chunk with no choices; a
server that ignores the option gets its usage counted locally with tiktoken, marked estimated.
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
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.common import (
    Connection,
    chat_messages,
    estimated_usage,
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
        system, messages = chat_messages(request)
        if system:
            messages.insert(0, {"role": "system", "content": system})
        params: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        # OpenAI's reasoning models take only max_completion_tokens; compatible servers
        # (Ollama, llama.cpp, older vLLM) know max_tokens.
        limit_key = "max_completion_tokens" if self.is_official else "max_tokens"
        params[limit_key] = request.max_tokens
        if request.temperature is not None:
            params["temperature"] = request.temperature
        return params

    async def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        usage: Usage | None = None
        text: list[str] = []
        finish_reason: str | None = None
        started = False
        try:
            client = await self._get_client(connection)
            stream = await client.chat.completions.create(**self._params(request))
            async with stream:
                async for chunk in stream:
                    started = True
                    if getattr(chunk, "usage", None) is not None:
                        usage = Usage.from_openai(usage_dict(chunk.usage))
                        yield UsageEvent(usage)
                    for choice in chunk.choices or ():
                        content = getattr(choice.delta, "content", None) if choice.delta else None
                        if content:
                            text.append(content)
                            yield TextDelta(content)
                        if choice.finish_reason:
                            finish_reason = str(choice.finish_reason)
        except Exception as exc:  # API and transport failures become one ErrorEvent
            if started:  # the request was accepted: count what it cost, as far as we can tell
                yield UsageEvent(
                    await asyncio.to_thread(estimated_usage, request, "".join(text), usage)
                )
            yield error_event(exc, connection.context, mid_stream=started)
            return
        if usage is None:  # a server that ignores include_usage (llama.cpp server, some proxies)
            usage = await asyncio.to_thread(estimated_usage, request, "".join(text))
            yield UsageEvent(usage)
        if finish_reason is None:
            yield ended_early(connection.context)
            return
        yield StopEvent(finish_reason)
