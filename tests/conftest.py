"""Shared test set-up: every test gets its own TUI_ROUTER_HOME and no real API keys or base URLs."""

from __future__ import annotations

import pytest

# Fixtures: the loopback fake Anthropic/OpenAI server (`fake_server`, tests/fakeserver.py) and
# the app's Pilot set-up (`server`, `no_local_model`, tests/ui_support.py).
pytest_plugins = ("fakeserver", "ui_support")

_PROVIDER_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A fresh config/data/cache root per test; tests never see the developer's keys."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TUI_ROUTER_HOME", str(home))
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    return home
