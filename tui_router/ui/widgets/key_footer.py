"""The footer of key bindings, drawn as one line by one widget.

Textual's `Footer` is a scrolling container of one widget per key (8 here), each styled,
measured, arranged and rendered on its own, mounted after the first frame and again when the
keys change: ~30% of the Python calls an app made from its start to an idle screen
(`benchmarks/ui_start_calls.py`). This footer draws the same cells (the keys' colours, the command
palette's key on the right behind its keyline, the hovered key's background, a disabled key's
dim) from the same theme variables, and redraws only when the keys it shows change: a focus move
that leaves them as they were costs nothing.

**Decided:** this footer does not scroll sideways. When the keys do not all fit it shows whole keys
only, never one cut at the palette's key as Textual's footer does before it is scrolled (`^b S▏`):
the keys of the actions it was told to keep (the main screen's quit and help) first, then the
palette's key, then the others in their order, each that still fits; those shown keep their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

from tui_router.ui.widgets.layered_style import LayeredStyleWidget, fill

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen


@dataclass(frozen=True)
class ShownKey:
    """One key in the footer, as Textual's footer would show it."""

    key: str  # what a click presses
    display: str  # how the key is written (``^q``)
    description: str
    enabled: bool
    tooltip: str
    palette: bool = False  # the command palette's key, on the right
    action: str = ""  # the binding's action (what `KeyFooter(keep=...)` names)


class KeyFooter(LayeredStyleWidget, can_focus=False):
    """The screen's key bindings on one line; a click on a key presses it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--item",
        "key-footer--hover",
        "key-footer--disabled",
        "key-footer--key",
        "key-footer--description",
        "key-footer--keyline",
    }
    # The values of Textual's footer (its `Footer` and `FooterKey` CSS), so that a theme which
    # sets the footer's variables looks the same.
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--item { background: $footer-item-background; }
        .key-footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-footer--disabled { text-style: dim; }
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--keyline { color: $foreground 20%; }
    }
    """

    def __init__(self, *, keep: Iterable[str] = ()) -> None:
        """
        Args:
            keep: actions whose keys stay shown when not all keys fit (before the palette's).
        """
        super().__init__()
        self.keep = frozenset(keep)
        self.keys: tuple[ShownKey, ...] = ()
        self._hover: ShownKey | None = None
        self._places: list[tuple[int, int, ShownKey]] = []  # (start x, end x, key) as drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.show_keys(self.keys_shown(self.screen))

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def keys_shown(self, screen: Screen[object]) -> tuple[ShownKey, ...]:
        """The keys ``screen``'s bindings put in the footer, in order (the palette's last)."""
        app = screen.app
        active = screen.active_bindings
        keys: list[ShownKey] = []
        actions: set[str] = set()  # the first key of each action, as Textual's footer shows

        def shown(binding: Binding, enabled: bool, tooltip: str, palette: bool = False) -> ShownKey:
            display = app.get_key_display(binding)
            return ShownKey(
                binding.key, display, binding.description, enabled, tooltip, palette, binding.action
            )

        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(shown(binding, enabled, tooltip))
        palette = app.COMMAND_PALETTE_BINDING
        if app.ENABLE_COMMAND_PALETTE and palette in active:
            _, binding, enabled, _ = active[palette]
            keys.append(shown(binding, enabled, binding.tooltip or binding.description, True))
        return tuple(keys)

    def bindings_changed(self, screen: Screen[object]) -> None:
        # as Textual's footer: not while the terminal has no focus (bindings then change and
        # change back), and only for the screen this footer is on
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            self.show_keys(self.keys_shown(screen))

    def show_keys(self, keys: tuple[ShownKey, ...]) -> None:
        """Show ``keys``; the same keys as shown are not drawn again."""
        if keys != self.keys:
            self.keys = keys
            self._hover = None
            self.refresh()

    # -- drawing ------------------------------------------------------------------------------

    def _style(self, part: str, key: ShownKey) -> Style:
        """The style of ``part`` (key, description, item) of ``key``: the footer's own, under
        the key's (hovered, disabled), under the part's."""
        layers = ["key-footer--item"]
        if key is self._hover:
            layers.append("key-footer--hover")
        if not key.enabled:
            layers.append("key-footer--disabled")
        if part != "item":
            layers.append(f"key-footer--{part}")
        return self.layered(*layers)

    def _draw(self, key: ShownKey) -> list[Segment]:
        if key.palette:  # Textual draws it compact, behind a keyline, one cell from the edge
            # (a border's colour is blended over the background under the key, not the key's)
            keyline = (
                self.background_colors[1] + self.get_component_styles("key-footer--keyline").color
            )
            item = self._style("item", key)
            return [
                Segment("▏", Style.from_color(keyline.rich_color, item.bgcolor)),
                Segment(key.display, self._style("key", key)),
                Segment(f" {key.description}", self._style("description", key)),
                Segment(" ", fill(item)),
            ]
        return [
            Segment(f" {key.display} ", self._style("key", key)),
            Segment(f"{key.description} ", self._style("description", key)),
        ]

    def fitting(self, lengths: dict[ShownKey, int], width: int) -> list[ShownKey]:
        """The keys shown on ``width`` columns (``lengths``: each key's, as drawn), in their order:
        all when they fit, else whole keys only (see the module's note)."""
        if sum(lengths[key] for key in self.keys) <= width:
            return list(self.keys)
        ranked = [k for k in self.keys if not k.palette and k.action in self.keep]
        ranked += [k for k in self.keys if k.palette]
        ranked += [k for k in self.keys if k not in ranked]
        chosen: set[ShownKey] = set()
        room = width
        for key in ranked:
            if lengths[key] > room:
                continue  # a shorter one after it may fit
            chosen.add(key)
            room -= lengths[key]
        return [key for key in self.keys if key in chosen]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        blank = fill(self.rich_style)
        drawn = {key: self._draw(key) for key in self.keys}
        lengths = {key: Segment.get_line_length(segments) for key, segments in drawn.items()}
        places: list[tuple[int, int, ShownKey]] = []
        left: list[Segment] = []
        palette: list[Segment] = []
        palette_key: ShownKey | None = None
        x = 0
        for key in self.fitting(lengths, width):
            if key.palette:
                palette, palette_key = drawn[key], key
                continue
            left.extend(drawn[key])
            places.append((x, x + lengths[key], key))
            x += lengths[key]
        start = width - Segment.get_line_length(palette)
        line = Segment.adjust_line_length(left, start, blank)
        if palette_key is not None:
            line.extend(palette)
            places.append((start, width, palette_key))
        self._places = places
        return Strip(line, width)

    # -- the mouse ----------------------------------------------------------------------------

    def key_at(self, x: int) -> ShownKey | None:
        """The key drawn at column ``x`` (as last drawn), if any."""
        for start, end, key in self._places:
            if start <= x < end:
                return key
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, key: ShownKey | None) -> None:
        if key is not self._hover:
            self._hover = key
            self.tooltip = (key.tooltip or None) if key is not None else None
            self.styles.pointer = "pointer" if key is not None else "default"
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
