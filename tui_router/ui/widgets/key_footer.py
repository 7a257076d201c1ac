"""The footer of key bindings, rebuilt only when the keys it shows change.

Textual's `Footer` removes and mounts all its keys (~12 widgets, each styled anew) whenever the
screen's bindings may have changed: every focus change, every `refresh_bindings`. Most of those
leave the shown keys as they were — the prompt and the approval panel show no keys of their own
there (the panel lists its keys in its own line) — yet the rebuild costs ~12 ms on 2 cores, on the
frame that opens an approval panel or follows a key. This footer compares what it would show
with what it shows and rebuilds only when they differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

#: What one shown key looks like in the footer (a change in any of it needs a rebuild).
KeyShown = tuple[str, str, str, bool, str]


class KeyFooter(Footer):
    """A `Footer` that skips rebuilds which would show the same keys."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[KeyShown, ...] | None = None

    def keys_shown(self, screen: Screen[object]) -> tuple[KeyShown, ...]:
        """The keys ``screen``'s bindings would put in the footer, in order."""
        palette = screen.app.COMMAND_PALETTE_BINDING  # shown on the right, whatever its `show`
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip or "")
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = self.keys_shown(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
