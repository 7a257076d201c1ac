"""The terminal driver: Textual's own for Linux and macOS, made to let go of a terminal that has
gone away (its window closed, its multiplexer's server killed, the ssh link dropped).

A closed terminal hangs up its tty: from then on every write to it fails (EIO), and the kernel
sends the session's leader (`tui-router` itself when the terminal runs it directly) SIGHUP and
then SIGCONT. Textual's driver took that SIGCONT for a return from ctrl+z and started
application mode again on the dead terminal: a second writer thread and a second input thread,
the first ones left behind. The new writer's first write failed, and Textual's writer thread
ends at the first failed write while its queue (30 writes) stays: the app's next writes filled
it, and the next one (at the latest the writer's stop, as the app closes) waited for room
forever. The app hung at its exit, every thread asleep, its signal handlers already gone, the
session never ended.

So here a SIGCONT starts application mode again only after the driver's own suspend (ctrl+z);
and the writer thread writes through `TerminalOutput`, which takes a failed write for the
terminal gone: that write and all later ones are dropped (the thread keeps emptying its queue,
so no write waits for room) and the app is sent `TerminalGone`, once. It leaves as on SIGHUP,
which may never come: a hangup signals only the session's leader and its foreground group.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message


class TerminalGone(Message):
    """The terminal has gone away: writes to it fail (sent to the app once)."""


class TerminalOutput:
    """The terminal's output file as the writer thread sees it: once a write or flush fails
    (EIO after a hangup, EPIPE), everything is dropped and ``on_gone`` is called, once."""

    def __init__(self, file: IO[str], on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def write(self, text: str) -> None:
        if not self.gone:
            self._try(self._file.write, text)

    def flush(self) -> None:
        if not self.gone:
            self._try(self._file.flush)

    def fileno(self) -> int:
        return self._file.fileno()

    def _try(self, call: Callable[..., object], *args: Any) -> None:
        try:
            call(*args)
        except BlockingIOError:  # a non-blocking terminal that is full: it is still there
            pass
        except (OSError, ValueError):  # (ValueError: the file was closed)
            self.gone = True
            self._on_gone()


class TerminalDriver(LinuxDriver):
    """`LinuxDriver` that survives its terminal going away, and tells the app (`TerminalGone`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output = TerminalOutput(sys.__stderr__, self._output_gone)  # type: ignore[arg-type]
        self._file = self.output  # type: ignore[assignment]  # what Textual's writer writes to

    def _sigcont_application(self, *_: Any) -> None:
        # Only the SIGCONT that ends the driver's own suspend (its SIGTSTP handler sets the flag
        # before it stops the process) restarts application mode. Any other (a hangup's, or
        # `kill -CONT` after someone else's SIGSTOP) finds application mode still on.
        if self._must_signal_resume:
            super()._sigcont_application()

    def _output_gone(self) -> None:
        """(On the writer thread.) Tell the app, on its event loop."""
        with contextlib.suppress(RuntimeError):  # the loop has closed: the app has ended anyway
            self._loop.call_soon_threadsafe(self._app.post_message, TerminalGone())
