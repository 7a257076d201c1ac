"""`core.resume_folder`: where a resumed session works (the real store; real folders)."""

from __future__ import annotations

from pathlib import Path

from tui_router.core.resume_folder import resume_folder, session_workspace
from tui_router.core.store import Store

SESSION = "01RESUMEFOLDER000000000000"


def test_a_new_session_keeps_its_folder_and_resumes_there(tmp_path: Path) -> None:
    tmp_path = tmp_path.resolve()
    started_in, here = tmp_path / "a", tmp_path / "b"
    started_in.mkdir()
    here.mkdir()
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION, project="a", workspace=str(started_in))
        row = store.get_session(SESSION)
        assert row is not None and row.workspace == str(started_in)
        assert resume_folder(store, row, None, started_in).note is None
        folder = resume_folder(store, row, None, here)
        assert (folder.root, folder.gone) == (started_in, False)
        assert folder.note == f"Working in {started_in}, where this session started"
        given = resume_folder(store, row, here, tmp_path)
        assert given.root == here
        assert given.note == f"This session started in {started_in}; working in {here} now"


def test_a_session_recorded_before_the_folder_was_kept_finds_it_on_its_checkpoints(
    tmp_path: Path,
) -> None:
    tmp_path = tmp_path.resolve()
    started_in, here = tmp_path / "a", tmp_path / "b"
    started_in.mkdir()
    here.mkdir()
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION, project="a")
        row = store.get_session(SESSION)
        assert row is not None and row.workspace is None
        # nothing changed: only the project's name is known
        assert session_workspace(store, row) is None
        folder = resume_folder(store, row, None, here)
        assert folder.root == here
        assert folder.note == f"This session was started in a folder named a; working in {here} now"
        with store.transaction() as db:  # a turn that changed files left a checkpoint there
            db.execute(
                "INSERT INTO checkpoints (session_id, turn, workspace, created_at)"
                " VALUES (?, 1, ?, 'now')",
                (SESSION, str(started_in)),
            )
        assert resume_folder(store, row, None, here).root == started_in


def test_a_gone_folder_is_said_once_and_the_current_one_is_used(tmp_path: Path) -> None:
    tmp_path = tmp_path.resolve()
    here = tmp_path / "b"
    here.mkdir()
    gone = tmp_path / "deleted"
    with Store(tmp_path / "history.db") as store:
        store.create_session(session_id=SESSION, project="deleted", workspace=str(gone))
        row = store.get_session(SESSION)
        assert row is not None
        folder = resume_folder(store, row, None, here)
    assert (folder.root, folder.gone) == (here, True)
    assert folder.note is not None
    assert folder.note.startswith(f"This session's folder {gone} is gone (moved or deleted)")
