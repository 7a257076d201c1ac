"""The chat pane: user messages, streamed assistant answers with a meta line, and notes.

Only the last `ChatPane.max_mounted` entries stay mounted; older ones are removed from the screen
(they stay in the session and the store) and a single line at the top counts them. That keeps a
1,000-turn session as cheap to lay out and repaint as a 50-turn one, and its memory bounded (each
mounted answer keeps its markdown widgets and their render caches, ~0.25 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar, Literal, TypeVar

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from tui_router.ui import key_activity
from tui_router.ui.widgets import render_cache, stream_gc
from tui_router.ui.widgets.stream_markdown import StreamedMarkdown

NoteKind = Literal["info", "route", "warn", "error"]
W = TypeVar("W", bound=Widget)

#: Seconds between batches handed to the markdown renderer while an answer streams. Every batch
#: costs a layout and a repaint of the chat; 20 a second still reads as a smooth stream and
#: leaves the event loop free more often for the keyboard.
FLUSH_INTERVAL = 1 / 20
#: After a batch that took t seconds to show, wait this many times t before the next one.
RENDER_BACKOFF = 2.0
#: ...but never longer than this: a longer wait means a bigger batch, hence a longer frame.
MAX_WAIT = 0.15
#: Most characters handed to the markdown renderer in one step (parse, mount, one frame) when
#: it is behind (a slow machine, a provider faster than the screen); the rest waits for the next
#: step, which starts at once, after the frames of any keys typed meanwhile. A key no longer
#: waits for a step's frame (`key_activity.paint_now`), only for the part of it running when it
#: comes: 1,200 renders a burst ~35% faster than 400 (headless, 2 cores: 1,352-1,529 against
#: 889-1,127 tok/s) with no longer key-to-frame waits (p95 14-20 ms for both).
STEP_CHARS = 1200
#: The longest a step waits for the frame showing a key before it goes on anyway.
KEY_WAIT = 0.25


class UserMessage(Static):
    """What the person sent (attachments listed under the text)."""

    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $primary;
        background: $boost;
        color: $text;
    }
    """

    def __init__(self, text: str, attachments: list[str] | None = None) -> None:
        body = Text(text)
        for line in attachments or []:
            body.append(f"\n📎 {line}", style="dim")
        super().__init__(body)
        self.text = text


class AssistantMessage(Vertical):
    """One answer: markdown streamed in frame-paced batches, then a quiet meta line.

    The markdown is a `StreamedMarkdown`: finished parts of a long answer are sealed and painted
    from cached lines by one widget, so a frame costs the same at the end of a long answer as at
    its start.
    """

    DEFAULT_CSS = """
    AssistantMessage {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
    }
    AssistantMessage > .meta {
        color: $text-muted;
        text-style: italic;
    }
    """

    def __init__(self, model: str, tier: str | None, *, gc_catch_up: bool = True) -> None:
        super().__init__()
        self.model = model
        self.tier = tier
        #: a full garbage pass that is due runs before this answer's text (`stream_gc.hold`):
        #: not for a later step of an agent turn, while the person may be typing the next prompt
        self.gc_catch_up = gc_catch_up
        self._parts: list[str] = []
        self._markdown = StreamedMarkdown()
        self._meta = Static("", classes="meta")
        self._pending: list[str] = []
        self._pending_meta: str | None = None
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._markdown
        yield self._meta

    @property
    def text(self) -> str:
        """Everything received so far (exact; the screen may be up to one flush behind)."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @text.setter
    def text(self, value: str) -> None:
        self._parts[:] = [value] if value else []

    @property
    def shown_text(self) -> str:
        """The markdown the screen shows (all of `text` once `finish` has returned)."""
        return self._markdown.source

    @property
    def streaming(self) -> bool:
        """True from the first streamed fragment until `finish`."""
        return self._pump is not None

    async def append(self, fragment: str) -> None:
        """Add streamed text. Cheap: it only queues the fragment for the next batch."""
        if not fragment:
            return
        self._parts.append(fragment)
        self._pending.append(fragment)
        if self._pump is None:
            self._stop.clear()
            stream_gc.hold(catch_up=self.gc_catch_up)
            self._pump = asyncio.create_task(self._run_pump())
        self._wake.set()

    async def _run_pump(self) -> None:
        """Hand queued text to the markdown in short steps, each followed by its frame.

        Every write re-parses (and re-highlights) the growing last block and lays the answer out
        again, which costs far more than a token. So a step takes at most `STEP_CHARS`, sealing
        the live segment is a step of its own (its layout is drawn with the next step's frame,
        or the pause's), and before each step the pump waits for the frame showing any key typed
        meanwhile: a key waits for the step it arrived in, never for the ones after it (and a
        key the prompt can paint at once, `key_activity.paint_now`, not even that). Caught up,
        the pump waits between steps, longer after a step that took long to show (a busy
        machine), leaving the event loop to the network and the keyboard. `finish` stops it
        between steps, never in the middle of one.
        """
        loop = asyncio.get_running_loop()
        keys = key_activity.of(self.app)
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            started = loop.time()
            await keys.wait_until_shown(KEY_WAIT)
            behind = await self._flush_pending()
            await self.wait_for_refresh()
            await keys.wait_until_shown(KEY_WAIT)
            await self._markdown.seal_if_due()
            if behind:
                self._wake.set()
                continue
            shown_in = loop.time() - started
            pause = min(MAX_WAIT, max(FLUSH_INTERVAL, RENDER_BACKOFF * shown_in))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), pause)

    async def _flush_pending(self) -> bool:
        """Show the pending meta line and up to `STEP_CHARS` of the queued text (without
        sealing); True if text is left for another step."""
        if self._pending_meta is not None:
            line, self._pending_meta = self._pending_meta, None
            self._meta.update(line)
        if not self._pending:
            return False
        text = "".join(self._pending)
        self._pending.clear()
        step, rest = text[:STEP_CHARS], text[STEP_CHARS:]
        if rest:
            self._pending.append(rest)
        await self._markdown.append(step, seal=False)
        return bool(rest)

    async def finish(self) -> None:
        """Show everything received and stop streaming (idempotent)."""
        pump, self._pump = self._pump, None
        if pump is not None:
            self._stop.set()
            self._wake.set()
            try:
                await pump
            finally:
                stream_gc.release()
        keys = key_activity.of(self.app)
        while True:  # what is still queued, in steps too, keys first
            await keys.wait_until_shown(KEY_WAIT)
            left = await self._flush_pending()
            await self._markdown.seal_if_due()
            if not left:
                break
        await self._markdown.close()

    def on_unmount(self) -> None:
        if self._pump is not None:  # removed mid-stream (a /new, the app closing)
            self._pump.cancel()
            self._pump = None
            stream_gc.release()

    async def set_text(self, text: str) -> None:
        """Show a finished answer at once (resumed sessions)."""
        self.text = text
        await self._markdown.update(text)

    def set_meta(self, line: str) -> None:
        """Show ``line`` under the answer; while it streams, with the next batch (one frame
        for both, not one more layout of the screen for the live figures)."""
        if self._pump is not None:
            self._pending_meta = line
            self._wake.set()
        else:
            self._pending_meta = None
            self._meta.update(line)

    @property
    def meta_text(self) -> str:
        if self._pending_meta is not None:
            return self._pending_meta
        return str(self._meta.render())


class Note(Static):
    """One clear line from the app: a routing change, an error, a cancel, a budget stop."""

    DEFAULT_CSS = """
    Note { margin: 1 0 0 0; padding: 0 1; color: $text-muted; }
    Note.-route { color: $accent; }
    Note.-warn { color: $warning; }
    Note.-error { color: $error; text-style: bold; }
    """

    ICONS: ClassVar[dict[str, str]] = {"info": "·", "route": "⇅", "warn": "!", "error": "✗"}

    def __init__(self, text: str, kind: NoteKind = "info") -> None:
        super().__init__(Text(f"{self.ICONS[kind]} {text}"), classes=f"-{kind}")
        self.kind = kind
        self.text = text


class ChatPane(VerticalScroll):
    """The conversation, newest at the bottom, anchored while new text arrives.

    Focusable (tab from the prompt) so the history can be scrolled with the keyboard.
    """

    DEFAULT_CSS = """
    ChatPane {
        height: 1fr;
        padding: 0 1 1 1;
        scrollbar-size-vertical: 1;
    }
    ChatPane > #trimmed { color: $text-muted; text-style: italic; height: auto; }
    """

    def __init__(self, *, max_mounted: int = 100, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_mounted = max_mounted
        self.trimmed_count = 0

    def on_mount(self) -> None:
        self.anchor()
        # one watcher for every answer in the pane, called as the theme is set (before the
        # styles are refreshed and the next frame drawn): see StreamedMarkdown.theme_changed
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self) -> None:
        for markdown in self.query(StreamedMarkdown):
            markdown.theme_changed()

    def on_unmount(self) -> None:
        stream_gc.forget()

    async def add_user(self, text: str, attachments: list[str] | None = None) -> UserMessage:
        return await self._add(UserMessage(text, attachments))

    async def add_assistant(
        self, model: str, tier: str | None, *, gc_catch_up: bool = True
    ) -> AssistantMessage:
        return await self._add(AssistantMessage(model, tier, gc_catch_up=gc_catch_up))

    async def add_note(self, text: str, kind: NoteKind = "info") -> Note:
        return await self._add(Note(text, kind))

    async def add_entry(self, widget: W) -> W:
        """Add another kind of entry (a tool call's line) at the end, like a message."""
        return await self._add(widget)

    async def clear_all(self) -> None:
        self.trimmed_count = 0
        await self.remove_children()
        render_cache.release_removed()

    @property
    def entries(self) -> list[Widget]:
        return [w for w in self.children if w.id != "trimmed"]

    async def _add(self, widget: W) -> W:
        await self.mount(widget)
        await self._trim()
        self.anchor()
        return widget

    async def _trim(self) -> None:
        entries = self.entries
        excess = len(entries) - self.max_mounted
        if excess <= 0:
            return
        # Never remove a message that is still streaming.
        old = [w for w in entries[:excess] if not _is_streaming(w)]
        if not old:
            return
        self.trimmed_count += len(old)
        await self.remove_children(old)
        render_cache.release_removed()
        label = (
            f"▲ {self.trimmed_count:,} earlier entries hidden to keep the screen fast "
            "(they stay in the session)"
        )
        existing = self.query("#trimmed")
        if existing:
            existing.first(Static).update(label)
        else:
            await self.mount(Static(label, id="trimmed"), before=0)


def _is_streaming(widget: Widget) -> bool:
    return isinstance(widget, AssistantMessage) and widget.streaming
