"""Where a key sits in TOML text: tomllib reports positions only for syntax errors.

Owns `locate` (the line that defines a dotted key, or a value inside it) and `dotted` (a key path
spelled as TOML spells it), used to point config errors at a line.
"""

from __future__ import annotations

import re

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_KEY_PART = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_HEADER = re.compile(rf"^\[\[?\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]\]?")
_KEY_VALUE = re.compile(rf"^({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def dotted(*parts: str) -> str:
    """A key path as written in TOML: ``prices."gpt-5.1".input``."""
    return ".".join(p if _BARE_KEY.match(p) else f'"{p}"' for p in parts)


def _split_key(key: str) -> list[str]:
    return [a or b or c for a, b, c in re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', key)]


def locate(text: str, parts: tuple[str, ...], value: str | None = None) -> int | None:
    """The 1-based line that defines ``parts`` (or its longest defined prefix) in TOML ``text``.

    With ``value``, the line of that quoted string inside the key's value (multi-line arrays).
    A best effort: keys inside inline tables are found through their outermost key.
    """
    table: list[str] = []
    best_line, best_len, exact_line = None, 0, None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        header = _HEADER.match(stripped)
        if header:
            table = _split_key(header.group(1))
            path = table
        else:
            key_value = _KEY_VALUE.match(stripped)
            if not key_value:
                continue
            path = table + _split_key(key_value.group(1))
        common = 0
        for have, want in zip(path, parts, strict=False):
            if have != want:
                break
            common += 1
        if common == len(parts) and len(path) == len(parts):
            exact_line = number
            break
        if common > best_len and common == len(path):
            best_line, best_len = number, common
    if exact_line is None:
        return best_line
    if value is not None:
        for number in range(exact_line, len(lines) + 1):
            line = lines[number - 1]
            if number > exact_line and _HEADER.match(line.strip()):
                break
            if f'"{value}"' in line or f"'{value}'" in line:
                return number
    return exact_line
