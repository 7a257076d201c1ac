"""Theme files -> `textual.theme.Theme`, the palette's theme picker, and saving the choice.

A theme file is TOML: ``name``, ``dark``, a ``[colors]`` table (Textual's base colours; only
``primary`` is required) and a ``[variables]`` table with tui-router's own CSS variables
(``$cost-ok``, ``$tier-frontier``, ...; see `APP_VARIABLES`). The shipped themes are the files in
the repository's top-level ``themes/``, which the wheel carries as ``tui_router/themes/``
(`builtin_themes_dir`); a user adds more by dropping files in ``<config dir>/themes/``
(a user file with a shipped theme's name replaces it). A broken file never stops the app: it is
skipped and described in one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import Theme

from tui_router.core.errors import UserFacingError
from tui_router.core.paths import ensure_dir, get_paths

DEFAULT_THEME = "tui-router-dark"

#: The app's own CSS variables: name -> (what it colours, value used when a theme omits it).
#: The fallbacks also serve Textual's built-in themes, which know nothing of these names.
APP_VARIABLES: dict[str, tuple[str, str]] = {
    "cost-ok": ("spend well under budget, savings", "#98c379"),
    "cost-warn": ("spend nearing the budget, a pricier choice", "#e5a550"),
    "cost-over": ("budget exceeded, unknown price (n/a)", "#e06c75"),
    "tier-local": ("local tier label", "#9aa5b1"),
    "tier-fast": ("fast tier label", "#56b6c2"),
    "tier-balanced": ("balanced tier label", "#61afef"),
    "tier-frontier": ("frontier tier label", "#c678dd"),
    "suggestion": ("routing suggestion bar", "#e5c07b"),
}

#: Defaults for `App.get_theme_variable_defaults`, so every theme can render the app's CSS.
APP_VARIABLE_DEFAULTS: dict[str, str] = {name: value for name, (_, value) in APP_VARIABLES.items()}

COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
TOP_KEYS = ("name", "dark", "colors", "variables", "description")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ThemeFileError(ValueError):
    """One broken theme file; the message is one line naming the file and the key."""


class ThemeSaveError(UserFacingError):
    """The theme choice could not be written to config.toml."""


def builtin_themes_dir() -> Path:
    """The folder of the shipped theme files: ``tui_router/themes/`` in an installed wheel
    (force-included there from the top-level ``themes/``), else ``themes/`` beside the package
    (a source checkout or an editable install)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "themes"
    return installed if installed.is_dir() else package.parent / "themes"


def user_themes_dir() -> Path:
    """Where a user drops extra theme files (not created until needed)."""
    return get_paths().config_dir / "themes"


def load_themes(extra_dirs: Iterable[Path] = ()) -> tuple[list[Theme], list[str]]:
    """Load the shipped theme files, then those in ``extra_dirs`` (later names replace earlier).

    Returns:
        The valid themes, and one error line per broken file (file name and key).
    """
    by_name: dict[str, Theme] = {}
    errors: list[str] = []
    for folder in (builtin_themes_dir(), *extra_dirs):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileError as exc:
                errors.append(str(exc))
                continue
            by_name[theme.name] = theme
    return list(by_name.values()), errors


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file; raise `ThemeFileError` naming the file and key."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeFileError(f"{where}: cannot read the theme file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{where}: not valid TOML: {exc}") from None
    return parse_theme(data, where)


def parse_theme(data: dict[str, Any], where: str) -> Theme:
    """Validate a parsed theme file into a `Theme` with every app variable filled in."""
    for key in data:
        if key not in TOP_KEYS:
            raise ThemeFileError(_unknown(where, key, TOP_KEYS))
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ThemeFileError(
            f'{where}: name must be a word such as "my-theme" (letters, digits, - _ .), '
            f"got {name!r}"
        )
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{where}: dark must be true or false, got {dark!r}")
    colors = _table(data, "colors", where)
    for key, value in colors.items():
        if key not in COLOR_KEYS:
            raise ThemeFileError(
                _unknown(where, f"colors.{key}", [f"colors.{k}" for k in COLOR_KEYS])
            )
        _check_color(value, f"colors.{key}", where)
    if "primary" not in colors:
        raise ThemeFileError(f'{where}: colors.primary is required (e.g. primary = "#61afef")')
    variables = _table(data, "variables", where)
    for key, value in variables.items():
        if key not in APP_VARIABLES:
            close = difflib.get_close_matches(key, list(APP_VARIABLES), n=1, cutoff=0.75)
            if close:  # a near miss of one of ours is a typo, not a Textual variable
                raise ThemeFileError(
                    f"{where}: unknown key 'variables.{key}'; did you mean 'variables.{close[0]}'?"
                )
            if not isinstance(value, str) or not value:
                raise ThemeFileError(f"{where}: variables.{key} must be a CSS value in quotes")
            continue
        _check_color(value, f"variables.{key}", where)
    # A theme that leaves an app variable out falls back to its own matching base colour.
    derived = {
        "cost-ok": colors.get("success"),
        "cost-warn": colors.get("warning"),
        "cost-over": colors.get("error"),
        "suggestion": colors.get("accent"),
        "tier-frontier": colors.get("secondary"),
        "tier-balanced": colors.get("primary"),
    }
    filled = {k: v for k, v in derived.items() if v}
    return Theme(
        name=name,
        dark=dark,
        variables={**APP_VARIABLE_DEFAULTS, **filled, **variables},
        **colors,
    )


def register_app_themes(app: App[Any]) -> list[str]:
    """Register the shipped and the user's themes with ``app``; return the error lines."""
    themes, errors = load_themes((user_themes_dir(),))
    for theme in themes:
        app.register_theme(theme)
    return errors


def apply_theme(app: App[Any], wanted: str | None, *, before_run: bool = False) -> str | None:
    """Switch ``app`` to ``wanted``, or to the default when it is unknown (returns why).

    ``before_run``: the app has not started yet (its constructor calls this), see `_set_theme`.
    """
    if wanted and wanted in app.available_themes:
        _set_theme(app, wanted, before_run)
        return None
    fallback = DEFAULT_THEME if DEFAULT_THEME in app.available_themes else "textual-dark"
    _set_theme(app, fallback, before_run)
    if not wanted:
        return None
    close = difflib.get_close_matches(wanted, list(app.available_themes), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"theme {wanted!r} is not installed{hint}; using {fallback}"


def _set_theme(app: App[Any], name: str, before_run: bool) -> None:
    """Set ``app.theme``; before the app runs, a dark theme skips Textual's theme watcher.

    The watcher queues a full re-parse of every stylesheet, which before the first frame is pure
    waste (nothing has been parsed yet): it doubled the CSS work of start-up (~6 ms). Until the
    app runs, what the watcher does that matters is the value, the theme's class and the CSS
    variables (the stylesheet was built with the default theme's); a dark theme's ANSI palette
    is the one the app was built with. A light theme needs the watcher's light ANSI palette, and
    takes the usual path.
    """
    theme = app.get_theme(name)
    if not before_run or theme is None or not theme.dark or not app.current_theme.dark:
        app.theme = name
        return
    app.set_reactive(App.theme, name)
    app.add_class(f"-theme-{name}", update=False)
    app.stylesheet.set_variables(app.get_css_variables())


def theme_errors_message(errors: Iterable[str]) -> str:
    """All theme problems as the text of one notification."""
    lines = list(errors)
    head = (
        "A theme file has a problem"
        if len(lines) == 1
        else f"{len(lines)} theme files have problems"
    )
    return head + " (skipped):\n" + "\n".join(f"• {line}" for line in lines)


class ThemeProvider(Provider):
    """Command-palette entries "Theme: NAME": apply a theme and remember it in config.toml."""

    def _themes(self) -> list[tuple[str, Theme]]:
        themes = self.app.available_themes
        ours = sorted(n for n in themes if n.startswith("tui-router"))
        others = sorted(n for n in themes if not n.startswith("tui-router"))
        return [(name, themes[name]) for name in (*ours, *others)]

    def _help(self, theme: Theme) -> str:
        kind = "dark" if theme.dark else "light"
        current = " · current" if theme.name == self.app.theme else ""
        return f"{kind} theme{current}; saved to config.toml"

    async def discover(self) -> Hits:
        for name, theme in self._themes():
            yield DiscoveryHit(f"Theme: {name}", partial(self._apply, name), help=self._help(theme))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, theme in self._themes():
            text = f"Theme: {name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self._apply, name),
                    help=self._help(theme),
                )

    def _apply(self, name: str) -> None:
        self.app.theme = name
        try:
            path = save_theme_choice(name)
        except UserFacingError as exc:
            self.app.notify(str(exc), title="Theme not saved", severity="warning")
            return
        self.app.notify(f"Theme {name} saved to {path}", timeout=3)


def save_theme_choice(name: str, config_file: Path | None = None) -> Path:
    """Set ``theme = "NAME"`` in config.toml, keeping every other line as it was.

    Only the top-level ``theme`` line is replaced (or one is added above the first table); the
    result is parsed again and must equal the old settings plus the new theme, otherwise nothing
    is written and `ThemeSaveError` says how to do it by hand.
    """
    path = config_file or get_paths().config_file
    new_line = f"theme = {json.dumps(name)}"
    if not path.exists():
        ensure_dir(path.parent)
        _write(path, new_line + "\n", mode=0o600)
        return path
    try:
        text = path.read_text(encoding="utf-8")
        before = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeSaveError(
            f"{path}: cannot save the theme, the file does not parse ({exc}); "
            f"fix it or add {new_line} by hand"
        ) from None
    updated = _set_top_level_line(text, new_line)
    expected = {**before, "theme": name}
    try:
        ok = tomllib.loads(updated) == expected
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise ThemeSaveError(
            f"{path}: could not safely change the theme line; "
            f"add {new_line} above the first [table] by hand"
        )
    _write(path, updated, mode=path.stat().st_mode & 0o777)
    return path


_THEME_KEY_RE = re.compile(r"""^\s*(theme|"theme"|'theme')\s*=""")
_TABLE_RE = re.compile(r"""^\s*\[\[?\s*[\w"'. -]+\]\]?\s*(#.*)?$""")


def _set_top_level_line(text: str, new_line: str) -> str:
    lines = text.splitlines(keepends=True)
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    first_table = next((i for i, line in enumerate(lines) if _TABLE_RE.match(line)), len(lines))
    for i in range(first_table):
        if _THEME_KEY_RE.match(lines[i]):
            lines[i] = new_line + nl
            return "".join(lines)
    top_level = [
        i for i in range(first_table) if lines[i].strip() and not lines[i].lstrip().startswith("#")
    ]
    if top_level:  # right after the last top-level setting
        insert_at, block = top_level[-1] + 1, [new_line + nl]
    else:  # above the first table and the comment lines that belong to it
        insert_at = first_table
        while insert_at > 0 and lines[insert_at - 1].lstrip().startswith("#"):
            insert_at -= 1
        block = [new_line + nl] + ([nl] if insert_at < len(lines) else [])
    if insert_at > 0 and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += nl
    lines[insert_at:insert_at] = block
    return "".join(lines)


def _write(path: Path, text: str, mode: int) -> None:
    """Replace ``path`` atomically so a crash never leaves half a config file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unknown(where: str, key: str, valid: Iterable[str]) -> str:
    options = list(valid)
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(options)}"
    return f"{where}: unknown key {key!r}{hint}"


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ThemeFileError(f"{where}: {key} must be a table ([{key}])")
    return value


def _check_color(value: Any, key: str, where: str) -> None:
    if not isinstance(value, str):
        raise ThemeFileError(f'{where}: {key} must be a colour in quotes such as "#61afef"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(
            f'{where}: {key} = {value!r} is not a colour (use "#rrggbb", "rgb(r,g,b)" or a '
            "colour name)"
        ) from None
