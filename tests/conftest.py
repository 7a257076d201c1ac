"""Shared test set-up: every test gets its own TUI_ROUTER_HOME and no real API keys or base URLs."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Fixtures: the loopback fake Anthropic/OpenAI server (`fake_server`, tests/fakeserver.py), the
# app's Pilot set-up (`server`, `no_local_model`, tests/ui_support.py) and the command line run
# in-process (`cli`, tests/cli_runner.py).
pytest_plugins = ("fakeserver", "ui_support", "cli_runner", "terminal_model")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores this process may use.

    A worker is asleep ~40% of its time (Pilot waiting for the app to go idle, a fake server's
    paced stream, a subprocess or tmux starting); one spare worker fills those gaps. More than one
    costs more than it gains: each worker imports and collects everything (~5 s of CPU).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


# A test process makes and drops apps by the hundred: with CPython's default of a young pass
# every 700 new containers, and a full pass every hundred of those, a worker spent a fifth of
# its CPU collecting. Ten times fewer young passes (and so full ones) keeps what a test sees the
# same; the apps under test leave the collector's settings alone (only `tui-router` itself
# paces its full passes, `ui/widgets/stream_gc.py`).
gc.set_threshold(7_000, 10, 10)

_frozen = False


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Between tests, what a process that ends with its app would not keep anyway.

    Textual's colour memo holds the rendered lines of up to ~1,000 widgets of apps long gone
    (`ui/widgets/render_cache.py`, which the chat calls as it trims): in a worker that had run
    24 apps, ~160,000 line caches that every full collection walked. And once a worker has
    loaded what an app session loads (Textual, the SDKs), that is moved out of the collector's
    way, as `tui-router` does after its warm-up (`ui/startup_gc.py`).
    """
    global _frozen
    if "textual.app" not in sys.modules:
        return
    from tui_router.ui.widgets import render_cache

    render_cache.release_removed()
    if not _frozen and "anthropic" in sys.modules:
        _frozen = True
        gc.collect()
        gc.freeze()


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


@pytest.fixture
def collector_state() -> Iterator[None]:
    """For a test that pauses, freezes or thresholds the garbage collector as the command does:
    afterwards it is on again, and what the worker had frozen stays frozen.

    Unfreezing everything instead (`gc.unfreeze()`) would hand the worker's ~400,000 long-lived
    objects back to the collector for the rest of its tests, each full pass walking them again
    (pytest's own five passes at the end of a worker alone took ~1.6 s).
    """
    frozen_before = gc.get_freeze_count()
    yield
    if frozen_before == 0:
        gc.unfreeze()  # what the test froze, when nothing was frozen before it
    gc.enable()
