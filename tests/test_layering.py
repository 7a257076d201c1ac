"""The core stays plain Python: importing every core module must not pull in textual or the UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tui_router.core


def _core_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(tui_router.core.__path__, prefix="tui_router.core.")
    )


def test_core_modules_exist() -> None:
    assert "tui_router.core.usage" in _core_modules()


def test_importing_core_never_loads_textual() -> None:
    modules = _core_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui_router.ui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core pulled in: {result.stdout.strip()}"


def test_cli_help_does_not_import_sdks() -> None:
    """`--help` and the TUI's first frame must not pay for the SDKs (≈1.8 s of imports)."""
    code = (
        "import sys\n"
        "from tui_router.cli import build_parser\n"
        "build_parser()\n"
        "print(','.join(sorted(m for m in ('anthropic', 'openai', 'genai_prices', 'tiktoken') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_apps_first_frame_path_loads_no_session_module() -> None:
    """What the TUI imports before its first frame: no SDK, no prices, no tokenizer, no SQLite,
    no session controller (all of them load with the session, after the frame)."""
    code = (
        "import sys\n"
        "import tui_router.cli, tui_router.commands.tui, tui_router.ui.app\n"
        "heavy = ('anthropic', 'openai', 'genai_prices', 'tiktoken', 'sqlite3', 'httpx',\n"
        "         'tui_router.ui.controller', 'tui_router.core.store',\n"
        "         'tui_router.core.routing.router', 'tui_router.core.routing.features',\n"
        "         'tui_router.commands.ask', 'textual.widgets._markdown')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_strategy_registry_is_a_leaf() -> None:
    """config validates ``routing_strategy`` against the registry before the first frame: the
    registry names the strategies without loading any of them (or the routing engine)."""
    code = (
        "import sys\n"
        "from tui_router.core.config import STRATEGIES\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('tui_router.core.routing.')"
        " and m != 'tui_router.core.routing.strategies')))\n"
        "print(','.join(STRATEGIES))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded, names = result.stdout.split("\n")[:2]
    assert loaded == ""
    assert names == "manual,rules,cascade,learned,heuristic"
