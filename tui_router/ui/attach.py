"""`@path` attachments and oversized pastes: read, count tokens, decide whether they can be sent.

Plain Python (no textual), run off the UI thread: reading and counting a 1 MB text takes a moment.
Every refusal is one line naming the file, its size in tokens and what it would cost. An ``@path``
outside the workspace (and its extra folders) is not read until the person says yes
(`AttachResult.outside`). A paste too large for the model can be saved as a file in the
session's data folder (`save_paste`): the prompt then carries a short note, and the agent's
read_file and search read the file itself, read-only.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tui_router.core.agent.workspace import ToolRefused, Workspace
from tui_router.core.paths import ensure_dir, get_paths
from tui_router.ui import format as fmt

ATTACH_PATTERN = re.compile(r"(?<!\S)@(\S+)")
SNIFF_BYTES = 8192
#: Files above this size are refused before reading them whole (no model takes 2M tokens).
MAX_READ_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file (or a large paste) that will travel with the prompt."""

    label: str  # "src/app.py" or "paste #1"
    text: str
    tokens: int

    def as_prompt_block(self) -> str:
        return f'<file path="{self.label}">\n{self.text}\n</file>'

    def summary(self) -> str:
        return f"{self.label} · {self.tokens:,} tokens"


@dataclass(frozen=True)
class SavedPaste(Attachment):
    """A paste saved as a file: ``text`` is the note the prompt carries instead of it."""

    path: Path
    size: int  # bytes of the saved file
    lines: int
    paste_tokens: int

    def as_prompt_block(self) -> str:
        return self.text

    def summary(self) -> str:
        return (
            f"{self.label} · saved as a file ({_size(self.size)}, {self.paste_tokens:,} tokens; "
            "the agent reads it in parts)"
        )


@dataclass(frozen=True)
class AttachResult:
    attachments: list[Attachment]
    problems: list[str]  # one line each; any problem means nothing is sent
    #: (the reference as typed, its real path): outside the workspace, not read — ask first
    outside: list[tuple[str, Path]] = field(default_factory=list)


#: (tokens) -> (estimated input cost on the current model or None, model id, context window)
CostEstimator = Callable[[int], tuple[Decimal | None, str, int | None]]
TokenCounter = Callable[[str], int]


def find_references(prompt: str) -> list[str]:
    return [m.group(1).rstrip(".,;:!?)") for m in ATTACH_PATTERN.finditer(prompt)]


def names_a_path(ref: str, cwd: Path) -> bool:
    """Whether ``@ref`` names something that exists (a file, folder, link or special file):
    only then is it an attachment; ``@property`` or ``@app.route(...)`` is plain text."""
    if not ref or "\0" in ref:
        return False
    try:
        return os.path.lexists(Path(cwd, ref).expanduser())
    except (OSError, ValueError):
        return False


def attach_files(
    prompt: str,
    cwd: Path,
    count: TokenCounter,
    estimate: CostEstimator,
    *,
    extra_dirs: Sequence[Path] = (),
    approved: Collection[Path] = (),
) -> AttachResult:
    """Read every ``@path`` in ``prompt`` that names an existing path, relative to ``cwd``.

    The path goes through `Workspace.resolve` (symlinks and ``..`` followed first). Special
    files (FIFOs, devices, /proc) are refused, never read. A file outside ``cwd`` and
    ``extra_dirs`` is read only when its real path is in ``approved`` (the person said yes);
    otherwise it is listed in `AttachResult.outside`, unread, for the caller to ask about.
    """
    workspace = Workspace(cwd, extra_dirs)
    attachments: list[Attachment] = []
    problems: list[str] = []
    outside: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for ref in find_references(prompt):
        if ref in seen or not names_a_path(ref, cwd):
            continue
        seen.add(ref)
        try:
            path = workspace.resolve(ref, outside=True)
        except ToolRefused as exc:
            problems.append(f"@{ref} refused: {exc} — nothing was sent")
            continue
        if path.is_dir():
            problems.append(f"@{ref} is a folder; attach files one by one — nothing was sent")
            continue
        label = ref
        if not workspace.is_allowed(path):
            if not path.exists():  # a dangling link: nothing to ask about
                problems.append(f"@{ref}: no such file ({path}) — nothing was sent")
                continue
            if path not in approved:
                outside.append((ref, path))
                continue
            label = str(path)  # the model cannot resolve "../x" or "~/x" against its workspace
        try:
            data = _read_regular(path)
        except _TooLarge as exc:
            problems.append(_too_large(f"@{ref}", exc.size // 4, estimate, approximate=True))
            continue
        except OSError as exc:
            problems.append(f"@{ref}: cannot read it ({exc.strerror or exc}) — nothing was sent")
            continue
        size = len(data)
        text = _decode_text(data)
        if text is None:
            problems.append(
                f"@{ref} is a binary file ({size:,} bytes, ~{size // 4:,} tokens if sent as text, "
                f"est. {_cost(size // 4, estimate)}): only text files can be attached"
                " — nothing was sent"
            )
            continue
        tokens = count(text)
        problem = check_fits(f"@{ref}", tokens, estimate)
        if problem:
            problems.append(problem)
            continue
        attachments.append(Attachment(label, text, tokens))
    return AttachResult(attachments, problems, outside)


def complete_path(fragment: str, root: Path, limit: int = 2000) -> str | None:
    """What tab adds after ``@fragment``: the longest common continuation of the names under
    ``root`` that start with it ("/" after a lone folder, " " after a lone file), or None."""
    folder, _, stem = fragment.rpartition("/")
    base = Path(root, folder) if folder else Path(root)
    try:
        names = []
        with os.scandir(base) as entries:
            for count, entry in enumerate(entries):
                if count >= limit:
                    break
                if entry.name.startswith(stem) and (stem.startswith(".") or entry.name[0] != "."):
                    names.append((entry.name, entry.is_dir()))
    except OSError:
        return None
    if not names:
        return None
    if len(names) == 1:
        name, is_dir = names[0]
        return name[len(stem) :] + ("/" if is_dir else " ")
    return common_prefix([n for n, _ in names])[len(stem) :] or None


def common_prefix(words: list[str]) -> str:
    """The longest string every one of ``words`` starts with (character by character)."""
    if not words:
        return ""
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, at most `MAX_READ_BYTES`: opened without blocking (a FIFO
    swapped in after the check does not hang the turn) and checked again once open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file: {path}")
        if info.st_size > MAX_READ_BYTES:
            raise _TooLarge(info.st_size)
        data = handle.read(MAX_READ_BYTES + 1)
    if len(data) > MAX_READ_BYTES:
        raise _TooLarge(len(data))
    return data


def check_fits(label: str, tokens: int, estimate: CostEstimator) -> str | None:
    """A refusal line when ``tokens`` exceed the current model's context window, else None."""
    _cost_usd, _model, window = estimate(tokens)
    if window and tokens > window:
        return _too_large(label, tokens, estimate)
    return None


#: (model id, est. input cost, context window) of a model whose window holds a text
Holder = tuple[str, Decimal | None, int]


def holders_line(holders: list[Holder]) -> str:
    """Where a text too large for the current model can go: the cheapest model that holds it."""
    if not holders:
        return "no available model's window holds it; send a part of it"
    model, cost, window = holders[0]
    return (
        f"it fits {model} ({fmt.context_window(window)}, est. {fmt.usd(cost, estimated=True)} "
        f"as input): /model {model}, then send"
    )


def window_holders(c: Any, tokens: int) -> list[Holder]:
    """The available models of the session ``c`` whose context window holds ``tokens``,
    cheapest input first."""
    from tui_router.core.ledger import estimate_call

    models = [m for ms in c.catalog.by_tier().values() for m in ms] + list(c.catalog.untiered())
    holders: list[Holder] = [
        (m.id, estimate_call(m, tokens, 0).usd, m.context_window)
        for m in models
        if m.available and m.context_window and m.context_window >= tokens
    ]
    return sorted(holders, key=lambda h: (h[1] is None, h[1] or 0))


# -- a paste attached as a file ------------------------------------------------------------------
#: Lines of the paste's head and tail the note shows, and the characters kept of each.
NOTE_HEAD_LINES = 5
NOTE_TAIL_LINES = 5
NOTE_LINE_CHARS = 200


def pastes_folder(session_id: str) -> Path:
    """Where a session's saved pastes live: its own folder in the data directory (not the
    workspace: a paste is not part of the project, and must not land in its git status)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", session_id) or "_"
    return get_paths().data_dir / "pastes" / safe


def session_pastes(session_id: str) -> list[Path]:
    """The pastes saved in ``session_id`` so far (they stay with the session: a resumed
    session's history names them, and its agent may read them again)."""
    folder = pastes_folder(session_id)
    try:
        return sorted(p for p in folder.iterdir() if p.name.startswith("paste-"))
    except OSError:
        return []


def save_paste(paste: Attachment, session_id: str, count: TokenCounter) -> SavedPaste:
    """Write ``paste`` to a new owner-only file in the session's folder and return the note
    that travels with the prompt instead of it. Raises OSError (disk full, read-only home)."""
    folder = ensure_dir(pastes_folder(session_id))
    data = paste.text.encode("utf-8")
    number = len(session_pastes(session_id)) + 1
    while True:  # O_EXCL: two pastes saved at once never share a file
        path = folder / f"paste-{number}.txt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            number += 1
            continue
        break
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    lines = paste.text.splitlines()
    note = paste_note(paste.label, path, len(data), lines, paste.tokens)
    return SavedPaste(paste.label, note, count(note), path, len(data), len(lines), paste.tokens)


def paste_note(label: str, path: Path, size: int, lines: list[str], tokens: int) -> str:
    """What the model sees instead of the paste: where it is, how big, its first and last
    lines, and how to read the rest."""

    def shown(numbered: list[tuple[int, str]]) -> list[str]:
        out = []
        for number, line in numbered:
            if len(line) > NOTE_LINE_CHARS:
                line = line[:NOTE_LINE_CHARS] + "…"
            out.append(f"{number:>6}\t{line}")
        return out

    head = list(enumerate(lines[:NOTE_HEAD_LINES], 1))
    tail_from = max(len(head), len(lines) - NOTE_TAIL_LINES)
    tail = list(enumerate(lines[tail_from:], tail_from + 1))
    parts = [
        f'<pasted-file name="{label}" path="{path}" size="{_size(size)}" lines="{len(lines):,}"'
        f' tokens="{tokens:,}">',
        f"The user pasted this text ({label}); it is too large to send whole, so it was saved "
        "to the file above. Read it in parts with read_file (path, offset, limit) or find what "
        "you need with search (pattern, path set to that file). The file is read-only.",
        "First lines:",
        *shown(head),
    ]
    if tail:
        if tail_from > len(head):
            parts.append("…")
        parts += ["Last lines:", *shown(tail)]
    parts.append("</pasted-file>")
    return "\n".join(parts)


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def describe_paste(chars: int, tokens: int, estimate: CostEstimator) -> str:
    cost, model, _window = estimate(tokens)
    return (
        f"Large paste ({chars:,} characters) kept as an attachment: {tokens:,} tokens, "
        f"est. {fmt.usd(cost, estimated=True)} as input on {model}"
    )


def _too_large(label: str, tokens: int, estimate: CostEstimator, approximate: bool = False) -> str:
    _cost_usd, model, window = estimate(tokens)
    about = "~" if approximate else ""
    return (
        f"{label} is {about}{tokens:,} tokens "
        f"(est. {_cost(tokens, estimate)} as input on {model}), "
        f"more than its {fmt.context_window(window)} window — nothing was sent"
    )


def _cost(tokens: int, estimate: CostEstimator) -> str:
    cost, _model, _window = estimate(tokens)
    return fmt.usd(cost, estimated=True)


def _decode_text(data: bytes) -> str | None:
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
