"""Counts in words: "1 file", "3 files" (one helper for the core's messages and the UI's)."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """1 -> "1 turn"; 3 -> "3 turns"; 1200 -> "1,200 turns"; ``plural`` when it is not
    ``noun + "s"`` ("match", "matches")."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
