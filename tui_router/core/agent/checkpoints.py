"""Checkpoints: what each agent turn overwrote, so `tui-router undo` can put it back.

A `Checkpoint` belongs to one turn of one session. Before a tool first writes a file in that turn
it calls `Checkpoint.save`, which stores the file's bytes and mode (or that it did not exist, and
which of its folders did not exist either) in the history database; the checkpoint row itself is
created on that first save. `Checkpoint.finish` records each file's hash after the turn, and
forgets the files the turn left as they were (a write that failed): a turn that changed nothing
leaves no checkpoint. `restore_checkpoint` refuses to overwrite a file that changed since (someone
edited it by hand, a later turn changed it) unless forced, and then writes nothing at all; it
removes the files the turn created, and the folders it made for them once they are empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tui_router.core.agent import file_writes
from tui_router.core.agent.workspace import Workspace
from tui_router.core.errors import UserFacingError
from tui_router.core.store import Store
from tui_router.core.store_rows import now_iso

#: ``after_sha256`` of a file the turn left absent (deleted, or never written).
ABSENT = "absent"


class CheckpointError(UserFacingError):
    """Undo cannot go ahead; the message says why and what to do (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class CheckpointRow:
    """A stored checkpoint: one turn's touched files. ``restored_at`` is set once undone."""

    id: int
    session_id: str
    turn: int
    workspace: str
    created_at: str
    files: tuple[str, ...]
    restored_at: str | None = None

    @property
    def restored(self) -> bool:
        return self.restored_at is not None


@dataclass(frozen=True)
class RestoreResult:
    checkpoint_id: int
    restored: tuple[str, ...]  # files written back (content and mode)
    removed: tuple[str, ...]  # files the turn had created, deleted again
    conflicts: tuple[str, ...]  # files that had changed since the turn (overwritten: force)
    #: folders the turn had made for its new files, removed again (empty), outermost only
    folders: tuple[str, ...] = ()


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ABSENT


class Checkpoint:
    """The files one turn touched, saved before their first change.

    Attributes:
        id: the checkpoint's row id, None until the first `save`.
        files: the touched paths, relative to the workspace (absolute outside it), in order.
    """

    def __init__(self, store: Store, session_id: str, turn: int, workspace: Workspace) -> None:
        self.store = store
        self.session_id = session_id
        self.turn = turn
        self.workspace = workspace
        self.id: int | None = None
        self.files: list[str] = []
        self._paths: dict[str, Path] = {}

    def save(self, path: Path) -> None:
        """Keep ``path``'s bytes and mode (or that it is absent) unless already kept this turn."""
        path = Path(path)
        key = self.workspace.relative(path)
        if key in self._paths:
            return
        made: list[str] = []  # the folders a write would have to make, outermost first
        try:
            content: bytes | None = path.read_bytes()
            mode: int | None = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            content, mode = None, None
            folder = path.parent
            while not (folder.exists() or folder.is_symlink()) and folder != folder.parent:
                made.insert(0, self.workspace.relative(folder))
                folder = folder.parent
        with self.store.transaction() as db:
            if self.id is None:
                cursor = db.execute(
                    "INSERT INTO checkpoints (session_id, turn, workspace, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (self.session_id, self.turn, str(self.workspace.root), now_iso()),
                )
                self.id = int(cursor.lastrowid or 0)
            db.execute(
                "INSERT OR IGNORE INTO checkpoint_files (checkpoint_id, path, existed, content,"
                " mode, made_folders) VALUES (?, ?, ?, ?, ?, ?)",
                (self.id, key, int(content is not None), content, mode, _folders_json(made)),
            )
        self._paths[key] = path
        self.files.append(key)

    def finish(self) -> None:
        """Record each touched file's hash as the turn left it (undo's conflict check).

        A file the turn left as it was (its write failed) is forgotten; when that is every
        file, so is the checkpoint (``id`` is None again): there is nothing to undo.
        """
        if self.id is None:
            return
        saved = {
            key: (existed, content, mode, made)
            for key, existed, content, mode, made in self.store.query(
                "SELECT path, existed, content, mode, made_folders FROM checkpoint_files"
                " WHERE checkpoint_id = ?",
                (self.id,),
            )
        }
        hashes: list[tuple[str, int, str]] = []
        unchanged: list[tuple[int, str]] = []
        for key, path in self._paths.items():
            after = _sha256(path)
            if key in saved and _as_saved(path, after, *saved[key], self.workspace.root):
                unchanged.append((self.id, key))
            else:
                hashes.append((after, self.id, key))
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE checkpoint_files SET after_sha256 = ? WHERE checkpoint_id = ? AND path = ?",
                hashes,
            )
            db.executemany(
                "DELETE FROM checkpoint_files WHERE checkpoint_id = ? AND path = ?", unchanged
            )
            if not hashes:
                db.execute("DELETE FROM checkpoints WHERE id = ?", (self.id,))
        for _id, key in unchanged:
            del self._paths[key]
            self.files.remove(key)
        if not hashes:
            self.id = None


def _folders_json(folders: list[str]) -> str | None:
    return json.dumps(folders) if folders else None


def _folders(stored: str | None) -> list[str]:
    return list(json.loads(stored)) if stored else []


def _as_saved(
    path: Path,
    after: str,
    existed: int,
    content: bytes | None,
    mode: int | None,
    made: str | None,
    workspace: Path,
) -> bool:
    """Whether ``path`` is as the checkpoint saved it: the same bytes and mode, or still absent
    with none of the folders it needed made."""
    if not existed:
        made_any = any(_absolute(str(workspace), f).is_dir() for f in _folders(made))
        return after == ABSENT and not made_any
    if after != hashlib.sha256(content or b"").hexdigest():
        return False
    try:
        return stat.S_IMODE(path.stat().st_mode) == mode
    except OSError:
        return False


def _absolute(workspace: str, stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else Path(workspace) / path


def get_checkpoint(store: Store, checkpoint_id: int) -> CheckpointRow | None:
    rows = store.query(
        "SELECT id, session_id, turn, workspace, created_at, restored_at FROM checkpoints"
        " WHERE id = ?",
        (checkpoint_id,),
    )
    if not rows:
        return None
    files = store.query(
        "SELECT path FROM checkpoint_files WHERE checkpoint_id = ? ORDER BY rowid",
        (checkpoint_id,),
    )
    cid, session_id, turn, workspace, created_at, restored_at = rows[0]
    return CheckpointRow(
        cid, session_id, turn, workspace, created_at, tuple(f[0] for f in files), restored_at
    )


def list_checkpoints(
    store: Store, session_id: str | None = None, limit: int = 20
) -> list[CheckpointRow]:
    """Newest first; only checkpoints that saved at least one file."""
    where = "WHERE session_id = ?" if session_id is not None else ""
    params: tuple[object, ...] = (session_id,) if session_id is not None else ()
    ids = store.query(
        f"SELECT id FROM checkpoints {where} ORDER BY id DESC LIMIT ?", (*params, limit)
    )
    rows = [get_checkpoint(store, int(row[0])) for row in ids]
    return [row for row in rows if row is not None and row.files]


def undoable_checkpoint_ids(
    store: Store, session_id: str | None = None, limit: int = 1
) -> list[int]:
    """The checkpoints not yet restored that saved a file (of ``session_id``, or of any
    session), newest first, at most ``limit``."""
    where = " AND c.session_id = ?" if session_id is not None else ""
    params = (session_id,) if session_id is not None else ()
    rows = store.query(
        "SELECT c.id FROM checkpoints c WHERE c.restored_at IS NULL"
        " AND EXISTS (SELECT 1 FROM checkpoint_files f WHERE f.checkpoint_id = c.id)"
        f"{where} ORDER BY c.id DESC LIMIT ?",
        (*params, limit),
    )
    return [int(row[0]) for row in rows]


def last_checkpoint_id(store: Store, session_id: str | None = None) -> int | None:
    """The newest checkpoint not yet restored (of ``session_id``, or of any session)."""
    ids = undoable_checkpoint_ids(store, session_id)
    return ids[0] if ids else None


def restore_checkpoint(store: Store, checkpoint_id: int, *, force: bool = False) -> RestoreResult:
    """Put back the files checkpoint ``checkpoint_id`` saved; `CheckpointError` if it cannot.

    A file whose content is not what the turn left (its hash at `Checkpoint.finish`) is a
    conflict: without ``force`` nothing is written and the error names the files. A checkpoint
    never finished (the turn crashed) has no hashes, so nothing conflicts. Files the turn
    created are removed. The checkpoint is then marked restored: undoing it twice is an error.
    A checkpoint whose workspace folder is gone is an error too, ``force`` or not: rebuilding a
    deleted project from one turn's files is not an undo.
    """
    row = get_checkpoint(store, checkpoint_id)
    if row is None or not row.files:
        raise CheckpointError(
            f"no checkpoint {checkpoint_id}; `tui-router undo --list` shows the checkpoints"
        )
    if row.restored_at is not None:
        raise CheckpointError(f"checkpoint {checkpoint_id} was already undone ({row.restored_at})")
    if not Path(row.workspace).is_dir():  # not "changed since": there is nothing to put back into
        raise CheckpointError(
            f"checkpoint {checkpoint_id}: its folder {row.workspace} is gone (moved or deleted); "
            "nothing was restored"
        )
    saved = store.query(
        "SELECT path, existed, content, mode, after_sha256, made_folders FROM checkpoint_files"
        " WHERE checkpoint_id = ? ORDER BY rowid",
        (checkpoint_id,),
    )
    conflicts = [
        path
        for path, _existed, _content, _mode, after, _made in saved
        if after is not None and _sha256(_absolute(row.workspace, path)) != after
    ]
    if conflicts and not force:
        names = ", ".join(conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise CheckpointError(
            f"checkpoint {checkpoint_id}: {names} changed since that turn; nothing was restored. "
            f"`tui-router undo {checkpoint_id} --force` overwrites them"
        )
    restored: list[str] = []
    removed: list[str] = []
    for path, existed, content, mode, _after, _made in saved:
        target = _absolute(row.workspace, path)
        try:
            if existed:
                target.parent.mkdir(parents=True, exist_ok=True)
                file_writes.write_bytes(target, content or b"")
                if mode is not None:
                    os.chmod(target, mode)
                restored.append(path)
            elif target.exists() or target.is_symlink():
                target.unlink()
                removed.append(path)
        except OSError as exc:
            raise CheckpointError(
                f"checkpoint {checkpoint_id}: cannot restore {path} ({exc.strerror or exc}); "
                f"restored so far: {', '.join(restored + removed) or 'nothing'}"
            ) from None
    made = {folder for *_, made_folders in saved for folder in _folders(made_folders)}
    folders = _remove_empty_folders(row.workspace, made)
    with store.transaction() as db:
        db.execute("UPDATE checkpoints SET restored_at = ? WHERE id = ?", (now_iso(), row.id))
    return RestoreResult(
        checkpoint_id, tuple(restored), tuple(removed), tuple(conflicts), tuple(folders)
    )


def _remove_empty_folders(workspace: str, made: set[str]) -> list[str]:
    """Remove the folders of ``made`` (the turn made them) that are empty now, deepest first;
    a folder that holds anything (a file the turn did not make, say) stays, and so do the
    folders above it. Returns the outermost ones removed, in order."""
    removed: set[str] = set()
    for folder in sorted(made, key=lambda f: len(Path(f).parts), reverse=True):
        target = _absolute(workspace, folder)
        if target.is_symlink() or not target.is_dir():
            continue
        try:
            target.rmdir()  # only when empty
        except OSError:
            continue
        removed.add(folder)
    return sorted(f for f in removed if Path(f).parent.as_posix() not in removed)
