"""The command line run in the test's own process: `tui_router.cli.main(argv)` with its own stdin,
stdout, stderr and environment, giving what a subprocess would (exit code, both outputs).

A subprocess costs ~2 s here, most of it importing the SDKs again; in-process they are imported
once per test process. What a fresh process would not carry over is reset around each run: the
environment changes are undone, the price data in use is forgotten (a price file written into
this test's home must be read), and nothing the command printed reaches the next run.
The real-process behaviours (exit on a signal, the console script, a second process reading what
the first wrote) keep their subprocess tests (test_signals.py, test_cli_basics.py, test_cli_ask.py).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class CliResult:
    """What one run left: the exit code and everything written to stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


def forget_price_data() -> None:
    """Drop the process's cached price data (a new process would read the home's file again)."""
    pricing = sys.modules.get("tui_router.core.pricing")
    if pricing is not None:
        pricing.reset_price_data()


def _exit_code(exc: SystemExit) -> tuple[int, str]:
    """The status ``raise SystemExit(code)`` gives a process, and what Python prints for it."""
    if exc.code is None:
        return 0, ""
    if isinstance(exc.code, int):
        return exc.code, ""
    return 1, f"{exc.code}\n"


class _Output(io.TextIOWrapper):
    """A text stream over bytes (commands may write to ``.buffer``), not a terminal."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="\n", write_through=True)

    def text(self) -> str:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue().decode("utf-8", errors="replace")


class Cli:
    """Run ``tui-router ARGV...`` in-process: ``cli("ask", "--json", "hi", env={...}, stdin=b"")``.

    ``env`` changes the environment for this run only (``None`` removes a variable); the test's
    own environment (conftest: its TUI_ROUTER_HOME, no provider keys) is the base, as it is for a
    subprocess started with ``os.environ``. stdin is empty unless given (not a terminal, as
    ``subprocess.run(..., capture_output=True)`` with input). An exception the command lets out
    fails the test with its traceback, where a subprocess would have printed one.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def __call__(
        self, *argv: str, env: Mapping[str, str | None] | None = None, stdin: bytes = b""
    ) -> CliResult:
        from tui_router.cli import main

        out, err = _Output(), _Output()
        forget_price_data()
        with self._monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's errors and --help / --version
                code, message = _exit_code(exc)
                err.write(message)
        forget_price_data()
        return CliResult(code, out.text(), err.text())


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The in-process command line (see `Cli`)."""
    yield Cli(monkeypatch)
    forget_price_data()
