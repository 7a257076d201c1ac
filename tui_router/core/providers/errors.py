"""Turning SDK and transport exceptions into one `ErrorEvent` a person can act on.

Works by duck typing (``status_code``, the error ``type`` in the body, class names) so that the
SDKs stay lazily imported. Messages are one line, name the endpoint and what to check (the key's
env var, the base URL), and never contain the API key: the key in use is masked, and so is any
credential inside a URL (``http://user:KEY@host``, ``?key=``; see `core.redact`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from tui_router.core.providers.base import ErrorEvent, ErrorKind, seconds_text
from tui_router.core.redact import scrub_url, scrub_urls, url_secrets

_MAX_DETAIL = 200


@dataclass(frozen=True, slots=True)
class ErrorContext:
    """What an error message may point at.

    Attributes:
        endpoint: endpoint name shown to the user ("anthropic", "ollama", ...).
        url: the base URL requests went to.
        key_env: the env var the key came from (None for keyless endpoints).
        url_hint: where the URL is set ("$ANTHROPIC_BASE_URL", "base_url of endpoint 'ollama'").
        secret: the key in use, scrubbed from any text that is shown.
        timeout: the stall (read) timeout in seconds, if one was set.
        connect_timeout: the connect timeout in seconds, if one was set.
    """

    endpoint: str
    url: str
    key_env: str | None = None
    url_hint: str | None = None
    secret: str | None = None
    timeout: float | None = None
    connect_timeout: float | None = None

    @property
    def shown_url(self) -> str:
        """The base URL as it may be shown: without userinfo or token query values."""
        return scrub_url(self.url)

    def scrub(self, text: str) -> str:
        text = scrub_urls(" ".join(text.split()))
        secrets = url_secrets(self.url)
        if self.secret and len(self.secret) >= 4:
            secrets.append(self.secret)
        for secret in secrets:
            text = text.replace(secret, "***")
        return text[:_MAX_DETAIL] + ("…" if len(text) > _MAX_DETAIL else "")


class RetryTooLong(Exception):
    """The server asked to wait longer (``Retry-After``) than ``[network] max_retry_wait_s``."""

    def __init__(self, wait_s: float, limit_s: float, cause: BaseException) -> None:
        super().__init__(f"retry after {wait_s:g} s")
        self.wait_s = wait_s
        self.limit_s = limit_s
        self.cause = cause


class NotAStream(Exception):
    """A 200 answer that is not an event stream (a proxy's or captive portal's HTML page)."""

    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


def _api_detail(exc: BaseException) -> tuple[str | None, str | None]:
    """(error type, message) from the error body, as both SDKs expose it."""
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            kind = inner.get("type")
            message = inner.get("message")
            return (
                kind if isinstance(kind, str) else None,
                message if isinstance(message, str) else None,
            )
    return None, None


def _is_connect_timeout(exc: BaseException) -> bool:
    return any(cls.__name__ in ("ConnectTimeout", "PoolTimeout") for cls in type(exc).__mro__)


def _retry_too_long(exc: RetryTooLong, ctx: ErrorContext) -> ErrorEvent:
    at = time.strftime("%H:%M", time.localtime(time.time() + exc.wait_s))
    status = getattr(exc.cause, "status_code", None)
    overloaded = status == 529 or _api_detail(exc.cause)[0] == "overloaded_error"
    what = "overloaded" if overloaded else "rate limited"
    return ErrorEvent(
        message=f"{ctx.endpoint} {what}; retry after {at} (it asked to wait "
        f"{seconds_text(exc.wait_s)}, more than [network] max_retry_wait_s = "
        f"{exc.limit_s:g}); or switch model",
        kind="overloaded" if overloaded else "rate_limit",
        status=status if isinstance(status, int) else None,
    )


def _is_timeout(exc: BaseException) -> bool:
    return any("Timeout" in cls.__name__ for cls in type(exc).__mro__)


def _is_connection(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names & {"APIConnectionError", "TransportError", "ConnectError", "RemoteProtocolError"}
    ) or isinstance(exc, ConnectionError)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def error_event(exc: BaseException, ctx: ErrorContext, *, mid_stream: bool = False) -> ErrorEvent:
    """One `ErrorEvent` for an exception raised while calling ``ctx.endpoint``.

    ``mid_stream``: the answer had started arriving (a dropped connection is then not "cannot
    reach" but "lost the connection").
    """
    if isinstance(exc, RetryTooLong):
        return _retry_too_long(exc, ctx)
    if isinstance(exc, NotAStream):
        return ErrorEvent(
            message=f"{ctx.endpoint} at {ctx.shown_url} answered with {exc.content_type}, not an "
            f"event stream (a proxy or login page?); check {ctx.url_hint or 'the base URL'}",
            kind="bad_request",
        )
    status = getattr(exc, "status_code", None)
    # an error event inside a stream carries the stream's own status (200): not an HTTP failure
    status = status if isinstance(status, int) and status >= 400 else None
    api_type, api_message = _api_detail(exc)
    detail = f": {ctx.scrub(api_message)}" if api_message else ""
    where = ctx.endpoint
    kind: ErrorKind
    if status in (401, 403) or api_type in ("authentication_error", "permission_error"):
        kind = "auth"
        fix = f"check ${ctx.key_env}" if ctx.key_env else "check the endpoint's api_key_env"
        code = f"HTTP {status}" if status else "auth"
        message = f"{where} rejected the API key ({code}){detail}; {fix}"
    elif status == 529 or api_type == "overloaded_error":
        kind = "overloaded"
        message = f"{where} is overloaded right now; retry in a moment or switch model"
    elif status == 429 or api_type == "rate_limit_error":
        kind = "rate_limit"
        message = f"{where} rate limit reached (HTTP 429){detail}; wait a little or switch model"
    elif status is not None and status >= 500:
        kind = "server"
        message = f"{where} server error (HTTP {status}){detail}; retry, or switch model"
    elif status is not None:
        kind = "bad_request"
        message = f"{where} refused the request (HTTP {status}){detail}"
    elif api_type is not None:  # an error event inside an otherwise fine stream
        kind = "server"
        message = f"{where} reported an error mid-answer ({api_type}){detail}"
    elif any(_is_connect_timeout(e) for e in _chain(exc)):
        kind = "timeout"
        limit = f" within {seconds_text(ctx.connect_timeout)}" if ctx.connect_timeout else ""
        message = (
            f"could not connect to {where} at {ctx.shown_url}{limit}; check "
            f"{ctx.url_hint or 'the base URL'}, or raise [network] connect_timeout_s"
        )
    elif any(_is_timeout(e) for e in _chain(exc)):
        kind = "timeout"
        limit = f" for {seconds_text(ctx.timeout)}" if ctx.timeout else ""
        state = "stalled mid-answer" if mid_stream else "did not answer"
        message = (
            f"{where} {state}: nothing received{limit} ({ctx.shown_url}); retry, or raise "
            "[network] stall_timeout_s"
        )
    elif mid_stream and any(isinstance(e, json.JSONDecodeError) for e in _chain(exc)):
        kind = "server"
        message = f"{where} sent a malformed stream event mid-answer ({ctx.scrub(str(exc))}); retry"
    elif any(_is_connection(e) for e in _chain(exc)):
        kind = "connection"
        if mid_stream:
            reason = ctx.scrub(str(_chain(exc)[-1])) or type(exc).__name__
            message = f"lost the connection to {where} mid-answer ({reason}); retry"
        else:
            message = connection_message(ctx, exc)
    else:
        kind = "other"
        message = f"{where} call failed: {ctx.scrub(f'{type(exc).__name__}: {exc}')}"
    return ErrorEvent(message=message, kind=kind, status=status)


def connection_message(ctx: ErrorContext, exc: BaseException | None = None) -> str:
    """The "cannot reach X at URL" line: names the URL and where it is configured."""
    hint = f"; check {ctx.url_hint}" if ctx.url_hint else ""
    reason = ""
    if exc is not None:
        root = _chain(exc)[-1]
        text = ctx.scrub(str(root)) if str(root) else type(root).__name__
        reason = f" ({text})"
    return f"cannot reach {ctx.endpoint} at {ctx.shown_url}{reason}{hint}"


def ended_early(ctx: ErrorContext) -> ErrorEvent:
    """The stream closed before the API said it was finished."""
    return ErrorEvent(
        message=(
            f"{ctx.endpoint} closed the stream before the answer finished ({ctx.shown_url}); retry"
        ),
        kind="connection",
    )
