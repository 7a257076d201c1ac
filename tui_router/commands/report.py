"""`tui-router report`: the cost report of a session (the last one by default).

Per-model table, total, the frontier-only baseline and savings, suggestions and their answers,
escalations and retries, the most expensive turn and spend per turn. The data is
`core.report.SessionReport`, the same object the TUI's end-of-session summary shows.
`--routing` hands over to the routing review (`report_routing.run_routing_report`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, Literal

from tui_router.core.plural import counted

#: at most this many turns in the sparklines (one character each)
SPARK_TURNS = 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "session_id",
        nargs="?",
        metavar="SESSION_ID",
        help="a session id or a unique prefix of one (see `tui-router sessions`)",
    )
    parser.add_argument(
        "--last", action="store_true", help="the most recent session that made a call (default)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    output.add_argument(
        "--csv", action="store_true", help="print the session's calls as CSV (one row per call)"
    )
    parser.add_argument(
        "--routing",
        action="store_true",
        help="the routing review: turns per tier, suggestions by reason, regret, other strategies",
    )


def run(args: argparse.Namespace) -> int:
    if args.routing:
        return _routing_report(args)
    if args.session_id and args.last:
        print("tui-router report: give SESSION_ID or --last, not both", file=sys.stderr)
        return 2

    from tui_router.core.report import build_report
    from tui_router.core.store import Store, UnknownSessionError

    with Store(read_only=True) as store:  # a store we cannot write is still read
        if args.session_id:
            session_id = store.resolve_session_id(args.session_id)
        else:
            last = store.last_session_id(with_calls=True) or store.last_session_id()
            if last is None:
                raise UnknownSessionError(
                    "no sessions recorded yet: start one with `tui-router` or `tui-router ask`"
                )
            session_id = last
        report = build_report(store, session_id)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif args.csv:
        write_csv(report.to_dict()["calls"], session_id)
    else:
        render(report)
    return 0


#: `report --csv` columns: one row per call, money as exact decimal strings (empty = unknown)
CSV_COLUMNS = (
    "session_id", "id", "turn", "started_at", "model", "endpoint", "tier", "purpose", "status",
    "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
    "estimated", "cost_usd", "price_source", "baseline_model", "baseline_cost_usd", "duration_ms",
    "stop_reason", "error",
)  # fmt: skip


def write_csv(calls: list[dict[str, Any]], session_id: str) -> None:
    import csv

    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for call in calls:
        row = {**{k: v for k, v in call.items() if k != "usage"}, **call["usage"]}
        row["session_id"] = session_id
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})


def _routing_report(args: argparse.Namespace) -> int:
    from tui_router.commands.report_routing import run_routing_report

    return int(run_routing_report(args) or 0)


def render(report: Any, console: Any = None) -> None:
    """Print a `SessionReport` for people (rich tables; plain text when not a terminal)."""
    from rich.console import Console

    from tui_router.commands.fit import print_facts, print_table
    from tui_router.core.ledger import format_total
    from tui_router.core.money_text import format_usd
    from tui_router.core.price_sum import PriceSum
    from tui_router.core.report import sparkline

    console = console or Console()
    session = report.session
    totals = report.totals
    head = [f"Session {session.id}", f"started {_local_time(session.started_at)}"]
    if session.mode:
        head.append(f"mode {session.mode}")
    if session.strategy:  # every strategy the session used, in order ("learned,cascade")
        head.append(f"strategy {session.strategy.replace(',', ' → ')}")
    print_facts(console, head, style="bold")
    if session.title:
        console.print(f"“{session.title}”", style="dim", markup=False)

    # the prompt cache line below says what the cache column does; the tier is the model's
    print_table(console, lambda left_out: _model_table(report, left_out), _LEAST_NEEDED)

    # the total of estimated figures is an estimate too: the same "~" as its rows
    print_facts(console, [f"Total: {_estimated(totals, totals.cost_text(None))}"])
    print_facts(
        console,
        [
            f"Frontier-only baseline: {totals.baseline_text(None)}",
            f"({report.baseline_assumption})",
        ],
        sep=" ",
    )
    savings = totals.savings_usd
    if savings is None:
        print_facts(console, ["Savings: n/a", "(no call has both prices known)"], sep=" ")
    else:
        pct = totals.savings_pct
        facts = [
            f"Savings: {format_usd(savings, None)}" + ("" if pct is None else f" ({pct:.1f}%)")
        ]
        if totals.savings_excluded_calls:
            left_out = counted(totals.savings_excluded_calls, "call")
            facts.append(f"{left_out} with an unknown price left out")
        print_facts(console, facts, style="green" if savings >= 0 else "red")
    ratio = totals.usage.cache_hit_ratio
    if ratio is not None:
        print_facts(
            console,
            [
                f"Prompt cache: {ratio:.0%} of input read from cache",
                f"({totals.usage.cache_read_tokens:,} of {totals.usage.input_tokens:,} tokens)",
            ],
            sep=" ",
        )
    if totals.usage.estimated:
        print_facts(
            console,
            ["~ some token counts are local estimates", "(the server sent no usage)"],
            sep=" ",
            style="dim",
        )

    s = report.suggestions
    print_facts(
        console,
        [
            f"Suggestions: {s.shown} shown",
            f"{s.accepted} accepted",
            f"{s.rejected} rejected",
            f"{s.auto_applied} applied in auto mode" if s.auto_applied else "",
            f"{s.unanswered} unanswered" if s.unanswered else "",
        ],
    )
    print_facts(
        console,
        [
            f"Cascade escalations: {report.escalations}",
            f"retries on a stronger tier: {report.retries}",
            f"errors: {report.errors}",
            f"cancelled: {report.cancelled}",
        ],
    )
    top = report.most_expensive_turn
    if top is not None:
        facts = [
            f"Most expensive turn: #{top.turn} on {', '.join(top.models)}:",
            format_total(top.cost_usd, top.unknown_price_calls, None),
        ]
        if top.prompt:
            facts.append(f"— “{top.prompt[:50]}{'…' if len(top.prompt) > 50 else ''}”")
        print_facts(console, facts, sep=" ")
    if report.per_turn:
        shown = report.per_turn[-SPARK_TURNS:]
        costs = [t.cost.known_usd for t in shown]  # the bars: the known part of each turn
        baselines = [t.baseline.known_usd for t in shown]
        spent = sum((t.cost for t in shown), PriceSum())
        base = sum((t.baseline for t in shown), PriceSum())
        scale = max([*costs, *baselines])
        which = (
            ""
            if len(shown) == len(report.per_turn)
            else (f"last {len(shown)} of {len(report.per_turn):,} turns, ")
        )
        console.print(f"Spend per turn ({which}same scale):")
        spent_text = format_total(spent.usd, spent.unknown, None)
        base_text = format_total(base.usd, base.unknown, None)
        print_facts(console, [f"  actual   {sparkline(costs, scale)}", spent_text], sep="  ")
        print_facts(console, [f"  baseline {sparkline(baselines, scale)}", base_text], sep="  ")


#: the per-model table's columns, and those left out first when the console is narrow
_MODEL_COLUMNS = ("model", "tier", "calls", "input", "cache r/w", "output", "cost", "baseline")
_LEAST_NEEDED = ("cache r/w", "tier", "input", "output")


def _model_table(report: Any, left_out: frozenset[str]) -> Any:
    from rich import box
    from rich.table import Table

    from tui_router.core.ledger import format_cell

    def cells(name: str, tier: str, t: Any) -> tuple[str, ...]:
        return (
            name,
            tier,
            str(t.calls),
            f"{t.usage.input_tokens:,}",
            f"{t.usage.cache_read_tokens:,}/{t.usage.cache_write_tokens:,}",
            f"{t.usage.output_tokens:,}",
            _estimated(t, format_cell(t.cost_usd, t.unknown_price_calls)),
            format_cell(t.baseline_usd, t.unknown_baseline_calls),
        )

    keep = [i for i, name in enumerate(_MODEL_COLUMNS) if name not in left_out]
    table = Table(
        header_style="bold",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    footer = cells("total", "", report.totals)
    longest = max((len(row.model) for row in report.models), default=5)
    for i in keep:
        name = _MODEL_COLUMNS[i]
        justify: Literal["left", "right"] = "left" if name in ("model", "tier") else "right"
        # a model's name folds as a last resort (never below 16 characters); the rest is whole
        table.add_column(
            name,
            footer=footer[i],
            justify=justify,
            no_wrap=name != "model",
            overflow="fold",
            min_width=min(longest, 16) if name == "model" else None,
        )
    for row in report.models:
        values = cells(row.model, row.tier or "-", row.totals)
        table.add_row(*(values[i] for i in keep))
    return table


def _estimated(totals: Any, text: str) -> str:
    """``text`` marked "~" when the figure rests on estimated token counts."""
    return ("~" + text) if totals.usage.estimated and totals.cost_usd is not None else text


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
