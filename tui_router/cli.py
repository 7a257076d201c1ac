"""Command-line entry point: `tui-router [SUBCOMMAND]`.

Each subcommand lives in `tui_router.commands.<name>` with ``add_parser(subparsers)`` and
``run(args) -> int``. Modules are imported only when their command runs, so `--help` and the TUI's
first frame do not pay for the SDKs. The TUI (no subcommand) is the only one that imports textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tui_router import __version__
from tui_router.core.errors import UserFacingError

#: subcommand name -> (module under tui_router.commands, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "tui": ("tui", "start the interactive app (the default)"),
    "ask": ("ask", "ask one question headless and stream the answer"),
    "models": ("models", "list the models by tier with prices"),
    "sessions": ("sessions", "list recorded sessions"),
    "report": ("report", "cost report of a session (or the routing review)"),
    "stats": ("stats", "spend, baseline and savings over all sessions (by day, model, tier, ...)"),
    "prices": ("prices", "the price data in use; load a newer genai-prices data file"),
    "route": ("route", "show the routing decision for a prompt without calling a model"),
    "rules": ("rules", "print the routing rules in force"),
    "eval": ("eval", "replay routing strategies on recorded model outcomes"),
    "config": ("config", "show, check or locate the config file"),
    "undo": ("undo", "restore the files an agent turn changed (its checkpoint)"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand's module is imported.

    Every subcommand stays listed (so `--help` and "invalid choice" messages are whole), but the
    others get no arguments: importing all nine command modules costs ~20 ms on every start,
    which the TUI's first frame would pay for nothing.
    """
    parser = argparse.ArgumentParser(
        prog="tui-router",
        description="A terminal coding assistant that sends each prompt to the cheapest model "
        "that can handle it well. Without a subcommand it starts the interactive app.",
        # the app's own options work without `tui` too: list the ones people reach for
        epilog="The app's options also work without the `tui` subcommand: -c/--continue, "
        "-r/--resume [SESSION_ID], --model MODEL, --tier TIER, --mode MODE, --cwd DIR "
        "(tui-router tui --help describes them).",
    )
    parser.add_argument("--version", action="version", version=f"tui-router {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            importlib.import_module(f"tui_router.commands.{module_name}").add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # No subcommand (or only TUI options such as --resume/--model) means the TUI.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["tui", *argv]
    parser = build_parser(only=argv[0] if argv and argv[0] in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    module = importlib.import_module(f"tui_router.commands.{SUBCOMMANDS[args.command][0]}")
    try:
        return int(module.run(args) or 0)
    except UserFacingError as exc:
        print(f"tui-router: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if type(exc).__module__ != "sqlite3":  # (not imported here: the TUI's start pays for it)
            raise
        # a history-database problem no command turned into a message of its own
        print(
            f"tui-router: the history database failed ({exc}); check its folder's permissions "
            "and free space, or set TUI_ROUTER_HOME to another folder",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
