"""One tool call of an agent turn in the chat: a compact line, its output folded under it.

``⠋ run_command pytest -q  3 s`` while it runs, then ``✓ edit_file src/utils.py (+3 −1)`` or
``✗ run_command make  exit 2`` (an error, or ``refused`` when a rule or the person said no).
Enter or a click folds the output open and shut; long output shows its first lines and a count
of the rest (the model saw all of it). The widget only shows what the turn flow gives it.
"""

from __future__ import annotations

import time
from typing import ClassVar, Literal

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from tui_router.ui.format import counted

ToolLineState = Literal["waiting", "running", "ok", "denied", "error"]

#: Lines of output shown when a line is folded open; the rest is counted.
OUTPUT_LINES = 40
#: A very long line of output is cut here (the model saw it whole).
OUTPUT_WIDTH = 400
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
FOCUSED_STYLE = "$block-cursor-foreground on $block-cursor-background"


def cap_output(text: str, limit: int = OUTPUT_LINES) -> str:
    """The first ``limit`` lines of ``text`` and a count of the ones left out."""
    lines = text.rstrip("\n").splitlines()
    shown = [line if len(line) <= OUTPUT_WIDTH else line[:OUTPUT_WIDTH] + "…" for line in lines]
    if len(shown) <= limit:
        return "\n".join(shown)
    more = len(shown) - limit
    return "\n".join([*shown[:limit], f"… {counted(more, 'more line')}"])


def elapsed_text(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


class ToolLine(Widget, can_focus=True):
    """A tool call as one line; its output folds open under it (enter or click).

    One widget while folded (it draws its line itself): a chat holds up to a hundred entries,
    and every frame that lays the screen out (an approval panel opening, an answer growing)
    walks every widget in them. The output is a child mounted the first time it is opened,
    below the line (its top margin), so the line above it is still this widget's own.
    """

    DEFAULT_CSS = """
    ToolLine {
        height: auto;
        margin: 0 0 0 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ToolLine.-ok { color: $text; }
    ToolLine.-error, ToolLine.-denied { color: $text-error; }
    ToolLine > .output {
        display: none;
        margin: 1 0 0 2;
        padding: 0 1;
        border-left: solid $foreground 20%;
        color: $text-muted;
        text-wrap: wrap;
        text-overflow: fold;
    }
    ToolLine.-open > .output { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "fold", "Output", show=False),
    ]

    ICONS: ClassVar[dict[str, str]] = {"ok": "✓", "denied": "✗", "error": "✗", "waiting": "?"}

    def __init__(self, call_id: str, title: str, state: ToolLineState = "running") -> None:
        super().__init__(classes=f"-{state}")
        self.call_id = call_id
        self.title = title
        self.state: ToolLineState = state
        self.detail = ""
        self.output = ""
        self.duration_s: float | None = None
        self._started = time.monotonic()
        self._frame = 0
        self._body: Static | None = None  # the output, once opened
        self._timer: Timer | None = None

    def render(self) -> Content:
        head = self._head_content()
        if not self.has_focus:
            return head
        # The focused line in the block cursor's colours, as Textual's own foldable title has
        # it: a `:focus` background would also fill the output folded open under the line, and
        # `$boost` was the background itself on a 256-colour terminal (the focus was invisible).
        head = head.extend_right(max(0, self.content_region.width - head.cell_length))
        return head.stylize_before(FOCUSED_STYLE)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_mount(self) -> None:
        if self.state == "running":
            self._timer = self.set_interval(0.1, self._spin)

    # -- what the flow tells it -----------------------------------------------------------
    def waiting(self) -> None:
        """The call waits for the person's yes (the approval panel is up)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._set_state("waiting")

    def running(self) -> None:
        self._started = time.monotonic()
        self._set_state("running")
        if self._timer is None and self.is_mounted:
            self._timer = self.set_interval(0.1, self._spin)

    def finish(
        self,
        state: ToolLineState,
        output: str,
        *,
        title: str | None = None,
        detail: str = "",
        duration_s: float | None = None,
    ) -> None:
        """The call ended: ``title`` replaces the line's (the outcome's summary), ``detail``
        follows it ("refused: …"), ``output`` folds under it."""
        if title:
            self.title = title
        self.detail = detail
        self.output = output
        self.duration_s = duration_s
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._body is not None:
            self._body.update(self._output_text())
        self._set_state(state)

    # -- showing --------------------------------------------------------------------------
    @property
    def line(self) -> str:
        """The line as plain text (what tests and the e2e test read)."""
        return self._head_content().plain

    @property
    def tool_name(self) -> str:
        """The tool's name: its title's first word ("run_command pytest -q")."""
        return self.title.split(" ", 1)[0]

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    async def action_fold(self) -> None:
        if self.state in ("running", "waiting"):
            return
        if self._body is None:
            self._body = Static(self._output_text(), classes="output", markup=False)
            await self.mount(self._body)
        self.toggle_class("-open")
        self.refresh()

    def _output_text(self) -> str:
        return cap_output(self.output) if self.output else "(no output)"

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.action_fold()

    def _set_state(self, state: ToolLineState) -> None:
        if state != self.state:
            self.remove_class(f"-{self.state}", update=False)
            self.state = state
            self.add_class(f"-{state}")
        self.refresh()

    def _spin(self) -> None:
        self._frame += 1
        self.refresh()

    def _head_content(self) -> Content:
        state = self.state
        if state == "running":
            icon = SPINNER[self._frame % len(SPINNER)]
            elapsed = time.monotonic() - self._started
            tail = f"  {elapsed_text(elapsed)}" if elapsed >= 1 else ""
            return Content.assemble((f"{icon} ", "$accent"), self.title, (tail, "dim"))
        if state == "waiting":
            return Content.assemble(("? ", "$warning"), self.title, ("  waiting for y/n", "dim"))
        icon_style = "$text-success" if state == "ok" else "$text-error"
        parts: list[str | tuple[str, str]] = [(f"{self.ICONS[state]} ", icon_style), self.title]
        if self.detail:
            parts.append(f"  {self.detail}")
        if self.duration_s is not None and self.duration_s >= 1:
            parts.append((f"  {elapsed_text(self.duration_s)}", "dim"))
        if self.output:
            count = len(self.output.rstrip("\n").splitlines())
            fold = "▾" if self.is_open else "▸"
            parts.append((f"  {fold} {counted(count, 'line')}", "dim"))
        return Content.assemble(*parts)
