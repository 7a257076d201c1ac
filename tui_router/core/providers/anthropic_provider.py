"""The Anthropic Messages API, streamed, as provider events.

Usage comes in two parts: ``message_start`` carries the input side (uncached input, cache reads
and 5-minute/1-hour cache writes), ``message_delta`` the cumulative output (thinking included).
Each is normalised with `Usage.from_anthropic`, merged, and emitted as a cumulative `UsageEvent`.
The SDK is imported on the first call, in a worker thread (it takes about a second).

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


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dumped = obj.model_dump()
    return dumped if isinstance(dumped, dict) else {}


async def _estimate(request: StreamRequest, text: list[str], usage: Usage) -> Usage:
    return await asyncio.to_thread(estimated_usage, request, "".join(text), usage)


class AnthropicProvider:
    """Streams from Anthropic (or anything speaking its Messages API at ``base_url``)."""

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

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Start one call; raises `ProviderConfigError` at once if no key is set."""
        connection = resolve_connection(self.endpoint, "anthropic", self.timeout)
        return self._stream(request, connection)

    async def _get_client(self, connection: Connection) -> Any:
        if self._client is not None and self._connection == connection:
            return self._client
        await self.aclose()
        sdk = await asyncio.to_thread(importlib.import_module, "anthropic")
        options: dict[str, Any] = {}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        self._client = sdk.AsyncAnthropic(
            api_key=connection.api_key,
            base_url=connection.base_url,
            max_retries=self.max_retries,
            **options,
        )
        self._connection = connection
        return self._client

    async def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        system, messages = chat_messages(request)
        params: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": True,
        }
        if system:
            params["system"] = system
        # request.temperature is not sent: this SDK's Messages API has no sampling parameters.
        usage: Usage | None = None
        text: list[str] = []
        stop_reason: str | None = None
        finished = False
        try:
            client = await self._get_client(connection)
            stream = await client.messages.create(**params)
            async with stream:
                async for event in stream:
                    kind = getattr(event, "type", None)
                    if kind == "message_start":
                        raw = _as_dict(getattr(event.message, "usage", None))
                        usage = Usage.from_anthropic(raw)
                        yield UsageEvent(usage)
                    elif kind == "content_block_delta":
                        delta = event.delta
                        if getattr(delta, "type", None) == "text_delta" and delta.text:
                            text.append(delta.text)
                            yield TextDelta(delta.text)
                    elif kind == "message_delta":
                        stop_reason = getattr(event.delta, "stop_reason", None) or stop_reason
                        newer = Usage.from_anthropic(_as_dict(getattr(event, "usage", None)))
                        usage = newer if usage is None else usage.merge(newer)
                        yield UsageEvent(usage)
                    elif kind == "message_stop":
                        finished = True
        except Exception as exc:  # API and transport failures become one ErrorEvent
            if usage is not None:  # the request was accepted: it is billed, count what we can
                yield UsageEvent(await _estimate(request, text, usage))
            yield error_event(exc, connection.context, mid_stream=usage is not None)
            return
        if not finished:
            if usage is not None:
                yield UsageEvent(await _estimate(request, text, usage))
            yield ended_early(connection.context)
            return
        yield StopEvent(stop_reason or "end_turn")

    async def aclose(self) -> None:
        client, self._client, self._connection = self._client, None, None
        if client is not None:
            await client.close()
