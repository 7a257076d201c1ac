"""What moved off the path to the first frame still happens: the frontier price check."""

from __future__ import annotations

from pathlib import Path

from ui_support import SIZE, make_app, make_config


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
