"""`tui-router report --routing [SESSION_ID | --last] [--json]`: the routing review.

Turns per tier, suggestions by reason and what the user did with them, turns retried stronger
(regret), and what each strategy would have cost on the same turns. All sessions by default.
The data is `core.routing.review.RoutingReview`; this module only prints it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from tui_router.core.plural import counted


def run_routing_report(args: argparse.Namespace) -> int:
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import load_config
    from tui_router.core.errors import UserFacingError
    from tui_router.core.paths import get_paths
    from tui_router.core.routing.review import build_review
    from tui_router.core.routing.router import Router
    from tui_router.core.store import Store

    session_id = getattr(args, "session_id", None)
    last = bool(getattr(args, "last", False))
    if session_id and last:
        raise UserFacingError("give SESSION_ID or --last, not both")
    config = load_config()
    catalog = build_catalog(config)
    router = Router(config, catalog, get_paths().feedback_file)
    with Store() as store:
        sessions: list[str] | None = None
        if session_id:
            sessions = [store.resolve_session_id(session_id)]
        elif last:
            newest = store.last_session_id(with_calls=True) or store.last_session_id()
            sessions = [newest] if newest else []
        review = build_review(store, catalog, router, sessions)
    if getattr(args, "json", False):
        print(json.dumps(review.to_dict(), ensure_ascii=False, indent=2))
    else:
        render(review)
    return 0


def render(review: Any, console: Any = None) -> None:
    """Print a `RoutingReview` for people."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tui_router.core.ledger import format_cell, format_total
    from tui_router.core.money_text import format_usd

    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console.width = 120
    scope = "1 session" if review.sessions == 1 else f"{review.sessions} sessions"
    console.print(
        f"[bold]Routing review[/] — {scope}, {review.turns} answered turns, "
        f"spent {format_total(review.actual_cost_usd, review.actual_cost.unknown, None)}"
    )
    if not review.turns:
        console.print("No answered turns recorded yet: start a session with `tui-router`.")
        return
    tiers = Table(title="Turns per tier", box=box.SIMPLE_HEAD, title_justify="left")
    tiers.add_column("tier")
    tiers.add_column("turns", justify="right")
    tiers.add_column("share", justify="right")
    for tier, count in sorted(review.turns_per_tier.items(), key=lambda item: -item[1]):
        tiers.add_row(tier, str(count), f"{100 * count / review.turns:.0f}%")
    console.print(tiers)

    if review.suggestions:
        table = Table(title="Suggestions by reason", box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("reason", "shown", "accepted", "rejected", "auto", "up", "down"):
            table.add_column(column, justify="left" if column == "reason" else "right")
        for s in review.suggestions:
            table.add_row(
                escape(s.reason),
                str(s.shown),
                str(s.accepted),
                str(s.rejected),
                str(s.auto_applied),
                str(s.escalations),
                str(s.downgrades),
            )
        console.print(table)
    else:
        console.print("No routing suggestions were shown.")

    regret = f"{counted(review.retried_stronger, 'turn')} retried stronger"
    if review.retried_stronger:
        regret += f", discarded answers cost {format_usd(review.regret_usd)}"
    console.print(f"Regret: {regret}; {counted(review.cascade_escalations, 'cascade escalation')}.")
    for session_id, turn, old, new in review.regret_turns[:10]:
        console.print(f"  [dim]{session_id[:10]} turn {turn}: {escape(old)} → {escape(new)}[/]")

    what_if = Table(
        title="The same turns under each strategy", box=box.SIMPLE_HEAD, title_justify="left"
    )
    what_if.add_column("strategy")
    what_if.add_column("cost", justify="right")
    what_if.add_column("vs actual", justify="right")
    what_if.add_column("turns changed", justify="right")
    what_if.add_column("tiers")
    actual = review.actual_cost
    what_if.add_row("actual", format_cell(actual.usd, actual.unknown), "", "", "")
    for w in review.what_if:
        delta = ""
        if w.cost_usd is not None and review.actual_cost_usd and not actual.unknown:
            delta = f"{100 * (w.cost_usd - review.actual_cost_usd) / review.actual_cost_usd:+.0f}%"
        cost = (
            format_usd(w.cost_usd)
            if w.cost_usd is not None
            else (f"n/a ({w.unknown_turns} unpriced)")
        )
        tiers_text = ", ".join(f"{t} {n}" for t, n in sorted(w.turns_per_tier.items()))
        what_if.add_row(w.strategy, cost, delta, str(w.changed_turns), tiers_text)
    console.print(what_if)
    console.print(f"[dim]{escape(review.assumption)}[/]")
    for note in review.notes:
        console.print(f"[yellow]{escape(note)}[/]")
