"""Full garbage-collector passes wait while an answer streams, and run once it is quiet.

A full (generation 2) pass walks every container object the session keeps alive: ~300,000
after one long, code-heavy answer (its widgets, their styles and render caches), 0.2-0.5 s on a
2-core machine, during which the event loop (hence the keyboard) stands still. CPython starts one
whenever enough objects have survived the young passes, which while an answer streams (widgets
built and replaced every frame) is every ~2 s. So while a stream runs only the young passes run
(they walk recent objects: milliseconds), and the full pass runs once, `QUIET_S` seconds after
the last stream ended, unless another one has started by then, and only once the person has
not typed for `TYPING_PAUSE_S` (a pass landing between two keys would hold the second one
for its whole length).

Process-wide, like the collector itself: `hold` / `release` count the streams in flight.

The app goes further with `pace`: from then on no full pass starts on its own at all, because
one landing on any frame the person waits for (a key, an approval panel opening) holds it for
the whole pass. A pass CPython would now run (ten young-generation passes since the last full
one) waits for a quiet moment — no stream for `QUIET_S`, no key for `TYPING_PAUSE_S` — checked
once a second, and runs anyway once it has waited `MAX_POSTPONE_S` since the last stream
ended (or `PACED_MAX_S` in all), between two frames of work, never during one (an approval panel
holds passes while it opens, as a stream does). A long answer leaves a lot to collect (~250,000
objects after 24 s of streaming: a 0.7 s pass), so the pass is not run as the answer ends, while
the person may be typing the next prompt, unless they keep typing for `MAX_POSTPONE_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tui_router.ui import key_activity

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

#: Seconds without a streaming answer before the postponed full pass runs.
QUIET_S = 2.0
#: ...and seconds without a key: the pass waits for a pause in typing.
TYPING_PAUSE_S = 1.0
#: Full passes are held back at most this long (from the first stream that held them): typing
#: without a pause after a stream, or streams that follow each other closely (an agent's steps,
#: turn after turn, each of which would otherwise cancel the pass the last one scheduled: 217 MB
#: after 100 back-to-back turns, 179 MB with no postponing), do not keep the garbage for ever.
#: Past it, the due pass runs at the next quiet moment even while typing, or, when a stream
#: starts first, before that stream's text.
MAX_POSTPONE_S = 30.0
#: A threshold no stream reaches: no automatic pass of that generation while held.
_NEVER = 1_000_000_000

_streams = 0
_saved_threshold: tuple[int, int, int] | None = None
_pending: asyncio.TimerHandle | None = None
#: When full passes were last held back (time.monotonic()); None when they are not.
_held_since: float | None = None
#: Seconds between the paced checks for a due pass (see `pace`).
TICK_S = 1.0
#: Whether the app paces full passes for its whole life (`pace`), not only during streams.
_paced = False
_tick: asyncio.TimerHandle | None = None
#: When a paced check first found a full pass due; None when none is.
_due_since: float | None = None
#: Paced: a due pass is held back at most this long in all (streams back to back, typing).
PACED_MAX_S = 120.0
#: ...and past this many times the young passes after which CPython would run it, it runs
#: before the next answer's text (the person is waiting for the model then, not typing): answers
#: back to back with keys between them (never quiet) grew the heap to 340 MB in 1,000 turns.
GARBAGE_BOUND = 4
#: When the last stream ended (time.monotonic()); None before the first.
_last_release: float | None = None


def hold(*, catch_up: bool = True) -> None:
    """A stream starts: no automatic full pass until every stream has been released.

    Paced, a pass that is overdue or has too much waiting runs first, before the stream's work
    (the person is waiting for the model then). ``catch_up=False`` leaves it to the next paced
    check instead: a panel opening is what the person waits for, the reading after it is not;
    and a later step of an agent turn streams while the person may be typing the next prompt.
    """
    global _streams, _saved_threshold, _pending, _held_since
    _streams += 1
    if (
        catch_up
        and _paced
        and _streams == 1
        and (_overdue() or _too_much_waits())
        and gc.isenabled()
    ):
        _full_pass()  # before this stream's work, not during it
    if _pending is not None:
        _pending.cancel()
        _pending = None
        if _overdue():
            if gc.isenabled():
                _full_pass()
            _held_since = time.monotonic()
    if _saved_threshold is None:
        _saved_threshold = gc.get_threshold()
        _held_since = time.monotonic()
        young, middle, _ = _saved_threshold
        gc.set_threshold(young, middle, _NEVER)


def release() -> None:
    """A stream ended; after the last one, the full pass runs once things are quiet."""
    global _streams, _pending, _last_release
    if _streams == 0:
        return
    _streams -= 1
    _last_release = time.monotonic()
    if _paced:
        return  # the paced checks run the pass when one is due and things are quiet
    if _streams == 0 and _saved_threshold is not None and _pending is None:
        _pending = asyncio.get_running_loop().call_later(QUIET_S, _when_due)


def _when_due() -> None:
    """The quiet time after the stream is over: run the pass, unless the person is typing."""
    global _pending
    _pending = None
    loop = asyncio.get_running_loop()
    since_key = key_activity.seconds_since_last_key()
    if since_key < TYPING_PAUSE_S and not _overdue():
        _pending = loop.call_later(TYPING_PAUSE_S - since_key, _when_due)
        return
    collect_now()


def _overdue() -> bool:
    """Full passes have been held back for `MAX_POSTPONE_S` (paced: a pass has been due for
    that long since the last stream ended, or for `PACED_MAX_S` in all)."""
    now = time.monotonic()
    if not _paced:
        return _held_since is not None and now - _held_since >= MAX_POSTPONE_S
    if _due_since is None:
        return False
    quiet_from = _due_since if _last_release is None else max(_due_since, _last_release)
    return now - quiet_from >= MAX_POSTPONE_S or now - _due_since >= PACED_MAX_S


def _too_much_waits() -> bool:
    """Paced: `GARBAGE_BOUND` times what CPython lets pile up before a full pass is waiting."""
    return _saved_threshold is not None and gc.get_count()[2] >= GARBAGE_BOUND * _saved_threshold[2]


def pace() -> None:
    """From now on (until `forget`), full passes run only when due and at a quiet moment.

    Needs a running event loop (the app calls it once it is up).
    """
    global _paced, _saved_threshold
    if _paced:
        return
    _paced = True
    if _saved_threshold is None:
        _saved_threshold = gc.get_threshold()
        young, middle, _ = _saved_threshold
        gc.set_threshold(young, middle, _NEVER)
    _schedule_check()


def _schedule_check() -> None:
    global _tick
    _tick = asyncio.get_running_loop().call_later(TICK_S, _check)


def _check() -> None:
    """Once a second while paced: run a due full pass if things are quiet, or if it is overdue."""
    global _due_since
    _schedule_check()
    if _saved_threshold is None or not gc.isenabled():
        return
    if gc.get_count()[2] < _saved_threshold[2]:
        return  # CPython would not run one yet either
    now = time.monotonic()
    if _due_since is None:
        _due_since = now
    if _streams:
        return  # `hold` runs it before the next stream if it becomes overdue
    streamed_lately = _last_release is not None and now - _last_release < QUIET_S
    typing = key_activity.seconds_since_last_key() < TYPING_PAUSE_S
    if (streamed_lately or typing) and not _overdue():
        return
    _full_pass()


def collect_now() -> None:
    """Run the postponed full pass and give the collector its own thresholds back."""
    if _streams == 0 and _saved_threshold is not None:
        _restore(collect=True)


def forget() -> None:
    """The chat is going away (the app closes): thresholds back, no pass, nothing pending."""
    global _streams, _paced, _tick, _last_release
    _streams = 0
    _paced = False
    _last_release = None
    if _tick is not None:
        _tick.cancel()
        _tick = None
    _restore(collect=False)


def _restore(*, collect: bool) -> None:
    global _saved_threshold, _pending, _held_since
    if _pending is not None:
        _pending.cancel()
        _pending = None
    if _saved_threshold is None:
        return
    if _paced:  # the thresholds stay held; the paced checks take over
        if collect and gc.isenabled():
            _full_pass()
        _held_since = None
        return
    threshold, _saved_threshold, _held_since = _saved_threshold, None, None
    if collect and gc.isenabled():
        _full_pass()
    gc.set_threshold(*threshold)


def _full_pass() -> None:
    global _due_since
    _due_since = None
    _full_collection()


def _full_collection() -> None:
    gc.collect()


def paced() -> bool:
    """True while the app paces full passes (`pace`)."""
    return _paced


@contextlib.contextmanager
def no_pass_during(node: MessagePump) -> Iterator[None]:
    """While paced: no full pass during the block nor before ``node``'s next refresh is drawn
    (the frames of an approval panel opening or closing, which the person waits for). A pass
    that is due runs at the next paced check, while the person reads the panel."""
    if not _paced:
        yield
        return
    hold(catch_up=False)
    try:
        yield
    finally:
        node.call_after_refresh(release)


def held() -> bool:
    """True while full passes are postponed."""
    return _saved_threshold is not None
