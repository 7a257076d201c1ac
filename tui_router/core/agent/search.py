"""File listing and regex search for the agent, honouring .gitignore.

ripgrep does the work when an ``rg`` binary is found (on PATH, or the one the ``ripgrep`` wheel
puts beside the Python executable); otherwise a pure-Python walk with a .gitignore matcher does
(slower, same results for the usual ignore files). Both include hidden files, never enter
``.git``, honour .gitignore files whether or not the folder is a git repository, and do not
follow symlinks. `search` never shows lines of files that look like secrets (`is_secret_name`):
a model can ask for one by name with read_file, which the permission check stops to ask about.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: File names `search` skips and `permissions` asks about before a read: .env files, PEM and
#: .key files, and SSH private keys (``id_*`` without an extension: id_rsa, id_ed25519).
#: ``.env.example`` and friends are templates, not secrets; ``*.pub`` keys are public.
SECRET_GLOBS = (".env", ".env.*", "*.pem", "*.key")
NOT_SECRET_GLOBS = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.pub")

#: Longest line text shown per search match.
MAX_MATCH_CHARS = 300
#: Bytes of rg output read at most (a search matching every line of a huge tree stops here).
MAX_RG_OUTPUT = 8_000_000


def is_secret_name(name: str) -> bool:
    """Whether a file name (not a path) looks like a secret (`SECRET_GLOBS`)."""
    if any(fnmatch.fnmatchcase(name, glob) for glob in NOT_SECRET_GLOBS):
        return False
    if name.startswith("id_") and "." not in name:
        return True
    return any(fnmatch.fnmatchcase(name, glob) for glob in SECRET_GLOBS)


class SearchError(Exception):
    """The search cannot run as asked (an invalid regex, say); the message is for the model."""


@dataclass(frozen=True)
class Match:
    path: str  # relative to the searched root, posix
    line: int
    text: str


@functools.cache
def ripgrep() -> str | None:
    """The ``rg`` binary to use, or None (then the pure-Python fallback runs)."""
    found = shutil.which("rg")
    if found:
        return found
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "rg"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _rg_common(rg: str) -> list[str]:
    # --no-require-git: a .gitignore counts outside a git repository too (as in the fallback)
    return [rg, "--no-config", "--hidden", "--no-require-git", "--glob", "!.git"]


def glob_matches(relative: str, pattern: str) -> bool:
    """A list_files pattern: without a '/', it matches the file name at any depth ("*.py");
    with one, the path from the listed folder ("src/*.py", "tests/**/test_*.py")."""
    if "/" not in pattern.strip("/"):
        return fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], pattern.strip("/"))
    regex = _glob_regex(pattern.strip("/"))
    return regex.fullmatch(relative) is not None


def list_files(root: Path, *, use_rg: bool | None = None) -> list[str]:
    """Every file under ``root`` not ignored, as sorted posix paths relative to ``root``."""
    rg = ripgrep() if use_rg is not False else None
    if rg is not None:
        proc = subprocess.run(
            [*_rg_common(rg), "--files", "--null", "."],
            cwd=root,
            capture_output=True,
            check=False,
        )
        if proc.returncode in (0, 1):
            names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            return sorted(n.removeprefix("./") for n in names if n)
        # rg failed (an unreadable folder at the top, say): fall back
    return sorted(_walk(root))


def search(root: Path, pattern: str, *, use_rg: bool | None = None) -> list[Match]:
    """Lines under ``root`` (a folder or one file) matching the regex ``pattern``, sorted by path
    and line. Binary files and secret-looking files are skipped. Raises `SearchError`."""
    rg = ripgrep() if use_rg is not False else None
    if rg is not None:
        return _search_rg(rg, root, pattern)
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise SearchError(f"invalid regex {pattern!r}: {exc}") from None
    if root.is_file():
        files = [(root.name, root)]
    else:
        files = [(rel, root / rel) for rel in sorted(_walk(root))]
    matches: list[Match] = []
    for rel, path in files:
        if is_secret_name(path.name):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:65536]:
            continue  # binary
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if regex.search(line):
                matches.append(Match(rel, number, line[:MAX_MATCH_CHARS]))
    return matches


def _search_rg(rg: str, root: Path, pattern: str) -> list[Match]:
    target = root.name if root.is_file() else "."
    cwd = root.parent if root.is_file() else root
    args = [
        *_rg_common(rg),
        "--line-number",
        "--with-filename",
        "--no-heading",
        "--color",
        "never",
        "--null",
        "--max-columns",
        str(MAX_MATCH_CHARS),
        "--max-columns-preview",
        "--regexp",
        pattern,
        "--",
        target,
    ]
    proc = subprocess.run(args, cwd=cwd, capture_output=True, check=False)
    if proc.returncode == 2 and not proc.stdout:
        message = proc.stderr.decode("utf-8", "replace").strip()
        if "regex" in message.lower():
            # rg's message spans lines with a caret diagram; the model needs the gist
            lines = [line for line in message.splitlines() if line.strip()]
            detail = lines[-1].removeprefix("error: ").strip() if lines else message
            raise SearchError(f"invalid regex {pattern!r}: {detail}")
        raise SearchError(f"search failed: {message.splitlines()[0] if message else 'rg error'}")
    matches: list[Match] = []
    out = proc.stdout[:MAX_RG_OUTPUT].decode("utf-8", "replace")
    for record in out.splitlines():
        path, sep, rest = record.partition("\0")
        number, sep2, text = rest.partition(":")
        if not sep or not sep2 or not number.isdigit():
            continue
        path = path.removeprefix("./")
        if not is_secret_name(path.rsplit("/", 1)[-1]):
            matches.append(Match(path, int(number), text))
    matches.sort(key=lambda m: (m.path, m.line))
    return matches


# -- the pure-Python fallback -----------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # matches the path from the .gitignore's folder, not just the name


def _glob_regex(glob: str) -> re.Pattern[str]:
    """A gitignore-style glob as a regex over a posix path: ``*`` and ``?`` stay within one
    path segment, ``**`` spans segments, ``[...]`` is a character class."""
    out = ""
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out += "/.*"
            i += 3
        elif glob.startswith("**", i):
            out += ".*"
            i += 2
        elif glob[i] == "*":
            out += "[^/]*"
            i += 1
        elif glob[i] == "?":
            out += "[^/]"
            i += 1
        elif glob[i] == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out += re.escape("[")
                i += 1
            else:
                body = glob[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out += f"[{body}]"
                i = end + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out += re.escape(glob[i + 1])
            i += 2
        else:
            out += re.escape(glob[i])
            i += 1
    return re.compile(out)


def _parse_gitignore(text: str) -> list[_Rule]:
    rules: list[_Rule] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if raw.endswith("\\ "):  # an escaped trailing space is kept
            line = raw[:-2] + " "
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith("\\"):  # "\#" and "\!" escape a leading # or !
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        rules.append(_Rule(_glob_regex(line), negate, dir_only, anchored))
    return rules


def _ignored(stack: list[tuple[str, list[_Rule]]], rel: str, name: str, is_dir: bool) -> bool:
    """Whether ``rel`` (from the walk's root) is ignored; the last matching rule decides."""
    verdict = False
    for base, rules in stack:
        sub = rel[len(base) + 1 :] if base else rel
        for rule in rules:
            if rule.dir_only and not is_dir:
                continue
            target = sub if rule.anchored else name
            if rule.regex.fullmatch(target):
                verdict = not rule.negate
    return verdict


def _walk(root: Path) -> Iterator[str]:
    """Relative posix paths of the files under ``root``, honouring every .gitignore on the way."""
    stack: list[tuple[str, list[_Rule]]] = []
    yield from _walk_dir(root, "", stack)


def _walk_dir(folder: Path, rel: str, stack: list[tuple[str, list[_Rule]]]) -> Iterator[str]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    pushed = False
    for entry in entries:
        if entry.name == ".gitignore" and entry.is_file(follow_symlinks=False):
            try:
                text = Path(entry.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            stack.append((rel, _parse_gitignore(text)))
            pushed = True
            break
    for entry in entries:
        if entry.name == ".git":
            continue
        child = f"{rel}/{entry.name}" if rel else entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if _ignored(stack, child, entry.name, is_dir):
            continue
        if is_dir:
            yield from _walk_dir(Path(entry.path), child, stack)
        elif entry.is_file(follow_symlinks=False):
            yield child
    if pushed:
        stack.pop()
