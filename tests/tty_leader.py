"""Run tui-router as the leader of a session whose controlling terminal is the pseudo-terminal
on stdin (as when a terminal window or a multiplexer runs it directly: a hangup sends it SIGHUP
and SIGCONT, and its writes then fail with EIO), and note in a file how it ended.

    python tests/tty_leader.py NOTES_FILE [tui-router arguments...]

Once the terminal is gone the app cannot show an error on it, so every error the app meets
(an exception it handles by exiting, a panic, an exception out of `main`) and the exit code
are written to NOTES_FILE, for the test to show when the exit is not the one it expects.
"""

from __future__ import annotations

import fcntl
import sys
import termios
import traceback
from typing import Any

from textual.app import App

from tui_router.cli import main

fcntl.ioctl(0, termios.TIOCSCTTY, 0)
notes_path, *arguments = sys.argv[1:]
notes = open(notes_path, "a", encoding="utf-8")  # noqa: SIM115  (open until the process ends)


def note(text: str) -> None:
    notes.write(text + "\n")
    notes.flush()


handle_exception = App._handle_exception
panic = App.panic


def _handle_exception(self: App[Any], error: Exception) -> None:
    note("the app's error:\n" + "".join(traceback.format_exception(error)))
    handle_exception(self, error)


def _panic(self: App[Any], *renderables: Any) -> None:
    note(f"the app's panic: {renderables!r}")
    panic(self, *renderables)


App._handle_exception = _handle_exception  # type: ignore[method-assign]
App.panic = _panic  # type: ignore[method-assign]
try:
    code = main(arguments)
except BaseException as error:
    note("out of main:\n" + "".join(traceback.format_exception(error)))
    raise
note(f"exit code {code}")
sys.exit(code)
