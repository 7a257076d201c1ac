"""Network faults, end to end: the real SDKs against the loopback fake server, through TurnRunner.

Every case asserts what a person sees (one line naming what happened and what to do), that no
exception escapes, and what the store keeps (status, usage exact or estimated, a price). The
table in benchmarks/RESULTS.md is this file's cases.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import AppConfig, EndpointConfig, NetworkConfig
from tui_router.core.conversation import Conversation, Message
from tui_router.core.ledger import Ledger
from tui_router.core.providers.anthropic_provider import AnthropicProvider
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderEvent,
    RetryEvent,
    StopEvent,
    StreamRequest,
    UsageEvent,
)
from tui_router.core.store import Store
from tui_router.core.turn import TurnResult, TurnRunner

MODELS = {"anthropic": "claude-haiku-4-5", "openai": "gpt-5-mini"}
#: quick timeouts so a stalled server ends a test in well under a second
QUICK = NetworkConfig(connect_timeout_s=2, stall_timeout_s=0.5, max_retry_wait_s=5, retries=0)


@pytest.fixture
def apis(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fault-test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fault-test-key")
    return fake_server


@dataclass
class Outcome:
    result: TurnResult
    calls: list[Any]
    messages: list[Any]
    seconds: float
    requests: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


async def _turn(server: FakeServer, api: str, network: NetworkConfig = QUICK) -> Outcome:
    from tui_router.core.catalog import build_catalog

    config = AppConfig(network=network)
    conversation = Conversation(system="be brief")
    conversation.add_user("explain the fault")
    started = time.monotonic()
    with Store() as store:
        sid = store.create_session()
        runner = TurnRunner(config, build_catalog(config), store, Ledger())
        try:
            result = await runner.run(conversation, MODELS[api], session_id=sid, turn_index=1)
        finally:
            await runner.aclose()
        calls = store.session_calls(sid)
        messages = store.session_messages(sid)
    return Outcome(result, calls, messages, time.monotonic() - started, len(server.requests))


def _one_line(text: str | None) -> str:
    assert text is not None
    assert "\n" not in text and len(text) <= 300
    assert "sk-ant-fault-test-key" not in text and "sk-fault-test-key" not in text
    return text


def _recorded(outcome: Outcome, status: str, *, estimated: bool) -> Any:
    """The one call row: its status, estimate flag and a price that is not n/a."""
    [call] = outcome.calls
    assert call.status == status == outcome.result.status
    assert call.usage.estimated is estimated
    assert call.cost_usd is not None and call.cost_usd < Decimal(1)
    return call


APIS = pytest.mark.parametrize("api", ["anthropic", "openai"])


# ---- faults mid-stream: the partial answer is kept, its cost estimated -------------------------


@APIS
async def test_reset_mid_stream(apis: FakeServer, api: str) -> None:
    # the reset comes 0.1 s after "beta ": a reset discards what the client has not read yet
    apis.push(Script(chunks=["alpha ", "beta ", "gamma"], reset_after=2, delay=0.1))
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "lost the connection" in message and "retry" in message
    call = _recorded(outcome, "error", estimated=True)
    assert call.usage.output_tokens > 0
    assert outcome.messages[-1].content == "alpha beta "


@APIS
async def test_clean_close_without_terminator(apis: FakeServer, api: str) -> None:
    apis.push(Script(chunks=["alpha ", "beta ", "gamma"], close_after=2))
    outcome = await _turn(apis, api)
    assert "closed the stream before the answer finished" in _one_line(outcome.result.error)
    _recorded(outcome, "error", estimated=True)
    assert outcome.messages[-1].content == "alpha beta "


GARBAGE = {
    "anthropic": "event: content_block_delta\ndata: {not json at all\n\n",
    "openai": "data: {not json at all\n\n",
}


@APIS
async def test_garbage_sse_line(apis: FakeServer, api: str) -> None:
    apis.push(Script(chunks=["alpha ", "beta ", "gamma"], inject=GARBAGE[api], inject_after=1))
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "malformed stream event" in message
    _recorded(outcome, "error", estimated=True)
    assert outcome.messages[-1].content == "alpha "


TRUNCATED = {
    "anthropic": 'event: content_block_delta\ndata: {"type": "content_block_delta", "ind',
    "openai": 'data: {"id": "chatcmpl-x", "choi',
}


@APIS
async def test_truncated_sse_line_then_close(apis: FakeServer, api: str) -> None:
    apis.push(
        Script(
            chunks=["alpha ", "beta ", "gamma"],
            inject=TRUNCATED[api],
            inject_after=1,
            close_after=1,
        )
    )
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "closed the stream" in message or "malformed" in message
    _recorded(outcome, "error", estimated=True)
    assert outcome.messages[-1].content == "alpha "


async def test_missing_message_stop_after_the_stop_reason_is_a_finished_answer(
    apis: FakeServer,
) -> None:
    # message_delta said end_turn and gave the final usage: only the terminator is missing
    apis.push(Script(chunks=["alpha ", "beta"], omit_stop=True, input_tokens=20, output_tokens=3))
    outcome = await _turn(apis, "anthropic")
    assert outcome.result.error is None
    call = _recorded(outcome, "ok", estimated=False)
    assert (call.usage.input_tokens, call.usage.output_tokens) == (20, 3)


async def test_missing_finish_reason_is_an_unfinished_answer(apis: FakeServer) -> None:
    apis.push(Script(chunks=["alpha ", "beta"], omit_stop=True))
    outcome = await _turn(apis, "openai")
    assert "closed the stream before the answer finished" in _one_line(outcome.result.error)
    _recorded(outcome, "error", estimated=False)  # the usage chunk still came: exact
    assert outcome.messages[-1].content == "alpha beta"


@APIS
async def test_stall_mid_stream_ends_after_the_stall_timeout(apis: FakeServer, api: str) -> None:
    apis.push(Script(chunks=["alpha ", "beta ", "gamma"], delay=30.0))
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "stalled mid-answer" in message and "0.5 s" in message
    assert "stall_timeout_s" in message
    _recorded(outcome, "error", estimated=True)
    assert outcome.messages[-1].content == "alpha "
    assert outcome.seconds < 20  # not the SDK's 10 minutes


@APIS
async def test_slow_first_byte(apis: FakeServer, api: str) -> None:
    apis.push(Script(text="late", first_byte_delay=30.0))
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "did not answer" in message and "stall_timeout_s" in message
    # nothing was accepted: zero tokens, not a guess
    call = _recorded(outcome, "error", estimated=False)
    assert call.usage.total_tokens == 0 and call.cost_usd == 0
    assert outcome.seconds < 20


@APIS
async def test_error_event_mid_stream(apis: FakeServer, api: str) -> None:
    apis.push(
        Script(chunks=["alpha ", "beta"], stream_error_after=1, error_type="overloaded_error")
    )
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "overloaded" in message
    _recorded(outcome, "error", estimated=True)
    assert outcome.messages[-1].content == "alpha "


# ---- usage: missing or junk is estimated, never an exact $0 or $6,000,000,000 -----------------


@APIS
async def test_no_usage_is_estimated_not_zero(apis: FakeServer, api: str) -> None:
    apis.push(Script(chunks=["alpha ", "beta"], omit_usage=True))
    outcome = await _turn(apis, api)
    assert outcome.result.error is None
    call = _recorded(outcome, "ok", estimated=True)
    assert call.usage.input_tokens > 0 and call.usage.output_tokens > 0
    assert call.cost_usd > 0


#: (field, wire value): the field as each API names it
JUNK = [("output", 2**63), ("output", 1e300), ("output", -40), ("output", "lots"), ("input", 2**64)]
WIRE_NAMES = {
    "anthropic": {"input": "input_tokens", "output": "output_tokens"},
    "openai": {"input": "prompt_tokens", "output": "completion_tokens"},
}


@APIS
@pytest.mark.parametrize(
    ("field", "value"), JUNK, ids=["2^63", "1e300", "negative", "text", "2^64-in"]
)
async def test_implausible_usage_is_recorded_as_an_estimate(
    apis: FakeServer, api: str, field: str, value: Any
) -> None:
    apis.push(Script(chunks=["alpha ", "beta"], usage_patch={WIRE_NAMES[api][field]: value}))
    with warnings.catch_warnings():  # pydantic notes the float where an int belongs
        warnings.simplefilter("ignore", UserWarning)
        outcome = await _turn(apis, api)
    assert outcome.result.error is None
    call = _recorded(outcome, "ok", estimated=True)
    assert 0 < call.usage.output_tokens < 100 and 0 < call.usage.input_tokens < 1000
    assert outcome.messages[-1].content == "alpha beta"


# ---- answers that are not a stream, and HTTP errors ------------------------------------------


@APIS
async def test_html_200_from_a_proxy(apis: FakeServer, api: str) -> None:
    apis.push(Script(html="<html><body>Please log in to the corporate proxy</body></html>"))
    outcome = await _turn(apis, api)
    message = _one_line(outcome.result.error)
    assert "answered with text/html, not an event stream" in message
    call = _recorded(outcome, "error", estimated=False)
    assert call.usage.total_tokens == 0


@APIS
async def test_429_with_a_short_retry_after_is_retried(apis: FakeServer, api: str) -> None:
    apis.push(Script(status=429, headers={"retry-after": "0.2"}), Script(text="after the wait"))
    network = NetworkConfig(connect_timeout_s=2, stall_timeout_s=5, max_retry_wait_s=5, retries=2)
    outcome = await _turn(apis, api, network)
    assert outcome.result.error is None and outcome.result.text == "after the wait"
    assert outcome.requests == 2
    _recorded(outcome, "ok", estimated=False)


@APIS
async def test_429_with_a_retry_after_beyond_the_limit_stops_at_once(
    apis: FakeServer, api: str
) -> None:
    apis.push(Script(status=429, headers={"retry-after": "3600"}))
    network = NetworkConfig(connect_timeout_s=2, stall_timeout_s=5, max_retry_wait_s=60, retries=2)
    outcome = await _turn(apis, api, network)
    message = _one_line(outcome.result.error)
    assert "rate limited; retry after " in message and "max_retry_wait_s" in message
    assert outcome.requests == 1 and outcome.seconds < 20
    _recorded(outcome, "error", estimated=False)


@APIS
@pytest.mark.parametrize(
    ("status", "phrase"),
    [(500, "server error (HTTP 500)"), (529, "overloaded"), (401, "rejected the API key")],
)
async def test_http_errors(apis: FakeServer, api: str, status: int, phrase: str) -> None:
    apis.push(*(Script(status=status) for _ in range(2)))
    network = NetworkConfig(connect_timeout_s=2, stall_timeout_s=5, max_retry_wait_s=5, retries=1)
    outcome = await _turn(apis, api, network)
    assert phrase in _one_line(outcome.result.error)
    assert outcome.requests == (1 if status == 401 else 2)  # a bad key is not retried
    call = _recorded(outcome, "error", estimated=False)
    assert call.usage.total_tokens == 0


# ---- retries are announced; credentials in a base URL never shown -----------------------------


def _provider(base_url: str, **network: Any) -> AnthropicProvider:
    endpoint = EndpointConfig("anthropic", "anthropic", base_url, "ANTHROPIC_API_KEY")
    return AnthropicProvider(endpoint, network=NetworkConfig(**network))


async def _events(provider: AnthropicProvider) -> list[ProviderEvent]:
    request = StreamRequest(model="claude-haiku-4-5", messages=[Message("user", "hi")])
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


async def test_each_retry_is_an_event_before_the_wait(apis: FakeServer) -> None:
    apis.push(Script(status=529), Script(status=503), Script(text="third time"))
    provider = _provider(apis.anthropic_base_url, retries=2, max_retry_wait_s=5)
    events = await _events(provider)
    retries = [e for e in events if isinstance(e, RetryEvent)]
    assert [(r.attempt, r.of) for r in retries] == [(2, 3), (3, 3)]
    assert retries[0].reason == "overloaded"
    assert retries[1].reason == "server error (HTTP 503)"
    assert retries[0].message.startswith("overloaded, retrying in ")
    assert retries[0].message.endswith("(2/3)")
    assert isinstance(events[-1], StopEvent)


def test_retry_event_message_reads_as_the_issue_asks() -> None:
    assert RetryEvent(2, 3, 4.0, "rate limited").message == "rate limited, retrying in 4 s (2/3)"
    assert RetryEvent(2, 3, 0.44, "overloaded").message == "overloaded, retrying in 0.4 s (2/3)"


async def test_credentials_in_a_base_url_are_not_shown(
    apis: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://bob:sk-in-url-SECRET@127.0.0.1:{apis.port}/?api_key=sk-query-SECRET"
    apis.push(Script(status=500, error_message=f"upstream {url} failed"))
    [*_, error] = await _events(_provider(url, retries=0))
    assert isinstance(error, ErrorEvent) and "SECRET" not in error.message
    with socket_closed() as port:
        refused = f"http://bob:sk-in-url-SECRET@127.0.0.1:{port}?key=sk-query-SECRET"
        [*_, error] = await _events(_provider(refused, retries=0))
    assert isinstance(error, ErrorEvent) and error.kind == "connection"
    assert "SECRET" not in error.message and "http://***@127.0.0.1" in error.message


async def test_a_connection_refused_is_retried_then_reported(apis: FakeServer) -> None:
    with socket_closed() as port:
        provider = _provider(f"http://127.0.0.1:{port}", retries=1, max_retry_wait_s=5)
        events = await _events(provider)
    assert [type(e) for e in events] == [RetryEvent, ErrorEvent]
    assert isinstance(events[0], RetryEvent) and events[0].reason == "connection failed"
    assert not any(isinstance(e, UsageEvent) for e in events)


class socket_closed:  # a context manager that reads as a phrase
    """A loopback port that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


async def test_cancel_during_a_retry_wait_is_prompt(apis: FakeServer) -> None:
    apis.push(Script(status=429, headers={"retry-after": "30"}))
    provider = _provider(apis.anthropic_base_url, retries=2, max_retry_wait_s=60)

    waiting = asyncio.Event()

    async def consume() -> None:
        request = StreamRequest(model="claude-haiku-4-5", messages=[Message("user", "hi")])
        try:
            async for event in provider.stream(request):
                if isinstance(event, RetryEvent):  # announced just before the 30 s wait
                    waiting.set()
        finally:
            await provider.aclose()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(waiting.wait(), timeout=30)
    await asyncio.sleep(0)  # the provider takes its turn into the wait
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
