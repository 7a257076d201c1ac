"""The end-of-session summary: what each model cost, the frontier-only baseline, what routing saved.

Shown on quit (enter or q then exits, esc goes back to the session) and from the palette at any
time. Reads a `SessionReport` (core) through `SummaryView`, a flat, display-ready copy, so the
screen itself never computes money.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Sparkline, Static

from tui_router.core.report import SessionReport
from tui_router.ui.format import counted, tokens
from tui_router.ui.screens.summary_view import ModelLine, SummaryView, summary_view

__all__ = ["ModelLine", "SharedScaleSparkline", "SummaryScreen", "SummaryView", "summary_view"]


#: Per-model table columns: (name, width, right-aligned).
TABLE_COLUMNS: list[tuple[str, int, bool]] = [
    ("model", 26, False),
    ("tier", 8, False),
    ("calls", 5, True),
    ("input", 8, True),
    ("cache", 8, True),
    ("output", 8, True),
    ("cost", 10, True),
    ("baseline", 10, True),
]
NARROW_BELOW = 106  # terminal columns under which the table drops tier and cache


#: Columns a narrower terminal drops, in turn; the cost is never dropped, the baseline last
#: (under ~38 columns: its total is said below the table).
DROP_ORDER = ("cache", "tier", "input", "output", "calls", "baseline")
#: Columns besides the table's: the frame's border and padding, the scrollbar.
FRAME_COLUMNS = 6
MIN_MODEL_WIDTH = 6


def fit_columns(terminal_width: int) -> list[tuple[str, int, bool]]:
    """The table's columns for a terminal ``terminal_width`` wide: below `NARROW_BELOW` tier and
    cache go, then as many of `DROP_ORDER` as needed, then the model column narrows (its
    names end in "…"), so cost and baseline are whole (at 60 columns cost was cut); under ~38
    columns the baseline goes too, and under ~26 the cost comes first."""
    if terminal_width >= NARROW_BELOW:
        return list(TABLE_COLUMNS)
    room = terminal_width - FRAME_COLUMNS
    drops = list(DROP_ORDER)
    columns = [c for c in TABLE_COLUMNS if c[0] not in ("tier", "cache")]
    columns = [(k, 20 if k == "model" else w, r) for k, w, r in columns]

    def rest(cols: list[tuple[str, int, bool]]) -> int:  # every column but the model's, padded
        return sum(w + 2 for k, w, _ in cols if k != "model") + 2

    while rest(columns) + MIN_MODEL_WIDTH > room and drops:
        gone = drops.pop(0)
        columns = [c for c in columns if c[0] != gone]
    if rest(columns) + MIN_MODEL_WIDTH > room:
        # the cost would be cut at the edge ("$0.0011" read "$0"): it comes first, and the
        # model's name is what the edge cuts
        columns.sort(key=lambda c: c[0] != "cost")
    model_width = max(MIN_MODEL_WIDTH, min(26, room - rest(columns)))
    return [(k, model_width if k == "model" else w, r) for k, w, r in columns]


class SharedScaleSparkline(Sparkline):
    """A `Sparkline` drawn against a fixed maximum, so two of them can be compared bar for bar.

    Textual's sparkline scales each series to its own min..max, which would make actual spend
    and the baseline look alike; here zero is the bottom and ``scale_max`` the top of both.
    One bar per value while they fit, bucketed (max of each bucket) when they do not.
    """

    BARS: ClassVar[str] = "▁▂▃▄▅▆▇█"
    scale_max = reactive(0.0)

    def render(self) -> RenderResult:
        data = [max(0.0, float(v)) for v in (self.data or [])]
        width = max(1, self.size.width)
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        if not data:
            return Text(self.BARS[0] * width, style=Style(color=low.rich_color))
        if len(data) > width:
            step = len(data) / width
            data = [
                max(data[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)])
                for i in range(width)
            ]
        top = max(self.scale_max, max(data)) or 1.0
        repeat = max(1, min(3, width // len(data)))  # few turns: wider bars, still left-aligned
        text = Text()
        for value in data:
            ratio = value / top
            bar = self.BARS[min(len(self.BARS) - 1, int(ratio * len(self.BARS)))]
            text.append(bar * repeat, Style(color=low.blend(high, ratio).rich_color))
        return text


class SummaryScreen(ModalScreen[bool]):
    """The session's cost summary. Dismisses with True when the app should exit.

    With ``quitting=True`` (opened by the quit key): enter or q → True (exit), esc → False
    (back to the session). With ``quitting=False`` (a look mid-session): every close key → False.
    """

    DEFAULT_CSS = """
    SummaryScreen {
        align: center middle;
        background: $background 60%;
    }
    SummaryScreen > Vertical {
        width: 104;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    SummaryScreen VerticalScroll { height: auto; max-height: 100%; }
    SummaryScreen DataTable {
        height: auto;
        max-height: 12;
        overflow-x: hidden;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    SummaryScreen .section {
        margin-top: 1;
        text-style: bold;
        color: $accent;
    }
    SummaryScreen #money {
        grid-size: 2;
        grid-columns: 34 1fr;
        grid-rows: 1;
        height: auto;
        margin-top: 1;
    }
    SummaryScreen #money .label { color: $text-muted; }
    SummaryScreen .savings { color: $cost-ok; text-style: bold; }
    SummaryScreen .savings.negative { color: $cost-warn; }
    SummaryScreen .assumption { color: $text-muted; text-style: italic; }
    SummaryScreen .spark-row { height: 1; }
    SummaryScreen .spark-row Label { width: 10; color: $text-muted; }
    SummaryScreen .spark-row SharedScaleSparkline { width: 1fr; }
    SummaryScreen .spark-row .peak { width: 18; text-align: right; color: $text-muted; }
    SummaryScreen #spark-actual > .sparkline--max-color { color: $cost-warn; }
    SummaryScreen #spark-actual > .sparkline--min-color { color: $cost-ok; }
    SummaryScreen #spark-baseline > .sparkline--max-color { color: $tier-frontier; }
    SummaryScreen #spark-baseline > .sparkline--min-color { color: $tier-frontier 50%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "finish", "Exit", priority=True),
        Binding("q", "finish", "Exit", show=False),
        Binding("ctrl+q", "finish", "Exit", show=False),
        Binding("escape", "back", "Back to the session"),
    ]

    def __init__(
        self,
        report: SessionReport | SummaryView,
        *,
        quitting: bool = True,
        turn_running: bool = False,
    ) -> None:
        """
        Args:
            report: the session's report (`core.report.build_report`), or a ready view.
            quitting: opened by the quit key, so enter/q exit the app and esc cancels the quit.
            turn_running: a turn is running behind it: exiting cancels it (the keys say so).
        """
        super().__init__()
        self.view = report if isinstance(report, SummaryView) else summary_view(report)
        self.quitting = quitting
        self.turn_running = turn_running

    def compose(self) -> ComposeResult:
        view = self.view
        with Vertical() as box:
            titled = f" · “{view.title}”" if view.title else ""
            # Text, not markup: a title a model wrote may hold square brackets
            box.border_title = Text(f"Session summary{titled} · {view.session_id}")
            if not self.quitting:
                box.border_subtitle = "esc, enter or q: close"
            elif self.turn_running:
                box.border_subtitle = "enter or q: cancel the running turn and exit · esc: back"
            else:
                box.border_subtitle = "enter or q: exit · esc: back to the session"
            with VerticalScroll():
                yield self._model_table()
                with Grid(id="money"):
                    yield Label("Total spend", classes="label")
                    yield Label(view.total_text, id="total")
                    yield Label(f"Frontier-only baseline ({view.baseline_model})", classes="label")
                    yield Label(view.baseline_text, id="baseline")
                    yield Label("Saved by routing", classes="label")
                    yield Label(
                        view.savings_text,
                        id="savings",
                        classes="savings negative" if view.overspent else "savings",
                    )
                yield Static(
                    f"Baseline = the same token counts (input, cache reads/writes, output) "
                    f"re-priced at {view.baseline_model}.",
                    classes="assumption",
                )
                yield Static("Routing", classes="section")
                yield Static(view.suggestions_text, id="suggestions")
                yield Static(view.escalations_text, id="escalations")
                yield Static(view.most_expensive_text, id="most-expensive")
                yield Static(
                    f"Spend per turn ({counted(len(view.turn_costs), 'turn')}, same scale)",
                    classes="section",
                )
                top = max([*view.turn_costs, *view.turn_baselines, 0.0])
                yield from self._spark_row(
                    "actual", "spark-actual", view.turn_costs, top, view.turn_cost_peak
                )
                yield from self._spark_row(
                    "baseline", "spark-baseline", view.turn_baselines, top, view.turn_baseline_peak
                )

    def _spark_row(
        self, label: str, widget_id: str, values: Sequence[float], top: float, peak: str
    ) -> ComposeResult:
        spark = SharedScaleSparkline(list(values), id=widget_id)
        spark.scale_max = top
        with Horizontal(classes="spark-row"):
            yield Label(label)
            yield spark
            yield Label(f"peak {peak}", classes="peak")

    def _model_table(self) -> DataTable[Text]:
        table: DataTable[Text] = DataTable(
            id="per-model", show_cursor=False, zebra_stripes=True, cell_padding=1
        )
        table.can_focus = False
        self._columns = fit_columns(self.app.size.width)
        for key, width, right in self._columns:
            label = Text(key, justify="right") if right else Text(key)
            table.add_column(label, width=width, key=key)
        for line in self.view.models:
            table.add_row(*self._row(line))
        table.add_row(*self._row(self.view.total, bold=True), key="total")
        return table

    def _row(self, line: ModelLine, *, bold: bool = False) -> list[Text]:
        style = "bold" if bold else ""
        values = {
            "model": line.model,
            "tier": line.tier or "",
            "calls": f"{line.calls:,}",
            "input": tokens(line.input_tokens),
            "cache": tokens(line.cache_tokens),
            "output": tokens(line.output_tokens),
            "cost": line.cost_text,
            "baseline": line.baseline_text,
        }
        return [
            Text(
                values[key],
                style=style,
                justify="right" if right else "left",
                overflow="ellipsis",
                no_wrap=True,
            )
            for key, _, right in self._columns
        ]

    def action_finish(self) -> None:
        self.dismiss(self.quitting)

    def action_back(self) -> None:
        self.dismiss(False)
