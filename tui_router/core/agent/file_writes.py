"""How the agent writes a file: so that everything that trusts a file's time sees the change.

Python's bytecode cache takes a module's ``.pyc`` as current while the source has the same size
and the same modification time *in whole seconds* as when it was compiled (pytest's cache of
rewritten test modules, and make, judge by the time too). An agent writes fast: a model's edit,
the check that imports it, the checkpoint put back and the next model's edit can all land within
one second, and a one-character fix (``a - b`` to ``a + b``) keeps the size. The check then runs
the code of an earlier version, and the verified cascade escalates for a fix that was right (or
accepts one that was wrong).

So every write here leaves the file with a modification second later than any it had before:
the time the write gave it when the clock has moved on (the usual case), otherwise one second
past the latest earlier one, at most a second or two ahead of the clock. "Earlier" covers what
the file says before the write and what this process last gave it, so a file removed and made
again (a checkpoint put back, then a new model creating it anew) counts too.
"""

from __future__ import annotations

import os
from pathlib import Path

_SECOND = 1_000_000_000
#: The modification time (ns) each path was last given here (a few entries: the files a session
#: writes).
_last_written: dict[Path, int] = {}


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (made or replaced) and make its modification second newer
    than that of every earlier version of it (module docstring)."""
    key = path.absolute()
    try:
        before = path.stat().st_mtime_ns
    except OSError:  # a new file
        before = 0
    earlier = max(before, _last_written.get(key, 0))
    path.write_bytes(data)
    stat = path.stat()
    mtime = stat.st_mtime_ns
    if mtime // _SECOND <= earlier // _SECOND:
        mtime = (earlier // _SECOND + 1) * _SECOND
        os.utime(path, ns=(stat.st_atime_ns, mtime))
    _last_written[key] = mtime
