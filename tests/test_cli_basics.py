"""The CLI's basics: --version, --help everywhere, `models`, `config`, and bad config → exit 2."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import Cli

from tui_router import __version__
from tui_router.cli import SUBCOMMANDS, main
from tui_router.core import endpoints
from tui_router.core.config import load_config
from tui_router.core.paths import get_paths

BAD_CONFIG = (
    '[tiers]\nfast = ["claude-haiku-4-5"]\nbalanced = ["claude-sonnet-4-6"]\nfrontiers = []\n'
)


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m tui_router ARGV`` as a real process (the smoke tests of the entry points)."""
    return subprocess.run(
        [sys.executable, "-m", "tui_router", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),  # carries the test's TUI_ROUTER_HOME, without provider keys
    )


def write_config(text: str) -> Path:
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs see the same catalog whether or not the local extra is installed."""
    monkeypatch.setattr(endpoints, "local_model_installed", lambda: False)


# -- real processes: the console script, `python -m`, exit codes as the shell sees them --------


def test_the_console_script_prints_the_version() -> None:
    """The `tui-router` command an install puts on PATH (next to this interpreter)."""
    script = Path(sys.executable).with_name("tui-router")
    assert script.is_file(), f"no console script at {script}: is the project installed (uv sync)?"
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tui-router {__version__}"


def test_python_m_runs_the_cli_and_exits_with_its_code() -> None:
    result = run_cli("bogus")
    assert result.returncode == 2
    assert "invalid choice: 'bogus'" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("ask", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: tui-router ask" in result.stdout


def test_starting_the_tui_imports_no_other_command_module() -> None:
    """Only the chosen command's module is imported before it runs (start-up time): a fresh
    process, since this one has imported them all."""
    code = (
        "import sys\n"
        "from tui_router.cli import build_parser\n"
        "args = build_parser(only='tui').parse_args(['tui', '--mode', 'auto'])\n"
        "print(args.mode)\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('tui_router.commands.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    mode, loaded = result.stdout.split()
    assert mode == "auto"
    # (and the argument types the commands share, a few lines of argparse checks)
    assert loaded == "tui_router.commands.arguments,tui_router.commands.tui"


def test_bad_config_exits_2_from_a_real_process() -> None:
    path = write_config(BAD_CONFIG)
    result = run_cli("models")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(path) in result.stderr and "did you mean 'tiers.frontier'?" in result.stderr


def test_the_app_without_a_terminal_says_so_instead_of_drawing_into_a_pipe() -> None:
    # `tui-router < /dev/null > out` (a cron job, a pipe) drew its frames into the file and
    # waited for keys forever
    result = subprocess.run(
        [sys.executable, "-m", "tui_router"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "ANTHROPIC_API_KEY": "test"},
    )
    assert result.returncode == 2
    assert result.stdout == ""  # no escape sequences in the pipe
    assert result.stderr == (
        "tui-router: the interactive app needs a terminal (stdin and stdout are not one); "
        'for one question without it: tui-router ask "…"\n'
    )


# -- in-process (`cli`: tests/cli_runner.py) ---------------------------------------------------


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tui-router {__version__}"


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help_on_every_subcommand(command: str | None, cli: Cli) -> None:
    result = cli(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: tui-router")


def test_top_level_help_lists_every_subcommand(cli: Cli) -> None:
    result = cli("--help")
    assert result.returncode == 0, result.stderr
    for name in SUBCOMMANDS:
        assert name in result.stdout
    # the app's options, which the README's first commands use without `tui`
    for option in ("--continue", "--resume", "--model", "--cwd"):
        assert option in result.stdout, option


def test_subcommand_help_shows_its_own_options(cli: Cli) -> None:
    assert "--max-tokens" in cli("ask", "--help").stdout
    assert "--resume" in cli("tui", "--help").stdout


def test_unknown_subcommand_names_the_choices(cli: Cli) -> None:
    result = cli("bogus")
    assert result.returncode == 2
    assert "invalid choice: 'bogus'" in result.stderr
    assert "ask" in result.stderr


def test_models_json_parses_as_a_list_with_decimal_strings(cli: Cli) -> None:
    result = cli("models", "--json")
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)
    by_id = {m["id"]: m for m in models}
    assert by_id["claude-haiku-4-5"]["usd_per_mtok"]["input"] == "1"
    assert by_id["gpt-5.5"]["tier"] == "frontier"
    assert by_id["claude-haiku-4-5"]["available"] is False  # no key in the test environment


def test_bad_config_exits_2_with_one_line_and_no_traceback(cli: Cli) -> None:
    path = write_config(BAD_CONFIG)
    for argv in (("models",), ("config", "check"), ("config", "show")):
        result = cli(*argv)
        assert result.returncode == 2, argv
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert str(path) in result.stderr and "did you mean 'tiers.frontier'?" in result.stderr
        assert result.stdout == "", argv


def test_config_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(get_paths().config_file)


def test_config_check_ok_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {get_paths().config_file}")


def test_a_tier_without_a_key_is_one_line_before_the_app_opens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui_router.ui.app import TuiRouterApp

    def never(self: object) -> None:
        raise AssertionError("the app opened")

    monkeypatch.setattr(TuiRouterApp, "run", never)
    assert main(["--tier", "frontier"]) == 2  # conftest removed every provider key
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("tui-router: --tier frontier: no model")
    assert "claude-opus-4-6: set $ANTHROPIC_API_KEY" in err and "$OPENAI_API_KEY" in err


def test_config_check_reports_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    write_config('routing_mode = "sugest"\n')
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert "routing_mode" in err and "did you mean 'suggest'?" in err


def test_config_check_warns_about_unpriced_models(capsys: pytest.CaptureFixture[str]) -> None:
    write_config('[tiers]\nfast = ["claude-haiku-4-5", "claude-haiku-9-9"]\n')
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ")
    assert "warning: model 'claude-haiku-9-9' has no known price" in out


def test_config_show_never_prints_key_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "sk-ant-test-DO-NOT-PRINT-123"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("OPENROUTER_API_KEY", secret + "-2")
    write_config(
        '[endpoints.openrouter]\nbase_url = "https://openrouter.ai/api/v1"\n'
        'api_key_env = "OPENROUTER_API_KEY"\nmodels = ["x/y"]\n\n'
        f'[endpoints.proxy]\nbase_url = "https://me:{secret}@proxy.example/v1"\n'
    )
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert secret not in out
    assert "# ANTHROPIC_API_KEY: set" in out
    assert "# OPENAI_API_KEY: not set" in out
    assert "# OPENROUTER_API_KEY: set" in out
    assert 'frontier_model = "claude-opus-4-6"' in out
    assert "[endpoints.openrouter]  # from the file" in out
    assert 'base_url = "https://***@proxy.example/v1"' in out


def test_config_init_writes_a_valid_private_file_once(capsys: pytest.CaptureFixture[str]) -> None:
    path = get_paths().config_file
    assert main(["config", "init"]) == 0
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path).frontier_model == "claude-opus-4-6"
    before = path.read_text(encoding="utf-8")
    assert main(["config", "init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == before


def test_models_table_groups_by_tier_and_shows_na(capsys: pytest.CaptureFixture[str]) -> None:
    write_config(
        '[endpoints.corp]\nbase_url = "https://llm.corp/v1"\napi_key_env = "CORP_KEY"\n'
        'models = ["mystery-7b"]\n'
    )
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for heading in ("local", "fast", "balanced", "frontier", "no tier"):
        assert heading in out
    assert out.index("fast") < out.index("claude-haiku-4-5") < out.index("balanced")
    mystery = next(line for line in out.splitlines() if "corp/mystery-7b" in line)
    assert mystery.count("n/a") >= 3  # in, out, cache read
    assert "set $CORP_KEY" in mystery
    haiku = next(line for line in out.splitlines() if "claude-haiku-4-5" in line)
    assert "set $ANTHROPIC_API_KEY" in haiku and "200k" in haiku


def test_models_marks_available_models(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "gpt-5-mini" in line)
    assert "✓" in line
    assert "a new session starts on: gpt-5-mini" in out
