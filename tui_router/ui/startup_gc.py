"""The garbage collector during start-up: paused until the first frame, then resumed.

Kept apart from the app's modules so that the command can pause collection before it imports
Textual (the bulk of what start-up allocates).
"""

from __future__ import annotations

import gc


def pause_gc_for_start_up() -> None:
    """Stop the cyclic garbage collector while the app imports and draws its first frame.

    Start-up creates ~50,000 long-lived objects (Textual's modules, the CSS rules, the widget
    tree) and little garbage, yet the allocations keep triggering collections that walk them all
    again: ~12% of the time to the first frame. `resume_gc_after_start_up` undoes this.
    """
    gc.disable()


def resume_gc_after_start_up() -> None:
    """Collect start-up's garbage once, freeze what is left, and turn collection back on.

    Frozen objects (the permanent generation) are never scanned again, so later collections,
    while replies stream, only walk what the session itself allocates.
    """
    if not gc.isenabled():
        gc.collect()
        gc.freeze()
        gc.enable()


def freeze_after_warm_up() -> None:
    """Collect once more and freeze what the session has loaded since the first frame.

    After the first frame the session imports its SDKs, the price data, the router and the
    markdown renderer: ~250,000 objects that live as long as the process, which every full
    collection during the conversation would walk again (~0.14 s on 2 cores, landing on
    whatever frame allocates next: a key, an approval panel). Frozen, they are never scanned.
    Only for a process the command owns (see `StartOptions.gc_paused`): frozen objects are
    never freed, so an app run inside a longer-lived process (tests) must not freeze its own.
    """
    gc.collect()
    gc.freeze()
