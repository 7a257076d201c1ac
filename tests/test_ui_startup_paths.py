"""What moved off the path to the first frame still happens (the frontier price check), and the
garbage collector paused for start-up is turned back on."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from ui_support import SIZE, make_app, make_config

from tui_router.ui.startup_gc import pause_gc_for_start_up


async def test_unpriced_frontier_model_ends_the_app_with_one_line(tmp_path: Path) -> None:
    # The command loads the config without the price check (it imports genai-prices); the app
    # runs it while opening the session and exits with the message, as a config error would.
    config = make_config(frontier_model="claude-made-up-9")
    app = make_app(tmp_path, config=config, check_prices=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await pilot.pause()
    assert app.boot_error is not None
    assert "claude-made-up-9" in app.boot_error
    assert app.controller is None


async def test_priced_frontier_model_opens_the_session(tmp_path: Path) -> None:
    app = make_app(tmp_path, check_prices=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await pilot.pause()
        assert app.boot_error is None
        assert app.controller is not None


async def test_collector_paused_for_start_up_resumes_after_the_first_frame(
    tmp_path: Path, collector_state: None
) -> None:
    frozen_before = gc.get_freeze_count()
    pause_gc_for_start_up()
    assert not gc.isenabled()
    app = make_app(tmp_path, gc_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await pilot.pause()
        assert gc.isenabled()
        # what start-up built is in the permanent generation
        assert gc.get_freeze_count() > frozen_before + 1000


async def test_what_the_session_loads_after_the_first_frame_is_frozen_too(
    tmp_path: Path, collector_state: None
) -> None:
    # The session (SDKs, prices, router) and the markdown renderer load after the first frame
    # and live as long as the process: frozen, full collections during the conversation do not
    # walk them again. (The permanent generation is not among the collector's generations.)
    pause_gc_for_start_up()
    app = make_app(tmp_path, gc_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "warm"])
        await pilot.pause()
        assert not _collected(app.controller)


def _collected(obj: object) -> bool:
    """True if the collector's generations (not the permanent one) hold ``obj``."""
    return any(o is obj for generation in range(3) for o in gc.get_objects(generation))


async def test_collector_is_left_alone_when_the_command_did_not_pause_it(
    tmp_path: Path, collector_state: None
) -> None:
    frozen_before = gc.get_freeze_count()
    app = make_app(tmp_path)
    gc.disable()  # someone else's choice (a host application, a profiler): not ours to undo
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "warm"])
        await pilot.pause()
        assert not gc.isenabled()
        assert _collected(app.controller)
    # the app froze nothing (frozen objects can still be freed, so the count may only drop)
    assert gc.get_freeze_count() <= frozen_before


def test_the_command_turns_the_collector_back_on_when_the_app_cannot_start(
    collector_state: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui_router.cli import main

    assert main(["--resume", "no-such-session"]) == 2
    assert gc.isenabled()
    assert "no-such-session" in capsys.readouterr().err


def test_the_command_hands_the_gil_over_every_millisecond_while_the_app_runs(
    collector_state: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Keys are read and frames written on Textual's own threads: while the app runs they wait
    at most 1 ms for the GIL, not Python's 5 ms; the process's setting is back afterwards."""
    import sys

    from tui_router.cli import main
    from tui_router.ui.app import TuiRouterApp

    seen: list[float] = []
    monkeypatch.setattr(TuiRouterApp, "run", lambda self: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    assert main(["--cwd", str(tmp_path)]) == 0
    assert seen == [0.001]
    assert sys.getswitchinterval() == before
