"""The chat pane: user messages, streamed assistant answers with a meta line, and notes.

Only the last `ChatPane.max_mounted` entries stay mounted; older ones are removed from the screen
(they stay in the session and the store) and a single line at the top counts them. That keeps a
1,000-turn session as cheap to lay out and repaint as a 50-turn one, and its memory bounded (each
mounted answer keeps its markdown widgets and their render caches, ~0.25 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

NoteKind = Literal["info", "route", "warn", "error"]
W = TypeVar("W", bound=Widget)

#: Seconds between batches handed to the markdown renderer while an answer streams.
FLUSH_INTERVAL = 1 / 30
#: After a batch that took t seconds to show, wait this many times t before the next one.
RENDER_BACKOFF = 2.0
#: ...but never longer than this: a longer wait means a bigger batch, hence a longer frame.
MAX_WAIT = 0.15


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
    """One answer: markdown streamed through `Markdown.get_stream`, then a quiet meta line."""

    DEFAULT_CSS = """
    AssistantMessage {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
    }
    AssistantMessage > Markdown {
        margin: 0;
        padding: 0;
        background: transparent;
    }
    AssistantMessage > .meta {
        color: $text-muted;
        text-style: italic;
    }
    """

    def __init__(self, model: str, tier: str | None) -> None:
        super().__init__()
        self.model = model
        self.tier = tier
        self._parts: list[str] = []
        # Imported here, not at the top: markdown-it and pygments are not needed for the first
        # frame (an empty chat); the warm-up worker imports them in the background.
        from textual.widgets import Markdown

        self._markdown: Markdown = Markdown()
        self._meta = Static("", classes="meta")
        self._stream: MarkdownStream | None = None
        self._pending: list[str] = []
        self._wake = asyncio.Event()
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

    async def append(self, fragment: str) -> None:
        """Add streamed text. Cheap: it only queues the fragment for the next batch."""
        if not fragment:
            return
        self._parts.append(fragment)
        self._pending.append(fragment)
        if self._pump is None:
            self._stream = type(self._markdown).get_stream(self._markdown)
            self._pump = asyncio.create_task(self._run_pump())
        self._wake.set()

    async def _run_pump(self) -> None:
        """Hand queued text to the markdown stream in frame-paced batches.

        Every write re-parses (and re-highlights) the growing last block and lays the screen out
        again, which costs far more than a token. So one batch goes per frame at most, and after a
        batch that took long to show (a long answer, a busy machine) the pump waits in
        proportion, leaving the event loop to the network and the keyboard.
        """
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = loop.time()
            await self._flush_pending()
            await self.wait_for_refresh()
            shown_in = loop.time() - started
            await asyncio.sleep(min(MAX_WAIT, max(FLUSH_INTERVAL, RENDER_BACKOFF * shown_in)))

    async def _flush_pending(self) -> None:
        if self._pending and self._stream is not None:
            chunk = "".join(self._pending)
            self._pending.clear()
            await self._stream.write(chunk)

    async def finish(self) -> None:
        """Flush what is queued and stop the stream (idempotent)."""
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        await self._flush_pending()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    def on_unmount(self) -> None:
        if self._pump is not None:  # removed mid-stream (a /new, the app closing)
            self._pump.cancel()
            self._pump = None

    async def set_text(self, text: str) -> None:
        """Show a finished answer at once (resumed sessions)."""
        self.text = text
        await self._markdown.update(text)

    def set_meta(self, line: str) -> None:
        self._meta.update(line)

    @property
    def meta_text(self) -> str:
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

    async def add_user(self, text: str, attachments: list[str] | None = None) -> UserMessage:
        return await self._add(UserMessage(text, attachments))

    async def add_assistant(self, model: str, tier: str | None) -> AssistantMessage:
        return await self._add(AssistantMessage(model, tier))

    async def add_note(self, text: str, kind: NoteKind = "info") -> Note:
        return await self._add(Note(text, kind))

    async def add_entry(self, widget: W) -> W:
        """Add another kind of entry (a tool call's line) at the end, like a message."""
        return await self._add(widget)

    async def clear_all(self) -> None:
        self.trimmed_count = 0
        await self.remove_children()

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
    return isinstance(widget, AssistantMessage) and widget._stream is not None
