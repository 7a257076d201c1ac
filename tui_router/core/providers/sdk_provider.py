"""What the two HTTP providers share: one lazily built SDK client per connection, and retries.

`AnthropicProvider` and `OpenAIProvider` differ only in the request they send and the stream they
read. The SDK is imported on the first call, in a worker thread (about a second for anthropic), and
its client is rebuilt only when the key or base URL in force changes.

Every client of the process shares one TLS context, built in that thread with the import: an SDK
client left to build its own loads the system's CA certificates each time (~45 ms of CPU here) on
the event loop, a stall the TUI would show on the first call of each provider and on every
change of key or endpoint.

The SDKs' own retries are off (``max_retries=0``): `SDKProvider._open` retries a request that
failed before any answer arrived (429, 408/409, 5xx, overloaded, connection errors, a server that
sent nothing) up to ``[network] retries`` times, honouring ``Retry-After`` up to
``max_retry_wait_s`` (a longer wait ends the call at once), and announces each retry as a
`RetryEvent`. ``connect_timeout_s`` bounds opening a connection and ``stall_timeout_s`` every
wait for bytes, the headers included, so a stalled stream ends instead of hanging.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import random
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from tui_router.core.config import EndpointConfig, NetworkConfig
from tui_router.core.providers.base import ProviderEvent, RetryEvent, StreamRequest
from tui_router.core.providers.common import Connection, resolve_connection
from tui_router.core.providers.errors import NotAStream, RetryTooLong

#: The first retry's wait without a Retry-After; each later one doubles, up to `MAX_BACKOFF_S`.
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
_RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}

_tls_context: ssl.SSLContext | None = None
_tls_lock = threading.Lock()


def _load_sdk(name: str) -> tuple[Any, ssl.SSLContext]:
    """The SDK module and the process's TLS context (run in a worker thread: both are slow)."""
    global _tls_context
    sdk = importlib.import_module(name)
    with _tls_lock:
        if _tls_context is None:
            httpx2 = importlib.import_module("httpx2")  # the SDKs' HTTP library
            # what the SDK's client would build for itself: the system's CAs (or SSL_CERT_FILE)
            _tls_context = httpx2.create_ssl_context()
        return sdk, _tls_context


@dataclass(frozen=True, slots=True)
class Opened:
    """The SDK's stream, once a request has been accepted."""

    stream: Any


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
        max_retries: int | None = None,
        timeout: float | None = None,
        network: NetworkConfig | None = None,
    ) -> None:
        """``max_retries`` and ``timeout`` (the stall timeout) override ``network``'s."""
        self.name = endpoint.name
        self.price_provider = endpoint.price_provider
        self.endpoint = endpoint
        self.network = network or NetworkConfig()
        self.max_retries = self.network.retries if max_retries is None else max_retries
        self.timeout = self.network.stall_timeout_s if timeout is None else timeout
        self._client: Any = None
        self._connection: Connection | None = None

    def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        """Start one call; raises `ProviderConfigError` at once if a needed key is not set."""
        connection = resolve_connection(
            self.endpoint, self.SDK, self.timeout, self.network.connect_timeout_s
        )
        return self._stream(request, connection)

    def _stream(
        self, request: StreamRequest, connection: Connection
    ) -> AsyncIterator[ProviderEvent]:
        raise NotImplementedError

    async def _open(
        self, connection: Connection, create: Callable[[Any], Awaitable[Any]]
    ) -> AsyncIterator[RetryEvent | Opened]:
        """Send the request (``create(client)``), retrying as the module says.

        Yields a `RetryEvent` before each retry and `Opened` last; raises the last failure
        (or `RetryTooLong`, or `NotAStream` for a 200 that is not an event stream).
        """
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                client = await self._get_client(connection)
                stream = await create(client)
            except Exception as exc:
                reason = retry_reason(exc)
                if reason is None:
                    raise
                wait = retry_after(exc)
                if wait is not None and wait > self.network.max_retry_wait_s:
                    raise RetryTooLong(wait, self.network.max_retry_wait_s, exc) from exc
                if attempt == attempts:
                    raise
                if wait is None:
                    backoff = min(MAX_BACKOFF_S, INITIAL_BACKOFF_S * 2 ** (attempt - 1))
                    wait = backoff * (1 - 0.25 * random.random())
                yield RetryEvent(attempt + 1, attempts, wait, reason)
                await asyncio.sleep(wait)
                continue
            content_type = _content_type(stream)
            if content_type and not content_type.startswith("text/event-stream"):
                await _close_quietly(stream)
                raise NotAStream(content_type.split(";")[0].strip())
            yield Opened(stream)
            return

    async def _get_client(self, connection: Connection) -> Any:
        if self._client is not None and self._connection == connection:
            return self._client
        await self.aclose()
        sdk, tls = await asyncio.to_thread(_load_sdk, self.SDK)
        httpx2 = importlib.import_module("httpx2")  # the SDKs' HTTP library, loaded with them
        timeout = httpx2.Timeout(
            self.timeout,  # read and write: the longest wait for the next bytes
            connect=self.network.connect_timeout_s,
            pool=self.network.connect_timeout_s,
        )
        self._client = getattr(sdk, self.CLIENT_CLASS)(
            api_key=connection.api_key,
            base_url=connection.base_url,
            max_retries=0,  # retried by `_open`, which reports each retry
            timeout=timeout,
            # the SDK's own default client (its limits, keep-alive, proxies from the
            # environment), with the shared TLS context
            http_client=sdk.DefaultAsyncHttpxClient(timeout=timeout, verify=tls),
        )
        self._connection = connection
        return self._client

    async def aclose(self) -> None:
        client, self._client, self._connection = self._client, None, None
        if client is not None:
            await client.close()


def retry_reason(exc: BaseException) -> str | None:
    """Why a failed request may be tried again ("rate limited", ...), or None if it may not."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if headers is not None and str(headers.get("x-should-retry", "")).lower() == "false":
            return None  # the API says this one will fail again (as both SDKs honour it)
        if status == 429:
            return "rate limited"
        if status == 529:
            return "overloaded"
        if status in _RETRY_STATUSES:
            return f"server error (HTTP {status})"
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"APITimeoutError", "TimeoutException"}:
        return "no answer"
    if names & {"APIConnectionError", "TransportError", "ConnectError"} or isinstance(
        exc, ConnectionError
    ):
        return "connection failed"
    return None


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms``, ``retry-after``), if it said."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _content_type(stream: Any) -> str:
    response = getattr(stream, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("content-type") if headers is not None else None
    return value.lower() if isinstance(value, str) else ""


async def _close_quietly(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            await close()
        except Exception:  # closing a response we are abandoning: nothing to report
            return


def usage_dict(obj: Any) -> dict[str, Any]:
    """An SDK usage object (pydantic model, dict or None) as a plain dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    try:
        dumped = obj.model_dump()
    except Exception:  # a junk payload the SDK did not validate: no usage, not a crash
        return {}
    return dumped if isinstance(dumped, dict) else {}
