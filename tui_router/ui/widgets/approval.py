"""The approval panel: a tool call waiting for the person's yes, docked above the prompt.

It shows what the call would do — the unified diff of an edit, coloured (+ green, − red, hunk
headers), or the exact command and the folder it runs in — and why it asks (the permission
check's reason). Keys: ``y`` yes, ``n`` no (a one-line reason for the model can be typed; enter
sends the refusal), ``a`` always for this session, esc no. Enter never approves. The answer
goes out as an `ApprovalPanel.Answered` message; the turn flow sets the core's future.

One panel per screen, mounted hidden when the session opens and filled in place for each call
that asks (`ApprovalPanel.ask`): opening it mounts and styles no widget, which was a third of
the time from the request to the painted panel (benchmarks/ui_approval.py).
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
from textual.widget import Widget
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


#: The pseudo classes a change of focus turns on or off.
FOCUS_PSEUDO_CLASSES = frozenset({"focus", "blur", "focus-within"})


def focus_styles_reach(widget: Widget) -> bool:
    """Whether a rule of the app's stylesheet that depends on the focus could style ``widget``
    or a widget in it: Textual's own first test of a rule against a node (the rule's last
    selector names one of the node's types, classes or id, or is ``*``)."""
    names: set[str] = set()
    for node in widget.walk_children(with_self=True):
        names |= node._selector_names
    return any(
        rule.selector_names & names
        for rule in widget.app.stylesheet.rules
        if not FOCUS_PSEUDO_CLASSES.isdisjoint(rule.pseudo_classes)
    )


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
    #: Rows of diff shown at most (the panel may give it fewer: `ApprovalPanel.fit_diff`).
    MOST_ROWS: ClassVar[int] = 20

    DEFAULT_CSS = """
    DiffView {
        height: auto;
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

    def __init__(self, diff: str = "") -> None:
        super().__init__()
        self.lines: list[str] = []
        self.kinds: list[DiffKind] = []
        #: rows shown at most now (`cap_rows`); more lines scroll
        self.max_rows = self.MOST_ROWS
        self.styles.max_height = self.max_rows
        self.show_diff(diff)

    def cap_rows(self, rows: int) -> None:
        """Show at most ``rows`` rows (at most `MOST_ROWS`); more lines scroll."""
        rows = min(rows, self.MOST_ROWS)
        if rows != self.max_rows:
            self.max_rows = rows
            self.styles.max_height = rows

    def show_diff(self, diff: str) -> None:
        """Show ``diff`` from its first line ("" shows nothing and frees the last one)."""
        raw = diff.rstrip("\n").split("\n") if diff else []
        self.lines = [line.expandtabs(4) for line in raw]
        self.kinds = [diff_kind(line) for line in self.lines]
        width = max((len(line) for line in self.lines), default=0)
        self.virtual_size = Size(width + 1, len(self.lines))
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh(layout=True)

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


KEYS = Content.assemble(
    ("y", "bold"),
    " yes · ",
    ("n", "bold"),
    " no (+ reason) · ",
    ("a", "bold"),
    " always · ",
    ("esc", "bold"),
    " no · enter does not approve",
)
KEYS_SCROLL = Content.assemble(KEYS, " · ", ("↑↓", "bold"), " scroll")


class ApprovalPanel(Vertical, can_focus=True):
    """The tool call waiting for a yes: shown and focused while it waits; answers once per call.

    Hidden between calls (``display`` off: a hidden widget is neither laid out nor painted).
    """

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
    ApprovalPanel > .keys { color: $text-muted; dock: bottom; }
    /* with :focus too: Textual's `Input:focus` border outranks a rule without it, and on a
       one-row field it left no row for the text (the reason was typed blind) */
    ApprovalPanel > Input, ApprovalPanel > Input:focus { height: 1; border: none; padding: 0 1; }
    """

    # Not in the footer: the panel lists its keys in its own last line, and keys that come and
    # go with the panel would rebuild the footer on the frame that opens it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('yes')", "Yes", show=False),
        Binding("n", "refuse_with_reason", "No", show=False),
        Binding("a", "answer('always')", "Always", show=False),
        Binding("escape", "answer('no')", "No", show=False),
        Binding("up", "scroll_diff(-1)", "Scroll up", show=False),
        Binding("down", "scroll_diff(1)", "Scroll down", show=False),
    ]

    class Answered(Message):
        """The person answered the call ``call_id`` (the panel may be asking about the next
        one when this arrives)."""

        def __init__(self, call_id: str, decision: Decision, note: str) -> None:
            super().__init__()
            self.call_id = call_id
            self.decision: Decision = decision
            self.note = note

    def __init__(self) -> None:
        super().__init__(id="approval")
        self.display = False
        self.call_id = ""
        self.title = ""
        self.reason = ""
        self.diff: str | None = None
        self.command: str | None = None
        self.cwd: str | None = None
        self.answer: Decision | None = None
        self.border_title = "Approve?"
        # `n` was typed: what follows is the reason, also the keys Textual hands the panel
        # before its `n` binding has mounted the reason's field and given it the focus
        self._reason_requested = False
        self._reason_field: Input | None = None
        self._early_reason = ""  # typed before the field was mounted
        self._head = Static("", classes="title", markup=False)
        self._command = Static("", classes="command", markup=False)
        self._diff = DiffView()
        self._command.display = self._diff.display = False
        # docked at the panel's foot: whatever the panel's height cuts, it is never this line
        self._keys = Static(KEYS, classes="keys")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._command
        yield self._diff
        yield self._keys

    def watch_has_focus(self, has_focus: bool) -> None:
        # Textual restyles a widget and all in it when it gains or loses the focus (~3 ms
        # here); no rule of the shipped styles depends on this panel's focus, so that
        # restyle would only delay the panel's first frame. A theme that adds one gets it.
        if focus_styles_reach(self):
            self.update_node_styles()

    @property
    def asking(self) -> bool:
        """Shown, and not yet answered."""
        return self.display and self.answer is None

    def ask(
        self,
        call_id: str,
        title: str,
        reason: str,
        *,
        diff: str | None = None,
        command: str | None = None,
        cwd: str | None = None,
        always: str = "",
    ) -> None:
        """Show the call ``call_id``, waiting for its answer (the caller gives it the focus).

        ``always`` says what `a` would allow for the rest of the session ("commands starting
        with 'pytest'", "every edit_file call"): said before the key is pressed, not after."""
        self.call_id, self.title, self.reason = call_id, title, reason
        self.diff, self.command, self.cwd = diff, command, cwd
        self.answer = None
        self._reason_requested = False
        self._early_reason = ""
        head = Content.styled(title, "bold")
        if reason:
            head = Content.assemble(head, ("\nwhy asked: ", "$text-muted"), (reason, "$text-muted"))
        if always:
            head = Content.assemble(
                head, ("\na", "bold"), (f" always: {always}, this session", "$text-muted")
            )
        self._head.update(head)
        if command is not None:
            body = Content.assemble(("$ ", "dim"), (command, "bold"))
            if cwd:
                body = Content.assemble(body, ("\nin ", "dim"), cwd)
            self._command.update(body)
        self._command.display = command is not None
        self._diff.display = command is None and bool(diff)
        self._diff.show_diff((diff or "") if command is None else "")
        self.display = True
        self._show_keys()
        self.call_after_refresh(self.fit_diff)

    def on_resize(self) -> None:
        self.fit_diff()

    def fit_diff(self) -> None:
        """Give the diff the rows the panel's max-height leaves it (at most `DiffView.MOST_ROWS`).

        The diff is as tall as its lines, and the panel at most 70% of the column; in a small
        window the two did not fit, and the panel cut off the diff's last lines (out of reach:
        the diff did not know it was cut, so it did not scroll) and the line of keys below it.
        Here the diff gets what is left after the panel's other rows, and scrolls (↑↓, the
        wheel) when its lines need more.
        """
        limit, column = self.styles.max_height, self.parent
        if not self.display or limit is None or not self._diff.display:
            return
        if not isinstance(column, Widget):
            return
        most = int(limit.resolve(column.content_size, self.app.size)) - self.styles.gutter.height
        others = sum(
            child.outer_size.height
            for child in self.children
            if child is not self._diff and child.display
        )
        self._diff.cap_rows(max(1, most - others))
        self._show_keys()

    def _show_keys(self) -> None:
        """The keys line, with "↑↓ scroll" when the diff has more lines than it shows."""
        diff = self._diff
        keys = KEYS_SCROLL if diff.display and len(diff.lines) > diff.max_rows else KEYS
        if self._keys.content is not keys:  # an update lays the line out again
            self._keys.update(keys)

    def action_scroll_diff(self, lines: int) -> None:
        if self._diff.display and not self.asking_reason:
            self._diff.scroll_relative(y=lines, animate=False, immediate=True)

    async def close(self) -> None:
        """Hide the panel until the next call asks; drop the reason's field and the diff."""
        self.display = False
        self._diff.show_diff("")
        field, self._reason_field = self._reason_field, None
        if field is not None:
            await field.remove()

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
        self.call_after_refresh(self.fit_diff)  # the field takes a row

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
        self.post_message(self.Answered(self.call_id, decision, note))
