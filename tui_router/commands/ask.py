"""`tui-router ask` (not built yet)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("tui-router ask: not available yet", file=sys.stderr)
    return 2
