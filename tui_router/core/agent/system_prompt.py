"""The agent's system prompt: what tui-router is, its tool rules, and where it is working.

Built once when a session starts and kept for the session, so the tools + system prefix stays
byte-identical from step to step and turn to turn (that prefix is what the prompt cache reuses;
a system prompt that changed with every ``git status`` would miss the cache on every call).
It holds the workspace path, the OS, the date, the git branch and a short ``git status``, and the
workspace's ``AGENTS.md`` (or ``CLAUDE.md``) capped at `INSTRUCTIONS_CAP` characters.
"""

from __future__ import annotations

import platform
import subprocess
from datetime import date
from pathlib import Path

#: the most characters of AGENTS.md / CLAUDE.md the prompt carries
INSTRUCTIONS_CAP = 8_000
#: the most lines of ``git status --short`` the prompt carries
STATUS_LINES = 20
INSTRUCTION_FILES = ("AGENTS.md", "CLAUDE.md")

RULES = """\
You are tui-router, a coding assistant working in the user's repository through tools.
- Use the tools to look before you change: read_file, list_files and search are cheap.
- Change files with edit_file (one exact, unique occurrence of old_text; include enough \
surrounding lines to make it unique) or write_file (whole new files). Never paste a changed \
file into your answer instead of editing it.
- Paths are relative to the workspace root. Reading outside it needs the user's yes; writing \
outside it is refused.
- run_command runs a shell command in the workspace root (tests, linters, builds). \
Prefer the project's own test command. Commands and edits may need the user's approval; \
a refusal comes back as the tool's result: adapt, do not retry the same call.
- When the work is done, answer briefly: what you changed and how you checked it."""

CHAT_RULES = """\
You are tui-router, a coding assistant in the user's terminal. No tools are available in this \
turn: answer in text (markdown; code in fenced blocks)."""


def build_system_prompt(workspace: Path, *, tools: bool = True, today: date | None = None) -> str:
    """The system prompt for a session working in ``workspace``."""
    parts = [RULES if tools else CHAT_RULES]
    env = [
        f"Workspace: {workspace}",
        f"OS: {platform.system()} {platform.release()}".rstrip(),
        f"Date: {(today or date.today()).isoformat()}",
    ]
    git = _git_summary(workspace)
    if git:
        env.append(git)
    parts.append("\n".join(env))
    instructions = project_instructions(workspace)
    if instructions:
        name, text = instructions
        parts.append(f"Project instructions ({name}):\n{text}")
    return "\n\n".join(parts)


def project_instructions(workspace: Path) -> tuple[str, str] | None:
    """(file name, text) of AGENTS.md or else CLAUDE.md at the workspace root, capped."""
    for name in INSTRUCTION_FILES:
        path = workspace / name
        try:
            if not path.is_file():
                continue
            with path.open("rb") as handle:
                raw = handle.read(INSTRUCTIONS_CAP + 1)
        except OSError:
            continue
        text = raw.decode("utf-8", errors="replace")
        if len(text) > INSTRUCTIONS_CAP:
            text = text[:INSTRUCTIONS_CAP] + f"\n[… {name} cut at {INSTRUCTIONS_CAP:,} characters]"
        return name, text.strip()
    return None


def _git_summary(workspace: Path) -> str | None:
    """ "Git branch: main" and a short status, or None outside a repository (or without git)."""
    if _git(workspace, "rev-parse", "--git-dir") is None:
        return None
    # symbolic-ref names the branch also before its first commit; a detached HEAD has none
    branch = _git(workspace, "symbolic-ref", "--short", "-q", "HEAD") or "(detached HEAD)"
    lines = [f"Git branch: {branch.strip() or '(none)'}"]
    status = _git(workspace, "status", "--short", "--untracked-files=normal")
    if status is not None:
        changed = [line for line in status.splitlines() if line.strip()]
        if not changed:
            lines.append("Git status: clean")
        else:
            shown = "\n".join(changed[:STATUS_LINES])
            more = len(changed) - STATUS_LINES
            tail = f"\n… and {more} more" if more > 0 else ""
            lines.append(f"Git status (short):\n{shown}{tail}")
    return "\n".join(lines)


def _git(workspace: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
