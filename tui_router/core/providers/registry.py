"""From an endpoint or a model id to a ready `Provider`.

Built-in endpoints and the user's OpenAI-compatible ones go through the same `make_provider`.
Providers are cheap to build: nothing is imported or connected until the first stream.
`ProviderPool` keeps one provider per endpoint for a session, so HTTP connections are reused.
"""

from __future__ import annotations

from typing import Any

from tui_router.core.config import ENDPOINT_KINDS, AppConfig, EndpointConfig, NetworkConfig
from tui_router.core.endpoints import ResolvedModel, resolve_model
from tui_router.core.providers.base import Provider, ProviderConfigError


def make_provider(
    endpoint: EndpointConfig,
    *,
    max_retries: int | None = None,
    timeout: float | None = None,
    network: NetworkConfig | None = None,
) -> Provider:
    """A provider for ``endpoint`` by its kind (anthropic, openai, local).

    ``network`` (``[network]`` of config.toml; defaults when None) sets the timeouts and the
    retries of 429/5xx/connection errors; ``max_retries`` and ``timeout`` (the stall timeout,
    seconds) override it.
    """
    options: dict[str, Any] = {"max_retries": max_retries, "timeout": timeout, "network": network}
    if endpoint.kind == "anthropic":
        from tui_router.core.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(endpoint, **options)
    if endpoint.kind == "openai":
        from tui_router.core.providers.openai_provider import OpenAIProvider

        return OpenAIProvider(endpoint, **options)
    if endpoint.kind == "local":
        from tui_router.core.providers.local_provider import LocalProvider

        return LocalProvider(endpoint)
    kinds = ", ".join(ENDPOINT_KINDS)
    raise ProviderConfigError(
        f"endpoint {endpoint.name!r} has unknown kind {endpoint.kind!r}: use one of {kinds}"
    )


class ProviderPool:
    """One provider per endpoint for the life of a session; `aclose` releases them all."""

    def __init__(
        self, config: AppConfig, *, max_retries: int | None = None, timeout: float | None = None
    ) -> None:
        self.config = config
        self.max_retries = max_retries
        self.timeout = timeout
        self._providers: dict[str, Provider] = {}

    def get(self, model_id: str) -> tuple[Provider, ResolvedModel]:
        resolved = resolve_model(model_id, self.config)
        name = resolved.endpoint.name
        if name not in self._providers:
            self._providers[name] = make_provider(
                resolved.endpoint,
                max_retries=self.max_retries,
                timeout=self.timeout,
                network=self.config.network,
            )
        return self._providers[name], resolved

    async def aclose(self) -> None:
        providers, self._providers = list(self._providers.values()), {}
        for provider in providers:
            await provider.aclose()
