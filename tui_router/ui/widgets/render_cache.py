"""Letting go of the rendered lines of widgets that have left the screen.

Textual memoises `StylesCache.get_inner_outer` with `functools.lru_cache(1024)` on the method, so
each key holds the *instance*: a widget's styles cache — and every rendered line in it, each
`Strip` with its own caches — stays alive after the widget is removed, until 1,024 newer keys push
it out. A chat that trims old answers therefore kept the lines of up to ~1,000 removed widgets
(in the test suite, ~160,000 of those caches after 24 apps, a quarter of its CPU spent walking
them in full collections).

The memo is a pair of colours worked out from two others: clearing it after widgets leave costs
one cheap recomputation per widget on the next frame.
"""

from __future__ import annotations

from textual._styles_cache import StylesCache


def release_removed() -> None:
    """Drop what Textual's colour memo holds of widgets that were removed from the screen."""
    StylesCache.get_inner_outer.cache_clear()
