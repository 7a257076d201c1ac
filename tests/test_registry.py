"""From a model id or an endpoint to a provider; built-in and config endpoints alike."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import AppConfig, EndpointConfig
from tui_router.core.conversation import Message
from tui_router.core.endpoints import UnknownModelError
from tui_router.core.providers.anthropic_provider import AnthropicProvider
from tui_router.core.providers.base import Provider, ProviderConfigError, StreamRequest, TextDelta
from tui_router.core.providers.local_provider import LocalProvider
from tui_router.core.providers.openai_provider import OpenAIProvider
from tui_router.core.providers.registry import ProviderPool, make_provider

OLLAMA = EndpointConfig("ollama", "openai", "http://127.0.0.1:11434/v1", None, ("llama3.2",), None)


@pytest.mark.parametrize(
    ("model_id", "cls", "endpoint", "bare", "price_provider"),
    [
        ("claude-haiku-4-5", AnthropicProvider, "anthropic", "claude-haiku-4-5", "anthropic"),
        ("gpt-5-mini", OpenAIProvider, "openai", "gpt-5-mini", "openai"),
        ("openai/gpt-5.5", OpenAIProvider, "openai", "gpt-5.5", "openai"),
        ("local/smollm2-135m", LocalProvider, "local", "smollm2-135m", "local"),
        ("ollama/llama3.2", OpenAIProvider, "ollama", "llama3.2", None),
        ("llama3.2", OpenAIProvider, "ollama", "llama3.2", None),
    ],
)
def test_the_provider_of_each_model_id(
    model_id: str, cls: type, endpoint: str, bare: str, price_provider: str | None
) -> None:
    # no keys are set: building a provider must not need one (it is checked when streaming)
    provider, resolved = ProviderPool(AppConfig(endpoints=(OLLAMA,))).get(model_id)
    assert isinstance(provider, cls) and isinstance(provider, Provider)
    assert provider.name == endpoint and resolved.endpoint.name == endpoint
    assert resolved.model == bare
    assert provider.price_provider == price_provider


def test_unknown_model_and_unknown_kind_are_clear_errors() -> None:
    with pytest.raises(UnknownModelError, match="unknown model"):
        ProviderPool(AppConfig()).get("mystery-model")
    with pytest.raises(ProviderConfigError, match=r"unknown kind 'grpc'.*anthropic, openai, local"):
        make_provider(EndpointConfig("weird", "grpc", "http://x", None, (), None))


def test_retries_and_timeout_reach_the_provider() -> None:
    endpoint = EndpointConfig("anthropic", "anthropic", None, "ANTHROPIC_API_KEY", (), "anthropic")
    provider = make_provider(endpoint, max_retries=0, timeout=12.5)
    assert isinstance(provider, AnthropicProvider)
    assert provider.max_retries == 0 and provider.timeout == 12.5
    assert make_provider(endpoint).max_retries == 2  # type: ignore[attr-defined]


async def test_pool_reuses_one_provider_per_endpoint_and_streams(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    pool = ProviderPool(AppConfig(), max_retries=0)
    first, _ = pool.get("claude-haiku-4-5")
    second, resolved = pool.get("claude-sonnet-4-6")
    assert first is second and resolved.model == "claude-sonnet-4-6"
    fake_server.push(Script(text="pooled"))
    request = StreamRequest(model=resolved.model, messages=[Message("user", "hi")])
    texts = [e.text async for e in second.stream(request) if isinstance(e, TextDelta)]
    assert "".join(texts) == "pooled"
    await pool.aclose()


def test_importing_providers_does_not_import_the_sdks() -> None:
    code = (
        "import sys\n"
        "from tui_router.core.providers import registry\n"
        "from tui_router.core.config import AppConfig\n"
        "pool = registry.ProviderPool(AppConfig())\n"
        "pool.get('claude-haiku-4-5')\n"
        "pool.get('gpt-5-mini')\n"
        "print(sorted(m for m in ('anthropic', 'openai', 'llama_cpp', 'tiktoken') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert out == "[]"
