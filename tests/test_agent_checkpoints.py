"""Checkpoints (save before the first write, finish, restore with conflict detection), the
m003_agent migration, and tool messages in the store."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui_router.core import migrations
from tui_router.core.agent.checkpoints import (
    Checkpoint,
    CheckpointError,
    last_checkpoint_id,
    list_checkpoints,
    restore_checkpoint,
)
from tui_router.core.agent.tools import ToolBox
from tui_router.core.agent.workspace import Workspace
from tui_router.core.conversation import ToolCall
from tui_router.core.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "history.sqlite3")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.py").write_text("a = 1\n")
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    return root


def test_save_keeps_the_first_state_of_each_file_only(store: Store, project: Path) -> None:
    session = store.create_session()
    ws = Workspace(project)
    checkpoint = Checkpoint(store, session, 1, ws)
    assert checkpoint.id is None and last_checkpoint_id(store) is None
    checkpoint.save(project / "a.py")
    (project / "a.py").write_text("a = 2\n")
    checkpoint.save(project / "a.py")  # a second write in the same turn keeps the first state
    checkpoint.save(project / "new.py")
    assert checkpoint.id is not None
    assert checkpoint.files == ["a.py", "new.py"]
    [row] = list_checkpoints(store)
    assert (row.id, row.session_id, row.turn, row.files) == (
        checkpoint.id,
        session,
        1,
        ("a.py", "new.py"),
    )
    assert not row.restored


async def test_undo_restores_content_and_mode_and_removes_created_files(
    store: Store, project: Path
) -> None:
    session = store.create_session()
    ws = Workspace(project)
    box = ToolBox(ws, env={"PATH": os.environ["PATH"]})
    checkpoint = Checkpoint(store, session, 3, ws)
    edit = ToolCall("1", "edit_file", {"path": "a.py", "old_text": "a = 1", "new_text": "a = 9"})
    assert not (await box.run(edit, checkpoint)).is_error
    assert not (
        await box.run(ToolCall("2", "write_file", {"path": "run.sh", "content": "x\n"}), checkpoint)
    ).is_error
    (project / "run.sh").chmod(0o644)
    assert not (
        await box.run(
            ToolCall("3", "write_file", {"path": "pkg/new.py", "content": "n\n"}), checkpoint
        )
    ).is_error
    checkpoint.finish()
    assert last_checkpoint_id(store, session) == checkpoint.id

    assert checkpoint.id is not None
    # run.sh's mode changed after the turn, its content did not: not a conflict
    result = restore_checkpoint(store, checkpoint.id)
    assert result.restored == ("a.py", "run.sh") and result.removed == ("pkg/new.py",)
    assert result.conflicts == ()
    assert (project / "a.py").read_text() == "a = 1\n"
    assert (project / "run.sh").read_text() == "#!/bin/sh\necho hi\n"
    assert stat.S_IMODE((project / "run.sh").stat().st_mode) == 0o755
    assert not (project / "pkg" / "new.py").exists()
    assert last_checkpoint_id(store) is None
    with pytest.raises(CheckpointError, match="already undone"):
        restore_checkpoint(store, checkpoint.id)


async def test_undo_removes_the_folders_the_turn_made_and_no_other(
    store: Store, project: Path
) -> None:
    """Undo removed the files a turn created and left the folders write_file had made for
    them (empty) behind."""
    (project / "kept").mkdir()  # there before the turn, empty: it stays
    (project / "pkg").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    session = store.create_session()
    ws = Workspace(project)
    box = ToolBox(ws, env={"PATH": os.environ["PATH"]})
    checkpoint = Checkpoint(store, session, 1, ws)
    for i, path in enumerate(
        ("pkg/sub/deep/new_mod.py", "pkg/sub/other.py", "kept/x.py", "shared/a/b.py")
    ):
        call = ToolCall(str(i), "write_file", {"path": path, "content": "n\n"})
        assert not (await box.run(call, checkpoint)).is_error
    checkpoint.finish()
    (project / "shared" / "mine.txt").write_text("made by hand after the turn\n")
    assert checkpoint.id is not None

    result = restore_checkpoint(store, checkpoint.id)
    assert result.removed == (
        "pkg/sub/deep/new_mod.py",
        "pkg/sub/other.py",
        "kept/x.py",
        "shared/a/b.py",
    )
    assert result.folders == ("pkg/sub", "shared/a")  # the outermost of those removed
    assert not (project / "pkg" / "sub").exists()
    assert (project / "pkg" / "__init__.py").exists() and (project / "kept").is_dir()
    assert not (project / "shared" / "a").exists()
    assert (project / "shared" / "mine.txt").exists()  # shared/ holds a file: it stays


async def test_a_turn_whose_writes_all_failed_leaves_no_checkpoint(
    store: Store, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that failed after its file was saved made a checkpoint of nothing changed."""
    from tui_router.core.agent import file_writes

    real_write = file_writes.write_bytes

    def write_bytes(path: Path, data: bytes) -> None:
        if path.name != "ok.py":
            raise PermissionError(13, "Permission denied", str(path))
        real_write(path, data)

    monkeypatch.setattr(file_writes, "write_bytes", write_bytes)
    session = store.create_session()
    ws = Workspace(project)
    box = ToolBox(ws, env={"PATH": os.environ["PATH"]})
    failing = (
        ToolCall("1", "edit_file", {"path": "a.py", "old_text": "a = 1", "new_text": "a = 2"}),
        ToolCall("2", "write_file", {"path": "new.py", "content": "n\n"}),
        ToolCall("3", "write_file", {"path": "gone/new.py", "content": "n\n"}),
    )
    checkpoint = Checkpoint(store, session, 1, ws)
    for call in failing:
        assert (await box.run(call, checkpoint)).is_error
    assert checkpoint.id is not None  # saved before each write
    assert not (project / "gone").exists()  # the folder made for the write went with it
    checkpoint.finish()
    assert checkpoint.id is None and checkpoint.files == []
    assert list_checkpoints(store) == [] and last_checkpoint_id(store) is None
    assert store.query("SELECT count(*) FROM checkpoints") == [(0,)]

    # one write that worked among them: the checkpoint keeps that file only
    second = Checkpoint(store, session, 2, ws)
    for call in (*failing, ToolCall("4", "write_file", {"path": "ok.py", "content": "k\n"})):
        await box.run(call, second)
    second.finish()
    assert second.id is not None and second.files == ["ok.py"]
    [row] = list_checkpoints(store)
    assert row.files == ("ok.py",)
    assert restore_checkpoint(store, second.id).removed == ("ok.py",)


def _imported_a(project: Path) -> str:
    """``a`` as a fresh Python process imports it, writing and reading bytecode as most
    machines do."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("PYTHONPYCACHEPREFIX", None)
    done = subprocess.run(
        [sys.executable, "-c", "import a; print(a.a)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


async def test_each_write_in_the_same_second_is_seen_by_the_next_import(
    store: Store, project: Path
) -> None:
    # An edit, a check that imports it, the checkpoint put back and the next edit within one
    # second, each the same size: Python must not run an earlier version's cached bytecode.
    now = time.time_ns()
    os.utime(project / "a.py", ns=(now, now - now % 1_000_000_000))  # this second, like an edit
    session = store.create_session()
    ws = Workspace(project)
    box = ToolBox(ws, env={"PATH": os.environ["PATH"]})
    assert _imported_a(project) == "1"
    checkpoint = Checkpoint(store, session, 1, ws)
    edit = ToolCall("1", "edit_file", {"path": "a.py", "old_text": "a = 1", "new_text": "a = 2"})
    assert not (await box.run(edit, checkpoint)).is_error
    assert _imported_a(project) == "2"
    checkpoint.finish()
    assert checkpoint.id is not None
    restore_checkpoint(store, checkpoint.id)
    assert _imported_a(project) == "1"
    again = ToolCall("2", "write_file", {"path": "a.py", "content": "a = 3\n"})
    assert not (await box.run(again)).is_error
    assert _imported_a(project) == "3"


async def test_a_write_leaves_the_file_newer_than_it_was_even_when_its_time_is_ahead(
    project: Path,
) -> None:
    # the deterministic form of the test above: whatever the clock says, a write moves the
    # file's modification second forward, so no cache keyed on (second, size) takes it as before
    ahead = (time.time_ns() // 1_000_000_000 + 30) * 1_000_000_000
    os.utime(project / "a.py", ns=(ahead, ahead))
    box = ToolBox(Workspace(project), env={"PATH": os.environ["PATH"]})
    edit = ToolCall("1", "edit_file", {"path": "a.py", "old_text": "a = 1", "new_text": "a = 2"})
    assert not (await box.run(edit)).is_error
    assert (project / "a.py").stat().st_mtime_ns // 1_000_000_000 > ahead // 1_000_000_000


def test_conflict_writes_nothing_without_force(store: Store, project: Path) -> None:
    session = store.create_session()
    ws = Workspace(project)
    checkpoint = Checkpoint(store, session, 1, ws)
    for name in ("a.py", "run.sh"):
        checkpoint.save(project / name)
        (project / name).write_text(f"turn wrote {name}\n")
    checkpoint.finish()
    (project / "a.py").write_text("edited by hand\n")  # after the turn
    assert checkpoint.id is not None
    with pytest.raises(CheckpointError) as info:
        restore_checkpoint(store, checkpoint.id)
    message = str(info.value)
    assert "a.py" in message and "--force" in message and "\n" not in message
    assert "run.sh" not in message.split("changed")[0]
    assert info.value.exit_code == 1
    assert (project / "run.sh").read_text() == "turn wrote run.sh\n"  # nothing written
    assert (project / "a.py").read_text() == "edited by hand\n"
    forced = restore_checkpoint(store, checkpoint.id, force=True)
    assert forced.conflicts == ("a.py",)
    assert (project / "a.py").read_text() == "a = 1\n"


def test_a_checkpoint_whose_folder_is_gone_names_it_and_writes_nothing(
    store: Store, project: Path
) -> None:
    """It said "a.py changed since that turn; … --force overwrites them" for a deleted folder;
    and --force would have made the folder again with one turn's files in it."""
    import shutil

    session = store.create_session()
    checkpoint = Checkpoint(store, session, 1, Workspace(project))
    checkpoint.save(project / "a.py")
    (project / "a.py").write_text("a = 2\n")
    checkpoint.finish()
    assert checkpoint.id is not None
    shutil.rmtree(project)
    for force in (False, True):
        with pytest.raises(CheckpointError) as info:
            restore_checkpoint(store, checkpoint.id, force=force)
        assert str(info.value) == (
            f"checkpoint {checkpoint.id}: its folder {project.resolve()} is gone "
            "(moved or deleted); nothing was restored"
        )
    assert not project.exists()
    assert last_checkpoint_id(store) == checkpoint.id  # still there, should the folder return


def test_unknown_and_empty_checkpoints(store: Store) -> None:
    with pytest.raises(CheckpointError, match="no checkpoint 42"):
        restore_checkpoint(store, 42)
    assert list_checkpoints(store) == []


def test_tool_messages_round_trip(store: Store) -> None:
    session = store.create_session()
    calls = (
        ToolCall("c1", "read_file", {"path": "a.py"}),
        ToolCall("c2", "search", {"pattern": "x"}),
    )
    store.add_message(session, "assistant", "", turn=1, model="m", tool_calls=calls)
    store.add_message(session, "tool", "boom", turn=1, tool_call_id="c2", is_error=True)
    assistant, tool = store.session_messages(session)
    assert assistant.tool_calls == calls and assistant.tool_call_id is None
    assert (tool.role, tool.tool_call_id, tool.is_error, tool.tool_calls) == (
        "tool",
        "c2",
        True,
        (),
    )


def test_agent_purposes_are_accepted(store: Store) -> None:
    session = store.create_session()
    with store.transaction() as db:
        for purpose in ("agent", "subagent", "title", "compact"):
            db.execute(
                "INSERT INTO calls (session_id, turn, model, purpose, price_source, status,"
                " started_at) VALUES (?, 1, 'm', ?, 'x', 'ok', 'now')",
                (session, purpose),
            )
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
        db.execute(
            "INSERT INTO calls (session_id, turn, model, purpose, price_source, status,"
            " started_at) VALUES (?, 1, 'm', 'bogus', 'x', 'ok', 'now')",
            (session,),
        )


def test_m002_database_with_rows_migrates_to_m003_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    migrations.migrate(db, str(path), migrations=migrations.MIGRATIONS[:2])
    db.execute("INSERT INTO sessions (id, started_at, title) VALUES ('S1', 't0', 'first')")
    for i in range(1, 6):
        db.execute(
            "INSERT INTO calls (session_id, turn, model, purpose, price_source, status,"
            " started_at, cost_usd, input_tokens, stop_reason) VALUES"
            " ('S1', ?, 'gpt-5-mini', 'chat', 'genai-prices', 'ok', 't', '0.5', ?, 'end_turn')",
            (i, 100 * i),
        )
    db.execute("DELETE FROM calls WHERE id = 5")  # the counter is at 5, the last row is 4
    for seq, (role, call_id) in enumerate(
        [("system", None), ("user", None), ("assistant", 1), ("user", None), ("assistant", 4)], 1
    ):
        db.execute(
            "INSERT INTO messages (session_id, seq, turn, role, content, created_at, call_id)"
            " VALUES ('S1', ?, ?, ?, ?, 't', ?)",
            (seq, seq // 2, role, f"text {seq}", call_id),
        )
    db.execute(
        "INSERT INTO decisions (session_id, turn, strategy, outcome, created_at)"
        " VALUES ('S1', 1, 'rules', 'accepted', 't')"
    )
    tables = ("sessions", "calls", "messages", "decisions")
    # later migrations may add columns: compare the columns these tables had before
    columns = {t: ", ".join(r[1] for r in db.execute(f"PRAGMA table_info({t})")) for t in tables}
    before = {
        t: db.execute(f"SELECT {columns[t]} FROM {t} ORDER BY rowid").fetchall() for t in tables
    }
    db.close()

    with Store(path) as store:
        names = [r[0] for r in store.query("SELECT name FROM schema_migrations")]
        assert names == [m.__name__ for m in migrations.MIGRATIONS]
        assert "m003_agent" in names
        after = {t: store.query(f"SELECT {columns[t]} FROM {t} ORDER BY rowid") for t in tables}
        calls = after["calls"]
        messages = after["messages"]
        extra = store.query("SELECT tool_calls_json, tool_call_id, is_error FROM messages")
        indexes = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='index'")}
        fk_target = store.query("PRAGMA foreign_key_list(messages)")
        # a new call gets a fresh id, never the deleted 5
        store.add_message("S1", "tool", "result", turn=3, tool_call_id="t1")
        with store.transaction() as conn:
            new_id = conn.execute(
                "INSERT INTO calls (session_id, turn, model, purpose, price_source, status,"
                " started_at) VALUES ('S1', 3, 'm', 'agent', 'x', 'ok', 't')"
            ).lastrowid
        assert store.query("PRAGMA foreign_key_check") == []
    assert after["sessions"] == before["sessions"] and after["decisions"] == before["decisions"]
    assert calls == before["calls"] and len(calls) == 4
    assert messages == before["messages"] and len(messages) == 5
    assert [m[8] for m in messages] == [None, None, 1, None, 4]  # call ids kept, not nulled
    assert set(extra) == {(None, None, 0)}
    assert {"calls_by_session", "messages_by_session", "checkpoints_by_session"} <= indexes
    assert {row[2] for row in fk_target} == {"calls", "sessions"}
    assert new_id == 6
