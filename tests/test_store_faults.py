"""The store when the disk will not take a write: a lock held past the patience, a full disk, a
read-only or unreadable folder. A paid call is never lost (journal, replay) and every failure is
one line saying what to do."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cli_runner import Cli
from test_turn import _conversation, _runner, _ScriptedProvider

from tui_router.core.conversation import ToolCall
from tui_router.core.ledger import Ledger
from tui_router.core.providers.base import StopEvent, TextDelta, UsageEvent
from tui_router.core.store import CallRow, Store, StoreError, StoreWriteDeferred
from tui_router.core.usage import Usage


def _call(sid: str, *, turn: int = 1, cost: str = "0.0027") -> CallRow:
    return CallRow(
        session_id=sid,
        turn=turn,
        model="claude-haiku-4-5",
        purpose="agent",
        usage=Usage(input_tokens=1200, output_tokens=300),
        cost_usd=Decimal(cost),
        price_source="genai-prices",
        baseline_model="claude-opus-4-6",
        baseline_cost_usd=Decimal("0.0135"),
    )


@contextlib.contextmanager
def _lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction on ``path`` (as a second connection)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def _impatient(path: Path) -> Store:
    store = Store(path, busy_timeout_s=0.05)
    store.retry_delays_s = (0.01, 0.02)
    return store


def _journal_lines(store: Store) -> list[dict[str, object]]:
    if not store.journal.path.exists():
        return []
    return [json.loads(line) for line in store.journal.path.read_text().splitlines()]


def test_a_lock_held_past_the_patience_defers_the_call_to_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session(session_id="LOCKED")
    store = _impatient(path)
    heard: list[StoreWriteDeferred] = []
    store.on_deferred = heard.append
    tools = (ToolCall("toolu_1", "read_file", {"path": "a.py"}),)
    with _lock_held(path):
        call_id = store.record_call(
            _call(sid), text="the paid answer", prompt="q", tool_calls=tools
        )
        store.add_tool_results(sid, 1, [("toolu_1", "print(1)", False)])
        store.end_session(sid)
    assert call_id == 0
    assert len(heard) == 3 and heard == store.deferred
    line = str(heard[0])
    assert "\n" not in line and "locked by another process" in line
    assert "history.journal.jsonl" in line and "next time tui-router opens it" in line
    assert store.journal.path == tmp_path / "history.journal.jsonl"
    assert oct(store.journal.path.stat().st_mode & 0o777) == "0o600"
    assert [r["kind"] for r in _journal_lines(store)] == ["call", "tool_results", "end_session"]
    store.close()

    # The next open replays it: the call, its prompt, answer and tool result are in the history.
    with Store(path) as reopened:
        [call] = reopened.session_calls(sid)
        messages = reopened.session_messages(sid)
        session = reopened.get_session(sid)
    assert call.cost_usd == Decimal("0.0027") and call.usage.output_tokens == 300
    assert call.baseline_cost_usd == Decimal("0.0135")
    assert [(m.role, m.content) for m in messages] == [
        ("user", "q"),
        ("assistant", "the paid answer"),
        ("tool", "print(1)"),
    ]
    assert messages[1].tool_calls == tools
    assert session is not None and session.ended_at is not None
    assert not store.journal.pending()


def test_replay_is_idempotent(tmp_path: Path) -> None:
    """A replay that committed but died before emptying the journal is not applied twice."""
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
    store = _impatient(path)
    with _lock_held(path):
        store.record_call(_call(sid), text="answer", prompt="q")
    saved = store.journal.path.read_text()
    store.close()
    Store(path).close()
    store.journal.path.write_text(saved + saved)  # as if the replay crashed, and appended twice
    with Store(path) as reopened:
        assert len(reopened.session_calls(sid)) == 1
        assert len(reopened.session_messages(sid)) == 2
    assert not store.journal.pending()


def test_messages_the_database_will_not_take_are_replayed_once(tmp_path: Path) -> None:
    """`/compact`'s summary (what a resume goes on from) is kept in the journal like a paid call,
    and a replay that ran twice does not add it twice."""
    from tui_router.core.store import MessageRow

    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
        setup.record_call(_call(sid), text="answer", prompt="q")
    store = _impatient(path)
    summary = [
        MessageRow(0, "user", "[Summary] q, answered", turn=1, kind="summary"),
        MessageRow(0, "assistant", "Understood.", turn=1, model="m", kind="summary"),
    ]
    with _lock_held(path):
        store.add_messages(sid, summary)
    assert [r["kind"] for r in _journal_lines(store)] == ["messages"]
    saved = store.journal.path.read_text()
    store.close()
    with Store(path) as reopened:
        rows = reopened.session_messages(sid)
    store.journal.path.write_text(saved)  # as if the replay crashed before emptying it
    with Store(path) as again:
        assert again.session_messages(sid) == rows
    assert [(m.role, m.content, m.kind) for m in rows] == [
        ("user", "q", None),
        ("assistant", "answer", None),
        ("user", "[Summary] q, answered", "summary"),
        ("assistant", "Understood.", "summary"),
    ]
    assert rows[3].model == "m" and rows[3].turn == 1


def test_an_edits_diff_deferred_with_its_result_comes_back_after_it(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
    store = _impatient(path)
    with _lock_held(path):
        store.add_tool_results(
            sid, 1, [("toolu_1", "edited a.py (+1 −1)", False)], {"toolu_1": "-a\n+b\n"}
        )
    store.close()
    with Store(path) as reopened:
        rows = reopened.session_messages(sid)
    assert [(m.role, m.content, m.tool_call_id, m.kind) for m in rows] == [
        ("tool", "edited a.py (+1 −1)", "toolu_1", None),
        ("system", "-a\n+b\n", "toolu_1", "diff"),
    ]


def test_a_torn_journal_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
    store = _impatient(path)
    with _lock_held(path):
        store.record_call(_call(sid), text="answer", prompt="q")
    store.close()
    with store.journal.path.open("a") as journal:
        journal.write('{"kind": "call", "call": {"sess')  # a crash mid-append
    with Store(path) as reopened:
        assert len(reopened.session_calls(sid)) == 1


def test_a_short_lock_is_waited_out_by_the_retries(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
    store = Store(path, busy_timeout_s=0.05)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: (other.execute("ROLLBACK"), other.close()))
    release.start()
    try:
        assert store.record_call(_call(sid), text="a", prompt="q") > 0
    finally:
        release.join()
    assert store.deferred == [] and not store.journal.pending()
    store.close()


def test_a_full_disk_defers_the_call_and_a_later_call_brings_it_back(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    store = Store(path)
    sid = store.create_session()
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
    assert store.record_call(_call(sid), text="x" * 20_000, prompt="q") == 0
    [warning] = store.deferred
    assert "database or disk is full" in str(warning)
    store._db.execute("PRAGMA max_page_count = 1073741823")  # space freed
    second = store.record_call(_call(sid, turn=2), text="second", prompt="q2")
    assert second > 0
    calls = store.session_calls(sid)
    assert [c.turn for c in calls] == [1, 2]  # the deferred call first: the history in order
    assert not store.journal.pending()
    store.close()


async def test_the_ledger_counts_a_call_the_store_could_not_take(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    with Store(path) as setup:
        sid = setup.create_session()
    provider = _ScriptedProvider(
        [TextDelta("paid"), UsageEvent(Usage(input_tokens=100, output_tokens=10)), StopEvent("x")]
    )
    ledger = Ledger()
    with _impatient(path) as store, _lock_held(path):
        result = await _runner(store, provider, ledger).run(
            _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
        )
        assert result.ok and result.call_id == 0 and len(store.deferred) == 1
    assert ledger.totals.calls == 1 and ledger.totals.cost_usd == result.price.usd
    with Store(path) as reopened:
        assert [c.cost_usd for c in reopened.session_calls(sid)] == [result.price.usd]


async def test_the_ledger_counts_the_call_even_when_recording_raises(tmp_path: Path) -> None:
    provider = _ScriptedProvider([TextDelta("paid"), StopEvent("end_turn")])
    ledger = Ledger()
    with Store(tmp_path / "db.sqlite3") as store:
        sid = store.create_session()

        def broken(*args: object, **kwargs: object) -> int:
            raise RuntimeError("a bug in the store")

        store.record_call = broken  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            await _runner(store, provider, ledger).run(
                _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
            )
    assert ledger.totals.calls == 1


def test_a_lock_held_at_start_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tui-router.sqlite3"
    Store(path).close()
    with _lock_held(path), _impatient(path) as store, pytest.raises(StoreError) as raised:
        store.create_session()
    message = str(raised.value)
    assert "\n" not in message and "locked by another process" in message
    assert str(path) in message


def test_an_unreadable_folder_is_one_line_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data" / "tui-router.sqlite3"
    Store(path).close()

    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)  # as for a folder we may not even list
    for read_only in (False, True):
        with pytest.raises(StoreError) as raised:
            Store(path, read_only=read_only)
        message = str(raised.value)
        assert "\n" not in message and str(path) in message
        assert "unable to open database file" in message and "TUI_ROUTER_HOME" in message


# -- a read-only history folder (chmod, or chattr +i when the tests run as root) ---------------


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    files = [folder, *folder.iterdir()]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            print("running as root without chattr: cannot make a folder read-only; skipping")
            pytest.skip("root without chattr: cannot make a folder read-only")
        made = subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True, check=False)
        if made.returncode != 0:
            print(f"chattr +i failed ({made.stderr.decode().strip()}); skipping")
            pytest.skip("chattr +i is not supported here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, files)], check=False)
        return
    modes = {f: f.stat().st_mode for f in files}
    for f in reversed(files):
        f.chmod(0o555 if f.is_dir() else 0o444)
    try:
        yield
    finally:
        for f, mode in modes.items():
            f.chmod(mode)


def test_a_read_only_history_opens_read_only_for_the_reading_commands(cli: Cli) -> None:
    from tui_router.core.paths import get_paths

    database = get_paths().database
    with Store() as store:
        sid = store.create_session(session_id="READONLY1", title="kept")
        store.record_call(_call(sid), text="answer", prompt="q")
        store.end_session(sid)
    with _read_only(database.parent):
        with pytest.raises(StoreError) as raised:
            Store()
        assert "\n" not in str(raised.value) and "TUI_ROUTER_HOME" in str(raised.value)
        with Store(read_only=True) as store:
            assert store.read_only
            assert [s.session.id for s in store.list_sessions()] == [sid]
        for args in (("sessions", "--json"), ("report", "--last", "--json"), ("stats", "--json")):
            started = time.monotonic()
            done = cli(*args)
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr
            assert time.monotonic() - started < 30
            assert "READONLY1" in done.stdout or args[0] == "stats"
        stats = json.loads(cli("stats", "--json").stdout)
        assert "0.0027" in json.dumps(stats)
        asked = cli("ask", "--model", "claude-haiku-4-5", "hello")
        assert asked.returncode == 2 and "Traceback" not in asked.stderr
        assert len(asked.stderr.strip().splitlines()) == 1, asked.stderr
