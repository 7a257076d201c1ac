"""`tui-router stats`: spend over all recorded sessions by day, model, tier, project or strategy.

Spend, the frontier-only baseline, savings, tokens, cache hit ratio, calls and escalations, from
the stored calls (the prices stored then, never re-priced). ``--since 7d|30d|DATE`` keeps the calls
made since then. A rich table with a sparkline of spend per day, or ``--json`` / ``--csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

GROUPINGS: tuple[str, ...] = ("day", "model", "tier", "project", "strategy")
#: at most this many days in the sparkline (one character each)
SPARK_DAYS = 60


def since_value(text: str) -> datetime:
    """``7d`` / ``30d`` (days back from now) or a date ``YYYY-MM-DD`` (local midnight)."""
    match = re.fullmatch(r"\s*(\d+)\s*d\s*", text)
    if match:
        return datetime.now(UTC) - timedelta(days=int(match.group(1)))
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days (7d, 30d) or a date (2026-11-01)"
        ) from None
    return datetime(day.year, day.month, day.day).astimezone()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=since_value,
        metavar="7d|30d|DATE",
        help="only calls made since then: a number of days back, or a date (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--by", choices=GROUPINGS, default="day", help="how to group the rows (default: day)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    output.add_argument("--csv", action="store_true", help="print CSV rows (one per group)")


@dataclass
class Group:
    """The calls of one group (a day, a model, ...) summed; money stays `Decimal`."""

    key: str
    totals: Any = None  # ledger.Totals, imported lazily
    sessions: set[str] = field(default_factory=set)
    #: cascade calls in this group that began a turn's next attempt (`report.escalation_starts`)
    cascade_escalations: int = 0
    retries: int = 0

    @property
    def escalations(self) -> int:
        """Extra cascade attempts (each counted in the group of the call that began it) plus
        retries: the groups' counts add up to the total's."""
        return self.cascade_escalations + self.retries

    @property
    def cache_hit_ratio(self) -> float | None:
        usage = self.totals.usage
        return usage.cache_read_tokens / usage.input_tokens if usage.input_tokens else None

    def add(self, session_id: str, call: Any, *, escalated: bool = False) -> None:
        from tui_router.core.ledger import CallRecord

        self.totals = self.totals.add(CallRecord.from_row(call))
        self.sessions.add(session_id)
        self.cascade_escalations += escalated
        self.retries += call.purpose == "retry"

    def to_dict(self, by: str) -> dict[str, Any]:
        from tui_router.core.store_rows import money_text

        t = self.totals
        pct = t.savings_pct
        ratio = self.cache_hit_ratio
        return {
            by: self.key,
            "sessions": len(self.sessions),
            "calls": t.calls,
            "input_tokens": t.usage.input_tokens,
            "cache_read_tokens": t.usage.cache_read_tokens,
            "cache_write_tokens": t.usage.cache_write_tokens,
            "output_tokens": t.usage.output_tokens,
            "cache_hit_ratio": None if ratio is None else round(ratio, 4),
            "cost_usd": money_text(t.cost_usd),
            "unknown_price_calls": t.unknown_price_calls,
            "baseline_usd": money_text(t.baseline_usd),
            "unknown_baseline_calls": t.unknown_baseline_calls,
            "savings_usd": money_text(t.savings_usd),
            "savings_pct": None if pct is None else round(pct, 2),
            "escalations": self.escalations,
        }


@dataclass
class Stats:
    by: str
    since: datetime | None
    groups: list[Group]
    total: Group
    per_day: list[Group]

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "since": None if self.since is None else self.since.isoformat(),
            "baseline_assumption": "each call's token counts re-priced at the frontier model",
            "groups": [g.to_dict(self.by) for g in self.groups],
            "total": {k: v for k, v in self.total.to_dict(self.by).items() if k != self.by},
        }


def collect(
    sessions: Iterable[tuple[Any, Sequence[Any]]], by: str, since: datetime | None
) -> Stats:
    """Group ``(SessionRow, [CallRow])`` pairs; calls before ``since`` are left out."""
    from tui_router.core.ledger import Totals

    def new(key: str) -> Group:
        return Group(key, Totals())

    groups: dict[str, Group] = {}
    days: dict[str, Group] = {}
    total = new("total")
    from tui_router.core.report import escalation_starts

    for session, calls in sessions:
        starts = escalation_starts(calls)
        for index, call in enumerate(calls):
            when = _parse_time(call.started_at)
            if since is not None and when is not None and when < since:
                continue
            day = when.astimezone().date().isoformat() if when else "unknown"
            key = day if by == "day" else _key(by, session, call)
            escalated = index in starts
            groups.setdefault(key, new(key)).add(session.id, call, escalated=escalated)
            days.setdefault(day, new(day)).add(session.id, call, escalated=escalated)
            total.add(session.id, call, escalated=escalated)
    ordered = sorted(groups.values(), key=lambda g: g.key if by == "day" else _cost_order(g))
    return Stats(by, since, ordered, total, [days[d] for d in sorted(days)])


def _key(by: str, session: Any, call: Any) -> str:
    if by == "model":
        return str(call.model)
    if by == "tier":
        return str(call.tier or "other")
    if by == "project":
        return str(getattr(session, "project", None) or "n/a")
    from tui_router.core.store_rows import strategies_used

    return " → ".join(strategies_used(session.strategy)) or "n/a"


def _cost_order(group: Group) -> tuple[Decimal, str]:
    return (-group.totals.known_cost_usd, group.key)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load(store: Any) -> list[tuple[Any, list[Any]]]:
    """Every recorded session with its calls."""
    return [
        (totals.session, store.session_calls(totals.session.id))
        for totals in store.list_sessions(limit=None)
    ]


def run(args: argparse.Namespace) -> int:
    from tui_router.core.store import Store

    with Store(read_only=True) as store:  # a store we cannot write is still read
        stats = collect(load(store), args.by, args.since)
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))
    elif args.csv:
        write_csv(stats)
    else:
        render(stats)
    return 0


def write_csv(stats: Stats) -> None:
    from tui_router.core.ledger import Totals

    columns = list(Group(stats.by, Totals()).to_dict(stats.by))
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for group in stats.groups:
        writer.writerow({k: "" if v is None else v for k, v in group.to_dict(stats.by).items()})


_HEADERS = ("calls", "input", "output", "cache hit", "cost", "baseline", "savings", "escal.")


def _money(amount: Decimal | None, unknown_calls: int, places: int | None) -> str:
    """A table cell: "$0.0123", "≥ $0.0123 (2 n/a)" when some prices are unknown, or "n/a"."""
    from tui_router.core.money_text import format_usd

    text = format_usd(amount, places)
    return f"≥ {text} ({unknown_calls} n/a)" if amount is not None and unknown_calls else text


def _money_sum(total: Any, places: int | None) -> str:
    """A `PriceSum` as a cell (see `_money`)."""
    return _money(total.usd, total.unknown, places)


def _every_day(per_day: list[Group]) -> list[tuple[str, Decimal, Decimal]]:
    """(day, cost, baseline) for every day from the first to the last, quiet days as zero."""
    known = {g.key: g for g in per_day if g.key != "unknown"}
    if not known:
        return []
    first, last = date.fromisoformat(min(known)), date.fromisoformat(max(known))
    out = []
    for offset in range((last - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()
        group = known.get(day)
        if group is None:
            out.append((day, Decimal(0), Decimal(0)))
        else:
            out.append((day, group.totals.known_cost_usd, group.totals.known_baseline_usd))
    return out


def render(stats: Stats, console: Any = None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from tui_router.commands.fit import print_table
    from tui_router.core.money_text import format_usd
    from tui_router.core.price_sum import PriceSum
    from tui_router.core.report import sparkline

    console = console or Console()
    if not console.is_terminal:  # piped: room for the whole table rather than 80 columns
        console.width = 140
    if not stats.groups:
        since = "" if stats.since is None else f" since {stats.since.date().isoformat()}"
        console.print(
            f"No calls recorded{since}. Start a session with `tui-router` or `tui-router ask`."
        )
        return
    total = stats.total
    places = None  # the display rule: the same figure reads the same as in report and sessions
    title = "Spend by " + stats.by
    if stats.since is not None:
        title += f" since {stats.since.astimezone().strftime('%Y-%m-%d %H:%M')}"

    def cells(group: Group) -> tuple[str, ...]:
        t = group.totals
        savings = t.savings_usd
        pct = t.savings_pct
        ratio = group.cache_hit_ratio
        return (
            str(t.calls),
            f"{t.usage.input_tokens:,}",
            f"{t.usage.output_tokens:,}",
            "-" if ratio is None else f"{ratio:.0%}",
            _money(t.cost_usd, t.unknown_price_calls, places),
            _money(t.baseline_usd, t.unknown_baseline_calls, places),
            "n/a"
            if savings is None
            else format_usd(savings, places) + ("" if pct is None else f" ({pct:.0f}%)"),
            str(group.escalations),
        )

    def build(left_out: frozenset[str]) -> Any:
        table = Table(
            title=title,
            title_justify="left",
            header_style="bold",
            show_footer=True,
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        keep = [i for i, header in enumerate(_HEADERS) if header not in left_out]
        table.add_column(stats.by, footer="total", overflow="fold", min_width=10)
        footer = cells(total)
        for i in keep:
            table.add_column(_HEADERS[i], footer=footer[i], justify="right", no_wrap=True)
        for group in stats.groups:
            values = cells(group)
            table.add_row(group.key, *(values[i] for i in keep))
        return table

    print_table(console, build, ("cache hit", "input", "output", "escal."))
    days = _every_day(stats.per_day)[-SPARK_DAYS:]
    if len(days) > 1:
        costs = [cost for _, cost, _ in days]
        baselines = [baseline for _, _, baseline in days]
        scale = max([*costs, *baselines])
        console.print(f"Spend per day, {days[0][0]} → {days[-1][0]} (same scale):")
        # the bars draw the known part of each day; the sums say what is unknown
        shown = {day for day, _, _ in days}
        spent = sum((g.totals.cost for g in stats.per_day if g.key in shown), PriceSum())
        base = sum((g.totals.baseline for g in stats.per_day if g.key in shown), PriceSum())
        console.print(f"  actual   {sparkline(costs, scale)}  {_money_sum(spent, places)}")
        console.print(f"  baseline {sparkline(baselines, scale)}  {_money_sum(base, places)}")
    console.print(
        "baseline = each call's token counts re-priced at the session's frontier model · "
        "n/a = calls whose price is unknown (not counted as $0) · "
        "escal. = extra cascade attempts + retries on a stronger tier",
        style="dim",
    )
