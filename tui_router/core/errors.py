"""Errors meant for a person: the message says what is wrong and where; no traceback is shown."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised for bad input or set-up; the CLI prints ``str(exc)`` and exits with ``exit_code``."""

    exit_code = 2
