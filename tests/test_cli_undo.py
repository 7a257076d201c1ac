"""`tui-router undo`: restores the newest checkpoint, reports conflicts, lists checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_router.cli import main
from tui_router.core.agent.checkpoints import Checkpoint
from tui_router.core.agent.workspace import Workspace
from tui_router.core.store import Store


def make_turn(project: Path, turn: int, changes: dict[str, str]) -> int:
    """An agent turn that changed ``changes`` (path -> new text), recorded in the default store."""
    with Store() as store:
        session = store.last_session_id() or store.create_session()
        checkpoint = Checkpoint(store, session, turn, Workspace(project))
        for name, text in changes.items():
            checkpoint.save(project / name)
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(text)
        checkpoint.finish()
        assert checkpoint.id is not None
        return checkpoint.id


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("original\n")
    return root


def test_undo_restores_the_newest_checkpoint(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_turn(project, 1, {"app.py": "turn one\n"})
    second = make_turn(project, 2, {"app.py": "turn two\n", "new.py": "created\n"})
    assert main(["undo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "restored app.py"
    assert out[1] == "removed new.py"
    assert out[2].startswith(f"restored checkpoint {second} (turn 2 of session ")
    assert (project / "app.py").read_text() == "turn one\n"
    assert not (project / "new.py").exists()
    assert main(["undo", "--last"]) == 0
    assert f"restored checkpoint {first} (turn 1" in capsys.readouterr().out
    assert (project / "app.py").read_text() == "original\n"
    # it said "no agent turn has changed files yet" once both were undone
    assert main(["undo"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "tui-router: nothing left to undo: every agent turn that changed files has been undone "
        "(`tui-router undo --list` shows them)\n"
    )


def test_undo_with_no_checkpoint_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["undo"]) == 1
    err = capsys.readouterr().err
    assert err == "tui-router: nothing to undo: no agent turn has changed files yet\n"


def test_undo_removes_the_folders_the_turn_made(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_turn(project, 1, {"app.py": "changed\n", "pkg/sub/deep/new_mod.py": "new\n"})
    assert main(["undo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "restored app.py",
        "removed pkg/sub/deep/new_mod.py",
        "removed pkg/ (a folder the turn made)",
    ]
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


def test_undo_conflict_exits_1_and_force_overwrites(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = make_turn(project, 1, {"app.py": "by the agent\n"})
    (project / "app.py").write_text("by hand\n")
    assert main(["undo", str(checkpoint)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "app.py changed since that turn" in err
    assert f"tui-router undo {checkpoint} --force" in err
    assert (project / "app.py").read_text() == "by hand\n"
    assert main(["undo", str(checkpoint), "--force"]) == 0
    assert "restored app.py (overwrote changes made since)" in capsys.readouterr().out
    assert (project / "app.py").read_text() == "original\n"
    assert main(["undo", str(checkpoint)]) == 1
    assert "already undone" in capsys.readouterr().err


def test_undo_list_and_unknown_checkpoint(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["undo", "--list"]) == 0
    assert "No checkpoints yet" in capsys.readouterr().out
    checkpoint = make_turn(project, 4, {"app.py": "x\n"})
    assert main(["undo", "--list"]) == 0
    listed = capsys.readouterr().out
    assert f"{checkpoint:>5}" in listed and "turn 4" in listed and "[can undo]  app.py" in listed
    assert main(["undo", "99"]) == 1
    assert "no checkpoint 99" in capsys.readouterr().err


def test_undo_is_a_listed_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "undo" in capsys.readouterr().out
