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


async def _estimate(request: StreamRequest, text: list[str], usage: Usage) -> Usage:
    return await asyncio.to_thread(estimated_usage, request, "".join(text), usage)


class AnthropicProvider(SDKProvider):
    """Streams from Anthropic (or anything speaking its Messages API at ``base_url``)."""

    SDK = "anthropic"
    CLIENT_CLASS = "AsyncAnthropic"

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
                        raw = usage_dict(getattr(event.message, "usage", None))
                        usage = Usage.from_anthropic(raw)
                        yield UsageEvent(usage)
                    elif kind == "content_block_delta":
                        delta = event.delta
                        if getattr(delta, "type", None) == "text_delta" and delta.text:
                            text.append(delta.text)
                            yield TextDelta(delta.text)
                    elif kind == "message_delta":
                        stop_reason = getattr(event.delta, "stop_reason", None) or stop_reason
                        newer = Usage.from_anthropic(usage_dict(getattr(event, "usage", None)))
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
