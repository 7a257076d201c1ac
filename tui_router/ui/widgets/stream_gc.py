"""Full garbage-collector passes wait while an answer streams, and run once it is quiet.

A full (generation 2) pass walks every container object the session keeps alive: ~300,000
after one long, code-heavy answer (its widgets, their styles and render caches), 0.2-0.5 s on a
2-core machine, during which the event loop (hence the keyboard) stands still. CPython starts one
whenever enough objects have survived the young passes, which while an answer streams (widgets
built and replaced every frame) is every ~2 s. So while a stream runs only the young passes run
(they walk recent objects: milliseconds), and the full pass runs once, `QUIET_S` seconds after
the last stream ended, unless another one has started by then.

Process-wide, like the collector itself: `hold` / `release` count the streams in flight.
"""

from __future__ import annotations

import asyncio
import gc

#: Seconds without a streaming answer before the postponed full pass runs.
QUIET_S = 2.0
#: A threshold no stream reaches: no automatic pass of that generation while held.
_NEVER = 1_000_000_000

_streams = 0
_saved_threshold: tuple[int, int, int] | None = None
_pending: asyncio.TimerHandle | None = None


def hold() -> None:
    """A stream starts: no automatic full pass until every stream has been released."""
    global _streams, _saved_threshold, _pending
    _streams += 1
    if _pending is not None:
        _pending.cancel()
        _pending = None
    if _saved_threshold is None:
        _saved_threshold = gc.get_threshold()
        young, middle, _ = _saved_threshold
        gc.set_threshold(young, middle, _NEVER)


def release() -> None:
    """A stream ended; after the last one, the full pass runs once things are quiet."""
    global _streams, _pending
    if _streams == 0:
        return
    _streams -= 1
    if _streams == 0 and _saved_threshold is not None and _pending is None:
        _pending = asyncio.get_running_loop().call_later(QUIET_S, collect_now)


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
    global _saved_threshold, _pending
    if _pending is not None:
        _pending.cancel()
        _pending = None
    if _saved_threshold is None:
        return
    threshold, _saved_threshold = _saved_threshold, None
    if collect and gc.isenabled():
        gc.collect()
    gc.set_threshold(*threshold)


def held() -> bool:
    """True while full passes are postponed."""
    return _saved_threshold is not None
