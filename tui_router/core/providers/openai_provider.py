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
import importlib
from collections.abc import AsyncIterator
from typing import Any

from tui_router.core.config import EndpointConfig
from tui_router.core.providers.base import (
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.common import (
    DEFAULT_MAX_RETRIES,
    Connection,
    chat_messages,
    estimated_usage,
    resolve_connection,
)
from tui_router.core.providers.errors import ended_early, error_event
from tui_router.core.usage import Usage


def _usage_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    dumped = obj.model_dump()
    return dumped if isinstance(dumped, dict) else {}


class OpenAIProvider:
    """Streams Chat Completions from OpenAI or an OpenAI-compatible server."""

    def __init__(
        self,
        endpoint: EndpointConfig,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | None = None,
    ) -> None:
        self.name = endpoint.name
        self.price_provider = endpoint.price_provider
        self.endpoint = endpoint
        self.max_retries = max_retries
        self.timeout = timeout
        self._client: Any = None
        self._connection: Connection | None = None

    @property
    def is_official(self) -> bool:
        """Serves OpenAI's own models (priced as OpenAI), not a compatible server's."""
        return self.endpoint.price_provider == "openai"

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Start one call; raises `ProviderConfigError` at once if a needed key is not set."""
        connection = resolve_connection(self.endpoint, "openai", self.timeout)
        return self._stream(request, connection)

    async def _get_client(self, connection: Connection) -> Any:
        if self._client is not None and self._connection == connection:
            return self._client
        await self.aclose()
        sdk = await asyncio.to_thread(importlib.import_module, "openai")
        options: dict[str, Any] = {}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        self._client = sdk.AsyncOpenAI(
            api_key=connection.api_key,
            base_url=connection.base_url,
            max_retries=self.max_retries,
            **options,
        )
        self._connection = connection
        return self._client

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
                        usage = Usage.from_openai(_usage_dict(chunk.usage))
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

    async def aclose(self) -> None:
        client, self._client, self._connection = self._client, None, None
        if client is not None:
            await client.close()
