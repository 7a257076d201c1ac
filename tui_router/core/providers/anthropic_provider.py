"""The Anthropic Messages API, streamed, as provider events.

Usage comes in two parts: ``message_start`` carries the input side (uncached input, cache reads
and 5-minute/1-hour cache writes), ``message_delta`` the cumulative output (thinking included).
Each is normalised with `Usage.from_anthropic`, merged, and emitted as a cumulative `UsageEvent`.
A ``tool_use`` content block streams its input as ``input_json_delta`` pieces; the whole call is
emitted as one `ToolCallEvent` when its block stops. Thinking blocks (``request.effort``) are
not answer text and are skipped. The request is shaped by `anthropic_params`.
The SDK is imported on the first call, in a worker thread (it takes about a second).

Cancelling the consuming task closes the HTTP stream. Text already received is the consumer's to
keep; if the stream fails part-way, a last estimated `UsageEvent` precedes the `ErrorEvent`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from tui_router.core.conversation import ToolCall
from tui_router.core.providers.base import (
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.common import (
    Connection,
    anthropic_params,
    estimated_usage,
    tool_call_event,
)
from tui_router.core.providers.errors import ended_early, error_event
from tui_router.core.providers.sdk_provider import SDKProvider, usage_dict
from tui_router.core.usage import Usage


async def _estimate(
    request: StreamRequest, text: list[str], usage: Usage, calls: list[ToolCall]
) -> Usage:
    return await asyncio.to_thread(estimated_usage, request, "".join(text), usage, calls)


class AnthropicProvider(SDKProvider):
    """Streams from Anthropic (or anything speaking its Messages API at ``base_url``)."""

    SDK = "anthropic"
    CLIENT_CLASS = "AsyncAnthropic"

    async def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        params = anthropic_params(request)
        # request.temperature is not sent: this SDK's Messages API has no sampling parameters.
        usage: Usage | None = None
        text: list[str] = []
        calls: list[ToolCall] = []
        #: open tool_use blocks by content-block index: (id, name, input pieces)
        tool_blocks: dict[int, tuple[str, str, list[str]]] = {}
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
                    elif kind == "content_block_start":
                        block = event.content_block
                        if getattr(block, "type", None) == "tool_use":
                            tool_blocks[event.index] = (str(block.id), str(block.name), [])
                    elif kind == "content_block_delta":
                        delta = event.delta
                        delta_kind = getattr(delta, "type", None)
                        if delta_kind == "text_delta" and delta.text:
                            text.append(delta.text)
                            yield TextDelta(delta.text)
                        elif delta_kind == "input_json_delta" and event.index in tool_blocks:
                            tool_blocks[event.index][2].append(delta.partial_json or "")
                    elif kind == "content_block_stop" and event.index in tool_blocks:
                        call_id, name, pieces = tool_blocks.pop(event.index)
                        call_event = tool_call_event(call_id, name, "".join(pieces))
                        calls.append(call_event.call)
                        yield call_event
                    elif kind == "message_delta":
                        stop_reason = getattr(event.delta, "stop_reason", None) or stop_reason
                        newer = Usage.from_anthropic(usage_dict(getattr(event, "usage", None)))
                        usage = newer if usage is None else usage.merge(newer)
                        yield UsageEvent(usage)
                    elif kind == "message_stop":
                        finished = True
        except Exception as exc:  # API and transport failures become one ErrorEvent
            if usage is not None:  # the request was accepted: it is billed, count what we can
                yield UsageEvent(await _estimate(request, text, usage, calls))
            yield error_event(exc, connection.context, mid_stream=usage is not None)
            return
        if not finished:
            if usage is not None:
                yield UsageEvent(await _estimate(request, text, usage, calls))
            yield ended_early(connection.context)
            return
        yield StopEvent(stop_reason or "end_turn")
