"""ctrl+l: fuzzy search over the catalog; enter switches, esc closes. Dismisses with a model id."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_router.ui import format as fmt
from tui_router.ui.widgets.sidebar import ModelRow


class ModelPicker(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 80; max-width: 90%; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ModelPicker .title { text-style: bold; padding: 0 0 1 0; }
    ModelPicker OptionList { height: auto; max-height: 20; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_picker", "Close"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, rows: list[ModelRow], current: str | None) -> None:
        super().__init__()
        self.rows = rows
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "Switch model — type to filter, enter to pick, esc to close", classes="title"
            )
            yield Input(placeholder="model or tier…", id="filter")
            yield OptionList(id="models")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one("#models", OptionList)
        options.clear_options()
        matcher = Matcher(query) if query else None
        scored: list[tuple[float, ModelRow]] = []
        for row in self.rows:
            haystack = f"{row.id} {row.tier}"
            score = matcher.match(haystack) if matcher else 1.0
            if score > 0:
                scored.append((score, row))
        if matcher:
            scored.sort(key=lambda pair: -pair[0])
        for _score, row in scored:
            options.add_option(Option(self._label(row), id=row.id))
        if options.option_count:
            options.highlighted = 0

    def _label(self, row: ModelRow) -> Text:
        text = Text()
        text.append("● " if row.id == self.current else "  ")
        text.append(row.id, style="bold" if row.available else "dim")
        text.append(f"  {row.tier}", style="italic")
        rates = f"{fmt.rate(row.input_rate)} in / {fmt.rate(row.output_rate)} out per MTok"
        text.append(f"  {rates} · {fmt.context_window(row.context_window)}", style="dim")
        if not row.available:
            text.append(f"  ({row.availability})", style="dim")
        return text

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _submit(self) -> None:
        options = self.query_one("#models", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#models")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one("#models", OptionList)
        if not options.option_count:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
