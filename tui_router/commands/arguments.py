"""Argument types shared by the subcommands (argparse turns their errors into one usage line)."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def model_id(text: str) -> str:
    """A ``--model`` value: an empty one is an error, not "let the router choose"."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty: give a model id (`tui-router models` lists them)")
    return text.strip()
