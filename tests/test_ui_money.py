"""Money in the app reads as `tui-router report` says it: four places, more for a small figure
(so a real cost never reads "$0.0000", as if free), "-$0.0030" for a negative one (a saving
against the frontier baseline when routing cost more), "n/a" for an unknown price. The app's
ticker, answer lines, /cost lines and summary screen, against the real SDK and the loopback fake
server; the report is run on the store the app wrote."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fakeserver_sse import Script
from test_ui_idle import painted
from test_ui_prompt import type_and_send
from textual.widgets import DataTable, Label
from ui_support import SIZE, answers, ask, make_app, make_config, notes, wait_for

from tui_router.ui import format as fmt
from tui_router.ui.screens.summary import SummaryScreen
from tui_router.ui.widgets.ticker import CostTicker


def ticker_text(app) -> str:
    return str(app.query_one(CostTicker).render())


async def open_summary(pilot) -> SummaryScreen:
    app = pilot.app
    app.action_summary()
    await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
    screen = app.screen
    assert isinstance(screen, SummaryScreen)
    return screen


def label(screen: SummaryScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Label).render())


def test_the_apps_money_text() -> None:
    # a real but tiny cost read "$0.0000"; a negative one "$-0.0030"
    assert fmt.usd(Decimal("0.00002")) == "$0.000020"
    assert fmt.usd(Decimal("0.00002"), estimated=True) == "~$0.000020"
    assert fmt.usd(Decimal("-0.003")) == "-$0.0030"
    assert fmt.usd(Decimal("-0.003"), estimated=True) == "~-$0.0030"
    assert fmt.usd(Decimal("0.0027")) == "$0.0027"
    # a free model's zero is known: $0; an unknown price is never $0, estimate or not
    assert fmt.usd(Decimal(0)) == "$0.0000"
    assert fmt.usd(None) == "n/a" and fmt.usd(None, estimated=True) == "n/a"


async def test_a_tiny_cost_reads_as_the_report_says_it_not_as_free(
    server, tmp_path: Path, cli
) -> None:
    # 10 in / 2 out on haiku ($1 / $5 per MTok): $0.00002; on opus ($5 / $25): $0.0001
    server.push(Script(text="ok", input_tokens=10, output_tokens=2))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        ticker = ticker_text(app)
        assert "spent $0.000020" in ticker, ticker
        assert "frontier-only $0.00010" in ticker and "saved $0.000080 (80%)" in ticker, ticker
        assert answers(app)[0].meta_text.endswith("10 in / 2 out · $0.000020")
        await type_and_send(pilot, "/cost")
        lines = notes(app, "info")
        assert any("1 call, spent $0.000020, frontier-only baseline $0.00010" in n for n in lines)
        assert any("Saved $0.000080 (80%)" in n for n in lines), lines
        screen = await open_summary(pilot)
        assert label(screen, "total") == "$0.000020"
        assert label(screen, "baseline") == "$0.00010"
        assert label(screen, "savings").startswith("$0.000080 (80%)")
        table = screen.query_one(DataTable)
        assert str(table.get_cell("total", "cost")) == "$0.000020"
        # drawn whole in the table's fixed-width columns, not cut at their edge
        # (once the table is laid out: before that it has no size and paints nothing)
        await wait_for(pilot, lambda: "$0.000020" in painted(table), "the table drawn")
        drawn = painted(table)
        assert "$0.000020" in drawn and "$0.00010" in drawn and "…" not in drawn, drawn
        assert str(screen.query(".peak").first(Label).render()) == "peak $0.000020"
    report = cli("report", "--last")
    assert report.returncode == 0, report.stderr
    assert "Total: $0.000020" in report.stdout and "Savings: $0.000080" in report.stdout


async def test_a_negative_saving_reads_minus_dollar(server, tmp_path: Path, cli) -> None:
    # the frontier baseline is haiku and the turn ran on sonnet ($3 / $15 per MTok): 1,000 in
    # and 100 out cost $0.0045 against a $0.0015 baseline, a saving of -$0.0030
    server.push(Script(text="ok", input_tokens=1000, output_tokens=100))
    config = make_config(frontier_model="claude-haiku-4-5")
    app = make_app(tmp_path, config=config, tier="balanced")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        ticker = ticker_text(app)
        assert "spent $0.0045" in ticker and "saved -$0.0030 (-200%)" in ticker, ticker
        screen = await open_summary(pilot)
        assert label(screen, "savings").startswith("-$0.0030 (-200%)")
        assert screen.query_one("#savings").has_class("negative")
    report = cli("report", "--last")
    assert report.returncode == 0, report.stderr
    assert "Savings: -$0.0030" in report.stdout, report.stdout
