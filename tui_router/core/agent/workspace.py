"""The workspace boundary: which paths the agent's tools may touch.

A `Workspace` is a root folder (the project) plus optional extra folders from config. Every path a
tool receives goes through `Workspace.resolve`, which follows symlinks and ``..`` before deciding,
so a link inside the project that points outside it is outside. Writes into ``.git`` and reads of
special files (FIFOs, devices, sockets, /proc, /sys, /dev) are refused with a one-line reason the
model sees (`ToolRefused`). Paths outside it can be opened for reading only: single files for the
session (`allow_reading`: a large paste the user chose to attach as a file, saved in the session's
data folder), or a path for the one tool call the person said yes to (`reading_outside`).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from tui_router.core.errors import UserFacingError

#: Trees no tool reads or writes even when a configured folder contains them: reading there can
#: block for ever or leak process state.
_SYSTEM_TREES = (Path("/proc"), Path("/sys"), Path("/dev"))


class ToolRefused(Exception):
    """A tool call crosses the boundary; the message (one line) is what the model is told."""


class Workspace:
    """The project folder (``root``) and any extra folders the user allowed.

    Attributes:
        root: the resolved project folder; relative paths are relative to it, and
            `run_command` runs in it.
        extra_dirs: resolved extra folders (``[permissions] extra_dirs``): reachable, but the
            permission check asks before any tool uses a path there.
        read_only_files: resolved single files outside both that the tools may read, never
            write (`allow_reading`); nothing else in their folders becomes reachable.
    """

    def __init__(self, root: Path, extra_dirs: Sequence[Path] = ()) -> None:
        self.root = Path(root).expanduser().resolve()
        self.extra_dirs = tuple(Path(d).expanduser().resolve() for d in extra_dirs)
        self.read_only_files: frozenset[Path] = frozenset()
        #: paths outside both that the person said yes to reading, while that call runs
        self._reading_outside: list[Path] = []

    def allow_reading(self, files: Sequence[Path]) -> None:
        """Make exactly ``files`` readable (replacing the previous set): the user's saved
        pastes of the current session. A write to one of them is still refused."""
        self.read_only_files = frozenset(Path(f).expanduser().resolve() for f in files)

    def is_read_only_file(self, path: Path) -> bool:
        """Whether the (resolved) ``path`` is one of `read_only_files`, or under a path being
        read after a yes (`reading_outside`)."""
        path = Path(path)
        return path in self.read_only_files or any(
            path.is_relative_to(base)
            for base in self._reading_outside  # (the base itself too)
        )

    @contextlib.contextmanager
    def reading_outside(self, path: Path | None) -> Iterator[None]:
        """While the block runs, ``path`` (outside the workspace: a file, or a folder and what
        is under it) may be read, never written: a tool call the person said yes to. ``None``:
        nothing changes."""
        if path is None:
            yield
            return
        self._reading_outside.append(path)
        try:
            yield
        finally:
            self._reading_outside.remove(path)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r}, extra_dirs={[str(d) for d in self.extra_dirs]})"

    def resolve(self, path: str, *, write: bool = False, outside: bool = False) -> Path:
        """The real path ``path`` names (symlinks and ``..`` resolved), or `ToolRefused`.

        Refused: a path outside the root and every extra folder (unless it is one of
        `read_only_files` and this is not a write); a write anywhere inside a ``.git`` folder; a
        special file (FIFO, socket, device) or anything under /proc, /sys or /dev. A path that
        does not exist yet is fine (the caller reports "not found" itself).

        ``outside=True`` (a read the caller asks the person about first, e.g. an ``@path``
        attachment) returns a path outside the boundary instead of refusing it; special files
        are refused all the same, and it never widens a write. `is_allowed` on the result says
        whether to ask.
        """
        if not isinstance(path, str) or not path.strip():
            raise ToolRefused("empty path")
        if "\0" in path:
            raise ToolRefused("path contains a NUL byte")
        candidate = Path(path.strip()).expanduser()
        if not candidate.is_absolute():
            candidate = self.root / candidate
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise ToolRefused(f"cannot resolve path {path!r}: {exc}") from None
        if any(resolved.is_relative_to(tree) for tree in _SYSTEM_TREES):
            raise ToolRefused(f"special file refused: {resolved}")
        allowed = self.is_allowed(resolved)
        if write and self.is_read_only_file(resolved):
            raise ToolRefused(
                f"{resolved} is read-only (the user's saved paste): read_file and search read it, "
                "nothing writes it"
            )
        if not (allowed or ((outside or self.is_read_only_file(resolved)) and not write)):
            raise ToolRefused(
                f"path outside the workspace: {path} (resolves to {resolved}; "
                f"the workspace is {self.root})"
            )
        if write and allowed and _inside_git_dir(resolved, self._base_of(resolved)):
            raise ToolRefused(f"writing inside .git is refused: {self.relative(resolved)}")
        try:
            mode = os.stat(resolved).st_mode
        except OSError:
            return resolved  # does not exist (yet), or unreadable: the tool says so
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise ToolRefused(
                f"special file refused (not a regular file or folder): {self.relative(resolved)}"
            )
        return resolved

    def relative(self, path: Path) -> str:
        """``path`` relative to the root in posix form ("." for the root), else absolute."""
        path = Path(path)
        if path.is_absolute() and path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix() or "."
        if not path.is_absolute():
            return path.as_posix()
        return str(path)

    def is_inside(self, path: Path) -> bool:
        """Whether the (resolved) ``path`` is the root or under it; extra folders are not."""
        return Path(path).is_relative_to(self.root)

    def is_allowed(self, path: Path) -> bool:
        """Whether the (already resolved) ``path`` is under the root or an extra folder."""
        path = Path(path)
        return path.is_relative_to(self.root) or any(
            path.is_relative_to(d) for d in self.extra_dirs
        )

    def _base_of(self, path: Path) -> Path:
        if path.is_relative_to(self.root):
            return self.root
        return next(d for d in self.extra_dirs if path.is_relative_to(d))


def _inside_git_dir(path: Path, base: Path) -> bool:
    """Whether ``path`` is a ``.git`` folder or file under ``base``, or inside one (any depth:
    nested repositories and submodules have their own)."""
    return ".git" in path.relative_to(base).parts


def workspace_folder(cwd: str | None) -> Path:
    """The workspace a command was asked for: ``--cwd DIR`` as an existing folder (resolved),
    or the current directory. A path that is not a folder says what it is instead."""
    path = Path(cwd).expanduser() if cwd else Path.cwd()
    if path.is_file():
        raise UserFacingError(f"--cwd {cwd}: {cwd} is a file, not a folder")
    if not path.is_dir():
        what = "not a folder" if path.exists() else "no such folder"
        raise UserFacingError(f"--cwd {cwd}: {what}")
    return path.resolve()
