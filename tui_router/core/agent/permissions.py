"""Permissions: whether a tool call runs at once ("allow"), after a yes ("ask"), or never ("deny").

Rules come from config (``[permissions] allow`` / ``deny``), from ``--allow-tool`` style flags
(``allow_tools``) and from the session's "always" answers (`Permissions.remember_always`). A rule
is ``TOOL`` or ``TOOL:PATTERN``:

* ``TOOL`` is a tool name, or a glob over tool names (``edit_*``, ``*``);
* for ``run_command`` the PATTERN is a command prefix in words, with globs: ``rm`` matches
  ``rm -rf build``, ``git push`` matches ``git push origin main``, ``rm *`` the same as ``rm``.
  A deny rule matching any command the line runs denies the whole: every part between ``;``
  ``&&`` ``||`` ``|`` and new lines, and what substitutions, subshells, wrappers (``env``,
  ``sudo``, ``xargs``…) and ``sh -c`` strings run (`shell_commands.commands_run`, a best effort:
  ``python3 -c`` can still do what ``rm`` does). An allow rule covers a command only when every
  part is allowed, and never a command with ``$(``, backticks or ``<(``, which can run anything;
* for the other tools the PATTERN is a glob matched against the path relative to the workspace,
  and against the file name (``read_file:*.pem``, ``edit_file:src/*``); ``*`` crosses ``/``.

The decision, in order:

1. a deny rule from config matches → deny (nothing overrides it, not even ``--yes``);
2. into ``.git`` for a write, a special file, or a write outside the workspace and every extra
   folder → deny, with the reason;
3. a read (read_file, list_files, search) outside the workspace and every extra folder → ask,
   unless an "always" for that path allows it; ``--yes`` never covers it (deny: nobody was
   asked). A yes lets that one call read that path (`PermissionCheck.outside`);
4. ``approve_all`` (``--yes``) → allow;
5. a file that looks like a secret (``.env*``, ``*.pem``, ``*.key``, ``id_*`` SSH keys) → ask,
   unless an allow rule *with a pattern* names it (a bare tool name does not);
6. a path in an extra folder → ask, unless an allow rule with a pattern matches it;
7. read_file, list_files, search → allow (inside the workspace, or a saved paste the workspace
   lets them read: `Workspace.allow_reading`);
8. edit_file, write_file, run_command → ask, unless an allow rule matches.

Tools this module does not know (a later ``delegate``, say) are asked about unless allowed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tui_router.core.agent.shell_commands import command_parts as command_parts  # re-exported
from tui_router.core.agent.shell_commands import (
    command_words,
    commands_run,
    hidden_program,
    shell_parts,
    writes_a_file,
)
from tui_router.core.agent.workspace import ToolRefused, Workspace
from tui_router.core.config_records import PermissionsConfig as PermissionsConfig  # re-exported
from tui_router.core.conversation import ToolCall

Verdict = Literal["allow", "ask", "deny"]

#: Every tool name a rule may name without a glob (config checks spellings against it).
KNOWN_TOOLS: tuple[str, ...] = (
    "read_file",
    "list_files",
    "search",
    "edit_file",
    "write_file",
    "run_command",
    "delegate",
)
_UNSAFE_FOR_ALLOW = ("$(", "`", "<(", ">(")
_TOOL_PART = re.compile(r"^[A-Za-z0-9_*?\[\]-]+$")


@dataclass(frozen=True)
class PermissionCheck:
    verdict: Verdict
    reason: str
    #: a read outside the workspace and every extra folder, asked about (or allowed by an
    #: "always" for that path): what the call may read, and only while it runs
    #: (`Workspace.reading_outside`)
    outside: Path | None = None


@dataclass(frozen=True)
class Rule:
    """One parsed rule: a tool glob and an optional argument pattern."""

    text: str
    tool: str
    pattern: str | None

    def names_tool(self, tool: str) -> bool:
        return fnmatch.fnmatchcase(tool, self.tool)


def parse_rule(text: str) -> Rule:
    """``TOOL`` or ``TOOL:PATTERN`` as a `Rule`; ValueError (message fit for a person) if not."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError('a rule must be a non-empty string such as "run_command:pytest"')
    tool, sep, pattern = text.strip().partition(":")
    tool = tool.strip()
    if not _TOOL_PART.match(tool):
        raise ValueError(f"{text!r}: the part before ':' must be a tool name or a glob")
    if not any(ch in tool for ch in "*?[") and tool not in KNOWN_TOOLS:
        from tui_router.core.errors import did_you_mean

        guess = did_you_mean(tool, KNOWN_TOOLS)
        hint = f"did you mean {guess!r}?" if guess else "tools: " + ", ".join(KNOWN_TOOLS)
        raise ValueError(f"{text!r}: unknown tool {tool!r}; {hint}")
    if sep and not pattern.strip():
        raise ValueError(f"{text!r}: nothing after ':'; give a pattern or drop the ':'")
    return Rule(text.strip(), tool, pattern.strip() if sep else None)


#: tools whose first word says little: the next one names what runs ("git status", "npm test")
_SUBCOMMAND_TOOLS = frozenset(
    {"git", "npm", "pnpm", "yarn", "bun", "cargo", "go", "uv", "poetry", "pdm", "hatch", "pipx",
     "pip", "pip3", "docker", "kubectl", "make", "just", "dotnet", "bundle", "gradle", "mvn"}
)  # fmt: skip
#: ... and after these verbs the one after ("uv run pytest", "npm run test", "bundle exec rspec")
_RUN_VERBS = frozenset({"run", "exec", "x"})
#: interpreters and launchers: their script or module names what runs ("python3 -m pytest",
#: "node build.js", "npx prettier"); with code on the line (-c, -e) only that exact command
_INTERPRETERS = frozenset(
    {"python", "python3", "node", "deno", "ruby", "perl", "php", "bash", "sh", "zsh", "npx",
     "bunx", "uvx", "sudo", "env", "xargs", "time", "nice", "timeout"}
)  # fmt: skip


def command_prefix(words: list[str]) -> list[str]:
    """The words of a command an "always" answer covers: what names the program that runs.

    ``pytest -q`` → ``pytest``; ``git status`` → ``git status`` (not every git command: a yes to
    ``git status`` is no yes to ``git push``); ``uv run pytest -q`` → ``uv run pytest``;
    ``python3 -m pytest`` → ``python3 -m pytest`` (a yes to it is no yes to ``python3 -c …``,
    which can do anything); ``python3 -c CODE`` → the whole command.
    """
    first = words[0].rsplit("/", 1)[-1]  # (what kind of program; the words keep its path)
    if first in _INTERPRETERS:
        if len(words) >= 3 and words[1] == "-m":
            return words[:3]
        if len(words) >= 2 and not words[1].startswith("-"):
            return words[:2]
        return words
    if first in _SUBCOMMAND_TOOLS and len(words) >= 2:
        return words[:3] if words[1] in _RUN_VERBS and len(words) >= 3 else words[:2]
    return words[:1]


def _words_match(pattern: str, words: list[str]) -> bool:
    """A command prefix pattern (``rm``, ``git push``, ``rm *``) against a command's words."""
    candidate = " ".join(words)
    return fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(candidate, pattern + " *")


def _command_matches(pattern: str, part: str) -> bool:
    return _words_match(pattern, command_words(part)) or _words_match(pattern, part.split())


class Permissions:
    """Decides allow / ask / deny for each tool call of a session.

    Args:
        config: the ``[permissions]`` rules.
        approve_all: ``--yes``: every call that no deny rule stops and that stays within the
            workspace and its extra folders runs without asking, secrets included.
        allow_tools: more allow rules (same syntax), e.g. from command-line flags.
    """

    def __init__(
        self,
        config: PermissionsConfig,
        *,
        approve_all: bool = False,
        allow_tools: Iterable[str] = (),
    ) -> None:
        self.config = config
        self.approve_all = approve_all
        self._deny = [parse_rule(text) for text in config.deny]
        self._allow = [parse_rule(text) for text in (*config.allow, *allow_tools)]
        self._always: list[Rule] = []
        # imported here, not at the top: the tools module brings asyncio and subprocess
        from tui_router.core.agent.search import is_secret_name
        from tui_router.core.agent.tools import READ_ONLY_TOOLS, WRITE_TOOLS

        self._read_only, self._writes = READ_ONLY_TOOLS, WRITE_TOOLS
        self._path_tools = READ_ONLY_TOOLS | WRITE_TOOLS
        self._is_secret = is_secret_name
        #: the path each checked call resolved to, for `remember_always` ("always" for that path)
        self._checked_paths: dict[str, str] = {}

    def check(self, call: ToolCall, workspace: Workspace) -> PermissionCheck:
        name = call.name
        args = call.arguments if isinstance(call.arguments, dict) else {}
        command = args.get("command") if name == "run_command" else None
        relative: str | None = None
        outside_root = False
        beyond: Path | None = None  # a read outside the workspace and every extra folder
        if name in self._path_tools:
            given = args.get("path", "." if name in ("list_files", "search") else None)
            if isinstance(given, str):
                reading = name in self._read_only
                try:
                    resolved = workspace.resolve(given, write=name in self._writes, outside=reading)
                except ToolRefused as exc:
                    return PermissionCheck("deny", str(exc))
                relative = workspace.relative(resolved)
                if not (workspace.is_allowed(resolved) or workspace.is_read_only_file(resolved)):
                    beyond = resolved
                # a saved paste is outside the root but the user's own text: read without asking
                outside_root = not (
                    workspace.is_inside(resolved) or workspace.is_read_only_file(resolved)
                )
                self._checked_paths[call.id] = relative
        for deny in self._deny:
            if self._matches(deny, name, relative, command, deny=True):
                return PermissionCheck("deny", f"denied by the config rule {deny.text!r}")
        if isinstance(command, str) and any(d.names_tool(name) and d.pattern for d in self._deny):
            hidden = hidden_program(command)
            if hidden is not None:  # what it runs cannot be checked against the deny rules
                return PermissionCheck(
                    "deny", f"{hidden}: the [permissions] deny rules cannot be checked against it"
                )
        if beyond is not None:
            if rule := self._allowed_outside(name, str(beyond)):
                return PermissionCheck("allow", f"allowed by {rule.text!r}", outside=beyond)
            if self.approve_all:
                return PermissionCheck(
                    "deny",
                    f"{relative} is outside the workspace, and --yes does not cover that: add "
                    "its folder to [permissions] extra_dirs",
                )
            return PermissionCheck("ask", f"{relative} is outside the workspace", outside=beyond)
        if self.approve_all:
            return PermissionCheck("allow", "approved by --yes")
        if relative is not None and self._is_secret(relative.rsplit("/", 1)[-1]):
            if rule := self._allowed(name, relative, command, with_pattern=True):
                return PermissionCheck("allow", f"allowed by {rule.text!r}")
            return PermissionCheck("ask", f"{relative} looks like a secret (keys, .env)")
        if outside_root:
            if rule := self._allowed(name, relative, command, with_pattern=True):
                return PermissionCheck("allow", f"allowed by {rule.text!r}")
            return PermissionCheck("ask", f"{relative} is outside the workspace (an extra folder)")
        if name in self._read_only:
            return PermissionCheck("allow", "reads inside the workspace")
        if rule := self._allowed(name, relative, command, with_pattern=False):
            return PermissionCheck("allow", f"allowed by {rule.text!r}")
        if name in self._writes:
            return PermissionCheck("ask", f"changes {relative}")
        if name == "run_command":
            return PermissionCheck("ask", "runs a command")
        return PermissionCheck("ask", f"{name} is not a known tool")

    def remember_always(self, call: ToolCall) -> str:
        """Allow calls like ``call`` for the rest of the session; return what was allowed
        (`always_for`'s words)."""
        rules, description = self._always_rules(call)
        self._always.extend(rules)
        return description

    @property
    def always_rules(self) -> tuple[Rule, ...]:
        """This session's "always" answers as rules, oldest first (the store keeps them, so a
        resumed session holds them again: `restore_always`)."""
        return tuple(self._always)

    def restore_always(self, rules: Iterable[Rule]) -> None:
        """Hold again the "always" answers a resumed session had given."""
        self._always.extend(rule for rule in rules if rule not in self._always)

    def forget_always(self) -> None:
        """A new session (`/new`): the panel said "this session", so the answers end here."""
        self._always.clear()

    def always_for(self, call: ToolCall) -> str:
        """What an "always" answer to ``call`` would allow, said before it is given:
        "commands starting with 'pytest'", "every edit_file call", "read_file on .env"."""
        return self._always_rules(call)[1]

    def _always_rules(self, call: ToolCall) -> tuple[list[Rule], str]:
        """The rules an "always" answer to ``call`` adds, and their description.

        run_command: the words of each part that name the program (`command_prefix`), so
        ``pytest -q`` and ``pytest tests/`` run without asking but ``rm`` still asks. A secret
        file or a path outside the workspace (as `check` resolved it for this call): that exact
        path. Anything else: the tool.
        """
        args = call.arguments if isinstance(call.arguments, dict) else {}
        if call.name == "run_command" and isinstance(args.get("command"), str):
            # each part of a compound command (`cd src && pytest`): a compound is allowed when
            # every part is, so one rule for the first part left the next one asking again
            prefixes = [
                " ".join(command_prefix(words))
                for part in shell_parts(args["command"]) or command_parts(args["command"])
                if (words := command_words(part, keep_path=True))
            ]
            prefixes = list(dict.fromkeys(prefixes))
            if prefixes:
                rules = [Rule(f"run_command:{p}", "run_command", _glob_escape(p)) for p in prefixes]
                return rules, "commands starting with " + ", ".join(map(repr, prefixes))
        path = self._checked_paths.get(call.id)
        if (
            call.name in self._path_tools
            and path is not None
            and (self._is_secret(path.rsplit("/", 1)[-1]) or Path(path).is_absolute())
        ):
            rule = Rule(f"{call.name}:{path}", call.name, _glob_escape(path))
            return [rule], f"{call.name} on {path}"
        return [Rule(call.name, _glob_escape(call.name), None)], f"every {call.name} call"

    def describe(self) -> list[str]:
        """Lines for a /permissions view: the rules in force and this session's "always" list."""
        lines = ["read_file, list_files, search inside the workspace: allowed"]
        if self.approve_all:
            lines.append("--yes: every other call allowed too, except the deny rules below")
        else:
            lines.append("edit_file, write_file, run_command: asked, unless allowed below")
        lines.append("files that look like secrets (.env*, *.pem, *.key, id_* keys): asked")
        lines += [f"deny (config): {rule.text}" for rule in self._deny] or ["deny: none"]
        lines += [f"allow: {rule.text}" for rule in self._allow] or ["allow: none"]
        lines += [f"extra folder (asked): {d}" for d in self.config.extra_dirs]
        lines += [f"always (this session): {rule.text}" for rule in self._always]
        return lines

    # -- matching ---------------------------------------------------------------------------

    def _allowed_outside(self, name: str, path: str) -> Rule | None:
        """An allow or "always" rule naming ``path`` (outside the workspace) by its absolute
        path: a rule written for the workspace (``read_file:*``, a file name) never reaches out."""
        for rule in (*self._allow, *self._always):
            pattern = rule.pattern or ""
            if (
                rule.names_tool(name)
                and pattern.startswith("/")
                and fnmatch.fnmatchcase(path, pattern)
            ):
                return rule
        return None

    def _allowed(
        self, name: str, relative: str | None, command: object, *, with_pattern: bool
    ) -> Rule | None:
        rules = [
            rule
            for rule in (*self._allow, *self._always)
            if rule.names_tool(name) and not (with_pattern and rule.pattern is None)
        ]
        if isinstance(command, str) and name == "run_command":
            # every part of a compound command must be allowed, each by some rule
            if any(rule.pattern is None for rule in rules):
                return next(rule for rule in rules if rule.pattern is None)
            # split where the shell splits (a `;` inside quotes is no separator), and never a
            # part that writes a file: `> path` would make any allowed program a writer of any
            # file, around the diff an edit is approved with
            parts = shell_parts(command)
            if (
                not parts
                or any(unsafe in command for unsafe in _UNSAFE_FOR_ALLOW)
                or any(writes_a_file(part) for part in parts)
            ):
                return None
            found: Rule | None = None
            for part in parts:
                words = command_words(part, keep_path=True)  # ./python is no `python`
                found = next(
                    (r for r in rules if r.pattern and _words_match(r.pattern, words)), None
                )
                if found is None:
                    return None
            return found
        for rule in rules:
            if self._matches(rule, name, relative, command, deny=False):
                return rule
        return None

    @staticmethod
    def _matches(
        rule: Rule, name: str, relative: str | None, command: object, *, deny: bool
    ) -> bool:
        if not rule.names_tool(name):
            return False
        if rule.pattern is None:
            return True
        if isinstance(command, str):
            if not deny:
                return False  # allow rules for commands are matched in `_allowed`
            # every command the line runs: in substitutions, behind wrappers, in `sh -c`
            pattern = rule.pattern
            return (
                any(_words_match(pattern, words) for words in commands_run(command))
                or any(_command_matches(pattern, part) for part in command_parts(command))
                or _command_matches(pattern, command)
            )
        if relative is not None:
            file_name = relative.rsplit("/", 1)[-1]
            return fnmatch.fnmatchcase(relative, rule.pattern) or fnmatch.fnmatchcase(
                file_name, rule.pattern
            )
        return False


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
