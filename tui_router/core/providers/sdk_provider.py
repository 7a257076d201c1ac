"""What the two HTTP providers share: one lazily built SDK client per connection.

`AnthropicProvider` and `OpenAIProvider` differ only in the request they send and the stream they
read. The SDK is imported on the first call, in a worker thread (about a second for anthropic), and
its client is rebuilt only when the key or base URL in force changes.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from tui_router.core.config import EndpointConfig
from tui_router.core.providers.base import ProviderEvent, StreamRequest
from tui_router.core.providers.common import DEFAULT_MAX_RETRIES, Connection, resolve_connection


class SDKProvider:
    """Base of the SDK-backed providers; subclasses set the SDK names and implement `_stream`."""

    #: the SDK module and the key/base-URL family ("anthropic" or "openai")
    SDK: ClassVar[str]
    #: the async client class in that module
    CLIENT_CLASS: ClassVar[str]

    def __init__(
        self,
        endpoint: EndpointConfig,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | None = None,
    ) -> None:
        self.name = endpoint.name
        self.price_provider = endpoint.price_provider
        self.endpoint = endpoint
        self.max_retries = max_retries
        self.timeout = timeout
        self._client: Any = None
        self._connection: Connection | None = None

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Start one call; raises `ProviderConfigError` at once if a needed key is not set."""
        connection = resolve_connection(self.endpoint, self.SDK, self.timeout)
        return self._stream(request, connection)

    def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        raise NotImplementedError

    async def _get_client(self, connection: Connection) -> Any:
        if self._client is not None and self._connection == connection:
            return self._client
        await self.aclose()
        sdk = await asyncio.to_thread(importlib.import_module, self.SDK)
        options: dict[str, Any] = {}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        self._client = getattr(sdk, self.CLIENT_CLASS)(
            api_key=connection.api_key,
            base_url=connection.base_url,
            max_retries=self.max_retries,
            **options,
        )
        self._connection = connection
        return self._client

    async def aclose(self) -> None:
        client, self._client, self._connection = self._client, None, None
        if client is not None:
            await client.close()


def usage_dict(obj: Any) -> dict[str, Any]:
    """An SDK usage object (pydantic model, dict or None) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dumped = obj.model_dump()
    return dumped if isinstance(dumped, dict) else {}
