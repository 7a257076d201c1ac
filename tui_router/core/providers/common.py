"""What the HTTP providers share: key and base-URL resolution, request shaping, usage fallbacks.

Keys are read from the environment variable the endpoint names, when a stream starts; only the
variable's *name* ever appears in a message. Base URLs follow the endpoint's config, then the
SDK's env var (``ANTHROPIC_BASE_URL`` / ``OPENAI_BASE_URL``), then the SDK default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from tui_router.core.config import EndpointConfig
from tui_router.core.endpoints import BASE_URL_ENV
from tui_router.core.providers.base import ProviderConfigError, StreamRequest
from tui_router.core.providers.errors import ErrorContext
from tui_router.core.tokens import count_messages, count_tokens
from tui_router.core.usage import Usage

#: SDK retries for real use (429/5xx/connection errors, with backoff); tests pass 0.
DEFAULT_MAX_RETRIES = 2
DEFAULT_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
DEFAULT_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
#: What keyless OpenAI-compatible servers (Ollama, llama.cpp, LM Studio) get: the SDK needs a key.
KEYLESS_PLACEHOLDER = "not-needed"


@dataclass(frozen=True, slots=True)
class Connection:
    """A resolved endpoint: where to send requests, with which key, and how to explain failures."""

    base_url: str
    api_key: str
    context: ErrorContext


def resolve_connection(
    endpoint: EndpointConfig, protocol: str, timeout: float | None = None
) -> Connection:
    """Key and base URL for ``endpoint`` (``protocol`` is "anthropic" or "openai").

    Raises `ProviderConfigError` naming the env var when a needed key is missing.
    """
    url_env = BASE_URL_ENV[protocol]
    if endpoint.base_url:
        base_url = endpoint.base_url
        url_hint = f"the base_url of endpoint '{endpoint.name}' in config.toml"
    elif os.environ.get(url_env):
        base_url = os.environ[url_env]
        url_hint = f"${url_env}"
    else:
        base_url = DEFAULT_URLS[protocol]
        url_hint = f"your network connection (or ${url_env})"
    key_env = endpoint.api_key_env
    if key_env is None and (protocol == "anthropic" or not endpoint.base_url):
        key_env = DEFAULT_KEY_ENV[protocol]
    if key_env is None:
        api_key = KEYLESS_PLACEHOLDER
    else:
        api_key = os.environ.get(key_env, "").strip()
        if not api_key:
            raise ProviderConfigError(
                f"no API key for {endpoint.name}: set {key_env} "
                "(or choose another model: tui-router models)"
            )
    context = ErrorContext(
        endpoint=endpoint.name,
        url=base_url,
        key_env=key_env,
        url_hint=url_hint,
        secret=api_key if key_env else None,
        timeout=timeout,
    )
    return Connection(base_url, api_key, context)


def chat_messages(request: StreamRequest) -> tuple[str | None, list[dict[str, str]]]:
    """(system prompt, plain role/content messages) for any chat API.

    System messages inside the history join the system prompt; empty messages (an answer
    cancelled before its first token) are left out, since the APIs reject empty content.
    """
    system_parts = [request.system] if request.system else []
    messages: list[dict[str, str]] = []
    for message in request.messages:
        if message.role == "system":
            if message.content:
                system_parts.append(message.content)
        elif message.content:
            messages.append({"role": message.role, "content": message.content})
    system = "\n\n".join(system_parts) if system_parts else None
    return system, messages


def estimated_usage(request: StreamRequest, text: str, known: Usage | None = None) -> Usage:
    """Usage counted locally (tiktoken), for calls whose API sent none or stopped part-way.

    Whatever the API did report (``known``) is kept; the result is marked estimated.
    """
    output = count_tokens(text)
    if known is None:
        prompt = count_messages(request.messages, system=request.system)
        return Usage(input_tokens=prompt, output_tokens=output, estimated=True)
    if not known.input_tokens:
        prompt = count_messages(request.messages, system=request.system)
        known = replace(known, input_tokens=prompt)
    return replace(known, output_tokens=max(known.output_tokens, output), estimated=True)
