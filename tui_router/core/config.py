"""config.toml: tiers, the baseline frontier model, endpoints, price overrides, budget, keys.

A missing file means defaults. A bad file raises `ConfigError` whose message names the file, the
line or key, and the nearest valid key ("did you mean"); the CLI prints it and exits 2.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tui_router.core.errors import UserFacingError
from tui_router.core.paths import get_paths

TIERS: tuple[str, ...] = ("local", "fast", "balanced", "frontier")
ROUTING_MODES: tuple[str, ...] = ("manual", "suggest", "auto")
STRATEGIES: tuple[str, ...] = ("manual", "rules", "cascade", "learned")
ENDPOINT_KINDS: tuple[str, ...] = ("anthropic", "openai", "local")

#: Models per tier out of the box: current ids that both the SDKs and genai-prices know.
DEFAULT_TIERS: dict[str, list[str]] = {
    "local": ["local/smollm2-135m"],
    "fast": ["claude-haiku-4-5", "gpt-5-mini", "gpt-5-nano"],
    "balanced": ["claude-sonnet-4-6", "gpt-5.1"],
    "frontier": ["claude-opus-4-6", "gpt-5.5"],
}
DEFAULT_FRONTIER = "claude-opus-4-6"

DEFAULT_KEYS: dict[str, str] = {
    "model_picker": "ctrl+l",
    "next_model": "f2",
    "previous_model": "shift+f2",
    "accept_suggestion": "tab",
    "reject_suggestion": "escape",
    "retry_stronger": "ctrl+r",
    "cycle_mode": "ctrl+o",
    "toggle_sidebar": "ctrl+b",
    "help": "f1",
    "quit": "ctrl+q",
}


class ConfigError(UserFacingError):
    """The config file cannot be used; the message says what, where, and what was probably meant."""


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """A place models are served from.

    Attributes:
        name: registry name; models from it are addressed as ``name/model``.
        kind: which wire protocol it speaks: ``anthropic``, ``openai`` (any OpenAI-compatible
            server: Ollama, vLLM, LM Studio, llama.cpp server, OpenRouter) or ``local``.
        base_url: the API root; for ``openai`` kind it includes ``/v1``. None means the SDK default
            (or the ``ANTHROPIC_BASE_URL`` / ``OPENAI_BASE_URL`` env var).
        api_key_env: the environment variable holding the key (never the key itself).
        models: model ids this endpoint serves, listed in the catalog.
        price_provider: genai-prices provider id used to price its models, if any.
    """

    name: str
    kind: str
    base_url: str | None = None
    api_key_env: str | None = None
    models: tuple[str, ...] = ()
    price_provider: str | None = None


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """$ per million tokens; replaces genai-prices for one model."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Everything config.toml can set; defaults are what a missing file means."""

    tiers: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_TIERS.items()})
    frontier_model: str = DEFAULT_FRONTIER
    default_model: str | None = None
    routing_mode: str = "suggest"
    routing_strategy: str = "learned"
    theme: str = "tui-router-dark"
    endpoints: tuple[EndpointConfig, ...] = ()
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    budget_usd: Decimal | None = None
    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    max_tokens: int = 4096
    source: Path | None = None

    def tier_of(self, model_id: str) -> str | None:
        for tier, models in self.tiers.items():
            if model_id in models:
                return tier
        return None


TOP_LEVEL_KEYS = (
    "tiers", "frontier_model", "default_model", "routing_mode", "routing_strategy", "theme",
    "endpoints", "prices", "budget", "keys", "max_tokens",
    "rules",  # [[rules]]: parsed and validated by tui_router.core.routing.rules
)


def load_config(path: Path | None = None) -> AppConfig:
    """Load and validate ``path`` (default: the config file in the config dir)."""
    path = path or get_paths().config_file
    if not path.exists():
        return AppConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> AppConfig:
    where = str(path)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(_unknown(where, key, TOP_LEVEL_KEYS))
    defaults = AppConfig()
    tiers = {k: list(v) for k, v in defaults.tiers.items()}
    for tier, models in _table(data, "tiers", where).items():
        if tier not in TIERS:
            raise ConfigError(_unknown(where, f"tiers.{tier}", [f"tiers.{t}" for t in TIERS]))
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            raise ConfigError(f"{where}: tiers.{tier} must be a list of model ids")
        tiers[tier] = list(models)
    routing_mode = _choice(data, "routing_mode", ROUTING_MODES, defaults.routing_mode, where)
    strategy = _choice(data, "routing_strategy", STRATEGIES, defaults.routing_strategy, where)
    endpoints = tuple(
        _endpoint(name, spec, where) for name, spec in _table(data, "endpoints", where).items()
    )
    prices = {
        model: _price(model, spec, where) for model, spec in _table(data, "prices", where).items()
    }
    budget = _table(data, "budget", where)
    for key in budget:
        if key != "session_usd":
            raise ConfigError(_unknown(where, f"budget.{key}", ["budget.session_usd"]))
    keys = dict(defaults.keys)
    for action, binding in _table(data, "keys", where).items():
        if action not in DEFAULT_KEYS:
            raise ConfigError(_unknown(where, f"keys.{action}", [f"keys.{a}" for a in DEFAULT_KEYS]))
        if not isinstance(binding, str) or not binding:
            raise ConfigError(f"{where}: keys.{action} must be a key name such as \"ctrl+l\"")
        keys[action] = binding
    max_tokens = data.get("max_tokens", defaults.max_tokens)
    if not isinstance(max_tokens, int) or max_tokens <= 0:
        raise ConfigError(f"{where}: max_tokens must be a positive whole number")
    return AppConfig(
        tiers=tiers,
        frontier_model=_str(data, "frontier_model", defaults.frontier_model, where),
        default_model=data.get("default_model") and _str(data, "default_model", "", where),
        routing_mode=routing_mode,
        routing_strategy=strategy,
        theme=_str(data, "theme", defaults.theme, where),
        endpoints=endpoints,
        prices=prices,
        budget_usd=_decimal(budget["session_usd"], "budget.session_usd", where) if "session_usd" in budget else None,
        keys=keys,
        max_tokens=max_tokens,
        source=path,
    )


def _unknown(where: str, key: str, valid: Any) -> str:
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"
    return f"{where}: unknown key {key!r}{hint}"


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {key} must be a table ([{key}])")
    return value


def _str(data: dict[str, Any], key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    return value


def _choice(data: dict[str, Any], key: str, choices: tuple[str, ...], default: str, where: str) -> str:
    value = data.get(key, default)
    if value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.4)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{where}: {key} = {value!r} is not one of {', '.join(choices)}{hint}")
    return str(value)


def _decimal(value: Any, key: str, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}: {key} must be a number, got {value!r}") from None
    if result < 0:
        raise ConfigError(f"{where}: {key} must not be negative")
    return result


ENDPOINT_KEYS = ("kind", "base_url", "api_key_env", "models", "price_provider")
PRICE_KEYS = ("input", "output", "cache_read", "cache_write")


def _endpoint(name: str, spec: Any, where: str) -> EndpointConfig:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: endpoints.{name} must be a table")
    for key in spec:
        if key not in ENDPOINT_KEYS:
            raise ConfigError(_unknown(where, f"endpoints.{name}.{key}", [f"endpoints.{name}.{k}" for k in ENDPOINT_KEYS]))
    kind = spec.get("kind", "openai")
    if kind not in ENDPOINT_KINDS:
        raise ConfigError(f"{where}: endpoints.{name}.kind = {kind!r} is not one of {', '.join(ENDPOINT_KINDS)}")
    models = spec.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise ConfigError(f"{where}: endpoints.{name}.models must be a list of model ids")
    return EndpointConfig(
        name=name,
        kind=kind,
        base_url=spec.get("base_url"),
        api_key_env=spec.get("api_key_env"),
        models=tuple(models),
        price_provider=spec.get("price_provider"),
    )


def _price(model: str, spec: Any, where: str) -> PriceOverride:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: prices.\"{model}\" must be a table with input and output")
    for key in spec:
        if key not in PRICE_KEYS:
            raise ConfigError(_unknown(where, f"prices.{model}.{key}", [f"prices.{model}.{k}" for k in PRICE_KEYS]))
    for required in ("input", "output"):
        if required not in spec:
            raise ConfigError(f"{where}: prices.\"{model}\" needs {required} ($ per million tokens)")
    return PriceOverride(
        input=_decimal(spec["input"], f"prices.{model}.input", where),
        output=_decimal(spec["output"], f"prices.{model}.output", where),
        cache_read=_decimal(spec["cache_read"], f"prices.{model}.cache_read", where) if "cache_read" in spec else None,
        cache_write=_decimal(spec["cache_write"], f"prices.{model}.cache_write", where) if "cache_write" in spec else None,
    )
