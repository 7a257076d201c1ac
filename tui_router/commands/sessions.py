"""`tui-router sessions`: recent sessions with their models, calls, cost, baseline and savings."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from tui_router.commands.arguments import positive_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    output.add_argument("--csv", action="store_true", help="print CSV rows (one per session)")
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=20,
        metavar="N",
        help="show the N most recent sessions (default 20)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also the sessions that made no call (opened and left, or left empty by /new)",
    )


def run(args: argparse.Namespace) -> int:
    from tui_router.core.store import Store

    with Store(read_only=True) as store:  # a store we cannot write is still read
        sessions = store.list_sessions(limit=args.limit, with_calls=not args.all)
    if args.json:
        print(json.dumps([_as_dict(s) for s in sessions], ensure_ascii=False, indent=2))
        return 0
    if args.csv:
        _write_csv([_as_dict(s) for s in sessions])
        return 0
    _print_table(sessions)
    return 0


def _as_dict(totals: Any) -> dict[str, Any]:
    from tui_router.core.store_rows import money_text

    session = totals.session
    savings = totals.savings_usd
    return {
        "session_id": session.id,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "title": session.title,
        "mode": session.mode,
        "models": list(totals.models),
        "calls": totals.calls,
        "cost_usd": money_text(totals.cost_usd),
        "unknown_price_calls": totals.unknown_price_calls,
        "baseline_model": session.frontier_model,
        "baseline_usd": money_text(totals.baseline_usd),
        "unknown_baseline_calls": totals.unknown_baseline_calls,
        "savings_usd": money_text(savings),
    }


def _write_csv(rows: list[dict[str, Any]]) -> None:
    """The `--json` keys as columns; models joined with ";", unknown values empty."""
    import csv
    import sys

    columns = list(_CSV_COLUMNS)
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row = {**row, "models": ";".join(row["models"])}
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})


_CSV_COLUMNS = (
    "session_id", "started_at", "ended_at", "title", "mode", "models", "calls", "cost_usd",
    "unknown_price_calls", "baseline_model", "baseline_usd", "unknown_baseline_calls",
    "savings_usd",
)  # fmt: skip


def _print_table(sessions: list[Any]) -> None:
    from rich.console import Console

    from tui_router.commands.fit import print_facts, print_table

    console = Console()
    if not sessions:
        console.print("No sessions yet. Start one with `tui-router` or `tui-router ask PROMPT`.")
        return
    # narrow: the start time goes under the id, then the baseline (savings stay)
    print_table(console, lambda left_out: _table(sessions, left_out), _LEAST_NEEDED)
    print_facts(
        console,
        [
            "baseline = each call's token counts re-priced at the session's frontier model",
            "n/a = calls whose price is unknown (not counted as $0)",
            "Details: `tui-router report SESSION_ID` (a unique prefix of the id will do)",
        ],
        style="dim",
    )


_LEAST_NEEDED = ("started", "baseline")


def _table(sessions: list[Any], left_out: frozenset[str]) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from tui_router.core.ledger import format_cell
    from tui_router.core.money_text import format_usd

    table = Table(
        title="Recent sessions",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    started_below = "started" in left_out
    table.add_column("session · title · models", overflow="fold", min_width=26)
    if not started_below:
        table.add_column("started", no_wrap=True)
    table.add_column("calls", justify="right", no_wrap=True)
    table.add_column("cost", justify="right", no_wrap=True)
    if "baseline" not in left_out:
        table.add_column("baseline", justify="right", no_wrap=True)
    table.add_column("savings", justify="right", no_wrap=True)
    for totals in sessions:
        session = totals.session
        savings = totals.savings_usd
        started = _local_time(session.started_at)
        detail = " · ".join(
            x
            for x in (started if started_below else "", session.title, ", ".join(totals.models))
            if x
        )
        row = [session.id + (f"\n[dim]{escape(detail)}[/dim]" if detail else "")]
        if not started_below:
            row.append(started)
        row += [str(totals.calls), format_cell(totals.cost_usd, totals.unknown_price_calls)]
        if "baseline" not in left_out:
            row.append(format_cell(totals.baseline_usd, totals.unknown_baseline_calls))
        row.append(format_usd(savings, None))
        table.add_row(*row)
    return table


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%m-%d %H:%M")
    except ValueError:
        return iso
