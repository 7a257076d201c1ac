"""The postponed full GC pass: streams that follow each other closely still get it, bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui_router.ui.widgets import stream_gc


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], Clock]]:
    ran: list[str] = []
    clock = Clock()
    monkeypatch.setattr(stream_gc, "_full_collection", lambda: ran.append("full"))
    monkeypatch.setattr(stream_gc.time, "monotonic", clock)
    stream_gc.forget()
    try:
        yield ran, clock
    finally:
        stream_gc.forget()


async def test_back_to_back_streams_run_the_overdue_pass_at_the_next_start(
    passes: tuple[list[str], Clock],
) -> None:
    ran, clock = passes
    stream_gc.hold()
    stream_gc.release()  # a pass is due in QUIET_S ...
    clock.now += 5
    stream_gc.hold()  # ... but the next answer starts first: held on, no pass yet
    assert ran == [] and stream_gc.held()
    stream_gc.release()
    clock.now += stream_gc.MAX_POSTPONE_S
    stream_gc.hold()  # held for MAX_POSTPONE_S with a pass due: it runs before this answer's text
    assert ran == ["full"] and stream_gc.held()
    stream_gc.release()
    clock.now += 1
    stream_gc.hold()  # the clock started again with that pass
    assert ran == ["full"]
    stream_gc.release()


async def test_a_long_single_stream_is_not_interrupted(passes: tuple[list[str], Clock]) -> None:
    ran, clock = passes
    stream_gc.hold()
    clock.now += 10 * stream_gc.MAX_POSTPONE_S  # one answer streaming for minutes
    stream_gc.hold()  # a second stream in flight alongside it (nothing was due)
    assert ran == []
    stream_gc.release()
    stream_gc.release()
    stream_gc.collect_now()  # the quiet time after it
    assert ran == ["full"] and not stream_gc.held()
