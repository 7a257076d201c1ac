"""The style of text a widget draws itself inside its component classes.

A widget that draws several pieces in one (`KeyFooter`'s keys, `ModelSidebar`'s rows) instead
of one widget each still has to show the cells those widgets showed: each piece's style is the
widget's own with the piece's component classes over it, backgrounds blended and colours
replaced as Textual blends a widget's style over its ancestors' (`DOMNode.rich_style`).
`LayeredStyleWidget` keeps those styles per set of layers until its styles change (a theme).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from textual.color import Color
from textual.widget import Widget


def layered_style(widget: Widget, layers: Sequence[str]) -> Style:
    """The Rich style of text ``widget`` draws inside ``layers``, its component classes,
    outermost first (a row, then its hover, then the part of the row): `DOMNode.rich_style`'s
    fold over the widget's ancestors, carried on over the layers."""
    background = Color(0, 0, 0, 0)
    color = Color(255, 255, 255, 0)
    text = Style()
    opacity = 1.0
    folded = [node.styles for node in reversed(widget.ancestors_with_self)]
    folded += [widget.get_component_styles(name) for name in layers]
    for styles in folded:
        opacity *= styles.opacity
        if styles.has_rule("background"):
            tinted = styles.background.tint(styles.background_tint)
            text_background = background + tinted
            background += tinted.multiply_alpha(opacity)
        else:
            text_background = background
        if styles.has_rule("color"):
            color = styles.color
        text += styles.text_style
        if styles.has_rule("auto_color") and styles.auto_color:
            color = text_background.get_contrast_text(color.a)
    return text + Style.from_color(
        (background + color).rich_color if (background.a or color.a) else None,
        background.rich_color if background.a else None,
    )


def fill(style: Style) -> Style:
    """The style of padding around text in ``style``: its background alone, as Textual paints
    a widget's padding."""
    return Style.from_color(bgcolor=style.bgcolor)


class LayeredStyleWidget(Widget):
    """A widget that draws its pieces in `layered_style`s, each worked out once per theme."""

    def __init__(self) -> None:
        super().__init__()
        self._layered: dict[tuple[str, ...], Style] = {}

    def layered(self, *layers: str) -> Style:
        """`layered_style` of this widget and ``layers``, from the cache when it has it."""
        if layers not in self._layered:
            self._layered[layers] = layered_style(self, layers)
        return self._layered[layers]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._layered.clear()  # a new theme: the colours are resolved again
