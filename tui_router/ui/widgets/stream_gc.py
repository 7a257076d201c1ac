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
"""

from __future__ import annotations

import asyncio
import gc
import time

from tui_router.ui import key_activity

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


def hold() -> None:
    """A stream starts: no automatic full pass until every stream has been released."""
    global _streams, _saved_threshold, _pending, _held_since
    _streams += 1
    if _pending is not None:
        _pending.cancel()
        _pending = None
        if _overdue():
            if gc.isenabled():
                _full_collection()
            _held_since = time.monotonic()
    if _saved_threshold is None:
        _saved_threshold = gc.get_threshold()
        _held_since = time.monotonic()
        young, middle, _ = _saved_threshold
        gc.set_threshold(young, middle, _NEVER)


def release() -> None:
    """A stream ended; after the last one, the full pass runs once things are quiet."""
    global _streams, _pending
    if _streams == 0:
        return
    _streams -= 1
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
    """Full passes have been held back for `MAX_POSTPONE_S` or longer."""
    return _held_since is not None and time.monotonic() - _held_since >= MAX_POSTPONE_S


def collect_now() -> None:
    """Run the postponed full pass and give the collector its own thresholds back."""
    if _streams == 0 and _saved_threshold is not None:
        _restore(collect=True)


def forget() -> None:
    """The chat is going away (the app closes): thresholds back, no pass, nothing pending."""
    global _streams
    _streams = 0
    _restore(collect=False)


def _restore(*, collect: bool) -> None:
    global _saved_threshold, _pending, _held_since
    if _pending is not None:
        _pending.cancel()
        _pending = None
    if _saved_threshold is None:
        return
    threshold, _saved_threshold, _held_since = _saved_threshold, None, None
    if collect and gc.isenabled():
        _full_collection()
    gc.set_threshold(*threshold)


def _full_collection() -> None:
    gc.collect()


def held() -> bool:
    """True while full passes are postponed."""
    return _saved_threshold is not None
