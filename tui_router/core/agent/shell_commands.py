"""What a shell command line runs, as the permission rules see it.

A ``run_command`` call is one line for ``sh -c``. Rules name programs (``rm``, ``git push``), so
a deny rule has to find a program wherever the line runs it, not only at the start of each part
between ``;`` ``&&`` ``||`` ``|`` ``&``. `commands_run` lists every simple command of a line,
looking through what hides a program's name from that split:

* command and process substitutions, ``$(…)``, backticks, ``<(…)``, ``>(…)``: what is inside runs;
* subshells and groups ``( … )``, ``{ …; }``, and the words of ``if``/``while``/``for``
  (``then rm x``);
* wrappers that run the rest of their line: ``env``, ``time``, ``nohup``, ``nice``, ``timeout``,
  ``sudo``, ``xargs``, ``command``, ``exec``, ``stdbuf`` and the like (the wrapper's own
  command is listed too: a rule may name it);
* a shell's ``-c STRING`` (``sh -c``, ``bash -lc``), ``eval`` and ``env -S``: the string is a
  line of its own;
* ``find … -exec CMD …``.

It is a best effort, not a sandbox: a program can do anything its language allows (``python3 -c``,
a script, a Makefile), so a deny rule keeps the model from running a command by its name, not
from reaching the same effect another way. Quotes are not parsed when a line is split: a
separator inside quotes splits too, which only makes a deny rule stricter.
"""

from __future__ import annotations

import re
import shlex

_SEPARATORS = re.compile(r"\|\||&&|[;|\n&]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: words that open or continue a compound command: the program is the next word
_KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "("})
#: programs that run the rest of their line, and their options that take a value (the next
#: word); words before the command that are not options (timeout's duration) in `_LEADING_ARGS`
_WRAPPERS: dict[str, frozenset[str]] = {
    "env": frozenset({"-u", "--unset", "-C", "--chdir"}),
    "time": frozenset({"-f", "--format", "-o", "--output"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "--class", "-n", "--classdata"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "sudo": frozenset({"-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt",
                       "-C", "-D", "--chdir", "-r", "--role", "-t", "--type", "-U", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "xargs": frozenset({"-I", "-n", "--max-args", "-P", "--max-procs", "-d", "--delimiter",
                        "-L", "--max-lines", "-s", "--max-chars", "-E", "-a", "--arg-file"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "setsid": frozenset(),
    "chronic": frozenset(),
    "unbuffer": frozenset(),
    "watch": frozenset({"-n", "--interval", "-d"}),
    "strace": frozenset({"-o", "-e", "-p", "-s", "-u"}),
    "ltrace": frozenset({"-o", "-e", "-p", "-s", "-u"}),
    "chroot": frozenset({"--userspec", "--groups"}),
    "busybox": frozenset(),
}  # fmt: skip
_LEADING_ARGS = {"timeout": 1, "chroot": 1}
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish"})
#: a redirection word: `<`, `<<<`, `>>`, `2>`, `2>&1`, `&>` (with or without its target attached)
_REDIRECTION = re.compile(r"^\d*(<<<|<<|<|>>|>|&>)")
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
#: the word a substitution leaves in its line (what it runs is listed on its own)
_SUBSTITUTED = "$(…)"
#: how deep substitutions and ``-c`` strings are followed (a line nested deeper is unusual)
_MAX_DEPTH = 8


def command_parts(command: str) -> list[str]:
    """The simple commands of a shell line, split at ``;`` ``&&`` ``||`` ``|`` ``&`` and new
    lines, as written (substitutions and wrappers are not looked into: see `commands_run`)."""
    return [part.strip() for part in _SEPARATORS.split(command) if part.strip()]


def shell_parts(command: str) -> list[str] | None:
    """The simple commands of a shell line split where the shell splits it: at ``;`` ``&&``
    ``||`` ``|`` ``&`` and new lines outside quotes, not at the ``&`` of a redirection
    (``2>&1``, ``&>``) or the ``|`` of ``>|``. None for a line with an unclosed quote.

    What an allow rule is matched against: `command_parts` also splits inside quotes, which
    makes a deny rule stricter but an allow rule looser (``python3 -c 'a; b'`` is one command,
    not ``python3 -c 'a`` and ``b'``)."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(command):
        char = command[i]
        following = command[i + 1 : i + 2]
        if quote is not None:
            current.append(char)
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"' and following:
                current.append(following)
                i += 1
        elif char == "\\" and following:
            current.extend((char, following))
            i += 1
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char in ";&|\n" and not _in_redirection(current, char, following):
            parts.append("".join(current))
            current = []
            if char in "&|" and following in ("&", "|"):  # `&&`, `||`, `|&`: one separator
                i += 1
        else:
            current.append(char)
        i += 1
    if quote is not None:
        return None
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _in_redirection(before: list[str], char: str, following: str) -> bool:
    """Whether ``char`` (``&`` or ``|``) belongs to a redirection: ``>&`` ``<&`` ``&>`` ``>|``."""
    last = before[-1] if before else ""
    if char == "&":
        return last in ("<", ">") or following == ">"
    return char == "|" and last == ">"


#: output redirections whose target is a file (`>&` is one when its target is not a descriptor)
_WRITES = frozenset({">", ">>", ">|", "&>", "&>>", ">&"})


def writes_a_file(part: str) -> bool:
    """Whether the simple command ``part`` redirects its output into a file (``> f``, ``>> f``,
    ``&> f``): anything but ``/dev/null`` or another descriptor (``2>&1``, ``>&2``). A part
    that cannot be read counts as writing."""
    lexer = shlex.shlex(part, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return True
    for token, target in zip(tokens, [*tokens[1:], ""], strict=True):
        if token not in _WRITES:
            continue
        if token == ">&" and (target.isdigit() or target == "-"):
            continue  # one descriptor onto another
        if target != "/dev/null":
            return True
    return False


def command_words(part: str, *, keep_path: bool = False) -> list[str]:
    """The words of one simple command, from the program on: leading ``NAME=value``
    assignments dropped, and the program's path reduced to its name (``/bin/rm`` → ``rm``)
    unless ``keep_path``: what a deny rule sees, where any ``rm`` is ``rm``. An allow rule
    keeps the path: ``./python`` is not the ``python`` a yes was given to."""
    try:
        words = shlex.split(part)
    except ValueError:  # an unclosed quote: the plain words still name the program
        words = part.split()
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)
    if words and "/" in words[0] and not keep_path:
        words[0] = words[0].rsplit("/", 1)[-1]
    return words


def commands_run(line: str) -> list[list[str]]:
    """The words of every simple command ``line`` runs (see the module docstring), outermost
    first; a wrapper's own command and the command it runs are both listed."""
    found: list[list[str]] = []
    _collect_line(line, found, 0)
    return found


def hidden_program(line: str) -> str | None:
    """Why ``line`` runs something no rule can name, or None: a shell that reads its program
    from a pipe or a here-string (``echo "rm x" | sh``), or a program named by a variable or a
    substitution (``$x x``, ``$(echo rm) x``). A deny rule cannot be checked against those."""
    for words in commands_run(line):
        program = words[0]
        if program.startswith("$") or program == _SUBSTITUTED:
            return "a program named by a variable or a substitution"
        if program in _SHELLS and not _operands(words[1:]):
            return f"{program} reading its program from its input"
    return None


def _operands(args: list[str]) -> list[str]:
    """``args`` without options and redirections (``< file``, ``<<< text``, ``2>&1``)."""
    kept: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif _REDIRECTION.match(word):
            skip = word.rstrip("0123456789&") in ("<", "<<", "<<<", ">", ">>", "&>")
        elif not word.startswith("-"):
            kept.append(word)
    return kept


def _collect_line(line: str, found: list[list[str]], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    outer, inner = _substitutions(line)
    for text in inner:
        _collect_line(text, found, depth + 1)
    for part in command_parts(outer):
        words = command_words(part.strip("(){} \t"))
        _collect_words(words, found, depth)


def _collect_words(words: list[str], found: list[list[str]], depth: int) -> None:
    while words and (words[0] in _KEYWORDS or _ASSIGNMENT.match(words[0])):
        words = words[1:]
    if not words or depth > _MAX_DEPTH:
        return
    # a function's body (`f(){ rm x; }`, `function f { rm x; }`) and a case branch
    # (`case a in a) rm x;;`) run what follows the `{` or the `)`
    for index, word in enumerate(words[:-1]):
        if word.endswith(("{", ")")) and (words[0] in ("case", "function") or "(" in word):
            _collect_words(words[index + 1 :], found, depth + 1)
            break
    if "/" in words[0]:
        words = [words[0].rsplit("/", 1)[-1], *words[1:]]
    found.append(words)
    program, rest = words[0], words[1:]
    if program in _SHELLS:
        script = _shell_script(rest)
        if script is not None:
            _collect_line(script, found, depth + 1)
        for index, word in enumerate(rest[:-1]):
            if word == "<<<":  # `sh <<< "rm x"`: the here-string is the program
                _collect_line(rest[index + 1], found, depth + 1)
    elif program == "eval":
        _collect_line(" ".join(rest), found, depth + 1)
    elif program == "find":
        for index, word in enumerate(rest):
            if word in _FIND_EXEC:
                _collect_words(rest[index + 1 :], found, depth + 1)
    elif program in _WRAPPERS:
        if program == "env":  # env -S 'rm x': the string is split into words and run
            for index, word in enumerate(rest[:-1]):
                if word in ("-S", "--split-string"):
                    _collect_line(rest[index + 1], found, depth + 1)
        _collect_words(_after_wrapper(program, rest), found, depth + 1)


def _after_wrapper(program: str, rest: list[str]) -> list[str]:
    """The command a wrapper runs: ``rest`` after the wrapper's options (and their values)."""
    takes_value = _WRAPPERS[program]
    leading = _LEADING_ARGS.get(program, 0)
    index = 0
    while index < len(rest):
        word = rest[index]
        if word == "--":
            index += 1
            break
        if word.startswith("-") and len(word) > 1:
            index += 2 if word in takes_value else 1
        elif program == "env" and _ASSIGNMENT.match(word):
            index += 1
        elif leading:
            leading -= 1
            index += 1
        else:
            break
    return rest[index:]


def _shell_script(args: list[str]) -> str | None:
    """The string ``sh -c STRING`` runs (``-c`` may be among other flags: ``-lc``, ``-e -c``)."""
    reads_string = False
    for word in args:
        if word.startswith("-") and not word.startswith("--") and len(word) > 1:
            reads_string = reads_string or "c" in word[1:]
            continue
        return word if reads_string else None
    return None


def _substitutions(line: str) -> tuple[str, list[str]]:
    """``line`` with each ``$(…)``, ``<(…)``, ``>(…)`` and backtick part replaced by a plain
    word, and the text of each (nested ones are found when that text is read in its turn)."""
    inner: list[str] = []
    out: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char in "$<>" and line.startswith("(", index + 1):
            end = _closing_paren(line, index + 2)
            inner.append(line[index + 2 : end])
            out.append(f" {_SUBSTITUTED} ")
            index = end + 1
        elif char == "`":
            end = line.find("`", index + 1)
            end = len(line) if end < 0 else end
            inner.append(line[index + 1 : end])
            out.append(f" {_SUBSTITUTED} ")
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out), inner


def _closing_paren(line: str, start: int) -> int:
    """The index of the ``)`` that closes a ``(`` just before ``start`` (the end of the line
    when it is never closed)."""
    depth = 1
    for index in range(start, len(line)):
        if line[index] == "(":
            depth += 1
        elif line[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return len(line)
