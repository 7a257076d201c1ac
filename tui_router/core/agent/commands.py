"""`run_command`'s machinery: a shell command in its own process group, with a time limit,
an environment without API keys, and output capped to its head and tail.

The command runs as ``/bin/sh -c COMMAND`` in a new session (``start_new_session``), so the whole
group it starts (``make`` and its compilers, ``sleep`` in the background) can be ended together:
on timeout, on cancel (the user pressed escape), and when the shell exits (background jobs the
command left behind would otherwise hold the output pipe open and outlive the turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tui_router.core.redact import holds_key

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 1800.0
#: Output kept from the start and from the end of a long output (bytes each).
HEAD_BYTES = 12_000
TAIL_BYTES = 12_000
#: Seconds between SIGTERM to the group and SIGKILL.
KILL_GRACE_S = 2.0


def scrubbed_env(environ: Mapping[str, str], key_env_names: Iterable[str]) -> dict[str, str]:
    """``environ`` without API keys, for `run_command`.

    Removed: ``ANTHROPIC_API_KEY``, ``OPENAI_API_KEY``, every variable named in
    ``key_env_names`` (the endpoints' ``api_key_env``), and every variable whose name ends with
    ``_API_KEY``, ``_TOKEN`` or ``_SECRET`` (case-insensitive), such as ``GITHUB_TOKEN`` or
    ``AWS_SECRET``. Everything else (PATH, HOME, virtualenv variables) is kept.
    """
    named = {name.upper() for name in key_env_names}
    return {name: value for name, value in environ.items() if not holds_key(name, named)}


@dataclass(frozen=True)
class CommandResult:
    """What a finished (or killed) command printed and how it ended."""

    output: str  # stdout and stderr merged, capped: head, a "cut" note, tail
    exit_code: int | None  # None when it was killed on timeout
    timed_out: bool
    duration_s: float
    cut_lines: int = 0
    cut_bytes: int = 0


class _CappedOutput:
    """A stream kept as at most ``head`` bytes from its start and ``tail`` from its end."""

    def __init__(self, head: int, tail: int) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.total_bytes = 0
        self.total_lines = 0

    def add(self, chunk: bytes) -> None:
        self.total_bytes += len(chunk)
        self.total_lines += chunk.count(b"\n")
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_limit:  # trim now and then, not on every chunk
                del self.tail[: len(self.tail) - self.tail_limit]

    def text(self) -> tuple[str, int, int]:
        """The kept output, with a note where the middle was cut; (text, lines cut, bytes cut)."""
        head, tail = bytes(self.head), bytes(self.tail[-self.tail_limit :] if self.tail else b"")
        kept = len(head) + len(tail)
        if kept >= self.total_bytes:
            return head.decode("utf-8", "replace") + tail.decode("utf-8", "replace"), 0, 0
        # cut at line boundaries so neither side starts or ends mid-line
        newline = head.rfind(b"\n")
        if newline >= len(head) // 2:
            head = head[: newline + 1]
        newline = tail.find(b"\n")
        if 0 <= newline < len(tail) // 2:
            tail = tail[newline + 1 :]
        cut_bytes = self.total_bytes - len(head) - len(tail)
        cut_lines = self.total_lines - head.count(b"\n") - tail.count(b"\n")
        note = f"\n[... {cut_lines} lines ({cut_bytes} bytes) cut from the middle ...]\n"
        text = head.decode("utf-8", "replace") + note + tail.decode("utf-8", "replace")
        return text, cut_lines, cut_bytes


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def run_shell(
    command: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    head_bytes: int = HEAD_BYTES,
    tail_bytes: int = TAIL_BYTES,
) -> CommandResult:
    """Run ``command`` with ``/bin/sh -c`` in ``cwd``; stdin is empty, stderr goes to stdout.

    On timeout the whole process group gets SIGTERM, then SIGKILL after `KILL_GRACE_S`. If the
    awaiting task is cancelled the group is killed at once and `CancelledError` propagates.
    """
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        command,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    pgid = proc.pid  # a new session's leader: its pid is the group id
    output = _CappedOutput(head_bytes, tail_bytes)
    assert proc.stdout is not None
    stdout = proc.stdout

    async def pump() -> None:
        while chunk := await stdout.read(65536):
            output.add(chunk)

    async def finish() -> int:
        code = await proc.wait()
        _kill_group(pgid, signal.SIGKILL)  # background jobs left behind end with the command
        await pump_task
        return code

    pump_task = asyncio.ensure_future(pump())
    timed_out = False
    exit_code: int | None = None
    try:
        exit_code = await asyncio.wait_for(finish(), timeout=timeout_s)
    except TimeoutError:
        timed_out = True
        _kill_group(pgid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=KILL_GRACE_S)
        _kill_group(pgid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=KILL_GRACE_S)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(pump_task, timeout=KILL_GRACE_S)
    except asyncio.CancelledError:
        _kill_group(pgid, signal.SIGKILL)
        pump_task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.shield(proc.wait())  # reap, so no zombie is left
        raise
    finally:
        if not pump_task.done():
            pump_task.cancel()
    text, cut_lines, cut_bytes = output.text()
    return CommandResult(
        output=text,
        exit_code=exit_code,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        cut_lines=cut_lines,
        cut_bytes=cut_bytes,
    )
