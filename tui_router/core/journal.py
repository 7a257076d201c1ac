"""The store's fallback for writes the database would not take: one JSON line per record.

When the history database stays unwritable (another process holds its lock past the store's
patience, the disk is full, the file is read-only) a paid call is appended here, beside the
database (0600), and the next `Store` that can write replays it. Appends and the replay hold an
exclusive `flock` on the file, so a record added while another process replays is not lost.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, appends stay whole lines
    fcntl = None  # type: ignore[assignment]

__all__ = ["JOURNAL_NAME", "Journal", "journal_path"]

#: the default database's journal; another database file gets ``<stem>.journal.jsonl``
JOURNAL_NAME = "history.journal.jsonl"
_DEFAULT_DATABASE = "tui-router.sqlite3"


def journal_path(database: Path) -> Path:
    """Where the journal of ``database`` lives: beside it, one journal per database file."""
    if database.name == _DEFAULT_DATABASE:
        return database.with_name(JOURNAL_NAME)
    return database.with_name(f"{database.stem}.journal.jsonl")


class Journal:
    """Append records (dicts with a ``kind``) and replay them through a callback."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one line and sync it; raises `OSError` when that fails too."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            with _locked(fd):
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)

    def pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def replay(self, apply: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> int:
        """Hand every record to ``apply`` (which returns those it could not apply) and keep only
        those; returns how many were applied. ``apply`` must be idempotent: a crash after it
        committed and before the file was rewritten replays the same records again."""
        if not self.pending():
            return 0
        fd = os.open(self.path, os.O_RDWR)
        try:
            with _locked(fd):
                records = list(_parse(_read_all(fd)))
                if not records:
                    return 0
                kept = apply(records)
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                if kept:
                    text = "".join(
                        json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in kept
                    )
                    os.write(fd, text.encode("utf-8"))
                os.fsync(fd)
                return len(records) - len(kept)
        finally:
            os.close(fd)


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(data: bytes) -> Iterator[dict[str, Any]]:
    """Whole lines only: a torn last line (a crash mid-append) is skipped, never fatal."""
    for line in data.decode("utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict) and "kind" in record:
                yield record
