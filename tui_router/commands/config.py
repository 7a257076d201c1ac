"""`tui-router config path|show|check|init`: locate, print, validate or create config.toml.

`show` prints the effective settings (file values over defaults) and which provider environment
variables are set — never their values.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from tui_router.core.config import AppConfig, load_config
from tui_router.core.errors import UserFacingError
from tui_router.core.paths import HOME_ENV, ensure_dir, get_paths
from tui_router.core.redact import scrub_url

ACTIONS = {
    "path": "print the config file's path",
    "show": "print the effective configuration and which key variables are set (never values)",
    "check": "validate the config file: 'ok: PATH' or the error (exit 2)",
    "init": "write a commented example config.toml (refuses to overwrite one)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    for name, help_text in ACTIONS.items():
        actions.add_parser(name, help=help_text, description=help_text)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "action", None) or "show"
    path = get_paths().config_file
    if action == "path":
        print(path)
        return 0
    if action == "init":
        return _init(path)
    if action == "check":
        return _check(path)
    config = load_config(path, check_prices=False)
    print(render(config, path))
    return 0


def _check(path: Path) -> int:
    """Everything the TUI, ``route`` and ``ask`` would refuse at start, checked now: the file,
    its ``[[rules]]`` and the routing strategy (errors, exit 2); unknown or broken themes and
    unpriced models are warnings (the app falls back and still starts)."""
    from tui_router.core.catalog import build_catalog, pricing_warnings

    config = load_config(path, check_prices=True)
    _check_rules(config, path)
    _check_strategy(config, path)
    note = "" if path.exists() else " (no file: the defaults are in use)"
    print(f"ok: {path}{note}")
    for warning in [*pricing_warnings(build_catalog(config)), *_theme_warnings(config)]:
        print(f"warning: {warning}")
    return 0


_RULE_AT = re.compile(r"rules\[(\d+)\]")
_RULES_HEADER = re.compile(r"^\s*\[\[\s*rules\s*\]\]")
_RULE_KEY = re.compile(r"unknown key '([^']+)'|^\s*(\w+)")


def _check_rules(config: AppConfig, path: Path) -> None:
    """``[[rules]]`` parsed as the router parses them; the error gains the line it is about."""
    from tui_router.core.config import ConfigError
    from tui_router.core.routing.rules import user_rules

    try:
        user_rules(config)
    except ConfigError as exc:
        message = str(exc)
        line = _rule_line(path, message)
        if line is not None:
            message = message.replace(f"{path}: ", f"{path}, line {line}: ", 1)
        raise ConfigError(message) from None


def _rule_line(path: Path, message: str) -> int | None:
    """The line of the ``[[rules]]`` block the message names (``rules[N]``), or of its key."""
    found = _RULE_AT.search(message)
    if found is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    headers = [n for n, text in enumerate(lines, start=1) if _RULES_HEADER.match(text)]
    index = int(found.group(1))
    if index >= len(headers):
        return None
    start = headers[index]
    end = next((n for n in range(start + 1, len(lines) + 1) if lines[n - 1].lstrip()[:1] == "["),
               len(lines) + 1)  # fmt: skip
    detail = message[found.end() :].partition(": ")[2]
    key = _RULE_KEY.search(detail)
    name = (key.group(1) or key.group(2)) if key else None
    if name:
        for number in range(start + 1, end):
            if re.match(rf"^\s*{re.escape(name)}\s*=", lines[number - 1]):
                return number
    return start


def _check_strategy(config: AppConfig, path: Path) -> None:
    from tui_router.core.config import ConfigError
    from tui_router.core.routing.router import check_strategy

    try:
        check_strategy(config.routing_strategy)
    except UserFacingError as exc:
        raise ConfigError(f"{path}: routing_strategy: {exc}") from None


def _theme_warnings(config: AppConfig) -> list[str]:
    """Broken theme files, and a theme name no file or built-in theme has (did you mean)."""
    from textual.theme import BUILTIN_THEMES

    from tui_router.core.config import did_you_mean
    from tui_router.ui.themes import load_themes, user_themes_dir

    themes, problems = load_themes((user_themes_dir(),))
    names = [*(t.name for t in themes), *BUILTIN_THEMES]
    warnings = [f"theme file: {problem}" for problem in problems]
    if config.theme not in names:
        guess = did_you_mean(config.theme, names)
        hint = f" (did you mean {guess!r}?)" if guess else ""
        warnings.append(
            f"theme = {config.theme!r} is not installed{hint}; the default theme will be used"
        )
    return warnings


def _init(path: Path) -> int:
    from tui_router.commands.config_example import EXAMPLE_CONFIG

    if path.exists():
        raise UserFacingError(
            f"{path} already exists; not overwriting it (edit it, or move it away)"
        )
    ensure_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(EXAMPLE_CONFIG)
    print(f"wrote {path}")
    return 0


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _key(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else _toml(name)


def _env_state(name: str) -> str:
    return "set" if os.environ.get(name) else "not set"


def render(config: AppConfig, path: Path) -> str:
    """The effective configuration as TOML-like text; environment variables only as set/unset."""
    from tui_router.core.endpoints import BASE_URL_ENV, BUILTIN_ENDPOINTS, all_endpoints

    state = "" if path.exists() else "  (not found: built-in defaults)"
    lines = [f"# file: {path}{state}"]
    lines += [
        f"frontier_model = {_toml(config.frontier_model)}",
        f"default_model = {_toml(config.default_model)}"
        if config.default_model
        else "# default_model unset: first available of fast, balanced, frontier, then local",
        f"routing_mode = {_toml(config.routing_mode)}",
        f"routing_strategy = {_toml(config.routing_strategy)}",
        f"theme = {_toml(config.theme)}",
        f"max_tokens = {config.max_tokens}",
        "",
        "[tiers]",
        *(f"{tier} = {_toml(models)}" for tier, models in config.tiers.items()),
    ]
    builtin_names = {e.name for e in BUILTIN_ENDPOINTS}
    configured = {e.name for e in config.endpoints}
    for endpoint in all_endpoints(config):
        origin = "built-in" if endpoint.name in builtin_names else "from the file"
        if endpoint.name in builtin_names and endpoint.name in configured:
            origin = "built-in, changed by the file"
        lines += ["", f"[endpoints.{_key(endpoint.name)}]  # {origin}"]
        lines.append(f"kind = {_toml(endpoint.kind)}")
        base_env = BASE_URL_ENV.get(endpoint.kind) if endpoint.name in builtin_names else None
        if endpoint.base_url:
            lines.append(f"base_url = {_toml(scrub_url(endpoint.base_url))}")
        elif base_env:
            lines.append(f"# base_url: SDK default, or ${base_env} ({_env_state(base_env)})")
        if endpoint.api_key_env:
            env = endpoint.api_key_env
            lines.append(f"api_key_env = {_toml(env)}  # {_env_state(env)}")
        if endpoint.models:
            lines.append(f"models = {_toml(list(endpoint.models))}")
        if endpoint.price_provider:
            lines.append(f"price_provider = {_toml(endpoint.price_provider)}")
    for model, price in config.prices.items():
        lines += ["", f"[prices.{_key(model)}]"]
        for name in ("input", "output", "cache_read", "cache_write"):
            value = getattr(price, name)
            if value is not None:
                lines.append(f"{name} = {value}")
    lines += ["", "[budget]"]
    lines.append(
        f"session_usd = {config.budget_usd}" if config.budget_usd is not None else "# no budget"
    )
    lines += ["", "[keys]", *(f"{a} = {_toml(b)}" for a, b in config.keys.items())]
    lines += ["", "# environment (values are never shown)"]
    names = ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"]
    names += [e.api_key_env for e in config.endpoints if e.api_key_env]
    for name in dict.fromkeys(names):
        lines.append(f"# {name}: {_env_state(name)}")
    home = os.environ.get(HOME_ENV)
    lines.append(f"# {HOME_ENV}: {home}" if home else f"# {HOME_ENV}: not set")
    return "\n".join(lines)
