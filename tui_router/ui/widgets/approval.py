"""The approval panel: a tool call waiting for the person's yes, docked above the prompt.

It shows what the call would do — the unified diff of an edit, coloured (+ green, − red, hunk
headers), or the exact command and the folder it runs in — and why it asks (the permission
check's reason). Keys: ``y`` yes, ``n`` no (a one-line reason for the model can be typed; enter
sends the refusal), ``a`` always for this session, esc no. Enter never approves. The answer
goes out as an `ApprovalPanel.Answered` message; the turn flow sets the core's future.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.segment import Segment
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

Decision = Literal["yes", "no", "always"]

DiffKind = Literal["file", "hunk", "add", "remove", "context"]


def diff_kind(line: str) -> DiffKind:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "remove"
    return "context"


class DiffView(ScrollView, can_focus=False):
    """A unified diff, coloured, drawn line by line: only the lines in view are rendered, so
    a 5,000-line diff opens as fast as a 5-line one (the panel scrolls it)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff--file",
        "diff--hunk",
        "diff--add",
        "diff--remove",
        "diff--context",
    }
    DEFAULT_CSS = """
    DiffView {
        height: auto;
        max-height: 20;
        background: $background;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    DiffView > .diff--file { text-style: bold; }
    DiffView > .diff--hunk { color: $text-secondary; }
    DiffView > .diff--add { color: $text-success; background: $success 10%; }
    DiffView > .diff--remove { color: $text-error; background: $error 10%; }
    DiffView > .diff--context { color: $text; }
    """

    def __init__(self, diff: str) -> None:
        super().__init__()
        raw = diff.rstrip("\n").split("\n")
        self.lines = [line.expandtabs(4) for line in raw]
        self.kinds = [diff_kind(line) for line in self.lines]
        width = max((len(line) for line in self.lines), default=0)
        self.virtual_size = Size(width + 1, len(self.lines))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        style = self.get_component_rich_style(f"diff--{self.kinds[index]}")
        line = self.lines[index]
        strip = Strip([Segment(line + " " * max(0, width + scroll_x - len(line)), style)])
        return strip.crop(scroll_x, scroll_x + width)


class ApprovalPanel(Vertical, can_focus=True):
    """One tool call waiting for a yes. Focused while it waits; answers once."""

    DEFAULT_CSS = """
    ApprovalPanel {
        height: auto;
        max-height: 70%;
        margin: 0 1;
        padding: 0 1;
        border: round $warning;
        border-title-color: $warning;
        border-title-style: bold;
        background: $surface;
    }
    ApprovalPanel > .command { background: $background; padding: 0 1; }
    ApprovalPanel > .keys { color: $text-muted; }
    ApprovalPanel > Input { height: 1; border: none; padding: 0 1; }
    """

    # Not in the footer: the panel lists its keys in its own last line, and keys that come and
    # go with the panel would rebuild the footer on the frame that opens it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('yes')", "Yes", show=False),
        Binding("n", "refuse_with_reason", "No", show=False),
        Binding("a", "answer('always')", "Always", show=False),
        Binding("escape", "answer('no')", "No", show=False),
    ]

    class Answered(Message):
        """The person answered the panel ``call_id``."""

        def __init__(self, panel: ApprovalPanel, decision: Decision, note: str) -> None:
            super().__init__()
            self.panel = panel
            self.decision: Decision = decision
            self.note = note

    def __init__(
        self,
        call_id: str,
        title: str,
        reason: str,
        *,
        diff: str | None = None,
        command: str | None = None,
        cwd: str | None = None,
    ) -> None:
        super().__init__(id="approval")
        self.call_id = call_id
        self.title = title
        self.reason = reason
        self.diff = diff
        self.command = command
        self.cwd = cwd
        self.answer: Decision | None = None
        self.border_title = "Approve?"
        # `n` was typed: what follows is the reason, also the keys Textual hands the panel
        # before its `n` binding has mounted the reason's field and given it the focus
        self._reason_requested = False
        self._reason_field: Input | None = None
        self._early_reason = ""  # typed before the field was mounted

    def compose(self):  # type: ignore[no-untyped-def]
        # (few widgets: the panel must paint within a frame or two of the request)
        head = Content.styled(self.title, "bold")
        if self.reason:
            head = Content.assemble(
                head, ("\nwhy asked: ", "$text-muted"), (self.reason, "$text-muted")
            )
        yield Static(head, classes="title", markup=False)
        if self.command is not None:
            body = Content.assemble(("$ ", "dim"), (self.command, "bold"))
            if self.cwd:
                body = Content.assemble(body, ("\nin ", "dim"), self.cwd)
            yield Static(body, classes="command", markup=False)
        elif self.diff:
            yield DiffView(self.diff)
        yield Static(
            Content.assemble(
                ("y", "bold"),
                " yes · ",
                ("n", "bold"),
                " no (+ reason) · ",
                ("a", "bold"),
                " always · ",
                ("esc", "bold"),
                " no · enter does not approve",
            ),
            classes="keys",
        )

    @property
    def asking_reason(self) -> bool:
        return self._reason_requested

    def action_answer(self, decision: Decision) -> None:
        if self.asking_reason:
            if decision == "no":  # esc while typing the reason: refuse with what is typed
                field = self._reason_field
                typed = (field.value if field is not None else "") + self._early_reason
                self._send("no", typed.strip())
            else:  # other keys typed into the reason are text, not answers
                self._reason_text("y" if decision == "yes" else "a")
            return
        self._send(decision, "")

    async def action_refuse_with_reason(self) -> None:
        if self._reason_field is not None:
            self._reason_text("n")  # an `n` in the reason, before its field had the focus
            return
        self._reason_requested = True
        self._reason_field = field = Input(
            placeholder="why not? (sent to the model; enter sends, esc skips)"
        )
        await self.mount(field, before=self.query_one(".keys"))
        field.insert_text_at_cursor(self._early_reason)
        self._early_reason = ""
        field.focus()

    def on_key(self, event: events.Key) -> None:
        # Textual gives a key to the focused widget before it runs a binding of it: keys typed
        # straight after `n` arrive here before the `n` binding has mounted the reason's field
        if not event.is_printable or not event.character:
            return
        if not self.asking_reason:
            self._reason_requested = event.key == "n"
            return
        if self._reason_text(event.character):
            event.stop()
            event.prevent_default()

    def _reason_text(self, text: str) -> bool:
        """``text`` typed into the reason while its field does not have the focus (not yet
        mounted, or mounted and not yet focused): it goes there, not lost or taken as answers."""
        field = self._reason_field
        if not self.asking_reason or (field is not None and field.has_focus):
            return False
        if field is None or not field.is_mounted:
            self._early_reason += text
        else:
            field.insert_text_at_cursor(text)
        return True

    @on(Input.Submitted)
    def reason_given(self, event: Input.Submitted) -> None:
        event.stop()
        self._send("no", event.value.strip())

    def _send(self, decision: Decision, note: str) -> None:
        if self.answer is not None:
            return
        self.answer = decision
        self.post_message(self.Answered(self, decision, note))
