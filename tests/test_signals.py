"""SIGTERM, SIGHUP and SIGINT in the middle of a streamed answer: the real CLI in a subprocess
against the loopback fake server (a slow stream), and the TUI in a real terminal (tmux).

Each signal is handled as ctrl+c is: the call in flight is recorded as cancelled with its partial
text, the session is ended, one line is said, the exit code is 128 + the signal, and the TUI
leaves the terminal as it found it (no alternate screen, no mouse reporting).

And the TUI's terminal closed under it (a pseudo-terminal whose other side is closed, as a
terminal window or a multiplexer does): the app ends, its session ended, in any state.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.store import Store

TESTS = Path(__file__).resolve().parent
WORDS = [f"word{n:02d} " for n in range(40)]
SLOW = "".join(WORDS)  # 40 chunks, 0.2 s apart: ~8 s if nobody stops it
DEADLINE_S = 30.0


def _env(fake: FakeServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env.update(ANTHROPIC_BASE_URL=fake.anthropic_base_url, ANTHROPIC_API_KEY="sk-ant-test")
    env.update(OPENAI_BASE_URL=fake.openai_base_url, OPENAI_API_KEY="sk-test")
    return env


def _read_until(proc: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    """Stdout until it holds ``wanted`` (polled against a deadline, never a fixed sleep)."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + DEADLINE_S
    while wanted not in seen:
        assert time.monotonic() < deadline, f"no {wanted!r} on stdout; got {seen!r}"
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, f"stdout closed early; got {seen!r}"
            seen += chunk
    return seen


# Both providers' streams are cut: the Anthropic SDK once, the OpenAI SDK (half the import
# time in each process) for the other two signals.
@pytest.mark.parametrize(
    ("signum", "line", "model"),
    [
        (signal.SIGTERM, "stopped by SIGTERM", "claude-haiku-4-5"),
        (signal.SIGHUP, "stopped by SIGHUP", "gpt-5-mini"),
        (signal.SIGINT, "interrupted", "gpt-5-mini"),
    ],
    ids=["SIGTERM-anthropic", "SIGHUP-openai", "SIGINT-openai"],
)
def test_ask_records_the_call_in_flight_as_cancelled(
    fake_server: FakeServer, signum: signal.Signals, line: str, model: str
) -> None:
    fake_server.push(Script(text=SLOW, n_chunks=len(WORDS), delay=0.2, input_tokens=500))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui_router", "ask", "--model", model, "count"],
        env=_env(fake_server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        shown = _read_until(proc, b"word02")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shown += out
    stderr = err.decode()
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == [stderr.strip()] and line in stderr, stderr
    assert b"word39" not in shown  # it did stop mid-stream

    with Store() as store:
        session_id = store.last_session_id()
        assert session_id is not None
        session = store.get_session(session_id)
        [call] = store.session_calls(session_id)
        messages = store.session_messages(session_id)
    assert session is not None and session.ended_at is not None
    assert call.status == "cancelled" and call.model == model
    assert call.usage.input_tokens > 0 and call.usage.output_tokens > 0
    assert call.usage.estimated  # no usage came back: counted, and marked so
    assert messages[0].role == "user" and messages[0].content == "count"
    [answer] = [m for m in messages if m.role == "assistant"]
    assert answer.content.startswith("word00 word01 word02") and "word39" not in answer.content


def test_ask_json_stopped_by_a_signal_still_prints_one_object(fake_server: FakeServer) -> None:
    # a script reading `ask --json` got nothing at all on stdout after a ctrl+c
    fake_server.push(Script(text=SLOW, n_chunks=len(WORDS), delay=0.2, input_tokens=500))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_router",
            "ask",
            "--json",
            "--model",
            "claude-haiku-4-5",
            "count",
        ],
        env=_env(fake_server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while not [r for r in fake_server.requests if r.method == "POST"]:  # the call is out
            assert time.monotonic() < deadline and proc.poll() is None, "no request was sent"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    answer = json.loads(out)
    assert answer["status"] == "interrupted" and answer["total"]["calls"] == 1
    # the cancelled call, counted (seen once at $0.00 in a full run: the object tells how)
    assert Decimal(answer["total"]["cost_usd"]) > 0, (answer, err.decode())


# -- the TUI in a real terminal ---------------------------------------------------------------

# No background title call: it would take one of the scripted replies (and add a call).
CONFIG = """\
frontier_model = "claude-opus-4-6"
routing_mode = "manual"
session_titles = false

[tiers]
local = []
fast = ["claude-haiku-4-5"]
balanced = ["claude-sonnet-4-6"]
frontier = ["claude-opus-4-6"]
"""


def _tmux(socket: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, check=False
    )
    return done.stdout


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[int]:
    script = tmp_path / "scripts.json"
    script.write_text(json.dumps([{"text": SLOW, "n_chunks": len(WORDS), "delay": 0.2}]))
    proc = subprocess.Popen(
        [sys.executable, str(TESTS / "fakeserver.py"), "--script", str(script)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[:1] == ["PORT"], first
        yield int(first[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait(socket: str, what: str, ok: object) -> str:
    deadline = time.monotonic() + DEADLINE_S
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket, "capture-pane", "-p", "-t", "sig")
        if ok(screen):  # type: ignore[operator]
            return screen
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_tui_restores_the_terminal_and_ends_the_session(
    slow_server: int, tmp_path: Path, signum: signal.Signals
) -> None:
    if shutil.which("tmux") is None:
        print("tmux is not installed: skipping the TUI signal test")
        pytest.skip("tmux is not installed")
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(CONFIG)
    env = {
        "ANTHROPIC_API_KEY": "test",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{slow_server}",
        "TUI_ROUTER_HOME": str(home),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    socket = f"tui-router-sig-{uuid.uuid4().hex[:8]}"
    command = (
        f"{sys.executable} -m tui_router --model claude-haiku-4-5 --mode manual; "
        "echo SIG-EXIT=$?; sleep 600"
    )
    env_args = [arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]
    _tmux(socket, "new-session", "-d", "-s", "sig", "-x", "120", "-y", "40", *env_args)
    try:
        _tmux(socket, "send-keys", "-t", "sig", command, "Enter")
        _wait(
            socket,
            "the app's first frame (on the alternate screen)",
            lambda s: (
                _tmux(socket, "display", "-p", "-t", "sig", "#{alternate_on}").strip() == "1"
                and "claude-haiku-4-5" in s
            ),
        )
        # the session opens after the first frame: type once the ticker shows it is open, and
        # send only once the prompt shows the text
        _wait(socket, "the session to open", lambda s: "spent $" in s)
        _tmux(socket, "send-keys", "-t", "sig", "-l", "count slowly")
        _wait(socket, "the prompt to show the text", lambda s: "count slowly" in s)
        _tmux(socket, "send-keys", "-t", "sig", "Enter")
        _wait(socket, "the answer to start streaming", lambda s: "word02" in s)

        shell = int(_tmux(socket, "display", "-p", "-t", "sig", "#{pane_pid}").strip())
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signum)

        screen = _wait(socket, "the app to exit", lambda s: re.search(r"SIG-EXIT=\d", s))
        assert f"SIG-EXIT={128 + signum}" in screen, screen
        assert f"stopped by {signum.name}" in screen and "Traceback" not in screen, screen
        # the lines every other way out leaves: what it spent, and how to resume it
        assert "tui-router --resume" in screen and "spent $" in screen, screen
        flags = _tmux(
            socket,
            "display",
            "-p",
            "-t",
            "sig",
            "#{alternate_on} #{mouse_any_flag} #{mouse_button_flag} #{mouse_standard_flag}"
            " #{mouse_sgr_flag} #{cursor_flag}",
        ).split()
        assert flags == ["0", "0", "0", "0", "0", "1"], flags  # normal screen, no mouse, cursor
    finally:
        _tmux(socket, "kill-server")

    os.environ["TUI_ROUTER_HOME"] = str(home)  # (the isolated_home fixture restores it)
    with Store() as store:
        session_id = store.last_session_id()
        assert session_id is not None
        session = store.get_session(session_id)
        calls = store.session_calls(session_id)
        messages = store.session_messages(session_id)
    assert session is not None and session.ended_at is not None
    [call] = calls
    assert call.status == "cancelled" and call.usage.output_tokens > 0
    [answer] = [m for m in messages if m.role == "assistant"]
    assert answer.content.startswith("word00 word01 word02") and "word39" not in answer.content


# -- the terminal goes away ---------------------------------------------------------------------

_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78M])")


class PseudoTerminal:
    """The master side of a 120x40 pseudo-terminal and what the app has written to it."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.seen = b""

    def text(self) -> str:
        return _ESCAPES.sub(b"", self.seen).decode(errors="replace")

    def wait_for(self, what: str, wanted: str) -> None:
        """Read what the app writes until its text (escape sequences left out) holds ``wanted``."""
        deadline = time.monotonic() + DEADLINE_S
        while wanted not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the app wrote:\n{self.text()}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # (EIO: the app's side is closed)
                    chunk = b""
                assert chunk, f"the app left while waiting for {what}; it wrote:\n{self.text()}"
                self.seen += chunk

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def hang_up(self) -> None:
        """Close the terminal: the app's side is hung up."""
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.mark.parametrize("state", ["idle", "streaming", "approval"])
def test_tui_ends_its_session_when_the_terminal_goes_away(
    fake_server: FakeServer, isolated_home: Path, tmp_path: Path, state: str
) -> None:
    """A closed terminal left the app hung for good (parent 1, every thread asleep) after its
    SIGHUP handler had run: closing the terminal must end the app and its session."""
    (isolated_home / "config").mkdir(parents=True, exist_ok=True)
    (isolated_home / "config" / "config.toml").write_text(CONFIG)
    workspace = tmp_path / "work"
    workspace.mkdir()
    if state == "streaming":
        fake_server.push(Script(text=SLOW, n_chunks=len(WORDS), delay=0.2))
    elif state == "approval":
        write = {"name": "write_file", "input": {"path": "gen/big.py", "content": "x = 1\n"}}
        fake_server.push(Script(text="", tool_calls=[write]), Script(text="done"))
    # (an xdist worker has COLUMNS=80 and LINES=24, which win over the terminal's own size)
    env = {**_env(fake_server), "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    terminal = PseudoTerminal()
    # (the app leads a session whose controlling terminal this is: `tests/tty_leader.py`)
    notes = tmp_path / "how the app ended.txt"
    app = ["--model", "claude-haiku-4-5", "--mode", "manual", "--cwd", str(workspace)]
    proc = subprocess.Popen(
        [sys.executable, str(TESTS / "tty_leader.py"), str(notes), *app],
        stdin=terminal.slave,
        stdout=terminal.slave,
        stderr=terminal.slave,
        start_new_session=True,
        env=env,
    )
    os.close(terminal.slave)
    try:
        # (the first frame comes before the session opens: its models fill the sidebar)
        terminal.wait_for("the session to open", "claude-sonnet-4-6")
        if state != "idle":
            prompt = "count slowly" if state == "streaming" else "generate module"
            terminal.type(prompt)
            terminal.wait_for("the prompt to show the text", prompt)
            terminal.type("\r")
            if state == "streaming":
                terminal.wait_for("the answer to start streaming", "word02")
            else:
                terminal.wait_for("the approval panel", "enter does not approve")
        terminal.hang_up()
        try:
            proc.wait(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app did not end within {DEADLINE_S:.0f} s of its terminal going away")
        ended = notes.read_text() if notes.exists() else "(no notes)"
        assert proc.returncode == 128 + signal.SIGHUP, ended
    finally:
        terminal.hang_up()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    with Store() as store:
        session_id = store.last_session_id()
        assert session_id is not None
        session = store.get_session(session_id)
        calls = store.session_calls(session_id)
    assert session is not None and session.ended_at is not None
    if state == "streaming":
        [call] = calls
        assert call.status == "cancelled" and call.usage.output_tokens > 0
