"""The workspace boundary: what `Workspace.resolve` lets a tool touch, and what it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui_router.core.agent.workspace import ToolRefused, Workspace


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root


def test_relative_paths_resolve_inside_the_root(project: Path) -> None:
    ws = Workspace(project)
    assert ws.resolve("src/app.py") == project / "src" / "app.py"
    assert ws.resolve("./src/../src/app.py") == project / "src" / "app.py"
    assert ws.resolve("new/file.txt", write=True) == project / "new" / "file.txt"
    assert ws.relative(project / "src" / "app.py") == "src/app.py"
    assert ws.relative(project) == "."
    assert ws.is_inside(project / "src")


def test_dot_dot_escape_is_refused(project: Path) -> None:
    ws = Workspace(project)
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("../secret.txt")
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("src/../../other/x.py", write=True)


def test_absolute_path_outside_is_refused(project: Path, tmp_path: Path) -> None:
    ws = Workspace(project)
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("/etc/passwd")
    assert ws.resolve(str(project / "src" / "app.py")) == project / "src" / "app.py"
    assert ws.relative(tmp_path / "elsewhere") == str(tmp_path / "elsewhere")


def test_symlink_pointing_outside_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (project / "link.txt").symlink_to(outside)
    (project / "linkdir").symlink_to(tmp_path)
    ws = Workspace(project)
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("link.txt")
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("linkdir/outside.txt", write=True)


def test_symlink_inside_is_followed(project: Path) -> None:
    (project / "alias.py").symlink_to(project / "src" / "app.py")
    assert Workspace(project).resolve("alias.py") == project / "src" / "app.py"


def test_writes_into_git_are_refused_reads_are_not(project: Path) -> None:
    ws = Workspace(project)
    assert ws.resolve(".git/config") == project / ".git" / "config"
    for path in (".git/config", ".git/hooks/pre-commit", ".git", "sub/.git/HEAD"):
        with pytest.raises(ToolRefused, match=r"\.git"):
            ws.resolve(path, write=True)
    assert ws.resolve(".github/workflows/ci.yml", write=True).name == "ci.yml"


def test_fifo_and_proc_are_refused(project: Path) -> None:
    os.mkfifo(project / "pipe")
    ws = Workspace(project, extra_dirs=[Path("/proc")])
    with pytest.raises(ToolRefused, match="special file"):
        ws.resolve("pipe")
    with pytest.raises(ToolRefused, match="special file"):
        ws.resolve("/proc/self/environ")


def test_extra_dirs_are_reachable_but_not_inside(project: Path, tmp_path: Path) -> None:
    extra = tmp_path / "shared-lib"
    extra.mkdir()
    (extra / "util.py").write_text("x = 1\n")
    ws = Workspace(project, extra_dirs=[extra])
    resolved = ws.resolve(str(extra / "util.py"))
    assert resolved == extra / "util.py"
    assert ws.is_allowed(resolved) and not ws.is_inside(resolved)
    assert ws.resolve("../shared-lib/util.py") == extra / "util.py"


def test_empty_and_nul_paths_are_refused(project: Path) -> None:
    ws = Workspace(project)
    for bad in ("", "   ", "a\0b"):
        with pytest.raises(ToolRefused):
            ws.resolve(bad)


def test_a_read_only_file_outside_is_readable_never_writable(project: Path, tmp_path: Path) -> None:
    pastes = tmp_path / "data" / "pastes"
    pastes.mkdir(parents=True)
    paste, other = pastes / "paste-1.txt", pastes / "paste-2.txt"
    paste.write_text("pasted\n")
    other.write_text("not attached\n")
    ws = Workspace(project)
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve(str(paste))
    ws.allow_reading([paste])
    assert ws.resolve(str(paste)) == paste
    assert ws.is_read_only_file(paste) and not ws.is_allowed(paste)
    with pytest.raises(ToolRefused, match="read-only"):
        ws.resolve(str(paste), write=True)
    for neighbour in (str(other), str(pastes)):  # that file only, not its folder
        with pytest.raises(ToolRefused, match="outside the workspace"):
            ws.resolve(neighbour)
    ws.allow_reading([])  # the next session's set replaces it
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve(str(paste))


def test_outside_reads_for_the_caller_to_ask_about(project: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("n\n")
    os.mkfifo(tmp_path / "pipe")
    ws = Workspace(project)
    resolved = ws.resolve("../notes.txt", outside=True)
    assert resolved == tmp_path / "notes.txt" and not ws.is_allowed(resolved)
    with pytest.raises(ToolRefused, match="outside the workspace"):
        ws.resolve("../notes.txt", outside=True, write=True)  # never widens a write
    for special in ("../pipe", "/proc/self/status", "/dev/zero"):
        with pytest.raises(ToolRefused, match="special file"):
            ws.resolve(special, outside=True)
