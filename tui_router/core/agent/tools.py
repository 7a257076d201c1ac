"""The six tools the model may call, their specs, previews for approval, and one runner.

`TOOL_SPECS` is what providers offer the model. `ToolBox.run` checks a call's input against the
spec, keeps it inside the `Workspace`, saves a checkpoint before the first write to a file, runs
the tool and returns a `ToolOutcome`: the text the model sees (secrets redacted), whether it is an
error, and a one-line summary for the chat. It never raises for a bad call; only cancellation
propagates (after `run_command` has killed its process group). Permission checks are not done
here: the agent loop asks `permissions` first.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_router.core.agent import file_writes
from tui_router.core.agent import search as search_impl
from tui_router.core.agent.commands import DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S, run_shell
from tui_router.core.agent.commands import scrubbed_env as scrubbed_env
from tui_router.core.agent.workspace import ToolRefused, Workspace
from tui_router.core.conversation import ToolCall
from tui_router.core.plural import counted
from tui_router.core.providers.base import ToolSpec
from tui_router.core.redact import redact_values

if TYPE_CHECKING:
    from tui_router.core.agent.checkpoints import Checkpoint

__all__ = [
    "READ_ONLY_TOOLS",
    "TOOL_SPECS",
    "WRITE_TOOLS",
    "ToolBox",
    "ToolOutcome",
    "ToolPreview",
    "scrubbed_env",
]

#: read_file refuses files bigger than this (the model should search or page with a command).
MAX_READ_BYTES = 1_000_000
#: Lines read_file returns when no limit is given, and characters at most per call.
DEFAULT_READ_LINES = 2000
MAX_READ_CHARS = 60_000
MAX_LINE_CHARS = 2000
#: list_files shows at most this many paths; search at most this many matches.
MAX_LISTED_FILES = 1000
MAX_SEARCH_MATCHES = 200
MAX_SEARCH_CHARS = 40_000
#: Secrets shorter than this are not redacted (a 3-character "secret" would shred every output).
MIN_SECRET_CHARS = 6


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> ToolSpec:
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return ToolSpec(name, description, schema)


_PATH = {"type": "string", "description": "A path relative to the workspace root."}

TOOL_SPECS: tuple[ToolSpec, ...] = (
    _spec(
        "read_file",
        "Read a text file of the workspace. Lines come numbered ('   12\\tline'); the numbers are "
        "not part of the file. Long files come in pages: pass offset (first line, from 1) and "
        "limit (number of lines) to read more.",
        {
            "path": _PATH,
            "offset": {"type": "integer", "minimum": 1, "description": "First line (from 1)."},
            "limit": {"type": "integer", "minimum": 1, "description": "Number of lines."},
        },
        ["path"],
    ),
    _spec(
        "list_files",
        "List the files under a folder of the workspace (default: all of it), honouring "
        ".gitignore. pattern is a glob: without '/' it matches file names at any depth "
        "('*.py'), with '/' the path from the folder ('src/**/test_*.py').",
        {
            "path": {"type": "string", "description": "A folder relative to the workspace root."},
            "pattern": {"type": "string", "description": "A glob such as '*.py'."},
        },
        [],
    ),
    _spec(
        "search",
        "Search file contents with a regular expression (ripgrep syntax), honouring .gitignore. "
        "Returns 'path:line: text' lines.",
        {
            "pattern": {"type": "string", "description": "A regular expression."},
            "path": {"type": "string", "description": "A folder or file to search (default: all)."},
        },
        ["pattern"],
    ),
    _spec(
        "edit_file",
        "Replace one exact occurrence of old_text with new_text in a file. old_text must match "
        "the file exactly (whitespace included, without read_file's line numbers) and occur "
        "exactly once: include surrounding lines to make it unique.",
        {
            "path": _PATH,
            "old_text": {"type": "string", "description": "The exact text to replace."},
            "new_text": {"type": "string", "description": "The text to put in its place."},
        },
        ["path", "old_text", "new_text"],
    ),
    _spec(
        "write_file",
        "Create a file, or overwrite one, with the given content (parent folders are created). "
        "Prefer edit_file for changing part of an existing file.",
        {"path": _PATH, "content": {"type": "string", "description": "The whole new content."}},
        ["path", "content"],
    ),
    _spec(
        "run_command",
        "Run a shell command (/bin/sh -c) in the workspace root and return its output (stdout "
        "and stderr together, long output cut in the middle) and exit code. No input can be "
        "given; API keys are not in its environment.",
        {
            "command": {"type": "string", "description": "The shell command."},
            "timeout_s": {
                "type": "number",
                "minimum": 1,
                "description": f"Seconds before it is killed (default {DEFAULT_TIMEOUT_S:.0f}).",
            },
        },
        ["command"],
    ),
)
_SPECS_BY_NAME = {spec.name: spec for spec in TOOL_SPECS}

READ_ONLY_TOOLS: frozenset[str] = frozenset({"read_file", "list_files", "search"})
WRITE_TOOLS: frozenset[str] = frozenset({"edit_file", "write_file"})


@dataclass(frozen=True)
class ToolPreview:
    """What a call would do, for an approval prompt: a title, a diff for edits, the command."""

    tool: str
    title: str  # "edit_file src/utils.py", "run_command pytest -q"
    diff: str | None = None  # unified diff, a/ and b/ paths relative to the workspace
    command: str | None = None
    cwd: str | None = None
    #: the outcome, known without a run: an edit whose old_text is not in the file (the error a
    #: run would give), a write of what the file already holds. Nobody is asked about it.
    settled: ToolOutcome | None = None


@dataclass(frozen=True)
class ToolOutcome:
    """A finished call: what the model sees, and what the chat shows."""

    content: str
    is_error: bool = False
    path: str | None = None  # the file the call was about, relative to the workspace
    files_changed: tuple[str, ...] = ()
    #: one line, what the call was about and what came of it: "src/utils.py (+3 −1)",
    #: "pytest -q → exit 0", "/def main/ in src · 2 matches in 1 file"
    summary: str = ""
    diff: str | None = None
    exit_code: int | None = None  # run_command: the command's exit code
    #: shown in the chat above the content, never sent to the model: a delegated sub-task's
    #: task and the sub-agent's tool calls
    report: str | None = None

    @property
    def command_failed(self) -> bool:
        """A command that ran and exited non-zero: the call worked, what it ran did not (the
        chat's ✗, `ask`'s ✗, a failure counted toward "the same error again")."""
        return self.exit_code not in (None, 0)


class _ToolError(Exception):
    """A call that cannot be carried out; the message tells the model what to do instead."""


def check_arguments(call: ToolCall) -> str | None:
    """Why ``call``'s input does not fit its tool's schema, or None when it does."""
    spec = _SPECS_BY_NAME.get(call.name)
    if spec is None:
        return f"unknown tool {call.name!r}; the tools are: {', '.join(_SPECS_BY_NAME)}"
    if not isinstance(call.arguments, dict):
        return f"{call.name}: the input must be a JSON object"
    properties: dict[str, Any] = spec.input_schema["properties"]
    for name in spec.input_schema["required"]:
        if name not in call.arguments:
            return f"{call.name}: missing required argument {name!r}"
    for name, value in call.arguments.items():
        prop = properties.get(name)
        if prop is None:
            return (
                f"{call.name}: unknown argument {name!r}; its arguments are: "
                f"{', '.join(properties)}"
            )
        kind = prop["type"]
        ok = (
            isinstance(value, str)
            if kind == "string"
            else isinstance(value, int) and not isinstance(value, bool)
            if kind == "integer"
            else isinstance(value, int | float) and not isinstance(value, bool)
        )
        if not ok:
            return f"{call.name}: argument {name!r} must be a {kind}, got {value!r}"[:300]
        if "minimum" in prop and value < prop["minimum"]:
            return f"{call.name}: argument {name!r} must be at least {prop['minimum']}"
    return None


def unified_diff(old: str, new: str, relative: str, *, created: bool = False) -> str:
    """A unified diff of one file with ``a/`` ``b/`` paths (``/dev/null`` for a new file)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    lines = difflib.unified_diff(
        old_lines,
        new_lines,
        "/dev/null" if created else f"a/{relative}",
        f"b/{relative}",
    )
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def diff_counts(diff: str) -> tuple[int, int]:
    """(lines added, lines removed) of a unified diff."""
    added = removed = 0
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def short_line(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class ToolBox:
    """Runs tool calls inside one workspace.

    Args:
        workspace: the boundary every path goes through.
        env: the environment `run_command` gets; pass one from `scrubbed_env`.
        secrets: strings replaced by ``[redacted]`` in every output (the API keys in use), so a
            key the model somehow reads is never sent back to it or shown.
    """

    def __init__(
        self, workspace: Workspace, *, env: Mapping[str, str], secrets: Sequence[str] = ()
    ) -> None:
        self.workspace = workspace
        self.env = dict(env)
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True
        )
        self._handlers: dict[str, Callable[[dict[str, Any], Checkpoint | None], ToolOutcome]] = {
            "read_file": self._read_file,
            "list_files": self._list_files,
            "search": self._search,
            "edit_file": self._edit_file,
            "write_file": self._write_file,
        }

    # -- previews ---------------------------------------------------------------------------

    def preview(self, call: ToolCall) -> ToolPreview:
        """What ``call`` would do (a diff against the file as it is now); cheap, never raises."""
        problem = check_arguments(call)
        if problem is not None:
            return ToolPreview(call.name, call.name, settled=_failed(problem))
        args = call.arguments
        if call.name == "run_command":
            command = str(args["command"])
            return ToolPreview(
                call.name,
                f"run_command {short_line(command)}",
                command=self.redact(command),
                cwd=str(self.workspace.root),
            )
        if call.name == "search":
            return ToolPreview(call.name, f"search {search_subject(args)}")
        if call.name == "list_files":
            return ToolPreview(call.name, f"list_files {list_subject(args)}")
        try:
            path = self.workspace.resolve(args["path"], write=call.name in WRITE_TOOLS)
        except ToolRefused as exc:
            return ToolPreview(
                call.name, f"{call.name} {args['path']}", settled=_failed(f"refused: {exc}")
            )
        relative = self.workspace.relative(path)
        title = f"{call.name} {relative}"
        if call.name == "read_file":
            return ToolPreview(call.name, title)
        try:
            old, existed = _read_text_or_empty(path)
            if call.name == "write_file":
                new = args["content"]
            else:
                new = _apply_edit(old, args["old_text"], args["new_text"], relative)
        except (_ToolError, OSError) as exc:
            failure = self.redact(_failure(call.name, exc))
            return ToolPreview(call.name, title, settled=_failed(failure))
        if existed and new == old:  # (an edit cannot get here: old_text == new_text is refused)
            unchanged = ToolOutcome(
                f"{relative} already holds exactly this content; nothing was written",
                path=relative,
                summary=f"{relative} (unchanged)",
            )
            return ToolPreview(call.name, title, settled=unchanged)
        diff = unified_diff(old, new, relative, created=not existed)
        return ToolPreview(call.name, title, diff=self.redact(diff))

    # -- running ----------------------------------------------------------------------------

    async def run(self, call: ToolCall, checkpoint: Checkpoint | None = None) -> ToolOutcome:
        """Run ``call``; a bad call, a refusal or a failure is an outcome with ``is_error``."""
        problem = check_arguments(call)
        if problem is not None:
            return _failed(problem)
        try:
            if call.name == "run_command":
                outcome = await self._run_command(call.arguments)
            else:
                handler = self._handlers[call.name]
                outcome = await asyncio.to_thread(handler, call.arguments, checkpoint)
        except ToolRefused as exc:
            outcome = ToolOutcome(f"refused: {exc}", is_error=True, summary=f"refused: {exc}")
        except (_ToolError, OSError) as exc:
            outcome = _failed(_failure(call.name, exc))
        except Exception as exc:  # a bug must not end the turn; the model and the user see it
            outcome = _failed(f"{call.name} failed: {type(exc).__name__}: {exc}")
        return self._redacted(outcome)

    def redact(self, text: str) -> str:
        return redact_values(text, self._secrets)

    def _redacted(self, outcome: ToolOutcome) -> ToolOutcome:
        if not self._secrets:
            return outcome
        return replace(
            outcome,
            content=self.redact(outcome.content),
            summary=self.redact(outcome.summary),
            diff=None if outcome.diff is None else self.redact(outcome.diff),
        )

    # -- the tools --------------------------------------------------------------------------

    def _existing_file(self, given: str, *, write: bool = False) -> tuple[Path, str]:
        path = self.workspace.resolve(given, write=write)
        relative = self.workspace.relative(path)
        if path.is_dir():
            raise _ToolError(f"{relative} is a folder, not a file; use list_files to see it")
        if not path.exists():
            raise _ToolError(f"file not found: {relative}{_nearby_hint(path, self.workspace)}")
        return path, relative

    def _read_file(self, args: dict[str, Any], checkpoint: Checkpoint | None) -> ToolOutcome:
        path, relative = self._existing_file(args["path"])
        size = path.stat().st_size
        # a saved paste is the user's own text, read in pages: the limit would hide its end
        if size > MAX_READ_BYTES and not self.workspace.is_read_only_file(path):
            raise _ToolError(
                f"{relative} is {size:,} bytes, over read_file's 1 MB limit; use search to find "
                "the part you need, or run_command with head/sed to read a slice"
            )
        data = path.read_bytes()
        if b"\0" in data:
            raise _ToolError(
                f"{relative} is a binary file ({size:,} bytes); read_file shows text only"
            )
        lines = data.decode("utf-8", "replace").splitlines()
        total = len(lines)
        if total == 0:
            return ToolOutcome("(empty file)", path=relative, summary=f"{relative} (empty)")
        first = int(args.get("offset", 1))
        limit = int(args.get("limit", DEFAULT_READ_LINES))
        if first > total:
            raise _ToolError(f"{relative} has {total} lines; offset {first} is past the end")
        out: list[str] = []
        chars = 0
        last = first - 1
        for number in range(first, min(total, first - 1 + limit) + 1):
            text = lines[number - 1]
            if len(text) > MAX_LINE_CHARS:
                text = text[:MAX_LINE_CHARS] + f"… [line cut at {MAX_LINE_CHARS} characters]"
            row = f"{number:>5}\t{text}"
            if out and chars + len(row) > MAX_READ_CHARS:
                break
            out.append(row)
            chars += len(row) + 1
            last = number
        if last < total:
            out.append(
                f"[lines {first}-{last} of {total}; call read_file with offset={last + 1} "
                "to read on]"
            )
        return ToolOutcome(
            "\n".join(out),
            path=relative,
            summary=f"{relative} (lines {first}-{last} of {total})",
        )

    def _list_files(self, args: dict[str, Any], checkpoint: Checkpoint | None) -> ToolOutcome:
        base = self.workspace.resolve(args.get("path", "."))
        shown_base = self.workspace.relative(base)
        if not base.exists():
            raise _ToolError(f"folder not found: {shown_base}{_nearby_hint(base, self.workspace)}")
        subject = list_subject(args)
        if base.is_file():
            return ToolOutcome(shown_base, path=shown_base, summary=f"{subject} · 1 file")
        names = search_impl.list_files(base)
        pattern = args.get("pattern")
        if pattern:
            names = [n for n in names if search_impl.glob_matches(n, pattern)]
        prefix = "" if shown_base == "." else shown_base.rstrip("/") + "/"
        shown = [prefix + n for n in names[:MAX_LISTED_FILES]]
        if not names:
            what = f" matching {pattern!r}" if pattern else ""
            return ToolOutcome(f"no files{what} under {shown_base}", summary=f"{subject} · 0 files")
        if len(names) > MAX_LISTED_FILES:
            shown.append(
                f"[... and {len(names) - MAX_LISTED_FILES} more files; narrow with path or pattern]"
            )
        return ToolOutcome("\n".join(shown), summary=f"{subject} · {counted(len(names), 'file')}")

    def _search(self, args: dict[str, Any], checkpoint: Checkpoint | None) -> ToolOutcome:
        pattern: str = args["pattern"]
        base = self.workspace.resolve(args.get("path", "."))
        shown_base = self.workspace.relative(base)
        if not base.exists():
            raise _ToolError(f"not found: {shown_base}{_nearby_hint(base, self.workspace)}")
        try:
            matches = search_impl.search(base, pattern)
        except search_impl.SearchError as exc:
            raise _ToolError(str(exc)) from None
        subject = search_subject(args)
        if not matches:
            return ToolOutcome(
                f"no matches for /{pattern}/ in {shown_base}", summary=f"{subject} · 0 matches"
            )
        if base.is_file():
            prefix = shown_base.rsplit("/", 1)[0] + "/" if "/" in shown_base else ""
        else:
            prefix = "" if shown_base == "." else shown_base.rstrip("/") + "/"
        out: list[str] = []
        chars = 0
        for match in matches[:MAX_SEARCH_MATCHES]:
            row = f"{prefix}{match.path}:{match.line}: {match.text}"
            if out and chars + len(row) > MAX_SEARCH_CHARS:
                break
            out.append(row)
            chars += len(row) + 1
        if len(out) < len(matches):
            out.append(
                f"[... {len(matches) - len(out)} more matches not shown; narrow the pattern or "
                "the path]"
            )
        files = len({m.path for m in matches})
        return ToolOutcome("\n".join(out), summary=f"{subject} · {_found(len(matches), files)}")

    def _edit_file(self, args: dict[str, Any], checkpoint: Checkpoint | None) -> ToolOutcome:
        path, relative = self._existing_file(args["path"], write=True)
        data = path.read_bytes()
        if b"\0" in data:
            raise _ToolError(f"{relative} is a binary file; edit_file changes text files only")
        try:
            old = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _ToolError(
                f"{relative} is not UTF-8 text; edit_file changes UTF-8 files only"
            ) from None
        new = _apply_edit(old, args["old_text"], args["new_text"], relative)
        if checkpoint is not None:
            checkpoint.save(path)
        file_writes.write_bytes(path, new.encode("utf-8"))
        return self._changed(relative, old, new, created=False)

    def _write_file(self, args: dict[str, Any], checkpoint: Checkpoint | None) -> ToolOutcome:
        path = self.workspace.resolve(args["path"], write=True)
        relative = self.workspace.relative(path)
        if path.is_dir():
            raise _ToolError(f"{relative} is a folder; give a file path")
        old, existed = _read_text_or_empty(path)
        content: str = args["content"]
        if checkpoint is not None:
            checkpoint.save(path)
        missing = [folder for folder in path.parents if not folder.exists()]  # nearest first
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            file_writes.write_bytes(path, content.encode("utf-8"))
        except OSError:  # the folders made for it go again: a failed write changes nothing
            for folder in missing:
                try:
                    folder.rmdir()
                except OSError:
                    break
            raise
        return self._changed(relative, old, content, created=not existed)

    def _changed(self, relative: str, old: str, new: str, *, created: bool) -> ToolOutcome:
        diff = unified_diff(old, new, relative, created=created)
        added, removed = diff_counts(diff)
        counts = f"(+{added} −{removed})" if not created else f"(new, +{added})"
        verb = "created" if created else "edited"
        return ToolOutcome(
            f"{verb} {relative} {counts}",
            path=relative,
            files_changed=(relative,),
            summary=f"{relative} {counts}",
            diff=diff,
        )

    async def _run_command(self, args: dict[str, Any]) -> ToolOutcome:
        command: str = args["command"]
        if not command.strip():
            raise _ToolError("run_command: the command is empty")
        timeout = min(float(args.get("timeout_s", DEFAULT_TIMEOUT_S)), MAX_TIMEOUT_S)
        result = await run_shell(command, cwd=self.workspace.root, env=self.env, timeout_s=timeout)
        output = result.output if result.output.strip() else "(no output)\n"
        if not output.endswith("\n"):
            output += "\n"
        if result.timed_out:
            return ToolOutcome(
                f"{output}timed out after {timeout:g} s: the command and every process it "
                "started were killed",
                is_error=True,
                summary=f"{short_line(command)} → timed out after {timeout:g} s",
            )
        return ToolOutcome(
            f"{output}exit code {result.exit_code} ({result.duration_s:.1f} s)",
            summary=f"{short_line(command)} → exit {result.exit_code}",
            exit_code=result.exit_code,
        )


def search_subject(args: Mapping[str, Any]) -> str:
    """What a search call looks for, as its tool line says it: "/def main/ in src"."""
    return f"/{short_line(str(args.get('pattern', '')), 40)}/ in {args.get('path', '.')}"


def list_subject(args: Mapping[str, Any]) -> str:
    """What a list_files call lists, as its tool line says it: "src", "src (*.py)"."""
    pattern = args.get("pattern")
    return f"{args.get('path', '.')}" + (f" ({short_line(str(pattern), 40)})" if pattern else "")


def _found(matches: int, files: int | None) -> str:
    found = counted(matches, "match", "matches")
    return found if files is None else f"{found} in {counted(files, 'file')}"


_READ_PAGE = re.compile(r"^\[lines (\d+)-(\d+) of (\d+); call read_file", re.M)
_READ_LINE = re.compile(r"^ *(\d+)\t", re.M)
_MORE_FILES = re.compile(r"^\[\.\.\. and (\d+) more files; ", re.M)
_MORE_MATCHES = re.compile(r"^\[\.\.\. (\d+) more matches not shown; ", re.M)
_MATCH_ROW = re.compile(r"^(.*?):\d+: ")


def result_summary(call: ToolCall, content: str) -> str | None:
    """A read's summary rebuilt from the result the model saw (a resumed session keeps the
    result, not the summary): what the live tool line said after the tool's name, or None when
    the result does not tell. A search cut short no longer says in how many files."""
    args = call.arguments if isinstance(call.arguments, dict) else {}
    lines = content.splitlines()
    if call.name == "read_file":
        path = args.get("path")
        if not isinstance(path, str) or not lines:
            return None
        if content == "(empty file)":
            return f"{path} (empty)"
        page = _READ_PAGE.search(content)
        numbers = _READ_LINE.findall(content)
        if page is not None:
            return f"{path} (lines {page[1]}-{page[2]} of {page[3]})"
        return f"{path} (lines {numbers[0]}-{numbers[-1]} of {numbers[-1]})" if numbers else None
    if call.name == "list_files":
        if content.startswith("no files"):
            return f"{list_subject(args)} · 0 files"
        more = _MORE_FILES.search(content)
        count = len(lines) - 1 + int(more[1]) if more else len(lines)
        return f"{list_subject(args)} · {counted(count, 'file')}"
    if call.name == "search":
        if content.startswith("no matches for "):
            return f"{search_subject(args)} · 0 matches"
        more = _MORE_MATCHES.search(content)
        rows = [m[1] for line in lines if (m := _MATCH_ROW.match(line))]
        if more is not None:
            return f"{search_subject(args)} · {_found(len(rows) + int(more[1]), None)}"
        return f"{search_subject(args)} · {_found(len(rows), len(set(rows)))}"
    return None


def _read_text_or_empty(path: Path) -> tuple[str, bool]:
    """The file's text (undecodable bytes replaced) and True, or ("", False) if it is absent."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "", False
    return data.decode("utf-8", "replace"), True


def _failed(message: str) -> ToolOutcome:
    """A call that failed, as a run answers it and a preview settles it."""
    return ToolOutcome(message, is_error=True, summary=short_line(message))


def _failure(tool: str, exc: _ToolError | OSError) -> str:
    """What the model is told when a tool fails (the same from a run and from a preview)."""
    if isinstance(exc, _ToolError):
        return str(exc)
    return f"{tool} failed: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")


def _apply_edit(old: str, old_text: str, new_text: str, relative: str) -> str:
    """``old`` with the one occurrence of ``old_text`` replaced; `_ToolError` with a hint else."""
    if not old_text:
        raise _ToolError(
            "old_text is empty; give the exact text to replace (use write_file for a new file)"
        )
    if old_text == new_text:
        raise _ToolError("old_text and new_text are the same; nothing to change")
    count = old.count(old_text)
    if count == 0 and "\r\n" in old and "\r\n" not in old_text:
        # the file has Windows line endings, the model wrote Unix ones
        crlf_old, crlf_new = old_text.replace("\n", "\r\n"), new_text.replace("\n", "\r\n")
        if old.count(crlf_old) == 1:
            return old.replace(crlf_old, crlf_new, 1)
    if count == 1:
        return old.replace(old_text, new_text, 1)
    if count == 0:
        raise _ToolError(f"old_text not found in {relative}; {_not_found_hint(old, old_text)}")
    starts: list[int] = []
    at = old.find(old_text)
    while at != -1 and len(starts) < 5:
        starts.append(old.count("\n", 0, at) + 1)
        at = old.find(old_text, at + 1)
    lines = ", ".join(str(n) for n in starts) + (", ..." if count > len(starts) else "")
    raise _ToolError(
        f"old_text occurs {count} times in {relative} (at lines {lines}); include more of the "
        "surrounding text so it occurs exactly once"
    )


def _not_found_hint(old: str, old_text: str) -> str:
    first = old_text.strip().splitlines()[0].strip() if old_text.strip() else ""
    if any(line[:7].strip().isdigit() and "\t" in line[:8] for line in old_text.splitlines()):
        return "it seems to include read_file's line numbers; give the file's text without them"
    if " ".join(old_text.split()) and " ".join(old_text.split()) in " ".join(old.split()):
        return (
            "it matches when whitespace is ignored: copy the exact indentation and line breaks "
            "from read_file"
        )
    if first and first in old:
        line = old.count("\n", 0, old.find(first)) + 1
        return f"its first line occurs at line {line}; read the file again and copy exactly"
    return "read the file again and copy the text exactly"


def _nearby_hint(path: Path, workspace: Workspace) -> str:
    """ "; did you mean src/util.py?" for a near-miss name in the same folder, else ""."""
    try:
        siblings = [p.name for p in path.parent.iterdir()] if path.parent.is_dir() else []
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, siblings, n=1, cutoff=0.7)
    if not close:
        return ""
    return f"; did you mean {workspace.relative(path.parent / close[0])}?"
