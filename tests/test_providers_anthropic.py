"""The Anthropic provider: the real SDK streaming from the loopback fake server."""

from __future__ import annotations

import asyncio
import socket

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Conversation, Message
from tui_router.core.providers.anthropic_provider import AnthropicProvider
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderConfigError,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.usage import Usage

KEY = "sk-ant-test-secret-0123456789"


def _provider(base_url: str | None, **kwargs: float) -> AnthropicProvider:
    endpoint = EndpointConfig(
        "anthropic", "anthropic", base_url, "ANTHROPIC_API_KEY", (), "anthropic"
    )
    return AnthropicProvider(endpoint, max_retries=0, **kwargs)  # type: ignore[arg-type]


def _request(text: str = "Say hello", **kwargs: object) -> StreamRequest:
    return StreamRequest(model="claude-haiku-4-5", messages=[Message("user", text)], **kwargs)  # type: ignore[arg-type]


async def _collect(provider: AnthropicProvider, request: StreamRequest) -> list[ProviderEvent]:
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    return KEY


async def test_text_arrives_in_order_and_usage_is_normalised(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(
        Script(
            chunks=["Hel", "lo, ", "wor", "ld!"],
            input_tokens=10,
            cache_read_tokens=5,
            cache_write_5m_tokens=7,
            cache_write_1h_tokens=3,
            output_tokens=20,
            reasoning_tokens=4,
            stop_reason="end_turn",
        )
    )
    events = await _collect(_provider(fake_server.anthropic_base_url), _request())

    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo, ", "wor", "ld!"]
    usages = [e.usage for e in events if isinstance(e, UsageEvent)]
    # message_start already tells the input side: uncached 10 + cache read 5 + cache writes 10
    assert usages[0].input_tokens == 25
    assert usages[-1] == Usage(
        input_tokens=25,
        cache_read_tokens=5,
        cache_write_tokens=10,
        cache_write_1h_tokens=3,
        output_tokens=20,
        reasoning_tokens=4,
        estimated=False,
    )
    assert events[-1] == StopEvent("end_turn")
    assert sum(isinstance(e, StopEvent | ErrorEvent) for e in events) == 1


async def test_stop_reason_is_passed_through(fake_server: FakeServer, key: str) -> None:
    fake_server.push(Script(text="cut short", stop_reason="max_tokens"))
    events = await _collect(_provider(fake_server.anthropic_base_url), _request())
    assert events[-1] == StopEvent("max_tokens")


async def test_request_carries_whole_conversation_system_and_key(
    fake_server: FakeServer, key: str
) -> None:
    conversation = Conversation(system="You are terse.")
    conversation.add_user("What is 2+2?")
    conversation.add_assistant("4", model="gpt-5-mini")  # written by another model
    conversation.add_user("And times 3?")
    request = StreamRequest(
        model="claude-sonnet-4-6",
        messages=conversation.for_provider(),
        system=conversation.system,
        max_tokens=256,
        temperature=0.5,
    )
    await _collect(_provider(fake_server.anthropic_base_url), request)

    sent = fake_server.last_request
    assert sent.path == "/v1/messages"
    assert sent.body is not None
    assert sent.body["model"] == "claude-sonnet-4-6"
    assert sent.body["system"] == "You are terse."
    assert sent.body["max_tokens"] == 256
    assert "temperature" not in sent.body  # the Messages API of this SDK has no sampling knobs
    assert sent.body["stream"] is True
    assert sent.messages == [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And times 3?"},
    ]
    assert KEY in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))


async def test_empty_history_messages_are_not_sent(fake_server: FakeServer, key: str) -> None:
    messages = [
        Message("user", "hi"),
        Message("assistant", "", model="x"),
        Message("user", "again"),
    ]
    await _collect(
        _provider(fake_server.anthropic_base_url),
        StreamRequest(model="claude-haiku-4-5", messages=messages),
    )
    assert [m["content"] for m in fake_server.last_request.messages] == ["hi", "again"]


@pytest.mark.parametrize(
    ("script", "kind", "words"),
    [
        (Script(status=401), "auth", ["rejected the API key", "ANTHROPIC_API_KEY"]),
        (Script(status=429), "rate_limit", ["rate limit"]),
        (Script(status=500), "server", ["server error", "500"]),
        (Script(status=529), "overloaded", ["overloaded"]),
        (Script(status=400, error_message="max_tokens: too big"), "bad_request", ["too big"]),
    ],
)
async def test_http_errors_become_one_clear_error_event(
    fake_server: FakeServer, key: str, script: Script, kind: str, words: list[str]
) -> None:
    fake_server.push(script)
    events = await _collect(_provider(fake_server.anthropic_base_url), _request())

    assert len(events) == 1
    error = events[0]
    assert isinstance(error, ErrorEvent)
    assert error.kind == kind
    assert error.status == script.status
    for word in words:
        assert word in error.message
    assert "\n" not in error.message and KEY not in error.message
    assert len(fake_server.requests) == 1  # max_retries=0: no retry


async def test_error_event_mid_stream_keeps_text_and_counts_usage(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(
        Script(
            chunks=["partial ", "answer ", "lost"],
            input_tokens=30,
            stream_error_after=2,
            error_type="overloaded_error",
            error_message="Overloaded",
        )
    )
    events = await _collect(_provider(fake_server.anthropic_base_url), _request())

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "partial answer "
    last_usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert last_usage.input_tokens == 30 and last_usage.output_tokens >= 2
    assert last_usage.estimated
    assert isinstance(events[-1], ErrorEvent) and events[-1].kind == "overloaded"


async def test_dropped_connection_mid_stream_is_a_connection_error(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(Script(chunks=["one ", "two ", "three"], disconnect_after=1))
    events = await _collect(_provider(fake_server.anthropic_base_url), _request())

    assert [e.text for e in events if isinstance(e, TextDelta)] == ["one "]
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.kind == "connection"
    assert "mid-answer" in error.message


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_endpoint_names_url_and_env_var(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    events = await _collect(_provider(None), _request())

    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].kind == "connection"
    assert url in events[0].message and "ANTHROPIC_BASE_URL" in events[0].message


async def test_slow_server_times_out(fake_server: FakeServer, key: str) -> None:
    fake_server.push(Script(text="late", first_byte_delay=5))
    events = await _collect(_provider(fake_server.anthropic_base_url, timeout=0.3), _request())
    assert isinstance(events[-1], ErrorEvent) and events[-1].kind == "timeout"


def test_missing_key_is_a_config_error_naming_the_env_var(fake_server: FakeServer) -> None:
    provider = _provider(fake_server.anthropic_base_url)
    with pytest.raises(ProviderConfigError, match="ANTHROPIC_API_KEY"):
        provider.stream(_request())
    assert fake_server.requests == []


async def test_base_url_env_var_is_honoured(
    fake_server: FakeServer, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    fake_server.push(Script(text="via env"))
    events = await _collect(_provider(None), _request())
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "via env"
    assert len(fake_server.requests) == 1


async def test_cancelling_the_consumer_closes_the_http_stream(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(Script(chunks=[f"w{i} " for i in range(200)], delay=0.02))
    provider = _provider(fake_server.anthropic_base_url)
    received: list[str] = []
    first = asyncio.Event()

    async def consume() -> None:
        async for event in provider.stream(_request()):
            if isinstance(event, TextDelta):
                received.append(event.text)
                first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await provider.aclose()
    for _ in range(200):  # the server notices the closed socket on its next write
        if fake_server.aborted_streams:
            break
        await asyncio.sleep(0.02)
    assert fake_server.aborted_streams == 1
    assert 1 <= len(received) < 200
