"""What a terminal would show: every update the app sends (`App._display`), applied to a grid of
cells in order, as a terminal applies the escape sequences Textual writes for it.

Headless Textual writes nothing; the updates it would have written are still made. A frame that
repaints only part of the screen (a partial update) leaves the rest as the last frame drew it:
`Terminal.check` compares those cells with the screen drawn from scratch, so a change that was
never repainted (stale cells) fails a test, not only a person's eye."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from rich.segment import ControlType
from textual.app import App
from textual.geometry import Size

Cell = tuple[str, str]


class Terminal:
    """A grid of cells: a character and its style (as text, without mouse metadata)."""

    def __init__(self, size: Size) -> None:
        self.size = size
        self.cells: list[list[Cell]] = [[(" ", "")] * size.width for _ in range(size.height)]
        self.frames = 0
        self._console = Console(
            file=io.StringIO(), width=size.width, height=size.height, color_system="truecolor"
        )

    def apply(self, renderable: Any) -> None:
        """Write an update (what `render_update` returned) as the terminal would."""
        self.frames += 1
        x = y = 0
        width, height = self.size
        for segment in self._console.render(renderable):
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = int(control[1]), int(control[2])
                continue
            style = str(segment.style) if segment.style else ""
            for char in segment.text:
                if char == "\n":
                    x, y = 0, y + 1
                    continue
                if 0 <= y < height and 0 <= x < width:
                    self.cells[y][x] = (char, style)
                x += 1

    def rows(self) -> list[str]:
        return ["".join(char for char, _ in row) for row in self.cells]


def from_scratch(app: App[Any]) -> Terminal:
    """The current screen drawn whole, on a blank terminal."""
    screen = app.screen
    fresh = Terminal(app.size)
    for y, strip in enumerate(screen._compositor.render_strips(app.size)):
        fresh.cells[y] = [(" ", "")] * app.size.width
        x = 0
        for segment in strip:
            style = str(segment.style) if segment.style else ""
            for char in segment.text:
                if x < app.size.width:
                    fresh.cells[y][x] = (char, style)
                x += 1
    return fresh


def assert_shows_the_screen(app: App[Any], terminal: Terminal, what: str) -> None:
    """Every cell the terminal shows is the cell the screen has now (no stale cell)."""
    fresh = from_scratch(app)
    for y, (shown, drawn) in enumerate(zip(terminal.cells, fresh.cells, strict=True)):
        if shown != drawn:
            columns = [x for x, (a, b) in enumerate(zip(shown, drawn, strict=True)) if a != b]
            raise AssertionError(
                f"{what}: row {y} on the terminal differs from the screen at columns "
                f"{columns[0]}-{columns[-1]}:\n  shown: {terminal.rows()[y]!r}\n"
                f"  drawn: {fresh.rows()[y]!r}"
            )


async def wait_until_it_shows_the_screen(
    pilot: Any, app: App[Any], terminal: Terminal, what: str, timeout: float = 5.0
) -> None:
    """`assert_shows_the_screen` once the frames in flight are drawn: a widget may change
    (a blink, the ticker's second) between the frame a test waited for and the check. A cell
    left stale stays different, and fails this as it fails the assertion."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            assert_shows_the_screen(app, terminal, what)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await pilot.pause(0.05)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """A terminal that every app started in the test writes to (120x40: `ui_support.SIZE`)."""
    term = Terminal(Size(120, 40))
    original = App._display

    def display(self: App[Any], screen: Any, renderable: Any) -> None:
        if renderable is not None and not self._batch_count and self.size == term.size:
            term.apply(renderable)
        original(self, screen, renderable)

    monkeypatch.setattr(App, "_display", display)
    return term
