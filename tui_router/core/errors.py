"""Errors meant for a person: the message says what is wrong and where; no traceback is shown.

`did_you_mean` is the one "did you mean" hint every such message uses (config keys, tools, models).
A leaf module: it imports nothing of tui_router.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserFacingError(Exception):
    """Raised for bad input or set-up; the CLI prints ``str(exc)`` and exits with ``exit_code``."""

    exit_code = 2


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` was most probably meant to be, or None.

    Case-insensitive equality first, then close spelling, then a candidate containing the word
    ("haiku" -> "claude-haiku-4-5"), then looser spelling.
    """
    choices = list(dict.fromkeys(candidates))
    lowered = word.lower()
    for choice in choices:
        if choice.lower() == lowered:
            return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    if close:
        return close[0]
    if len(lowered) >= 3:
        for choice in choices:
            if lowered in choice.lower():
                return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return close[0] if close else None
