"""SVG snapshots of the main screen after one answered turn, in the dark and the light theme.

Deterministic: fixed session id, scripted answer and usage, the cache countdown's clock held
still, no cursor blink.
Refresh after an intended change with ``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakeserver_sse import Script
from ui_support import (
    SIZE,
    make_app,
    make_config,
    settle,
    started,
)

from tui_router.ui.widgets.prompt import PromptInput

ANSWER = (
    "Use slicing with a negative step:\n\n"
    "```python\n"
    "def reverse(text: str) -> str:\n"
    "    return text[::-1]\n"
    "```\n\n"
    "It runs in **O(n)** and works for any `str`."
)


async def one_turn(pilot) -> None:
    app = await started(pilot)
    app.controller.clock = lambda: 1000.0  # the ticker's cache countdown holds still
    prompt = app.query_one(PromptInput)
    prompt.cursor_blink = False
    prompt.load_text("How do I reverse a string in Python?")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.pause()


@pytest.mark.parametrize("theme", ["tui-router-dark", "tui-router-light"])
def test_main_screen_after_one_turn(snap_compare, server, tmp_path: Path, theme: str) -> None:
    server.push(
        Script(
            chunks=[ANSWER[:40], ANSWER[40:]],
            input_tokens=1840,
            output_tokens=212,
            cache_read_tokens=1024,
        )
    )
    app = make_app(tmp_path, config=make_config(theme=theme))
    assert snap_compare(app, terminal_size=SIZE, run_before=one_turn)
