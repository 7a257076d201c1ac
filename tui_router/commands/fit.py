"""Output that fits the console's width (a terminal's, or 80 columns when piped) without cutting
a fact in two.

Rich shrinks a table that is too wide by narrowing its columns, down to cutting their values
("$" for "$0.0079", an empty header); `print_table` drops the less important columns instead.
A line of facts wraps between facts, never inside one (`print_facts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: wide enough for any table here: measure a table's natural width, unbounded by the console
_UNBOUNDED = 10_000


def natural_width(console: Any, table: Any) -> int:
    """The width ``table`` needs with no value cut: each column as wide as its widest cell, a
    column that may wrap (``no_wrap`` off) counted at its ``min_width``."""
    from rich.measure import Measurement

    saved = [column.max_width for column in table.columns]
    for column in table.columns:
        if not column.no_wrap:
            column.max_width = column.min_width or 1
    try:
        return int(
            Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
        )
    finally:
        for column, width in zip(table.columns, saved, strict=True):
            column.max_width = width


def print_table(
    console: Any, build: Callable[[frozenset[str]], Any], droppable: Sequence[str]
) -> None:
    """Print ``build(left_out)`` with as few of ``droppable`` (least important first) left out as
    the console's width needs. Only a column that may wrap is narrowed by rich then, never below
    its ``min_width``; every other value is shown whole. Narrower still, the table is printed as
    wide as it needs (the terminal wraps its lines) rather than cut."""
    left_out: list[str] = []
    table = build(frozenset())
    for name in droppable:
        if natural_width(console, table) <= console.width:
            break
        left_out.append(name)
        table = build(frozenset(left_out))
    needed = natural_width(console, table)
    if needed <= console.width:
        console.print(table)
        return
    width = console.width
    console.width = needed
    try:
        console.print(table)
    finally:
        console.width = width


def fact_lines(facts: Sequence[str], width: int, sep: str = " · ") -> list[str]:
    """``facts`` joined with ``sep`` into lines of at most ``width``, broken only between facts
    (a fact longer than a line gets a line of its own)."""
    lines: list[str] = []
    line = ""
    for fact in facts:
        if not fact:
            continue
        joined = f"{line}{sep}{fact}" if line else fact
        if line and len(joined) > width:
            lines.append(line)
            line = fact
        else:
            line = joined
    if line:
        lines.append(line)
    return lines


def print_facts(
    console: Any, facts: Sequence[str], sep: str = " · ", style: str | None = None
) -> None:
    """Print ``facts`` as `fact_lines` (rich would break a line inside a fact)."""
    for line in fact_lines(facts, console.width, sep):
        console.print(line, style=style, markup=False)
