"""The terminal driver (`ui/terminal_driver.py`): once the terminal has gone away (its writes
fail), no write waits for room in the writer's queue, and the app leaves as on SIGHUP.

The whole app in a pseudo-terminal that is closed under it: `test_signals.py`."""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread
from ui_support import SESSION_ID, SIZE, make_app, started, wait_for

from tui_router.core.store import Store
from tui_router.ui.terminal_driver import TerminalDriver, TerminalGone, TerminalOutput

DEADLINE_S = 10.0


class FailingTerminal:
    """A terminal's output file whose writes and flushes raise ``error``."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        self.tried: list[str] = []

    def write(self, text: str) -> None:
        self.tried.append(text)
        raise self.error

    def flush(self) -> None:
        raise self.error

    def fileno(self) -> int:
        return 2


@pytest.mark.parametrize("code", [errno.EIO, errno.EPIPE], ids=["EIO", "EPIPE"])
def test_the_writer_keeps_emptying_its_queue_once_the_terminal_is_gone(code: int) -> None:
    """Textual's writer thread ended at the first failed write; its queue then filled, and the
    app's next write (or the writer's stop, as the app closed) waited for room forever."""
    terminal = FailingTerminal(OSError(code, "the terminal is gone"))
    gone: list[bool] = []
    output = TerminalOutput(terminal, lambda: gone.append(True))  # type: ignore[arg-type]
    writer = WriterThread(output)  # type: ignore[arg-type]
    writer.start()

    def write_a_lot_then_stop() -> None:
        for n in range(MAX_QUEUED_WRITES * 4):
            writer.write(f"frame {n}")
        writer.stop()

    app_side = threading.Thread(target=write_a_lot_then_stop, daemon=True)
    app_side.start()
    app_side.join(timeout=DEADLINE_S)
    assert not app_side.is_alive(), "a write waited for room in the writer's queue"
    assert not writer.is_alive()
    assert output.gone and gone == [True]  # told once
    assert terminal.tried == ["frame 0"]  # the rest were dropped, not tried


def test_a_full_non_blocking_terminal_is_not_gone() -> None:
    terminal = FailingTerminal(BlockingIOError(errno.EAGAIN, "try again"))
    output = TerminalOutput(terminal, lambda: pytest.fail("told the terminal was gone"))  # type: ignore[arg-type]
    output.write("a")
    output.flush()
    output.write("b")
    assert not output.gone and terminal.tried == ["a", "b"]


@pytest.mark.skipif(sys.platform == "win32", reason="Textual's Linux/macOS driver")
def test_the_app_runs_on_the_terminal_driver(tmp_path: Path) -> None:
    assert make_app(tmp_path).driver_class is TerminalDriver


async def test_the_terminal_gone_ends_the_app_as_sighup_does(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.post_message(TerminalGone())
        await wait_for(pilot, lambda: not app.is_running, "the app to leave")
    assert app.exit_signal == signal.SIGHUP
    with Store() as store:
        session = store.get_session(SESSION_ID)
    assert session is not None and session.ended_at is not None


@pytest.mark.skipif(sys.platform == "win32", reason="Textual's Linux/macOS driver")
async def test_only_the_sigcont_after_its_own_suspend_restarts_application_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hangup sends the session's leader SIGCONT too: Textual's driver started application
    mode again on the dead terminal (a second writer and input thread), which hung the app."""
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # (not this process's handlers)
    driver = TerminalDriver(make_app(tmp_path))
    resumed: list[bool] = []
    monkeypatch.setattr(driver, "resume_application_mode", lambda: resumed.append(True))
    driver._sigcont_application(signal.SIGCONT, None)  # a hangup's, or `kill -CONT`
    assert resumed == []
    driver._must_signal_resume = True  # what its SIGTSTP handler (ctrl+z) sets before stopping
    driver._sigcont_application(signal.SIGCONT, None)
    assert resumed == [True]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
async def test_keys_still_queued_do_not_hold_up_a_signal(
    server, tmp_path: Path, signum: int
) -> None:
    """A paste typed out key by key (a terminal without bracketed paste) queues thousands of
    keys, each an edit of the prompt, and Textual handles a widget's queued messages without
    letting the event loop run: a SIGTERM or a hangup behind them waited for every one
    (minutes for 20,000 keys; the app looked hung and ignored the signal). The app lets the
    loop run between queued keys, and once it is leaving the keys still queued are dropped."""
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one("#prompt")
        prompt.focus()
        await pilot.pause()
        keys = 3000
        for _ in range(keys):
            key = events.Key("x", "x")
            key.set_sender(app)
            app.post_message(key)
        os.kill(os.getpid(), signum)  # the app's handler runs on the event loop, when it can
        await wait_for(pilot, lambda: not app.is_running, "the app to leave")
        typed = len(prompt.text)  # type: ignore[attr-defined]
    assert app.exit_signal == signum
    assert typed < 100, f"{typed} of the {keys:,} queued keys were typed before the app left"
