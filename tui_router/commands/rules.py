"""`tui-router rules [--json]`: the routing rules in force, in the order they are tried.

Your ``[[rules]]`` from config.toml come first, then the shipped defaults (unless your list ends
with a rule without conditions, which replaces them).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the rules as a JSON list")


def run(args: argparse.Namespace) -> int:
    from tui_router.core.config import load_config
    from tui_router.core.routing.rules import rules_in_force

    config = load_config()
    ruleset = rules_in_force(config)
    if args.json:
        print(json.dumps([_as_dict(r) for r in ruleset.rules], ensure_ascii=False, indent=2))
        return 0
    _render(ruleset.rules, str(config.source) if config.source else None)
    return 0


def _as_dict(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "target": rule.target,
        "tier": rule.tier,
        "model": rule.model,
        "conditions": rule.conditions(),
        "reason": rule.reason,
        "confidence": rule.confidence,
        "source": rule.source,
    }


def _render(rules: Any, config_path: str | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 140
    table = Table(
        title="Routing rules (first match wins)", box=box.SIMPLE_HEAD, title_justify="left"
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("rule", style="bold")
    table.add_column("when")
    table.add_column("→", style="cyan")
    table.add_column("from", style="dim")
    for index, rule in enumerate(rules, start=1):
        when = "; ".join(rule.conditions()) or "always"
        source = "default" if rule.source == "default" else "config"
        table.add_row(str(index), escape(rule.name), escape(when), escape(rule.target), source)
    console.print(table)
    if config_path is None or all(r.source == "default" for r in rules):
        console.print(
            "[dim]Add your own with " + escape("[[rules]]") + " blocks in config.toml;"
            " they are tried before these.[/]"
        )
