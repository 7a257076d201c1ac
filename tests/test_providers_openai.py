"""The OpenAI provider (and OpenAI-compatible servers): the real SDK against the fake server."""

from __future__ import annotations

import socket

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Conversation, Message
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderConfigError,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.openai_provider import OpenAIProvider
from tui_router.core.tokens import count_messages, count_tokens
from tui_router.core.usage import Usage

KEY = "sk-proj-test-secret-0123456789"


def _openai(base_url: str | None = None, **kwargs: float) -> OpenAIProvider:
    endpoint = EndpointConfig("openai", "openai", base_url, "OPENAI_API_KEY", (), "openai")
    return OpenAIProvider(endpoint, max_retries=0, **kwargs)  # type: ignore[arg-type]


def _compatible(base_url: str, key_env: str | None = None) -> OpenAIProvider:
    """A user's endpoint from config.toml, e.g. a llama.cpp or Ollama server."""
    endpoint = EndpointConfig("llamacpp", "openai", base_url, key_env, ("qwen3",), None)
    return OpenAIProvider(endpoint, max_retries=0)


def _request(text: str = "Say hello", model: str = "gpt-5-mini") -> StreamRequest:
    return StreamRequest(model=model, messages=[Message("user", text)])


async def _collect(provider: OpenAIProvider, request: StreamRequest) -> list[ProviderEvent]:
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def _text(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return KEY


async def test_text_in_order_and_usage_with_cache_and_reasoning(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(
        Script(
            chunks=["def ", "add(a, b):", " return a + b"],
            input_tokens=100,  # prompt_tokens: includes the 40 cached
            cache_read_tokens=40,
            output_tokens=30,  # completion_tokens: includes the 10 reasoning
            reasoning_tokens=10,
        )
    )
    events = await _collect(_openai(fake_server.openai_base_url), _request())

    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "def ",
        "add(a, b):",
        " return a + b",
    ]
    usages = [e.usage for e in events if isinstance(e, UsageEvent)]
    assert usages == [
        Usage(input_tokens=100, cache_read_tokens=40, output_tokens=30, reasoning_tokens=10)
    ]
    assert events[-1] == StopEvent("stop")
    sent = fake_server.last_request.body
    assert sent is not None
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["max_completion_tokens"] == 4096 and "max_tokens" not in sent


async def test_null_usage_details_mean_zero_cache_and_reasoning(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(Script(text="ok", input_tokens=12, output_tokens=3, null_details=True))
    events = await _collect(_openai(fake_server.openai_base_url), _request())
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage == Usage(input_tokens=12, output_tokens=3)


async def test_finish_reason_length_is_passed_through(fake_server: FakeServer, key: str) -> None:
    fake_server.push(Script(text="truncat", stop_reason="length"))
    events = await _collect(_openai(fake_server.openai_base_url), _request())
    assert events[-1] == StopEvent("length")


async def test_compatible_server_without_usage_gets_estimated_usage(
    fake_server: FakeServer,
) -> None:
    answer = "Here is the function you asked for, with a docstring."
    fake_server.push(Script(text=answer, send_usage=False))
    request = StreamRequest(
        model="qwen3", messages=[Message("user", "Write a function")], system="Be brief."
    )
    events = await _collect(_compatible(fake_server.openai_base_url), request)

    assert _text(events) == answer
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage.estimated
    assert usage.output_tokens == count_tokens(answer)
    assert usage.input_tokens == count_messages(request.messages, system="Be brief.")
    assert events[-1] == StopEvent("stop")
    sent = fake_server.last_request
    assert sent.headers["authorization"] == "Bearer not-needed"  # keyless local server
    assert sent.body is not None and sent.body["max_tokens"] == 4096


async def test_request_carries_whole_conversation_with_system_first(
    fake_server: FakeServer, key: str
) -> None:
    conversation = Conversation(system="You review code.")
    conversation.add_user("Look at foo()")
    conversation.add_assistant("foo() leaks a file handle.", model="claude-haiku-4-5")
    conversation.add_user("Fix it")
    request = StreamRequest(
        model="gpt-5.1",
        messages=conversation.for_provider(),
        system=conversation.system,
        temperature=0.2,
    )
    await _collect(_openai(fake_server.openai_base_url), request)

    sent = fake_server.last_request
    assert sent.path == "/v1/chat/completions"
    assert sent.messages == [
        {"role": "system", "content": "You review code."},
        {"role": "user", "content": "Look at foo()"},
        {"role": "assistant", "content": "foo() leaks a file handle."},
        {"role": "user", "content": "Fix it"},
    ]
    assert sent.body is not None and sent.body["temperature"] == 0.2
    assert sent.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("script", "kind", "words"),
    [
        (Script(status=401), "auth", ["rejected the API key", "OPENAI_API_KEY"]),
        (Script(status=429, error_message="Rate limit reached for gpt-5"), "rate_limit", ["429"]),
        (Script(status=500), "server", ["server error"]),
        (Script(status=503), "server", ["503"]),
        (
            Script(status=404, error_message="The model `gpt-9` does not exist"),
            "bad_request",
            ["gpt-9"],
        ),
    ],
)
async def test_http_errors_become_one_clear_error_event(
    fake_server: FakeServer, key: str, script: Script, kind: str, words: list[str]
) -> None:
    fake_server.push(script)
    events = await _collect(_openai(fake_server.openai_base_url), _request())

    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].kind == kind and events[0].status == script.status
    for word in words:
        assert word in events[0].message
    assert KEY not in events[0].message and "\n" not in events[0].message


async def test_error_mid_stream_keeps_text_and_estimates_usage(
    fake_server: FakeServer, key: str
) -> None:
    fake_server.push(
        Script(
            chunks=["half ", "an ", "answer"],
            stream_error_after=2,
            error_type="server_error",
            error_message="The server had an error",
        )
    )
    events = await _collect(_openai(fake_server.openai_base_url), _request())
    assert _text(events) == "half an "
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage.estimated and usage.output_tokens == count_tokens("half an ")
    assert isinstance(events[-1], ErrorEvent) and "server had an error" in events[-1].message


async def test_dropped_connection_is_a_connection_error(fake_server: FakeServer, key: str) -> None:
    fake_server.push(Script(chunks=["a", "b", "c"], disconnect_after=2))
    events = await _collect(_openai(fake_server.openai_base_url), _request())
    assert _text(events) == "ab"
    assert isinstance(events[-1], ErrorEvent) and events[-1].kind == "connection"


async def test_unreachable_config_endpoint_names_its_url_and_config_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    events = await _collect(_compatible(url), _request(model="qwen3"))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].kind == "connection"
    assert url in events[0].message and "endpoint 'llamacpp'" in events[0].message


def test_missing_key_is_a_config_error_naming_the_env_var(fake_server: FakeServer) -> None:
    with pytest.raises(ProviderConfigError, match="OPENAI_API_KEY"):
        _openai(fake_server.openai_base_url).stream(_request())
    with pytest.raises(ProviderConfigError, match="OPENROUTER_API_KEY"):
        _compatible(fake_server.openai_base_url, "OPENROUTER_API_KEY").stream(_request())
    assert fake_server.requests == []


async def test_base_url_env_var_is_honoured(
    fake_server: FakeServer, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    fake_server.push(Script(text="via env"))
    events = await _collect(_openai(None), _request())
    assert _text(events) == "via env" and len(fake_server.requests) == 1
