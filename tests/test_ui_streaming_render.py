"""A streamed answer looks exactly as one markdown widget given the same text would show it,
while its finished parts are sealed (never parsed, rebuilt or laid out again) and parked out of
view. Checked on the screen itself (an SVG export of every cell, text and colours), against a
reference: the whole text given at once to one `AnswerMarkdown` (Textual's `Markdown` with the
answer's own tables, fences and lists: what it shows for that document; feeding it the same
chunks through `append` gives the same cells at ~1.5x the CPU)."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Spacing
from textual.widget import Widget
from textual.widgets import Input, Markdown, Static
from textual.widgets.markdown import MarkdownBlock
from ui_support import wait_for

from tui_router.ui import key_activity
from tui_router.ui.widgets import chat, stream_markdown
from tui_router.ui.widgets.answer_lists import ListRow
from tui_router.ui.widgets.answer_markdown import AnswerMarkdown
from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.stream_markdown import SealedLines, StreamedMarkdown

SECTION = """\
## Step {n}: refresh entry {n} safely

The cache is read **before** the lock is taken, so two workers can both see a stale entry
and both write. The fix for `shard_{n}`:

1. Take the lock first.
2. Re-read the entry under the lock.
3. Write only if it is still stale.

```python
def refresh_{n}(cache, key, load):
    with cache.lock(key):
        entry = cache.get(key)
        if entry is not None and not entry.expired:
            return entry.value
        return cache.put(key, load(), ttl=300)
```

- a bullet with `code`
- another bullet
  - nested

> A quote about entry {n}.

| approach | cost |
|---|---|
| lock then read | one lock per miss |

---
"""

ANSWER = "".join(SECTION.format(n=n) for n in range(1, 4)) + "Done: **all three** steps.\n"


#: Screen rows that hold the whole answer (~110 rows at 70-100 columns): every cell is compared,
#: and `reference_screen` fails if the answer does not fit.
TALL = 120


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class ReferenceMessage(Vertical):
    """The answer widget as it was: one markdown widget (the answer's kind: its own fences,
    lists and tables), then the meta line."""

    DEFAULT_CSS = """
    ReferenceMessage { height: auto; margin: 1 0 0 0; padding: 0 1; }
    ReferenceMessage > Markdown { margin: 0; padding: 0; background: transparent; }
    ReferenceMessage > .meta { color: $text-muted; text-style: italic; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.markdown = AnswerMarkdown()

    def compose(self) -> ComposeResult:
        yield self.markdown
        yield Static("", classes="meta")


class Harness(App[None]):
    TITLE = "stream"

    def compose(self) -> ComposeResult:
        yield ChatPane(id="pane")


#: Reference screens made in this test process: several tests compare with the same one.
_REFERENCES: dict[tuple[tuple[int, int], tuple[str, ...], bool], str] = {}


async def reference_screen(size: tuple[int, int], pieces: list[str], *, home: bool = False) -> str:
    key = (size, tuple(pieces), home)
    if key not in _REFERENCES:
        _REFERENCES[key] = await _reference_screen(size, pieces, home=home)
    return _REFERENCES[key]


async def _reference_screen(size: tuple[int, int], pieces: list[str], *, home: bool) -> str:
    app = Harness()
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(ChatPane)
        message = ReferenceMessage()
        await pane.mount(message)
        await message.markdown.update("".join(pieces))
        await pilot.pause()
        if home:
            pane.scroll_home(animate=False)
        await pilot.pause()
        if size[1] >= TALL:
            assert pane.max_scroll_y == 0, "the screen is too short to show the whole answer"
        return app.export_screenshot()


async def streamed(app: App[None], pieces: list[str]) -> StreamedMarkdown:
    """A new answer in ``app``'s chat: ``pieces`` appended to its markdown one by one, closed."""
    message = await app.query_one(ChatPane).add_assistant("m", None)
    markdown = message.query_one(StreamedMarkdown)
    for piece in pieces:
        await markdown.append(piece)
    await markdown.close()
    return markdown


def _cells(svg: str) -> str:
    # The export's ids are a hash of the segments, which carry mouse data (text offsets for
    # selection) that is not painted: only the painted cells are compared.
    return re.sub(r"terminal-\d+", "terminal", svg)


async def shows(pilot: Any, expected: str) -> None:
    """The app's screen comes to be ``expected`` within a few frames (a repaint follows the change
    that asks for it by a frame), else fails as `assert_same_screen` does."""
    for _ in range(50):
        if _cells(pilot.app.export_screenshot()) == _cells(expected):
            return
        await pilot.pause(0.02)
    assert_same_screen(pilot.app.export_screenshot(), expected)


def assert_same_screen(actual: str, expected: str) -> None:
    """Cell by cell (the SVG export holds every cell's text and colours); on a difference, the
    first differing line of the export, not a diff of thousands of lines."""
    actual, expected = _cells(actual), _cells(expected)
    if actual == expected:
        return
    pairs = zip(actual.splitlines(), expected.splitlines(), strict=False)
    line, got, want = next((n, a, b) for n, (a, b) in enumerate(pairs) if a != b)
    raise AssertionError(f"the screen differs at export line {line}:\n{got}\n{want}")


def sealed_segments(markdown: StreamedMarkdown) -> list[Markdown]:
    return markdown.segments[:-1] if markdown._live is not None else markdown.segments


async def test_streamed_segments_show_what_one_markdown_widget_shows() -> None:
    pieces = chunks(ANSWER, 40)
    size = (100, TALL)  # tall enough for the whole answer: every cell is compared
    expected = await reference_screen(size, pieces)
    app = Harness()
    async with app.run_test(size=size) as pilot:
        markdown = await streamed(app, pieces)
        await pilot.pause()
        assert len(markdown.segments) >= 3, "the answer was not split into sealed segments"
        assert markdown.source == ANSWER
        await shows(pilot, expected)


async def test_the_message_streams_in_batches_to_the_same_screen() -> None:
    """Through `AssistantMessage.append` (the pump batches by time): same screen, same text."""
    pieces = chunks(ANSWER, 40)
    size = (100, TALL)
    expected = await reference_screen(size, pieces)
    app = Harness()
    async with app.run_test(size=size) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        for index, piece in enumerate(pieces):
            await message.append(piece)
            if index % 8 == 0:
                await pilot.pause()  # let the pump show a batch now and then
        assert message.streaming
        await message.finish()
        await pilot.pause()
        assert not message.streaming
        assert message.text == ANSWER
        assert message.shown_text == ANSWER
        await shows(pilot, expected)


async def test_sealed_blocks_are_never_touched_again(monkeypatch: Any) -> None:
    appended_to: list[Markdown] = []
    original_append = Markdown.append

    def recording_append(self: Markdown, markdown: str) -> Any:
        appended_to.append(self)
        return original_append(self, markdown)

    monkeypatch.setattr(Markdown, "append", recording_append)
    pieces = chunks(ANSWER, 40)
    app = Harness()
    async with app.run_test(size=(100, 40)) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        markdown = message.query_one(StreamedMarkdown)
        half = len(pieces) // 2
        for piece in pieces[:half]:
            await markdown.append(piece)
        await pilot.pause()
        sealed = sealed_segments(markdown)
        assert sealed, "nothing was sealed in the first half of the answer"
        blocks = {id(seg): list(seg.query_children(MarkdownBlock)) for seg in sealed}
        appended_to.clear()
        for piece in pieces[half:]:
            await markdown.append(piece)
        await pilot.pause()
        assert not any(seg in appended_to for seg in sealed), "a sealed segment was appended to"
        for seg in sealed:
            now = list(seg.query_children(MarkdownBlock))
            assert now == blocks[id(seg)], "a sealed segment's blocks were rebuilt"
            assert all(block.is_mounted for block in now)


def laid_out_widgets(widget: Widget) -> int:
    """The widgets under ``widget`` a frame lays out (hidden ones and theirs are skipped)."""
    return sum(1 + laid_out_widgets(child) for child in widget.children if child.display)


async def test_painted_parts_are_the_same_cells_at_the_top_too() -> None:
    """Sealed parts are painted from cached lines (one widget), their blocks hidden from the
    layout: the screen is the reference's at the bottom, and after scrolling to the top."""
    pieces = chunks(ANSWER, 40)
    size = (90, 24)
    expected_end = await reference_screen(size, pieces)
    expected_top = await reference_screen(size, pieces, home=True)
    app = Harness()
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(ChatPane)
        markdown = await streamed(app, pieces)
        await wait_for(
            pilot, lambda: markdown.painted_count == len(markdown.segments) >= 3, "painted"
        )
        assert not any(segment.display for segment in markdown.segments)
        assert laid_out_widgets(markdown) == 1, "sealed blocks are still laid out"
        await shows(pilot, expected_end)
        pane.scroll_home(animate=False)
        await pilot.pause()
        await shows(pilot, expected_top)


async def test_a_frame_lays_out_the_same_few_widgets_however_long_the_answer() -> None:
    app = Harness()
    async with app.run_test(size=(90, 24)) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        markdown = message.query_one(StreamedMarkdown)
        counts = []
        for _ in range(3):
            for piece in chunks(SECTION.format(n=1), 80):
                await markdown.append(piece)
            await pilot.pause()
            await pilot.pause()
            counts.append(laid_out_widgets(markdown))
        await wait_for(pilot, lambda: markdown.painted_count >= 2, "segments painted")
        assert counts[-1] <= counts[0] + 5, counts


async def test_a_resize_after_sealing_wraps_the_painted_parts_again() -> None:
    pieces = chunks(ANSWER, 40)
    expected = await reference_screen((70, TALL), pieces)
    app = Harness()
    async with app.run_test(size=(100, TALL)) as pilot:
        markdown = await streamed(app, pieces)
        await wait_for(pilot, lambda: markdown.painted_count >= 3, "segments painted")
        await pilot.resize_terminal(70, TALL)
        await wait_for(pilot, lambda: markdown.painted_count == len(markdown.segments), "repainted")
        await shows(pilot, expected)


async def test_a_theme_change_repaints_the_painted_parts() -> None:
    pieces = chunks(ANSWER, 40)
    size = (100, TALL)
    light = Harness()
    async with light.run_test(size=size) as pilot:
        light.theme = "textual-light"
        pane = light.query_one(ChatPane)
        reference = ReferenceMessage()
        await pane.mount(reference)
        await reference.markdown.update("".join(pieces))
        await pilot.pause()
        await pilot.pause()
        expected = light.export_screenshot()
    app = Harness()
    async with app.run_test(size=size) as pilot:
        markdown = await streamed(app, pieces)
        await pilot.pause()
        dark = app.export_screenshot()
        app.theme = "textual-light"
        await wait_for(pilot, lambda: markdown.painted_count == len(markdown.segments), "repainted")
        await shows(pilot, expected)
        assert app.export_screenshot() != dark


async def test_a_paint_between_the_theme_and_its_styles_waits_for_the_styles() -> None:
    # Textual applies a new theme's styles a moment after the theme is set; a paint due from the
    # answer (run after a frame) can land in between, and would keep the old colours for good
    size = (100, TALL)
    app = Harness()
    async with app.run_test(size=size) as pilot:
        app.theme = "textual-light"
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.set_text(ANSWER)
        markdown = message.query_one(StreamedMarkdown)
        await wait_for(pilot, lambda: markdown.painted_count == 1, "painted")
        expected = app.export_screenshot()
    app = Harness()
    async with app.run_test(size=size) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.set_text(ANSWER)
        markdown = message.query_one(StreamedMarkdown)
        await wait_for(pilot, lambda: markdown.painted_count == 1, "painted")
        app.theme = "textual-light"
        markdown.paint_sealed()  # the frame's paint, before the app has refreshed the styles
        await wait_for(pilot, lambda: markdown.painted_count == 1, "painted again")
        await shows(pilot, expected)


LISTS = (
    "Steps:\n\n"
    + "".join(
        f"- item {n} with `code` and a [link](https://example.com/{n})\n" for n in range(1, 16)
    )
    + "\nIn order:\n\n"
    + "".join(
        f"{n}. numbered {n}\n" + ("   - nested under 5\n" if n == 5 else "") for n in range(1, 13)
    )
    + "\nDone.\n"
)


async def test_a_streamed_list_shows_what_one_markdown_widget_shows() -> None:
    # items are added to the shown list, not the list rebuilt; the numbers widen past 9
    pieces = chunks(LISTS, 60)
    size = (90, TALL)
    expected = await reference_screen(size, pieces)
    app = Harness()
    async with app.run_test(size=size) as pilot:
        markdown = await streamed(app, pieces)
        assert markdown.source == LISTS
        await shows(pilot, expected)


async def test_a_growing_list_keeps_the_items_it_shows() -> None:
    app = Harness()
    async with app.run_test(size=(80, 40)) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        markdown = message.query_one(StreamedMarkdown)
        await markdown.append("".join(f"- item {n}\n" for n in range(1, 6)))
        await pilot.pause()
        [first_row] = [row for row in app.query(ListRow) if row.plain == "item 1"]
        await markdown.append("".join(f"- item {n}\n" for n in range(6, 20)))
        await pilot.pause()
        # Textual's own list would have been removed and mounted again, every item rebuilt
        assert first_row in list(app.query(ListRow))
        assert [row.plain for row in app.query(ListRow)] == [f"item {n}" for n in range(1, 20)]


async def test_painted_text_can_be_selected_and_copied() -> None:
    app = Harness()
    async with app.run_test(size=(100, 50)) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.set_text(SECTION.format(n=1))
        await pilot.pause()
        await pilot.pause()
        lines = message.query_one(SealedLines)
        assert lines.line_count
        row = next(y for y in range(lines.line_count) if "Step 1" in lines.render_line(y).text)
        # drag over the heading's line, as a person selects with the mouse
        await pilot.mouse_down(lines, offset=(0, row))
        await pilot.hover(lines, offset=(40, row))
        await pilot.mouse_up(lines, offset=(40, row))
        await pilot.pause()
        assert "Step 1: refresh entry 1" in (app.screen.get_selected_text() or "")


async def test_a_resumed_answer_is_one_sealed_segment() -> None:
    size = (100, TALL)
    expected = await reference_screen(size, [ANSWER])
    app = Harness()
    async with app.run_test(size=size) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.set_text(ANSWER)
        markdown = message.query_one(StreamedMarkdown)
        await wait_for(pilot, lambda: markdown.painted_count == 1, "the answer painted")
        assert len(markdown.segments) == 1
        assert markdown.source == ANSWER
        await shows(pilot, expected)


def _block(top: int, bottom: int) -> Any:
    return SimpleNamespace(styles=SimpleNamespace(margin=Spacing(top, 0, bottom, 0)))


def test_a_split_needs_a_zero_margin_on_one_side(monkeypatch: Any) -> None:
    monkeypatch.setattr(stream_markdown, "MIN_SEALED_BLOCKS", 1)
    paragraph, fence = _block(0, 1), _block(1, 1)
    # before a finished paragraph (top margin 0): fine
    assert stream_markdown._split_point([fence, fence, paragraph, fence]) == 2
    # only code blocks (1 above, 1 below): no split keeps the collapsed margin
    assert stream_markdown._split_point([fence, fence, fence]) is None
    # the growing last block may still change kind: its own top margin does not count
    assert stream_markdown._split_point([fence, fence, paragraph]) is None
    # ...but a 0 bottom margin above it does
    assert stream_markdown._split_point([fence, _block(1, 0), fence]) == 2


async def test_no_full_collection_while_an_answer_streams() -> None:
    """The collector's full passes (0.2-0.5 s with a long answer on screen) wait for the end of
    the stream; the postponed one runs once, and the collector gets its thresholds back."""
    import gc

    from tui_router.ui.widgets import stream_gc

    before = gc.get_threshold()
    app = Harness()
    async with app.run_test(size=(90, 24)) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.append("Some **text**")
        assert stream_gc.held()
        assert gc.get_threshold()[:2] == before[:2]
        assert gc.get_threshold()[2] > 1_000_000
        await message.finish()
        assert stream_gc.held(), "the full pass waits for a quiet moment"
        stream_gc.collect_now()
        await pilot.pause()
        assert not stream_gc.held()
        assert gc.get_threshold() == before


class TypingHarness(App[None]):
    """The chat and a text field, with keys reported to `key_activity` as the app does."""

    def compose(self) -> ComposeResult:
        yield ChatPane(id="pane")
        yield Input(id="field")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            with key_activity.note_key(self):
                await super().on_event(event)
            return
        await super().on_event(event)


async def test_a_backlog_is_shown_in_short_steps(monkeypatch: Any) -> None:
    """A renderer that is behind (everything queued at once) catches up in steps of at most
    `STEP_CHARS`, so no step holds the keyboard long; the screen is the same in the end."""
    steps: list[int] = []
    original_append = StreamedMarkdown.append

    async def recording_append(self: StreamedMarkdown, fragment: str, **kwargs: Any) -> None:
        steps.append(len(fragment))
        await original_append(self, fragment, **kwargs)

    monkeypatch.setattr(StreamedMarkdown, "append", recording_append)
    size = (100, TALL)
    expected = await reference_screen(size, [ANSWER])
    app = Harness()
    async with app.run_test(size=size) as pilot:
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.append(ANSWER)
        await pilot.pause()
        await message.finish()
        await pilot.pause()
        assert message.shown_text == ANSWER
        assert len(steps) >= len(ANSWER) // chat.STEP_CHARS
        assert max(steps) <= chat.STEP_CHARS
        await shows(pilot, expected)


async def test_a_key_is_on_screen_before_the_next_step(monkeypatch: Any) -> None:
    """A key typed while an answer streams is drawn before the chat starts another step: the
    step waits for the frame showing the key, not the key for the steps after it."""
    monkeypatch.setattr(chat, "STEP_CHARS", 400)  # several steps of this answer
    log: list[tuple[str, str]] = []
    app = TypingHarness()
    original_append = StreamedMarkdown.append
    original_display = App._display

    async def recording_append(self: StreamedMarkdown, fragment: str, **kwargs: Any) -> None:
        log.append(("step", app.query_one(Input).value))
        await original_append(self, fragment, **kwargs)

    def recording_display(self: App[None], screen: Any, renderable: Any) -> None:
        log.append(("frame", app.query_one(Input).value))
        original_display(self, screen, renderable)

    monkeypatch.setattr(StreamedMarkdown, "append", recording_append)
    monkeypatch.setattr(App, "_display", recording_display)
    async with app.run_test(size=(90, 24)) as pilot:
        app.query_one(Input).focus()
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.append(ANSWER)  # a backlog: the pump runs step after step
        for key in "abc":
            await pilot.press(key)
        await message.finish()
        await pilot.pause()
        steps_after_a_key = [
            index
            for index, (kind, value) in enumerate(log)
            if kind == "step" and index and value != log[index - 1][1]
        ]
        for index in steps_after_a_key:
            value = log[index][1]
            earlier = log[:index]
            first_seen = next(i for i, (_, v) in enumerate(earlier) if v == value)
            assert ("frame", value) in earlier[first_seen:], (
                f"a step went before the frame of {value!r}"
            )
        assert app.query_one(Input).value == "abc"
        assert len([kind for kind, _ in log if kind == "step"]) > 3


async def test_the_paint_after_a_frame_waits_for_a_key_read_from_the_terminal(
    monkeypatch: Any,
) -> None:
    """Painting sealed parts renders every line of them (tens of ms) and falls right after a
    frame: a key the terminal's input thread read during that frame goes first."""
    # here the key is held on its way for as long as the test likes
    monkeypatch.setattr(key_activity, "IN_FLIGHT_S", 60.0)
    monkeypatch.setattr(key_activity, "FRAME_WAIT_S", 60.0)
    app = Harness()
    async with app.run_test(size=(90, 24)) as pilot:
        activity = key_activity.of(app)
        activity.read()  # a key on its way
        markdown = await streamed(app, chunks(ANSWER, 40))
        for _ in range(5):
            await pilot.pause(0.02)
        assert len(markdown.segments) >= 3
        assert markdown.painted_count == 0, "sealed parts were painted before the key"
        activity.handled()  # the key reached the prompt
        await wait_for(
            pilot, lambda: markdown.painted_count == len(markdown.segments), "painted after it"
        )


async def test_the_full_collection_waits_for_a_pause_in_typing(monkeypatch: Any) -> None:
    """Keys typed when the postponed full pass falls due are handled first; the pass runs only
    once the person has stopped typing for `TYPING_PAUSE_S`."""
    from tui_router.ui.widgets import stream_gc

    monkeypatch.setattr(stream_gc, "QUIET_S", 0.05)
    monkeypatch.setattr(stream_gc, "TYPING_PAUSE_S", 1.0)
    log: list[str] = []
    due, collected = asyncio.Event(), asyncio.Event()
    original_when_due = stream_gc._when_due

    def recording_when_due() -> None:
        log.append("due")
        due.set()
        original_when_due()

    def recording_collection() -> None:
        log.append(f"collect after {key_activity.seconds_since_last_key():.2f} s without a key")
        collected.set()

    monkeypatch.setattr(stream_gc, "_when_due", recording_when_due)
    monkeypatch.setattr(stream_gc, "_full_collection", recording_collection)
    app = TypingHarness()
    async with app.run_test(size=(90, 24)) as pilot:
        field = app.query_one(Input)
        field.focus()
        message = await app.query_one(ChatPane).add_assistant("m", None)
        await message.append("Some **text**")
        await pilot.press("a")
        log.append(f"key {field.value}")
        await message.finish()  # the pass falls due QUIET_S later, while the person types
        await due.wait()
        await pilot.press("b")
        log.append(f"key {field.value}")
        await asyncio.wait_for(collected.wait(), 10)
        assert log[:3] == ["key a", "due", "key ab"], log
        assert log[-1].startswith("collect after"), log
        assert float(log[-1].split()[2]) >= 1.0, log
        assert not stream_gc.held()
