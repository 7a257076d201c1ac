"""The prompt of a headless command, from its words and stdin.

``-`` among the words stands for stdin, as in ``git diff | tui-router ask "review this" -``: the
words before and after it frame the piped text (a blank line between them). Stdin must be UTF-8
text: binary data or an undecodable byte is one clear error, never a garbled prompt.
"""

from __future__ import annotations

import sys

from tui_router.core.errors import UserFacingError


def read_prompt(words: list[str], *, usage: str) -> str:
    """The prompt ``words`` make, with stdin in the place of a ``-``; ``usage`` says how to give
    one when it comes out empty."""
    if words.count("-") > 1:
        raise UserFacingError("'-' (stdin) can stand in the prompt only once")
    if "-" not in words:
        prompt, where = " ".join(words), "PROMPT"
    else:
        at = words.index("-")
        before, after = " ".join(words[:at]), " ".join(words[at + 1 :])
        piped = _read_stdin()
        if not piped.strip():
            raise UserFacingError(f"stdin is empty: {usage}")
        if after.strip():  # (one blank line between the piped text and the words after it)
            piped = piped.rstrip("\n")
        prompt = "\n\n".join(part for part in (before, piped, after) if part.strip())
        where = "stdin"
    if not prompt.strip():
        raise UserFacingError(f"empty prompt ({where}): {usage}")
    return prompt


def _read_stdin() -> str:
    raw = getattr(sys.stdin, "buffer", None)  # (a replaced sys.stdin may hold text only)
    if raw is None:
        return str(sys.stdin.read())
    data: bytes = raw.read()
    if b"\x00" in data:
        raise UserFacingError("stdin holds binary data (a NUL byte); the prompt must be text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserFacingError(
            f"stdin is not UTF-8 text (undecodable byte at offset {exc.start}); "
            "the prompt must be text"
        ) from None
