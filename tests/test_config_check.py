"""`config check` finds what would stop the TUI, `route` and `ask` at start, with the line."""

from __future__ import annotations

import pytest

from tui_router.commands.config import _check
from tui_router.core.config import ConfigError
from tui_router.core.paths import get_paths


def _write(text: str) -> None:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[rules]]\nname = "a"\ntier = "fast"\n\n[[rules]]\nname = "b"\ntire = "frontier"\n',
            "line 7: rules[1] (b): unknown key 'tire'; did you mean 'tier'?",
        ),
        ('[[rules]]\nname = "r"\ntier = "fastt"\n', "line 3: rules[0] (r): tier = 'fastt'"),
        ('[[rules]]\nname = "r"\ntier = "fast"\nregex = "("\n', "line 4: rules[0] (r): regex"),
        ("[network]\nstall_timeout = 5\n", "line 2: unknown key 'network.stall_timeout'"),
    ],
)
def test_invalid_rules_and_network_fail_with_the_line(text: str, expected: str) -> None:
    _write(text)
    with pytest.raises(ConfigError) as failure:
        _check(get_paths().config_file)
    assert expected in str(failure.value)
    assert "\n" not in str(failure.value)


def test_an_unknown_theme_is_a_warning_with_a_guess(capsys: pytest.CaptureFixture[str]) -> None:
    _write('theme = "tui-router-drak"\n')
    assert _check(get_paths().config_file) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ")
    assert "theme = 'tui-router-drak' is not installed (did you mean 'tui-router-dark'?)" in out
