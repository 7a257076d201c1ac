"""The end-of-session summary screen, fed by a report built from a real store."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable, Label, Static

from tui_router.core.pricing import price_call
from tui_router.core.report import SessionReport, build_report
from tui_router.core.store import CallRow, DecisionRow, Store
from tui_router.core.usage import Usage
from tui_router.ui.screens.summary import SharedScaleSparkline, SummaryScreen
from tui_router.ui.themes import APP_VARIABLE_DEFAULTS, register_app_themes

FRONTIER = "claude-opus-4-6"
SESSION_ID = "01KSUMMARY0TEST0SESSION000"


def _call(
    sid: str,
    turn: int,
    model: str,
    tier: str,
    usage: Usage,
    purpose: str = "chat",
    priced: bool = True,
) -> CallRow:
    """A call priced the way the app prices it: genai-prices for the model and the baseline."""
    cost = price_call(usage, model, "anthropic") if priced else None
    baseline = price_call(usage, FRONTIER, "anthropic")
    return CallRow(
        session_id=sid,
        turn=turn,
        model=model,
        purpose=purpose,
        usage=usage,
        cost_usd=cost.usd if cost else None,
        price_source=cost.source if cost else "unknown",
        endpoint="anthropic",
        price_provider="anthropic",
        tier=tier,
        baseline_model=FRONTIER,
        baseline_cost_usd=baseline.usd,
    )


def recorded_session(store: Store, *, with_unknown: bool = False) -> str:
    """Three turns: haiku, sonnet then "retry stronger" on opus, and haiku again."""
    sid = store.create_session(
        start_model="claude-haiku-4-5",
        mode="suggest",
        frontier_model=FRONTIER,
        session_id=SESSION_ID,
    )
    calls = [
        (
            _call(sid, 1, "claude-haiku-4-5", "fast", Usage(input_tokens=1200, output_tokens=300)),
            "rename the helper to parse_config",
        ),
        (
            _call(
                sid,
                2,
                "claude-sonnet-4-6",
                "balanced",
                Usage(input_tokens=4000, output_tokens=1000),
            ),
            "why does the cache invalidation race when two workers write?",
        ),
        (
            _call(
                sid,
                2,
                "claude-opus-4-6",
                "frontier",
                Usage(input_tokens=4000, output_tokens=1200),
                purpose="retry",
            ),
            None,
        ),
        (
            _call(sid, 3, "claude-haiku-4-5", "fast", Usage(input_tokens=2000, output_tokens=400)),
            "add a docstring",
        ),
    ]
    if with_unknown:
        calls.append(
            (
                _call(
                    sid,
                    4,
                    "mystery-model",
                    "fast",
                    Usage(input_tokens=100, output_tokens=10),
                    priced=False,
                ),
                "hi",
            )
        )
    for call, prompt in calls:
        store.record_call(call, text="answer", prompt=prompt)
    for turn, outcome in ((1, "accepted"), (2, "rejected"), (3, "shown"), (3, "silent")):
        store.record_decision(
            DecisionRow(sid, turn, "rules", suggested_model="claude-haiku-4-5", outcome=outcome)
        )
    return sid


def make_report(**kwargs: Any) -> SessionReport:
    with Store() as store:
        return build_report(store, recorded_session(store, **kwargs))


class SummaryApp(App[None]):
    """Pushes the summary like the real app: True from the screen means exit."""

    def __init__(self, report: SessionReport, *, quitting: bool = True) -> None:
        super().__init__()
        self.report = report
        self.quitting = quitting
        self.results: list[bool] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return APP_VARIABLE_DEFAULTS

    def on_mount(self) -> None:
        register_app_themes(self)
        self.theme = "tui-router-dark"
        self.push_screen(SummaryScreen(self.report, quitting=self.quitting), self._done)

    def _done(self, exit_app: bool | None) -> None:
        self.results.append(bool(exit_app))
        if exit_app:
            self.exit()


def text_of(widget: Label | Static) -> str:
    return str(widget.render())


async def test_summary_shows_the_reports_numbers() -> None:
    # By hand ($/MTok in/out): haiku 1/5, sonnet 3/15, opus 5/25.
    #   t1 haiku 1200/300   = 0.0012+0.0015 = 0.0027   baseline 0.0060+0.0075 = 0.0135
    #   t2 sonnet 4000/1000 = 0.0120+0.0150 = 0.0270   baseline 0.0200+0.0250 = 0.0450
    #   t2 opus 4000/1200   = 0.0200+0.0300 = 0.0500   baseline 0.0500
    #   t3 haiku 2000/400   = 0.0020+0.0020 = 0.0040   baseline 0.0100+0.0100 = 0.0200
    #   total 0.0837, baseline 0.1285, savings 0.0448 = 35%
    app = SummaryApp(make_report())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SummaryScreen)
        table = screen.query_one("#per-model", DataTable)
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert rows["claude-haiku-4-5"] == [
            "claude-haiku-4-5",
            "fast",
            "2",
            "3,200",
            "0",
            "700",
            "$0.0067",
            "$0.0335",
        ]
        assert rows["claude-sonnet-4-6"][2:] == ["1", "4,000", "0", "1,000", "$0.0270", "$0.0450"]
        assert rows["claude-opus-4-6"][6:] == ["$0.0500", "$0.0500"]
        assert rows["total"][2:] == ["4", "11,200", "0", "2,900", "$0.0837", "$0.1285"]
        assert text_of(screen.query_one("#total", Label)) == "$0.0837"
        assert text_of(screen.query_one("#baseline", Label)) == "$0.1285"
        assert text_of(screen.query_one("#savings", Label)) == "$0.0448 (35%)"
        assumption = text_of(screen.query_one(".assumption", Static))
        assert "same token counts" in assumption and FRONTIER in assumption
        # silent decisions are not suggestions; the unanswered one is said
        assert text_of(screen.query_one("#suggestions", Static)) == (
            "Suggestions: 3 shown · 1 accepted · 1 rejected · 1 unanswered"
        )
        assert "retries on a stronger tier: 1" in text_of(screen.query_one("#escalations", Static))
        top = text_of(screen.query_one("#most-expensive", Static))
        assert "#2 on claude-sonnet-4-6, claude-opus-4-6: $0.0770" in top
        assert "why does the cache" in top
        # one bar per turn, both series on the baseline's scale
        actual = screen.query_one("#spark-actual", SharedScaleSparkline)
        baseline = screen.query_one("#spark-baseline", SharedScaleSparkline)
        assert list(actual.data or []) == pytest.approx([0.0027, 0.0770, 0.0040])
        assert list(baseline.data or []) == pytest.approx([0.0135, 0.0950, 0.0200])
        assert actual.scale_max == baseline.scale_max == pytest.approx(0.0950)
        assert str(actual.render()).strip()[0] != str(baseline.render()).strip()[0]


async def test_an_unknown_price_is_na_and_flagged_in_the_total() -> None:
    app = SummaryApp(make_report(with_unknown=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#per-model", DataTable)
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert rows["mystery-model"][6] == "n/a"
        assert rows["total"][6] == "≥$0.0837"
        total = text_of(app.screen.query_one("#total", Label))
        assert total == "≥ $0.0837 (n/a for 1 call)"
        assert "left out" in text_of(app.screen.query_one("#savings", Label))


@pytest.mark.parametrize("key", ["enter", "q"])
async def test_enter_or_q_exits_the_app(key: str) -> None:
    app = SummaryApp(make_report())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [True]
        assert not app.is_running


async def test_escape_goes_back_to_the_session() -> None:
    app = SummaryApp(make_report())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [False]
        assert app.is_running and not isinstance(app.screen, SummaryScreen)


async def test_opened_mid_session_enter_only_closes() -> None:
    app = SummaryApp(make_report(), quitting=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [False] and app.is_running


def test_summary_snapshot(snap_compare: Any) -> None:
    assert snap_compare(SummaryApp(make_report()), terminal_size=(120, 40))


def test_money_in_the_report_is_decimal() -> None:
    report = make_report()
    assert report.totals.cost_usd == Decimal("0.0837")


async def test_a_long_session_sparkline_fits_its_width_and_keeps_the_peak() -> None:
    class One(App[None]):
        def compose(self) -> Any:
            spark = SharedScaleSparkline([0.001] * 999 + [0.5], id="s")
            spark.scale_max = 1.0
            yield spark

    app = One()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        spark = app.query_one(SharedScaleSparkline)
        text = str(spark.render())
        assert len(text) == spark.size.width == 40
        # shared scale: the 0.5 peak is half height against a maximum of 1.0, not a full bar
        assert text[-1] == "▅" and set(text[:-1]) == {"▁"}


def test_the_summary_states_the_prompt_cache_hit_ratio() -> None:
    from tui_router.ui.screens.summary_view import summary_view

    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", frontier_model=FRONTIER)
        usage = Usage(input_tokens=10_000, cache_read_tokens=7_500, output_tokens=200)
        store.record_call(_call(sid, 1, "claude-haiku-4-5", "fast", usage), text="a", prompt="q")
        view = summary_view(build_report(store, sid))
    assert view.escalations_text.endswith("prompt cache: 75% of input read from cache")


async def test_the_spend_per_turn_heading_counts_turns_in_words() -> None:
    with Store() as store:
        sid = store.create_session(
            start_model="claude-haiku-4-5", mode="manual", frontier_model=FRONTIER
        )
        usage = Usage(input_tokens=900, output_tokens=40)
        store.record_call(_call(sid, 1, "claude-haiku-4-5", "fast", usage), text="a", prompt="q")
        one_turn = build_report(store, sid)
    for report, heading in (
        (one_turn, "Spend per turn (1 turn, same scale)"),
        (make_report(), "Spend per turn (3 turns, same scale)"),
    ):
        app = SummaryApp(report)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            sections = [text_of(s) for s in app.screen.query(".section").results(Static)]
            assert heading in sections, sections


def test_the_peak_turn_of_an_unpriced_session_is_na_never_zero() -> None:
    """The summary's spend-per-turn row read "peak $0.0000" when no call had a known price."""
    from tui_router.ui.screens.summary_view import summary_view

    with Store() as store:
        sid = store.create_session(start_model="mystery-model", frontier_model=FRONTIER)
        usage = Usage(input_tokens=900, output_tokens=40)
        store.record_call(
            _call(sid, 1, "mystery-model", "fast", usage, priced=False), text="a", prompt="q"
        )
        unpriced = summary_view(build_report(store, sid))
        store.record_call(_call(sid, 2, "claude-haiku-4-5", "fast", usage), text="b", prompt="r")
        partly = summary_view(build_report(store, sid))
    assert unpriced.turn_cost_peak == "n/a" and unpriced.turn_costs == [0.0]
    assert partly.turn_cost_peak.startswith("≥ $0.00")
    assert partly.turn_baseline_peak.startswith("$0.0")
