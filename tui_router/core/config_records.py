"""The settings records config.toml fills: `AppConfig` and its parts, their defaults, the keys.

The bottom of the config layers (`config` loads, `config_parse` checks, `endpoints` and `pricing`
read these records): it imports none of them. `ConfigError` lives here so every layer raises the
same way. Import them from `config`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tui_router.core.errors import UserFacingError
from tui_router.core.errors import did_you_mean as did_you_mean  # re-exported
from tui_router.core.tiers import BALANCED, FAST, FRONTIER, LOCAL

ROUTING_MODES: tuple[str, ...] = ("manual", "suggest", "auto")
ENDPOINT_KINDS: tuple[str, ...] = ("anthropic", "openai", "local")

#: Models per tier out of the box: current ids that both the SDKs and genai-prices know.
DEFAULT_TIERS: dict[str, list[str]] = {
    LOCAL: ["local/smollm2-135m"],
    FAST: ["claude-haiku-4-5", "gpt-5-mini", "gpt-5-nano"],
    BALANCED: ["claude-sonnet-4-6", "gpt-5.1"],
    FRONTIER: ["claude-opus-4-6", "gpt-5.5"],
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


@dataclass(frozen=True)
class PermissionsConfig:
    """The ``[permissions]`` table of config.toml (checked by `core.agent.permissions`, which
    loads only when a turn runs or the table has rules: config loads before the first frame).

    Attributes:
        allow: rules (``TOOL`` or ``TOOL:PATTERN``) for calls that run without asking.
        deny: rules for calls that never run, whatever else says yes.
        extra_dirs: folders outside the project the tools may reach (each use is asked about).
    """

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    extra_dirs: tuple[Path, ...] = ()


class ConfigError(UserFacingError):
    """The config file cannot be used; the message says what, where, and what was probably meant."""


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
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


@dataclass(frozen=True)
class PriceOverride:
    """$ per million tokens; replaces genai-prices for one model."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None


@dataclass(frozen=True)
class NetworkConfig:
    """``[network]``: how long to wait for an API, and how often to try again.

    Attributes:
        connect_timeout_s: seconds to open a connection before giving up.
        stall_timeout_s: seconds without a byte (before the headers or between chunks of a
            stream) after which the call ends with a one-line error.
        max_retry_wait_s: the longest wait before a retry; a server asking for more
            (``Retry-After``) ends the call at once with "retry after HH:MM".
        retries: how many times a call that failed before any answer arrived (429, 5xx,
            overloaded, connection error) is tried again.
    """

    connect_timeout_s: float = 10.0
    stall_timeout_s: float = 60.0
    max_retry_wait_s: float = 60.0
    retries: int = 2


@dataclass(frozen=True)
class AppConfig:
    """Everything config.toml can set; defaults are what a missing file means."""

    tiers: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_TIERS.items()}
    )
    frontier_model: str = DEFAULT_FRONTIER
    default_model: str | None = None
    routing_mode: str = "suggest"
    routing_strategy: str = "learned"
    theme: str = "tui-router-dark"
    endpoints: tuple[EndpointConfig, ...] = ()
    prices: dict[str, PriceOverride] = field(default_factory=dict)
    #: ``[budget] session_usd``: the most one session may spend
    budget_usd: Decimal | None = None
    #: ``[budget] day_usd`` / ``month_usd``: the most all sessions together may spend in a
    #: calendar day / month (local time), counted from the store across processes
    budget_day_usd: Decimal | None = None
    budget_month_usd: Decimal | None = None
    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    max_tokens: int = 4096
    #: cascade: also ask a fast-tier judge about answers that passed the local quality gates
    #: (one extra call per judged answer, recorded with purpose "judge")
    cascade_judge: bool = False
    #: the app titles each session from its first prompt with one fast-tier call in the
    #: background (recorded with purpose "title"); off: the prompt's first line is the title
    session_titles: bool = True
    #: ``[permissions]``: allow / deny rules for the agent's tools and extra folders it may reach
    permissions: PermissionsConfig = field(default_factory=PermissionsConfig)
    #: ``[agent] max_steps``: most model calls one agent turn may make before it stops
    agent_max_steps: int = 40
    #: ``[agent] check``: a shell command that verifies an agent turn (e.g. "pytest -q"), or None
    agent_check: str | None = None
    #: ``[network]``: timeouts and retries of every API call
    network: NetworkConfig = field(default_factory=NetworkConfig)
    source: Path | None = None
    #: the parsed TOML as read (validated at the top level), for tables other modules own
    #: (e.g. routing rules): add the key to `TOP_LEVEL_KEYS` and read it from here.
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def tier_of(self, model_id: str) -> str | None:
        """The tier whose list names ``model_id`` (as written there), or None."""
        for tier, models in self.tiers.items():
            if model_id in models:
                return tier
        return None


#: Top-level keys config.toml may hold. A module that owns a new table (e.g. `[[rules]]`) adds
#: its key here and reads the table from `AppConfig.raw`.
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "tiers", "frontier_model", "default_model", "routing_mode", "routing_strategy", "theme",
    "endpoints", "prices", "budget", "keys", "max_tokens", "cascade_judge",
    "session_titles",
    "rules",  # [[rules]]: parsed and validated by tui_router.core.routing.rules
    "permissions", "agent",
    "network",
    "telemetry",  # [telemetry]: parsed and validated by tui_router.core.telemetry
)  # fmt: skip
ENDPOINT_KEYS: tuple[str, ...] = ("kind", "base_url", "api_key_env", "models", "price_provider")
PRICE_KEYS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write")
BUDGET_KEYS: tuple[str, ...] = ("session_usd", "day_usd", "month_usd")
PERMISSIONS_KEYS: tuple[str, ...] = ("allow", "deny", "extra_dirs")
AGENT_KEYS: tuple[str, ...] = ("max_steps", "check")
NETWORK_KEYS: tuple[str, ...] = (
    "connect_timeout_s",
    "stall_timeout_s",
    "max_retry_wait_s",
    "retries",
)
