"""Shared test set-up: every test gets its own TUI_ROUTER_HOME and no real API keys or base URLs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Fixtures: the loopback fake Anthropic/OpenAI server (`fake_server`, tests/fakeserver.py), the
# app's Pilot set-up (`server`, `no_local_model`, tests/ui_support.py) and the command line run
# in-process (`cli`, tests/cli_runner.py).
pytest_plugins = ("fakeserver", "ui_support", "cli_runner")

_PROVIDER_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
)


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh config/data/cache root per test; tests never see the developer's keys."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TUI_ROUTER_HOME", str(home))
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    yield home
    # The price data in use is read from the home once per process: the next test has another.
    from cli_runner import forget_price_data

    forget_price_data()
