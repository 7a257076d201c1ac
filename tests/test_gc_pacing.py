"""Paced full collections: when the app owns the process, no full pass starts on its own; a due
one waits for a quiet moment (no stream, no key), and runs anyway once overdue, between frames."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import SIZE, make_app

from tui_router.ui import key_activity
from tui_router.ui.startup_gc import pause_gc_for_start_up
from tui_router.ui.widgets import stream_gc


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counts:
    """What `gc.get_count()` reports: the third is the middle-generation passes since the last
    full one (CPython runs a full pass at 10)."""

    def __init__(self) -> None:
        self.middle_passes = 0

    def __call__(self) -> tuple[int, int, int]:
        return (0, 0, self.middle_passes)


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], Clock, Counts]]:
    ran: list[str] = []
    clock, counts = Clock(), Counts()

    def full_collection() -> None:
        ran.append("full")
        counts.middle_passes = 0

    monkeypatch.setattr(stream_gc, "_full_collection", full_collection)
    monkeypatch.setattr(stream_gc.time, "monotonic", clock)
    monkeypatch.setattr(key_activity.time, "monotonic", clock)
    monkeypatch.setattr(key_activity, "_last_key_at", None)
    monkeypatch.setattr(stream_gc.gc, "get_count", counts)
    threshold = gc.get_threshold()
    stream_gc.forget()
    try:
        yield ran, clock, counts
    finally:
        stream_gc.forget()
        assert gc.get_threshold() == threshold  # the collector's own settings are back


async def test_no_full_pass_starts_on_its_own_while_paced(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    assert gc.get_threshold()[2] > 1_000_000
    ran, _, counts = paced
    counts.middle_passes = 9
    stream_gc._check()
    assert ran == []  # CPython would not run one yet either


async def test_a_due_pass_waits_for_a_pause_in_typing_and_streaming(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    ran, clock, counts = paced
    counts.middle_passes = 10
    key_activity._last_key_at = clock.now  # a key just now
    stream_gc._check()
    assert ran == []
    clock.now += stream_gc.TYPING_PAUSE_S
    stream_gc.hold()  # an answer starts streaming
    stream_gc._check()
    assert ran == []
    stream_gc.release()
    clock.now += stream_gc.QUIET_S / 2
    stream_gc._check()
    assert ran == []  # just after a stream: more text may follow
    clock.now += stream_gc.QUIET_S
    stream_gc._check()
    assert ran == ["full"]
    stream_gc._check()
    assert ran == ["full"]  # and not again until CPython would


async def test_an_overdue_pass_runs_between_frames_even_while_typing(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    ran, clock, counts = paced
    counts.middle_passes = 10
    for _ in range(int(stream_gc.MAX_POSTPONE_S)):  # someone typing without a pause
        key_activity._last_key_at = clock.now
        stream_gc._check()
        clock.now += 1
    assert ran == []
    key_activity._last_key_at = clock.now
    stream_gc._check()
    assert ran == ["full"]


async def test_after_a_long_answer_the_pass_waits_for_a_pause_not_for_its_end(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    ran, clock, counts = paced
    stream_gc.hold()
    counts.middle_passes = 10
    stream_gc._check()  # due early in a long answer
    clock.now += 2 * stream_gc.MAX_POSTPONE_S
    stream_gc.release()  # the answer ends; the person types the next prompt at once
    for _ in range(int(stream_gc.MAX_POSTPONE_S) - 1):
        clock.now += 1
        key_activity._last_key_at = clock.now
        stream_gc._check()
    assert ran == []  # MAX_POSTPONE_S counts from the end of the answer
    clock.now += 1
    key_activity._last_key_at = clock.now
    stream_gc._check()
    assert ran == ["full"]


async def test_streams_back_to_back_get_the_pass_before_one_of_them_within_the_bound(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    ran, clock, counts = paced
    counts.middle_passes = 10
    while clock.now - 1000.0 < stream_gc.PACED_MAX_S:  # an agent's steps, one after another
        stream_gc.hold()
        stream_gc._check()  # due, but a stream is in flight
        assert ran == []
        clock.now += 10
        stream_gc.release()
    stream_gc.hold()  # held back PACED_MAX_S in all: it runs before this stream's text
    assert ran == ["full"]
    stream_gc.release()


async def test_a_panel_opening_leaves_a_waiting_pass_to_the_reading_after_it(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    # a pass past the garbage bound runs before an answer's text, but not inside the frames of
    # an approval panel opening (40-140 ms each in the approval benchmark): after them
    class Node:
        def call_after_refresh(self, callback: object) -> None:
            assert callable(callback)
            callback()

    stream_gc.pace()
    ran, clock, counts = paced
    counts.middle_passes = stream_gc.GARBAGE_BOUND * 10
    with stream_gc.no_pass_during(Node()):  # type: ignore[arg-type]
        assert ran == []
    clock.now += stream_gc.QUIET_S
    stream_gc._check()  # a paced check, the panel on screen: nobody typing, no stream
    assert ran == ["full"]


def test_without_pacing_panels_leave_the_collector_alone() -> None:
    class Node:
        def call_after_refresh(self, callback: object) -> None:
            raise AssertionError("nothing to release")

    stream_gc.forget()
    with stream_gc.no_pass_during(Node()):  # type: ignore[arg-type]
        assert not stream_gc.held()


@pytest.fixture
def gc_state(collector_state: None) -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    stream_gc.forget()
    assert gc.get_threshold() == threshold


async def test_the_app_the_command_starts_paces_full_passes_until_it_exits(
    tmp_path: Path, gc_state: None
) -> None:
    pause_gc_for_start_up()
    before = gc.get_threshold()
    app = make_app(tmp_path, gc_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await pilot.pause()
        assert stream_gc.paced()
        assert gc.get_threshold()[2] > 1_000_000
    assert not stream_gc.paced()
    assert gc.get_threshold() == before


async def test_an_app_in_a_longer_lived_process_does_not_pace(
    tmp_path: Path, gc_state: None
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.ready.wait()
        await pilot.pause()
        assert not stream_gc.paced()


async def test_answers_back_to_back_with_typing_get_the_pass_before_the_next_answer(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    stream_gc.pace()  # (needs the running loop: its checks are timers on it)
    ran, clock, counts = paced
    counts.middle_passes = 10
    key_activity._last_key_at = clock.now
    stream_gc._check()  # due (someone typing)
    for _ in range(3):  # short answers one after another, a key between them: never quiet
        stream_gc.hold()
        counts.middle_passes += 9
        stream_gc.release()
        clock.now += 1
        key_activity._last_key_at = clock.now
        stream_gc._check()
    assert ran == []  # 37 young passes' worth waiting: within the bound
    stream_gc.hold()
    counts.middle_passes += 9
    stream_gc.release()
    key_activity._last_key_at = clock.now
    stream_gc._check()
    assert ran == []  # past the bound, but the person is typing: not now ...
    stream_gc.hold()
    assert ran == ["full"]  # ... before the next answer's text, while they wait for it
    stream_gc.release()


async def test_a_later_step_of_an_agent_turn_leaves_a_due_pass_to_a_quiet_moment(
    paced: tuple[list[str], Clock, Counts],
) -> None:
    # An agent's next step streams while the person may be typing the next prompt: a pass past
    # the garbage bound does not run before its text (0.2-0.4 s into a long turn) ...
    stream_gc.pace()
    ran, clock, counts = paced
    counts.middle_passes = stream_gc.GARBAGE_BOUND * 10
    key_activity._last_key_at = clock.now
    stream_gc.hold(catch_up=False)
    assert ran == []
    stream_gc.release()
    # ... nor while the person keeps typing ...
    clock.now += stream_gc.QUIET_S
    key_activity._last_key_at = clock.now
    stream_gc._check()
    assert ran == []
    # ... but before the next turn's answer, which the person waits for
    stream_gc.hold()
    assert ran == ["full"]
    stream_gc.release()
