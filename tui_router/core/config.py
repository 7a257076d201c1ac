"""config.toml: tiers, the baseline frontier model, endpoints, price overrides, budget, keys.

Owns `load_config`: a missing file means defaults. A bad file raises `ConfigError` whose message
names the file, the line and key, and the nearest valid key or value ("did you mean"); the CLI
prints it and exits 2. The records live in `config_records`, the checks in `config_parse`; this
module is the top of those layers and the one place callers import config from.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tui_router.core.config_records import (
    AGENT_KEYS,
    BUDGET_KEYS,
    DEFAULT_FRONTIER,
    DEFAULT_KEYS,
    DEFAULT_TIERS,
    ENDPOINT_KEYS,
    ENDPOINT_KINDS,
    NETWORK_KEYS,
    PERMISSIONS_KEYS,
    PRICE_KEYS,
    ROUTING_MODES,
    TOP_LEVEL_KEYS,
    AppConfig,
    ConfigError,
    EndpointConfig,
    NetworkConfig,
    PriceOverride,
    did_you_mean,
)
from tui_router.core.paths import get_paths
from tui_router.core.routing import strategies
from tui_router.core.tiers import TIERS

__all__ = [
    "AGENT_KEYS",
    "BUDGET_KEYS",
    "DEFAULT_FRONTIER",
    "DEFAULT_KEYS",
    "DEFAULT_TIERS",
    "ENDPOINT_KEYS",
    "ENDPOINT_KINDS",
    "NETWORK_KEYS",
    "PERMISSIONS_KEYS",
    "PRICE_KEYS",
    "ROUTING_MODES",
    "STRATEGIES",
    "TIERS",
    "TOP_LEVEL_KEYS",
    "AppConfig",
    "ConfigError",
    "EndpointConfig",
    "NetworkConfig",
    "PriceOverride",
    "check_frontier_price",
    "did_you_mean",
    "load_config",
    "parse_config",
]

#: The names ``routing_strategy`` may take: the strategy registry's (a leaf module, cheap to load).
STRATEGIES: tuple[str, ...] = strategies.names()


def load_config(path: Path | None = None, *, check_prices: bool = True) -> AppConfig:
    """Load and validate ``path`` (default: the config file in the config dir).

    With ``check_prices`` the frontier model must have a known price (else the frontier-only
    baseline would be n/a), and endpoints' ``price_provider`` names must exist. That check
    imports genai-prices (~0.2 s, more without bytecode caches): a caller that must stay fast
    (the TUI before its first frame) passes False and calls `check_frontier_price` from a worker.
    """
    path = path or get_paths().config_file
    if not path.exists():
        return AppConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        reason = str(exc).replace(
            "(at end of document)", f"(at the end of the file, line {len(text.splitlines())})"
        )
        raise ConfigError(f"{path}: not valid TOML: {reason}") from None
    return parse_config(data, path, text, check_prices=check_prices)


def parse_config(
    data: dict[str, Any],
    path: Path,
    text: str | None = None,
    *,
    check_prices: bool = False,
) -> AppConfig:
    """Validate parsed TOML ``data`` from ``path`` (``text``, if given, lets errors cite lines)."""
    from tui_router.core.config_parse import ConfigParser

    parser = ConfigParser(path, text)
    config = parser.parse(data)
    if check_prices:
        parser.check_frontier_price(config)
    return config


def check_frontier_price(config: AppConfig) -> None:
    """Raise `ConfigError` unless the frontier model has a known price (imports genai-prices)."""
    from tui_router.core.config_parse import ConfigParser

    source = config.source or get_paths().config_file
    text = None
    if config.source is not None:
        try:
            text = config.source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
    ConfigParser(source, text).check_frontier_price(config)
