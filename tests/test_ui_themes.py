"""Theme files: the shipped ones load, broken ones are reported once, the choice persists."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static
from ui_support import palette_offers, type_text

from tui_router.core.config import load_config
from tui_router.core.paths import get_paths
from tui_router.ui.themes import (
    APP_VARIABLES,
    DEFAULT_THEME,
    ThemeSaveError,
    apply_theme,
    builtin_themes_dir,
    load_theme_file,
    load_themes,
    register_app_themes,
    save_theme_choice,
    theme_errors_message,
    user_themes_dir,
)

SHIPPED = {"tui-router-dark", "tui-router-light", "tui-router-contrast"}


class ThemedApp(App[None]):
    """A tiny app whose CSS uses the app's own variables, as the real widgets do."""

    CSS = """
    #cost { color: $cost-ok; background: $tier-frontier 20%; }
    #warn { color: $cost-warn; border: solid $suggestion; }
    """

    def get_theme_variable_defaults(self) -> dict[str, str]:
        from tui_router.ui.themes import APP_VARIABLE_DEFAULTS

        return APP_VARIABLE_DEFAULTS

    def compose(self) -> ComposeResult:
        yield Static("$0.0123", id="cost")
        yield Static("budget 80%", id="warn")


def test_shipped_themes_load_with_every_app_variable() -> None:
    themes, errors = load_themes()
    assert errors == []
    by_name = {t.name: t for t in themes}
    assert set(by_name) >= SHIPPED
    assert by_name["tui-router-light"].dark is False
    assert by_name["tui-router-dark"].dark is True
    for theme in themes:
        assert set(APP_VARIABLES) <= set(theme.variables), theme.name
    # each file sets its own colours rather than leaning on the fallbacks
    assert (
        by_name["tui-router-light"].variables["cost-ok"]
        != by_name["tui-router-dark"].variables["cost-ok"]
    )


def test_the_shipped_theme_files_load() -> None:
    folder = builtin_themes_dir()
    files = sorted(folder.glob("*.toml"))
    assert len(files) >= 3
    assert {load_theme_file(p).name for p in files} >= SHIPPED
    assert {tomllib.loads(p.read_text())["name"] for p in files} >= SHIPPED


def test_the_shipped_themes_live_at_the_top_level_and_the_wheel_carries_them() -> None:
    import tui_router

    root = Path(tui_router.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file():  # a source checkout: the files are in themes/
        assert builtin_themes_dir() == root / "themes"
        pyproject = tomllib.loads((root / "pyproject.toml").read_text())
        wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
        assert wheel["force-include"]["themes"] == "tui_router/themes"
    else:  # an installed wheel: they were force-included into the package
        assert builtin_themes_dir() == root / "tui_router" / "themes"


def test_a_theme_without_app_variables_gets_them_from_its_own_colours(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[colors]\nprimary = "#112233"\nsuccess = "#00ff00"\n')
    theme = load_theme_file(path)
    assert theme.variables["cost-ok"] == "#00ff00"  # from success
    assert theme.variables["tier-balanced"] == "#112233"  # from primary
    assert set(APP_VARIABLES) <= set(theme.variables)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('name = "bad"\n[colors]\nprimary = "#12345z"\n', "colors.primary"),
        ('name = "bad"\n[colors]\nprimray = "#123456"\n', "colors.primray"),
        (
            'name = "bad"\n[colors]\nprimary = "#123456"\n[variables]\ncost-warm = "red"\n',
            "variables.cost-warm",
        ),
        (
            'name = "bad"\n[colors]\nprimary = "#123456"\n[variables]\ncost-ok = "nope"\n',
            "variables.cost-ok",
        ),
        ('[colors]\nprimary = "#123456"\n', "name"),
        ('name = "bad"\n', "colors.primary"),
        ('name = "bad"\ncolors = [1\n', "not valid TOML"),
    ],
)
def test_a_broken_theme_file_is_one_error_naming_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    (tmp_path / "broken.toml").write_text(text)
    (tmp_path / "fine.toml").write_text('name = "fine"\n[colors]\nprimary = "#336699"\n')
    themes, errors = load_themes([tmp_path])
    assert len(errors) == 1
    assert "broken.toml" in errors[0] and key in errors[0]
    assert "\n" not in errors[0]
    names = {t.name for t in themes}
    assert "fine" in names and "bad" not in names and names >= SHIPPED


def test_did_you_mean_for_a_misspelt_variable(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text(
        'name = "typo"\n[colors]\nprimary = "#123456"\n[variables]\ntier-fronteir = "red"\n'
    )
    _, errors = load_themes([tmp_path])
    assert "did you mean 'variables.tier-frontier'" in errors[0]


async def test_broken_user_theme_reported_once_and_default_still_works() -> None:
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "oops.toml").write_text('name = "oops"\n[colors]\nprimary = 42\n')
    (folder / "sunset.toml").write_text(
        'name = "sunset"\ndark = true\n[colors]\nprimary = "#ff8800"\n'
        '[variables]\ncost-ok = "#00ff88"\n'
    )
    app = ThemedApp()
    async with app.run_test() as pilot:
        errors = register_app_themes(app)
        assert len(errors) == 1 and "oops.toml" in errors[0] and "colors.primary" in errors[0]
        message = theme_errors_message(errors)
        assert message.count("oops.toml") == 1
        # the config names the broken theme: fall back to the default, say why in one line
        why = apply_theme(app, "oops")
        assert app.theme == DEFAULT_THEME
        assert why is not None and "oops" in why and DEFAULT_THEME in why
        await pilot.pause()
        cost = app.query_one("#cost", Static)
        dark_colour = cost.styles.color.hex.lower()
        assert dark_colour == app.get_theme(DEFAULT_THEME).variables["cost-ok"].lower()
        # a user theme from the config dir works and its variables reach the CSS
        assert apply_theme(app, "sunset") is None
        await pilot.pause()
        assert cost.styles.color.hex.lower() == "#00ff88"


async def test_builtin_textual_theme_still_renders_app_variables() -> None:
    app = ThemedApp()
    async with app.run_test() as pilot:
        register_app_themes(app)
        app.theme = "nord"  # knows nothing of $cost-ok: the app's defaults fill in
        await pilot.pause()
        assert app.query_one("#cost", Static).styles.color.hex.lower() == (
            APP_VARIABLES["cost-ok"][1].lower()
        )


def test_theme_choice_is_written_to_a_new_config_file() -> None:
    path = save_theme_choice("tui-router-light")
    assert path == get_paths().config_file
    assert load_config(path).theme == "tui-router-light"
    assert path.stat().st_mode & 0o777 == 0o600


CONFIG = """\
# my settings
frontier_model = "claude-opus-4-6"   # the baseline
routing_mode = "auto"

# cheaper defaults
[tiers]
fast = ["claude-haiku-4-5"]

[keys]
next_model = "f3"
"""


def test_theme_choice_keeps_every_other_line() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True)
    path.write_text(CONFIG)
    save_theme_choice("tui-router-contrast")
    text = path.read_text()
    for line in CONFIG.splitlines():
        assert line in text.splitlines()
    config = load_config(path)
    assert config.theme == "tui-router-contrast"
    assert config.routing_mode == "auto" and config.keys["next_model"] == "f3"
    assert config.tiers["fast"] == ["claude-haiku-4-5"]
    # the theme line lands among the top-level settings, not inside [tiers]
    assert text.index('theme = "tui-router-contrast"') < text.index("[tiers]")
    # choosing again replaces the line instead of adding a second one
    save_theme_choice("tui-router-light")
    text = path.read_text()
    assert text.count("theme =") == 1
    assert load_config(path).theme == "tui-router-light"
    assert text.replace('theme = "tui-router-light"\n', "") == CONFIG


def test_theme_choice_in_a_file_with_only_tables() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True)
    path.write_text('[keys]\nhelp = "f1"\n')
    save_theme_choice("tui-router-light")
    config = load_config(path)
    assert config.theme == "tui-router-light" and config.keys["help"] == "f1"


def test_theme_choice_refuses_to_touch_a_broken_config() -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True)
    path.write_text("routing_mode = \n")
    with pytest.raises(ThemeSaveError) as caught:
        save_theme_choice("tui-router-light")
    assert str(path) in str(caught.value) and 'theme = "tui-router-light"' in str(caught.value)
    assert path.read_text() == "routing_mode = \n"


async def test_palette_provider_applies_and_saves_a_theme() -> None:
    from textual.command import CommandPalette

    from tui_router.ui.themes import ThemeProvider

    class PaletteApp(ThemedApp):
        COMMANDS = App.COMMANDS | {ThemeProvider}

    app = PaletteApp()
    async with app.run_test() as pilot:
        register_app_themes(app)
        app.theme = DEFAULT_THEME
        app.action_command_palette()
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "theme light")
        await palette_offers(pilot, "Theme: tui-router-light")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "tui-router-light"
    assert load_config(get_paths().config_file).theme == "tui-router-light"


@pytest.mark.parametrize(
    "original",
    [
        '"theme" = "old"  # quoted key\r\nrouting_mode = "auto"\r\n[keys]\r\nhelp = "f1"\r\n',
        "# only a comment, no settings\n",
        'routing_mode = "auto"',  # no newline at the end
    ],
)
def test_theme_choice_in_unusual_files(original: str) -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True)
    path.write_bytes(original.encode())
    before = tomllib.loads(original)
    save_theme_choice("tui-router-light")
    after = tomllib.loads(path.read_text())
    assert after == {**before, "theme": "tui-router-light"}
    assert path.read_bytes().count(b"theme") == 1
