"""Where a resumed session works: the folder it was started in, as a person would expect.

The session row keeps its workspace's absolute path (sessions recorded before that have it on
their checkpoints when a turn changed files). `resume_folder` decides:

- no ``--cwd``, the session's folder still there: work there again (the history's paths, the
  files it read and the checkpoints `/undo` restores are that folder's), and say so when it is
  not the current directory;
- ``--cwd`` given: work there, and say so when it is not the session's folder;
- the session's folder is gone (moved or deleted): work in the current directory (or ``--cwd``)
  and say, in one line, that the folder the history speaks of is gone;
- the folder is not known (an old session that changed nothing): the current directory, as
  before, with a line only when the session's project name is another folder's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_router.core.store import Store
    from tui_router.core.store_rows import SessionRow


@dataclass(frozen=True)
class ResumeFolder:
    """The folder the resumed session works in, and the line to say about it (None: nothing
    to say); ``gone`` when the session's own folder no longer exists."""

    root: Path
    note: str | None = None
    gone: bool = False


def session_workspace(store: Store, row: SessionRow) -> str | None:
    """The absolute path of the folder ``row``'s session worked in, if the store knows it."""
    if row.workspace:
        return row.workspace
    found = store.query(
        "SELECT workspace FROM checkpoints WHERE session_id = ? ORDER BY id DESC LIMIT 1",
        (row.id,),
    )
    return str(found[0][0]) if found else None


def resume_folder(store: Store, row: SessionRow, given: Path | None, cwd: Path) -> ResumeFolder:
    """Where ``row``'s session works when resumed: ``given`` is ``--cwd`` (None: not given),
    ``cwd`` the current directory. Paths are compared resolved."""
    here = (given or cwd).resolve()
    stored = session_workspace(store, row)
    if stored is None:
        if row.project and row.project != here.name:
            return ResumeFolder(
                here,
                f"This session was started in a folder named {row.project}; working in {here} now",
            )
        return ResumeFolder(here)
    started = Path(stored)
    if not started.is_dir():
        return ResumeFolder(
            here,
            f"This session's folder {started} is gone (moved or deleted): working in {here} "
            "now; its history speaks of that folder's files, and its turns cannot be undone",
            gone=True,
        )
    started = started.resolve()
    if given is None:
        note = None if started == here else f"Working in {started}, where this session started"
        return ResumeFolder(started, note)
    if started != here:
        return ResumeFolder(here, f"This session started in {started}; working in {here} now")
    return ResumeFolder(here)
