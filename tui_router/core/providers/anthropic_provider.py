"""The Anthropic Messages API, streamed, as provider events.

Usage comes in two parts: ``message_start`` carries the input side (uncached input, cache reads
and 5-minute/1-hour cache writes), ``message_delta`` the cumulative output (thinking included).
Each is normalised with `Usage.from_anthropic`, merged, and emitted as a cumulative `UsageEvent`.
A ``tool_use`` content block streams its input as ``input_json_delta`` pieces; the whole call is
emitted as one `ToolCallEvent` when its block stops. Thinking blocks (``request.effort``) are
not answer text and are skipped. The request is shaped by `anthropic_params`.
The SDK is imported on the first call, in a worker thread (it takes about a second).

Usage that is missing (no ``usage`` in either event) or implausible (negative, junk, beyond
`MAX_PLAUSIBLE_TOKENS`) is never passed on as exact: the call is counted with the tokenizer and
the last `UsageEvent` is marked estimated. ``message_start``'s own report is passed on marked
estimated, since its output count is a placeholder until ``message_delta``.

Cancelling the consuming task closes the HTTP stream. Text already received is the consumer's to
keep; if the stream fails part-way, a last estimated `UsageEvent` precedes the `ErrorEvent`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tui_router.core.conversation import ToolCall
from tui_router.core.providers.base import (
    ProviderEvent,
    RetryEvent,
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
    request: StreamRequest, text: list[str], usage: Usage | None, calls: list[ToolCall]
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
        #: the API's usage so far, while every report was plausible
        usage: Usage | None = None
        #: a report was missing or implausible: the call is re-counted with the tokenizer
        suspect = False
        output_reported = False
        started = False
        text: list[str] = []
        calls: list[ToolCall] = []
        #: open tool_use blocks by content-block index: (id, name, input pieces)
        tool_blocks: dict[int, tuple[str, str, list[str]]] = {}
        stop_reason: str | None = None
        finished = False
        try:
            stream: Any = None
            async for step in self._open(
                connection, lambda client: client.messages.create(**params)
            ):
                if isinstance(step, RetryEvent):
                    yield step
                else:
                    stream = step.stream
            async with stream:
                async for event in stream:
                    kind = getattr(event, "type", None)
                    if kind == "message_start":
                        started = True
                        raw = usage_dict(getattr(event.message, "usage", None))
                        reported = Usage.from_anthropic(raw)
                        if "input_tokens" in raw and not reported.estimated:
                            usage = reported
                            # the output is not known yet: exact only once message_delta says
                            yield UsageEvent(usage.as_estimated())
                        else:
                            suspect = True
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
                        raw = usage_dict(getattr(event, "usage", None))
                        newer = Usage.from_anthropic(raw)
                        if "output_tokens" not in raw or newer.estimated:
                            suspect = True
                        elif usage is not None and not suspect:
                            usage = usage.merge(newer)
                            output_reported = True
                            yield UsageEvent(usage)
                    elif kind == "message_stop":
                        finished = True
        except Exception as exc:  # API and transport failures become one ErrorEvent
            if started:  # the request was accepted: it is billed, count what we can
                yield UsageEvent(await _estimate(request, text, usage, calls))
            yield error_event(exc, connection.context, mid_stream=started)
            return
        if not finished and stop_reason is not None and output_reported:
            # message_delta gave the stop reason and the final usage; the stream then closed
            # cleanly without message_stop (some proxies drop it): the answer is whole
            finished = True
        if not finished or suspect or not output_reported:
            # no (believable) final usage: count the call ourselves, marked estimated
            yield UsageEvent(await _estimate(request, text, usage, calls))
        if not finished:
            yield ended_early(connection.context)
            return
        yield StopEvent(stop_reason or "end_turn")
