"""The SDK clients share one TLS context, built in the worker thread that imports the SDK.

An SDK client left to itself loads the system's CA certificates each time it is built (~45 ms of
CPU here), on the event loop: a stall in the TUI on the first call of each provider and on every
change of key or endpoint.
"""

from __future__ import annotations

import threading
from typing import Any

import httpcore2
import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Message
from tui_router.core.providers import sdk_provider
from tui_router.core.providers.anthropic_provider import AnthropicProvider
from tui_router.core.providers.base import StreamRequest, TextDelta
from tui_router.core.providers.openai_provider import OpenAIProvider


async def _text(provider: Any, model: str) -> str:
    request = StreamRequest(model=model, messages=[Message("user", "hi")])
    try:
        return "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])
    finally:
        await provider.aclose()


async def test_one_tls_context_for_every_client_built_off_the_event_loop(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(sdk_provider, "_tls_context", None)  # as in a new process
    loaded_in: list[str] = []  # the thread of each load of the CA certificates
    original = httpcore2.default_ssl_context

    def default_ssl_context(*args: Any, **kwargs: Any) -> Any:
        loaded_in.append(threading.current_thread().name)
        return original(*args, **kwargs)

    # what every client built with `verify=True` (the SDKs' default) calls
    monkeypatch.setattr(httpcore2, "default_ssl_context", default_ssl_context)
    anthropic = EndpointConfig(
        "anthropic", "anthropic", fake_server.anthropic_base_url, "ANTHROPIC_API_KEY", (), None
    )
    openai = EndpointConfig(
        "openai", "openai", fake_server.openai_base_url, "OPENAI_API_KEY", (), None
    )
    fake_server.push(Script(text="one"), Script(text="two"), Script(text="three"))
    assert await _text(AnthropicProvider(anthropic, max_retries=0), "claude-haiku-4-5") == "one"
    assert await _text(AnthropicProvider(anthropic, max_retries=0), "claude-haiku-4-5") == "two"
    assert await _text(OpenAIProvider(openai, max_retries=0), "gpt-5-mini") == "three"

    assert len(loaded_in) == 1, loaded_in  # three clients, the certificates loaded once
    assert loaded_in[0] != threading.main_thread().name  # and not on the event loop's thread
