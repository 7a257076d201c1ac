"""Keys go first: when the person last typed, and whether the frame showing that key is drawn.

A streamed answer is rendered in steps (parse, mount, one frame), each holding the event loop
for tens of milliseconds; a key that arrives while one runs waits for it, but it must not also
wait behind the steps after it. So the app reports every key here, the chat waits for the
frame that shows the last key before it starts its next step, and the postponed full garbage
collection waits for a pause in typing.

The app calls `note_key` around its own handling of each key event; the rest only read.

And a key does not wait for the next frame: a frame that has a layout to do (a step of the
answer mounted or grew its blocks) arranges and repaints the whole chat, 30-70 ms on 2 cores.
The widget that handled the key sends its own repaint to the terminal as soon as it has handled
it (`paint_now`), and the frame draws the rest. Nor for a frame that starts while it is on its
way from the terminal: the driver counts the keys it reads (`watch_the_terminal`), and the main
screen holds a layout frame, or the render after one, for a few milliseconds while a key read
has not been handled yet (`KeyActivity.in_flight`; `FRAME_WAIT_S` at most), and so does the
answer's paint of its sealed parts, which runs right after a frame. A key read during a long
frame could not move while it ran: its time on the way starts again when the frame is done
(`KeyActivity.loop_was_held`), so what runs after the frame lets it go first.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

#: When any app of this process last received a key (time.monotonic()), or None.
_last_key_at: float | None = None
#: A key read from the terminal counts as on its way to the prompt for at most this long (a key
#: the app drops is never handled; it must not hold frames back for longer than this).
IN_FLIGHT_S = 0.05
#: The longest a frame waits for keys on their way (`KeyActivity.in_flight`), in all...
FRAME_WAIT_S = 0.03
#: ...looking again after this long (the key's hops to the prompt and its paint take ~2-6 ms).
HOP_S = 0.003


class KeyActivity:
    """The keys of one app that have arrived and not yet been shown."""

    def __init__(self) -> None:
        self._arrived = 0  # keys counted in, in order
        self._shown = 0  # the latest of them known to be on screen
        self._all_shown = asyncio.Event()
        self._all_shown.set()
        # Counted by the terminal's input thread (`read`) and by the focused widget once it has
        # handled a key: plain ints, each written by one thread.
        self._read = 0
        self._read_at = 0.0
        self._handled = 0
        # a frame waiting for keys on their way: since when, and the keys it gave up on
        self._waiting_since: float | None = None
        self._waited_for = 0

    def read(self) -> None:
        """The terminal's input thread has read a key (it is on its way to the prompt)."""
        self._read_at = time.monotonic()
        self._read += 1

    @property
    def read_count(self) -> int:
        """Keys the terminal's input thread has read so far."""
        return self._read

    def handled(self) -> None:
        """The focused widget has handled a key. (Keys not read from the terminal, such as a
        test's, are not counted past the ones read: they never make `in_flight` run ahead.)"""
        self._handled = min(self._handled + 1, self._read)
        if self._handled == self._read:  # a frame's wait was for these: the next key's is new
            self._waiting_since = None

    def loop_was_held(self) -> None:
        """Frame work has held the event loop: a key read meanwhile could not move towards the
        prompt, so its time on the way (`IN_FLIGHT_S`) starts again now. (A key the app drops
        still holds frames back `FRAME_WAIT_S` at most, once.)"""
        if self._read > self._handled:
            self._read_at = time.monotonic()

    @property
    def in_flight(self) -> bool:
        """A key has been read from the terminal and not yet handled by the focused widget."""
        return self._read > self._handled and time.monotonic() - self._read_at < IN_FLIGHT_S

    def frame_waits(self) -> bool:
        """Whether the screen's next piece of frame work (a layout, the render after one, the
        paint of an answer's sealed parts after a frame) should wait `HOP_S` for a key on its
        way. It waits `FRAME_WAIT_S` at most in all, and not again for keys it has given up on
        (or whose time on the way ran out while it waited)."""
        if not self.in_flight or self._read == self._waited_for:
            if self._waiting_since is not None and self._read > self._handled:
                self._waited_for = self._read  # waited for, and their time ran out meanwhile
            self._waiting_since = None
            return False
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        elif now - self._waiting_since > FRAME_WAIT_S:
            self._waiting_since = None
            self._waited_for = self._read
            return False
        return True

    @property
    def unshown(self) -> int:
        """Keys received whose frame has not been drawn yet."""
        return self._arrived - self._shown

    def arrived(self) -> int:
        """A key came in; returns its number (for `shown`)."""
        global _last_key_at
        _last_key_at = time.monotonic()
        self._arrived += 1
        self._all_shown.clear()
        return self._arrived

    def shown(self, number: int) -> None:
        """The frame that shows key ``number`` (and every key before it) has been drawn."""
        self._shown = max(self._shown, number)
        if self._shown >= self._arrived:
            self._all_shown.set()

    async def wait_until_shown(self, timeout: float) -> None:
        """Return once every key received so far is on screen, or after ``timeout`` seconds.

        The timeout is a safety net (a key whose widget went away before handling it is
        never drawn); after it the keys count as shown, so the next wait does not time out too.
        """
        if self._all_shown.is_set():
            return
        try:
            await asyncio.wait_for(self._all_shown.wait(), timeout)
        except TimeoutError:
            self.shown(self._arrived)


_activity: weakref.WeakKeyDictionary[App[Any], KeyActivity] = weakref.WeakKeyDictionary()


def of(app: App[Any]) -> KeyActivity:
    """The key activity of ``app`` (created on first use)."""
    activity = _activity.get(app)
    if activity is None:
        activity = _activity[app] = KeyActivity()
    return activity


@contextlib.contextmanager
def note_key(app: App[Any]) -> Iterator[None]:
    """Wrap the app's handling of one key event (`App.on_event`), which forwards it.

    On the way in the key counts as arrived; on the way out a callback is queued behind the
    key at the widget it was forwarded to. When the callback runs, the widget has handled the
    key: if it can paint its change now (`paint_now`), the key is on screen. Otherwise the
    widget tells the screen what to repaint only when it next goes idle, after the callback, so
    the screen may go idle once before it knows: the callback waits for one screen refresh,
    then for the next, and when that one is done the key's effect is on screen.
    """
    activity = of(app)
    number = activity.arrived()
    try:
        yield
    finally:
        screen = app.screen
        target = app.focused or screen

        def after_a_frame(callback: Callable[[], None]) -> None:
            # Textual runs "after refresh" callbacks after a screen update that drew nothing
            # because a batch was held (an answer's markdown mounting blocks): not a frame
            # (looked at again a moment later: a batch is held across awaits, a few ms)
            def check() -> None:
                if app._batch_count:
                    screen.set_timer(HOP_S, lambda: screen.call_after_refresh(check))
                else:
                    callback()

            screen.call_after_refresh(check)

        def after_the_repaint_request() -> None:
            after_a_frame(lambda: activity.shown(number))

        def handled() -> None:
            activity.handled()
            if target is app.focused and paint_now(screen, target):
                activity.shown(number)
            else:
                after_a_frame(after_the_repaint_request)

        target.call_later(handled)


def paint_now(screen: Screen[Any], widget: DOMNode) -> bool:
    """Send ``widget``'s pending repaint to the terminal now, ahead of the screen's next frame;
    True if it did.

    Only when that cannot show a cell the next frame would not: the widget did not ask for a
    layout (a prompt that grows a line does, so it waits for the frame), and it is on the
    screen where the last layout put it. Whatever else the frame has to do (a layout of the
    chat) it does after, and it does not paint the widget again. That holds during a batch
    update too: what a batch holds back is the rest of the screen.
    """
    from textual.widget import Widget

    app = screen.app
    if not isinstance(widget, Widget) or not screen.is_current:
        return False
    if not widget._repaint_regions or widget._layout_required:
        return False
    if any(widget in asked for asked in screen._layout_widgets.values()):
        return False
    compositor = screen._compositor
    placed = compositor.visible_widgets.get(widget)
    if placed is None:
        return False
    region, clip = placed
    # the widget's repaint regions on the screen (as `Compositor.update_widgets` finds them),
    # left to the frame unless this paints them
    regions = [
        visible
        for dirty in widget._repaint_regions
        if (visible := clip.intersection(dirty.translate(region.offset)))
    ]
    if not regions:
        return False
    # render only these; what is already queued for the frame stays queued
    pending = set(compositor._dirty_regions)
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(regions)
    try:
        update = compositor.render_update(screen_stack=app._background_screens)
    finally:
        compositor._dirty_regions.clear()
        compositor._dirty_regions.update(pending)
    if update is None:
        return False
    widget._repaint_regions.clear()
    # A batch (the answer's markdown mounting its new blocks holds one across its awaits) keeps
    # the screen's half-built state off the terminal; this widget's cells are not part of it.
    batch, app._batch_count = app._batch_count, 0
    try:
        app._display(screen, update)
    finally:
        app._batch_count = batch
    return True


def keys_go_first(node: DOMNode, then: Callable[[], object]) -> bool:
    """True if a key is on its way to the prompt (`KeyActivity.frame_waits`): ``then`` runs
    `HOP_S` later instead of now, so the key is handled and painted before this frame work."""
    if not of(node.app).frame_waits():
        return False
    node.set_timer(HOP_S, then)
    return True


def seconds_since_last_key() -> float:
    """Seconds since any app of this process last received a key (infinite if none has)."""
    if _last_key_at is None:
        return float("inf")
    return time.monotonic() - _last_key_at


def watch_the_terminal(app: App[Any]) -> None:
    """Count the keys ``app``'s driver reads, as it reads them (`KeyActivity.in_flight`), and
    hand what it reads to the app's queue one turn of the event loop sooner.

    A key goes from the input thread to the prompt through several hops of the event loop; a
    frame that starts (or a render that follows a layout) while a key is on its way would make
    it wait tens of milliseconds. The screen asks `in_flight` and lets the key go first.
    """
    from textual import events

    driver = app._driver
    if driver is None:
        return
    activity = of(app)
    process = driver.process_message

    def process_message(message: Any) -> None:
        if isinstance(message, events.Key):
            activity.read()
        process(message)

    driver.process_message = process_message  # type: ignore[method-assign]

    def send_message(message: Any) -> None:
        # Textual's driver hands each message to the loop as a coroutine to run (a task made in
        # one turn of the loop, its step run in the next); `post_message` from this thread
        # queues it in the first. A turn is 10-20 ms while an answer catches up (the widgets a
        # frame resized each handle their messages in it): one fewer for every key. All the
        # terminal's input takes this path, so it stays in the order it was read.
        app.post_message(message)

    driver.send_message = send_message  # type: ignore[method-assign]
