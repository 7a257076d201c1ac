"""Validation of config.toml: every check, and error messages that cite file, line, key and fix.

`ConfigParser.parse` turns parsed TOML into an `AppConfig` or raises `ConfigError` naming the file,
the line (see `toml_lines`), the dotted key as one would write it in TOML, and the nearest valid
key or value.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from tui_router.core.config_records import (
    AGENT_KEYS,
    BUDGET_KEYS,
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
    PermissionsConfig,
    PriceOverride,
    did_you_mean,
)
from tui_router.core.routing import strategies
from tui_router.core.tiers import TIERS
from tui_router.core.toml_lines import dotted, locate

_ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigParser:
    """Checks one config file's data; each failure raises `ConfigError` at once."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.path = path
        self.text = text

    # -- messages -------------------------------------------------------------------------

    def fail(self, parts: tuple[str, ...], message: str, value: str | None = None) -> NoReturn:
        line = locate(self.text, parts, value) if self.text is not None and parts else None
        where = f"{self.path}, line {line}" if line else str(self.path)
        raise ConfigError(f"{where}: {message}")

    def unknown_key(self, parts: tuple[str, ...], valid: tuple[str, ...]) -> NoReturn:
        key = dotted(*parts)
        guess = did_you_mean(parts[-1], valid)
        if len(parts) > 1 and parts[-1] in TOP_LEVEL_KEYS:  # TOML's classic trap
            hint = (
                f"{parts[-1]} is a top-level setting: move it above the first [table] header "
                f"(here it landed inside [{dotted(*parts[:-1])}])"
            )
        elif guess is not None:
            hint = f"did you mean {dotted(*parts[:-1], guess)!r}?"
        else:
            hint = "valid keys here: " + ", ".join(valid)
        self.fail(parts, f"unknown key {key!r}; {hint}")

    def bad_choice(self, parts: tuple[str, ...], value: Any, choices: tuple[str, ...]) -> NoReturn:
        guess = did_you_mean(str(value), choices)
        hint = f"; did you mean {guess!r}?" if guess else ""
        self.fail(parts, f"{dotted(*parts)} = {value!r} is not one of {', '.join(choices)}{hint}")

    # -- the file ---------------------------------------------------------------------------

    def parse(self, data: dict[str, Any]) -> AppConfig:
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.unknown_key((key,), TOP_LEVEL_KEYS)
        defaults = AppConfig()
        endpoints = tuple(
            self.endpoint(name, spec) for name, spec in self.table(data, "endpoints").items()
        )
        known = AppConfig(endpoints=endpoints)  # what model-id checks resolve against
        tiers = self.tiers(data, known)
        frontier = self.string(data, "frontier_model", defaults.frontier_model)
        self.model_id(("frontier_model",), frontier, known, tiers)
        default_model = None
        if "default_model" in data:
            default_model = self.string(data, "default_model", "")
            self.model_id(("default_model",), default_model, known, tiers)
        budget = self.table(data, "budget")
        for key in budget:
            if key not in BUDGET_KEYS:
                self.unknown_key(("budget", key), BUDGET_KEYS)
        limits: dict[str, Decimal | None] = {}
        for key in BUDGET_KEYS:
            limits[key] = None
            if key in budget:
                amount = self.decimal(("budget", key), budget[key])
                if amount <= 0:
                    self.fail(("budget", key), f"budget.{key} must be more than 0")
                limits[key] = amount
        budget_usd = limits["session_usd"]
        agent = self.table(data, "agent")
        for key in agent:
            if key not in AGENT_KEYS:
                self.unknown_key(("agent", key), AGENT_KEYS)
        agent_check = None
        if "check" in agent:
            agent_check = self.optional_str(("agent",), agent, "check")
        return AppConfig(
            tiers=tiers,
            frontier_model=frontier,
            default_model=default_model,
            routing_mode=self.choice(data, "routing_mode", ROUTING_MODES, defaults.routing_mode),
            routing_strategy=self.choice(
                data, "routing_strategy", strategies.names(), defaults.routing_strategy
            ),
            theme=self.string(data, "theme", defaults.theme),
            endpoints=endpoints,
            prices={
                model: self.price(model, spec) for model, spec in self.table(data, "prices").items()
            },
            budget_usd=budget_usd,
            budget_day_usd=limits["day_usd"],
            budget_month_usd=limits["month_usd"],
            keys=self.keys(data),
            max_tokens=self.positive_int(data, "max_tokens", defaults.max_tokens),
            cascade_judge=self.boolean(data, "cascade_judge", defaults.cascade_judge),
            session_titles=self.boolean(data, "session_titles", defaults.session_titles),
            permissions=self.permissions(data),
            agent_max_steps=self.positive_int(
                agent, "max_steps", defaults.agent_max_steps, ("agent",)
            ),
            agent_check=agent_check,
            network=self.network(data),
            source=self.path,
            raw=data,
        )

    def tiers(self, data: dict[str, Any], known: AppConfig) -> dict[str, list[str]]:
        tiers = {k: list(v) for k, v in DEFAULT_TIERS.items()}
        seen: dict[str, str] = {}
        for tier, models in self.table(data, "tiers").items():
            parts = ("tiers", tier)
            if tier not in TIERS:
                self.unknown_key(parts, TIERS)
            if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
                self.fail(parts, f"{dotted(*parts)} must be a list of model ids (strings)")
            for model in models:
                if model in seen:
                    self.fail(
                        parts,
                        f"{model!r} is listed in both tiers.{seen[model]} and tiers.{tier}; "
                        "a model has one tier",
                        value=model,
                    )
                seen[model] = tier
            tiers[tier] = list(models)
        # a model moved to another tier leaves its default tier
        for tier in TIERS:
            if tier not in data.get("tiers", {}):
                tiers[tier] = [m for m in tiers[tier] if m not in seen]
        for tier, models in tiers.items():
            for model in models:
                self.model_id(("tiers", tier), model, known, tiers)
        return tiers

    def model_id(
        self,
        parts: tuple[str, ...],
        model: str,
        known: AppConfig,
        tiers: dict[str, list[str]],
    ) -> None:
        """Fail unless some endpoint can serve ``model``, suggesting a known catalog id."""
        from tui_router.core.endpoints import UnknownModelError, all_endpoints, resolve_model

        try:
            resolve_model(model, known)
        except UnknownModelError:
            candidates = [m for ms in (*tiers.values(), *DEFAULT_TIERS.values()) for m in ms]
            for endpoint in all_endpoints(known):
                candidates += [f"{endpoint.name}/{m}" for m in endpoint.models]
            guess = did_you_mean(model, [c for c in candidates if c != model])
            hint = f"did you mean {guess!r}? " if guess else ""
            names = ", ".join(e.name for e in all_endpoints(known))
            self.fail(
                parts,
                f"{dotted(*parts)}: no endpoint serves model {model!r}; {hint}"
                f"(ids are claude-*, gpt-*/o*, or ENDPOINT/model with an endpoint from: {names})",
                value=model,
            )

    def endpoint(self, name: str, spec: Any) -> EndpointConfig:
        from tui_router.core.endpoints import BUILTIN_ENDPOINTS

        parts = ("endpoints", name)
        if not _ENDPOINT_NAME.match(name):
            self.fail(
                parts,
                f"endpoint name {name!r} may hold only letters, digits, '_', '-' and '.' "
                "(it becomes the model prefix, as in ollama/llama3.2)",
            )
        if not isinstance(spec, dict):
            self.fail(parts, f"{dotted(*parts)} must be a table ([{dotted(*parts)}])")
        for key in spec:
            if key not in ENDPOINT_KEYS:
                self.unknown_key((*parts, key), ENDPOINT_KEYS)
        builtin = {e.name: e for e in BUILTIN_ENDPOINTS}.get(name)
        kind = spec.get("kind", builtin.kind if builtin else "openai")
        if kind not in ENDPOINT_KINDS:
            self.bad_choice((*parts, "kind"), kind, ENDPOINT_KINDS)
        base_url = self.optional_str(parts, spec, "base_url")
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            self.fail(
                (*parts, "base_url"),
                f"{dotted(*parts, 'base_url')} must start with http:// or https:// "
                '(e.g. "http://localhost:11434/v1")',
            )
        api_key_env = self.optional_str(parts, spec, "api_key_env")
        if api_key_env is not None and not _ENV_NAME.match(api_key_env):
            # never echo the value: it may be the key itself, pasted by mistake
            self.fail(
                (*parts, "api_key_env"),
                f"{dotted(*parts, 'api_key_env')} must name an environment variable such as "
                '"OPENROUTER_API_KEY" (the variable holds the key; never put the key in '
                "config.toml)",
            )
        models = spec.get("models", list(builtin.models) if builtin else [])
        if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
            self.fail((*parts, "models"), f"{dotted(*parts, 'models')} must be a list of model ids")
        if builtin is not None:
            base_url = base_url if "base_url" in spec else builtin.base_url
            api_key_env = api_key_env if "api_key_env" in spec else builtin.api_key_env
        if kind == "openai" and base_url is None and api_key_env is None:
            self.fail(
                parts,
                f"{dotted(*parts)} needs base_url (a local server such as Ollama) or "
                "api_key_env (the variable that holds its key), or both",
            )
        price_provider = self.optional_str(parts, spec, "price_provider")
        if price_provider is None and builtin is not None:
            price_provider = builtin.price_provider
        return EndpointConfig(
            name=name,
            kind=str(kind),
            base_url=base_url,
            api_key_env=api_key_env,
            models=tuple(models),
            price_provider=price_provider,
        )

    def price(self, model: str, spec: Any) -> PriceOverride:
        parts = ("prices", model)
        if not isinstance(spec, dict):
            self.fail(
                parts,
                f"{dotted(*parts)} must be a table: [{dotted(*parts)}] with input and output "
                "($ per million tokens)",
            )
        for key in spec:
            if key not in PRICE_KEYS:
                self.unknown_key((*parts, key), PRICE_KEYS)
        for required in ("input", "output"):
            if required not in spec:
                self.fail(parts, f"{dotted(*parts)} needs {required} ($ per million tokens)")

        def rate(key: str) -> Decimal | None:
            return self.decimal((*parts, key), spec[key]) if key in spec else None

        input_rate, output_rate = rate("input"), rate("output")
        assert input_rate is not None and output_rate is not None
        return PriceOverride(input_rate, output_rate, rate("cache_read"), rate("cache_write"))

    def permissions(self, data: dict[str, Any]) -> PermissionsConfig:
        """``[permissions]``: allow / deny rule lists and extra folders (absolute or ~)."""
        table = self.table(data, "permissions")
        if not table:
            return PermissionsConfig()
        # the rules' checker, only for a config that has rules (config loads before the frame)
        from tui_router.core.agent.permissions import parse_rule

        for key in table:
            if key not in PERMISSIONS_KEYS:
                self.unknown_key(("permissions", key), PERMISSIONS_KEYS)
        rules: dict[str, tuple[str, ...]] = {}
        for key in ("allow", "deny"):
            parts = ("permissions", key)
            values = table.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.fail(
                    parts,
                    f'{dotted(*parts)} must be a list of rules such as ["run_command:pytest", '
                    '"read_file:*.pem"]',
                )
            for value in values:
                try:
                    parse_rule(value)
                except ValueError as exc:
                    self.fail(parts, f"{dotted(*parts)}: {exc}", value=value)
            rules[key] = tuple(v.strip() for v in values)
        dirs = table.get("extra_dirs", [])
        parts = ("permissions", "extra_dirs")
        if not isinstance(dirs, list) or not all(isinstance(d, str) and d.strip() for d in dirs):
            self.fail(parts, f'{dotted(*parts)} must be a list of folders such as ["~/src/lib"]')
        extra: list[Path] = []
        for folder in dirs:
            path = Path(folder.strip()).expanduser()
            if not path.is_absolute():
                self.fail(
                    parts,
                    f"{dotted(*parts)}: {folder!r} must be an absolute path or start with ~",
                    value=folder,
                )
            extra.append(path)
        return PermissionsConfig(rules["allow"], rules["deny"], tuple(extra))

    def network(self, data: dict[str, Any]) -> NetworkConfig:
        table = self.table(data, "network")
        for key in table:
            if key not in NETWORK_KEYS:
                self.unknown_key(("network", key), NETWORK_KEYS)
        defaults = NetworkConfig()

        def seconds(key: str) -> float:
            value = table.get(key, getattr(defaults, key))
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                self.fail(("network", key), f"network.{key} must be seconds above 0, got {value!r}")
            return float(value)

        retries = table.get("retries", defaults.retries)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            self.fail(("network", "retries"), f"network.retries must be 0 to 10, got {retries!r}")
        return NetworkConfig(
            connect_timeout_s=seconds("connect_timeout_s"),
            stall_timeout_s=seconds("stall_timeout_s"),
            max_retry_wait_s=seconds("max_retry_wait_s"),
            retries=retries,
        )

    def keys(self, data: dict[str, Any]) -> dict[str, str]:
        keys = dict(DEFAULT_KEYS)
        for action, binding in self.table(data, "keys").items():
            parts = ("keys", action)
            if action not in DEFAULT_KEYS:
                self.unknown_key(parts, tuple(DEFAULT_KEYS))
            if not isinstance(binding, str) or not binding.strip():
                self.fail(parts, f'{dotted(*parts)} must be a key name such as "ctrl+l"')
            keys[action] = binding.strip()
        by_binding: dict[str, str] = {}
        for action, binding in keys.items():
            if binding in by_binding:
                other = by_binding[binding]
                moved = action if action in data.get("keys", {}) else other
                self.fail(
                    ("keys", moved),
                    f"keys.{other} and keys.{action} are both {binding!r}; give one another key",
                )
            by_binding[binding] = action
        return keys

    # -- values ---------------------------------------------------------------------------

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail((key,), f"{key} must be a table ([{key}]), not {type(value).__name__}")
        return value

    def string(self, data: dict[str, Any], key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail((key,), f"{key} must be a non-empty string")
        return value.strip()

    def optional_str(self, parts: tuple[str, ...], spec: dict[str, Any], key: str) -> str | None:
        if key not in spec:
            return None
        value = spec[key]
        if not isinstance(value, str) or not value.strip():
            self.fail((*parts, key), f"{dotted(*parts, key)} must be a non-empty string")
        return value.strip()

    def choice(self, data: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
        value = data.get(key, default)
        if value not in choices:
            self.bad_choice((key,), value, choices)
        return str(value)

    def boolean(self, data: dict[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail((key,), f"{key} must be true or false, got {value!r}")
        return value

    def positive_int(
        self, data: dict[str, Any], key: str, default: int, table: tuple[str, ...] = ()
    ) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            parts = (*table, key)
            self.fail(parts, f"{dotted(*parts)} must be a positive whole number, got {value!r}")
        return value

    def decimal(self, parts: tuple[str, ...], value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(parts, f"{dotted(*parts)} must be a number, got {value!r}")
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.fail(parts, f"{dotted(*parts)} must be a number, got {value!r}")
        if not result.is_finite() or result < 0:
            self.fail(parts, f"{dotted(*parts)} must be a number of 0 or more, got {value!r}")
        return result

    # -- prices (imports genai-prices) ----------------------------------------------------

    def check_frontier_price(self, config: AppConfig) -> None:
        """Fail unless the frontier model has a price: the baseline is priced on it.

        Checks the endpoints' ``price_provider`` names first (a typo there unprices every model
        of the endpoint).
        """
        from tui_router.core.endpoints import resolve_model
        from tui_router.core.pricing import known_model_ids, known_price_providers, model_rates

        providers = known_price_providers()
        for endpoint in config.endpoints:
            name = endpoint.price_provider
            if name is not None and len(providers) > 1 and name not in providers:
                parts = ("endpoints", endpoint.name, "price_provider")
                guess = did_you_mean(name, providers)
                hint = f"did you mean {guess!r}?" if guess else 'use "local" for a free server'
                self.fail(
                    parts, f"{dotted(*parts)} = {name!r} is not a genai-prices provider; {hint}"
                )
        model = config.frontier_model
        resolved = resolve_model(model, config)
        override = config.prices.get(model) or config.prices.get(resolved.model)
        overrides = {resolved.model: override} if override is not None else None
        if model_rates(resolved.model, resolved.endpoint.price_provider, overrides) is not None:
            return
        provider = resolved.endpoint.price_provider
        guess = did_you_mean(resolved.model, known_model_ids(provider)) if provider else None
        hint = f" Did you mean {guess!r}?" if guess else ""
        self.fail(
            ("frontier_model",),
            f"frontier_model = {model!r} has no known price, so the frontier-only baseline "
            f"would be n/a.{hint} Use a model genai-prices knows, or give its price in a "
            f"[prices.{dotted(model)}] table with input and output ($ per million tokens)",
        )
