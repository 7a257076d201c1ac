"""SVG snapshots of the main screen on small windows (60×20, 20×8) after one answered turn: the
sidebar collapsed, the chat and the prompt usable. Same determinism as `test_ui_snapshots`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakeserver_sse import Script
from test_ui_snapshots import ANSWER, one_turn
from ui_support import make_app


@pytest.mark.parametrize("size", [(60, 20), (20, 8)], ids=["60x20", "20x8"])
def test_main_screen_on_a_small_window(snap_compare, server, tmp_path: Path, size) -> None:
    server.push(Script(chunks=[ANSWER], input_tokens=1840, output_tokens=212))
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=one_turn)
