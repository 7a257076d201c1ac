"""`tui-router eval`: replay routing strategies on recorded model outcomes, one row per strategy.

Reference rows (frontier-only, cheapest-only, each single model, random at the same spend, oracle)
are always shown. Strategies are fit on the train split only and every row is reported on the
test split (without ``--split``, too); with nothing held out (``--split train``, data without a
split) fit and report are the same items, labelled in-sample. Broken or missing dataset files
give one message naming file and line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tui_router.core.errors import UserFacingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui_router.evaluation.loading import FORMATS

    parser.add_argument(
        "--dataset",
        type=Path,
        required=True,
        metavar="PATH",
        help="a dataset file (or folder) of recorded model outcomes",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="dataset format (detected from the file when omitted)",
    )
    parser.add_argument(
        "--split",
        choices=("train", "test"),
        default=None,
        help="which split to report (default: test when the data has one; strategies are "
        "always fit on train, and train is reported in-sample)",
    )
    parser.add_argument(
        "--strategy",
        action="append",
        default=None,
        metavar="NAME",
        help="run only these strategies (repeatable): the shipped rules, heuristic, learned, "
        "cascade; the eval-only predictor, verified, gated; reference rows are always shown",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="SHARE",
        help="cost cap, as a share of frontier-only, that the SWE-bench predictor "
        "is tuned to on train (default 0.50)",
    )
    parser.add_argument(
        "--frontier",
        default=None,
        metavar="MODEL",
        help="the model frontier-only means (default: the dataset's frontier)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        metavar="FILE.png",
        help="also draw a cost-quality chart (needs the 'plot' extra)",
    )


def run(args: argparse.Namespace) -> int:
    from tui_router.evaluation import replay

    strategies = tuple(args.strategy or replay.STRATEGIES)
    unknown = [s for s in strategies if s not in replay.STRATEGIES]
    if unknown:
        raise UserFacingError(
            f"unknown strategy {unknown[0]!r}; one of {', '.join(replay.STRATEGIES)}"
        )
    budget = replay.DEFAULT_BUDGET if args.budget is None else args.budget
    if not 0 < budget <= 1:
        raise UserFacingError("--budget must be a share between 0 and 1, e.g. 0.5")
    if args.plot is not None:
        _check_matplotlib()
    with _Progress() as progress:
        report = replay.load_and_run(
            args.dataset,
            args.format,
            args.split,
            strategies,
            budget,
            progress.start,
            progress.advance,
            args.frontier,
        )
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_table(report)
    if args.plot is not None:
        _plot(report, args.plot)
        print(f"chart written to {args.plot}", file=sys.stderr)
    return 0


class _Progress:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, description: str, total: int) -> None:
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=total)

    def advance(self, steps: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)


def _print_table(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    split = f", split {report.split}" if report.split != "all" else ""
    if report.in_sample:
        split += " (IN-SAMPLE: fit on these same items)"
    elif report.n_fit:
        split += f" (fit on {report.n_fit} train items)"
    table = Table(
        title=f"{report.dataset}{split}: {report.n} items; frontier = {report.frontier_model}",
        title_justify="left",
    )
    two_model = any(r.apgr is not None for r in report.rows)
    table.add_column("strategy")
    table.add_column("shipped")
    table.add_column("quality [95% CI]", justify="right")
    table.add_column("cost $", justify="right")
    table.add_column("of frontier" if not two_model else "strong calls", justify="right")
    if two_model:
        table.add_column("APGR", justify="right")
        table.add_column("CPT50/80", justify="right")
    table.add_column("random same mix (p)", justify="right")
    table.add_column("calls", overflow="fold")
    for row in report.rows:
        name = f"[dim]{row.strategy}[/dim]" if row.reference else f"[bold]{row.strategy}[/bold]"
        calls = ", ".join(
            f"{m} {s:.0%}"
            for m, s in sorted(row.calls.items(), key=lambda kv: -kv[1])
            if s >= 0.005
        )
        shipped = row.extra.get("shipped")
        ci = row.extra.get("quality_ci")
        cells = [
            name,
            "" if shipped is None else ("yes" if shipped else "no (eval-only)"),
            f"{row.quality:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""),
            "n/a" if row.cost_usd is None else f"{row.cost_usd:.2f}",
            f"{row.cost_share:.1%}",
        ]
        if two_model:
            apgr_ci = row.extra.get("apgr_ci")
            cells.append(
                ""
                if row.apgr is None
                else f"{row.apgr:.3f}"
                + (f" [{apgr_ci[0]:.2f}, {apgr_ci[1]:.2f}]" if apgr_ci else "")
            )
            cpt = row.extra.get("cpt50"), row.extra.get("cpt80")
            cells.append(f"{cpt[0]:.1%}/{cpt[1]:.1%}" if cpt[0] is not None else "")
        baseline = row.extra.get("random_same_mix")
        cells.append(
            f"{baseline['quality']:.3f} at {baseline['cost_share']:.1%} "
            f"(p={baseline['p_random_at_least_as_good']:.2f})"
            if baseline
            else ""
        )
        cells.append(calls)
        table.add_row(*cells)
    console = Console(width=max(120, Console().width))
    console.print(table)
    for row in report.rows:
        if row.note and not row.strategy.startswith("only "):
            console.print(f"[dim]{row.strategy}: {row.note}[/dim]", highlight=False)
    difficulty = report.extra.get("difficulty")
    if difficulty:
        console.print(
            f"difficulty ({difficulty['task']}): balanced accuracy "
            f"{difficulty['balanced_accuracy']:.3f} on {difficulty['n']} "
            + ("" if difficulty["on"] == "all" else f"{difficulty['on']} ")
            + f"issues (fit on {difficulty['fit_on']})",
            highlight=False,
        )
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    if not two_model:
        console.print(
            "[dim]cost = recorded cost of every call the strategy makes; quality = mean "
            "recorded score of the answer kept, with a 95% bootstrap CI over items. random same "
            "mix = the row's own picks dealt to random items (200 seeds); p = share of seeds "
            "where that did at least as well. Reference rows are dim.[/dim]"
        )


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from tui_router.core.extras import install_command

        raise UserFacingError(
            "--plot needs matplotlib, in the plot extra: "
            + install_command("plot", command="tui-router eval --plot ...")
        ) from None


def _plot(report: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    for row in report.rows:
        single = row.strategy.startswith("only ")
        marker = "." if single else ("s" if row.reference else "o")
        ax.scatter(
            row.cost_share * 100,
            row.quality,
            marker=marker,
            s=30 if single else 60,
            color="grey" if row.reference else None,
            zorder=3,
        )
        if not single or row.cost_share <= 1.0:
            label = row.strategy.removeprefix("only ")
            ax.annotate(
                label,
                (row.cost_share * 100, row.quality),
                fontsize=7,
                xytext=(4, 3),
                textcoords="offset points",
            )
    for row in report.rows:
        curve = row.extra.get("curve")
        if curve:  # two-model data: quality as the share of strong calls sweeps 0..100%
            ax.plot(
                [x * 100 for x, _ in curve],
                [y for _, y in curve],
                linewidth=1,
                label=f"{row.strategy} (APGR {row.apgr:.2f})",
            )
            ax.legend(fontsize=7, loc="lower right")
    two_model = any(r.apgr is not None for r in report.rows)
    ax.set_xlabel("strong-model calls (%)" if two_model else "cost (% of frontier-only)")
    ax.set_ylabel("quality")
    ax.set_title(f"{report.dataset} ({report.split}, n={report.n}): cost vs quality")
    ax.grid(alpha=0.3)
    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except OSError as exc:
        raise UserFacingError(f"{path}: cannot write the chart ({exc.strerror or exc})") from None
    finally:
        plt.close(fig)
