"""What reaches the terminal is the screen: after focus moves, a panel opens or closes, every
cell a terminal shows (the app's updates applied in order, `terminal_model`) is the cell the
screen draws from scratch. A move of the focus repaints what it changes, not the whole screen
(`MainScreen.focused`), so a cell nobody repainted would show here as a stale one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakeserver_sse import Script
from terminal_model import Terminal, assert_shows_the_screen
from ui_support import EDIT, SIZE, asking, make_app, settle, started, type_text, wait_for

from tui_router.ui.widgets.approval import ApprovalPanel
from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.prompt import PromptInput


async def test_moving_the_focus_leaves_no_stale_cell(
    server: Any, tmp_path: Path, terminal: Terminal
) -> None:
    server.push(Script(text="Here is a **short** answer.\n\n- one\n- two\n"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = app.query_one(PromptInput)
        await type_text(pilot, "hello there")
        await pilot.press("enter")
        await settle(pilot)
        assert_shows_the_screen(app, terminal, "after the answer")
        frames = terminal.frames
        app.query_one(ChatPane).focus()
        await pilot.pause()
        assert isinstance(app.focused, ChatPane)
        assert terminal.frames > frames, "moving the focus painted nothing"
        assert_shows_the_screen(app, terminal, "the chat focused")
        prompt.focus()
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the prompt focused again")


async def test_the_approval_panel_opens_and_closes_without_stale_cells(
    server: Any, repo: Path, terminal: Terminal
) -> None:
    server.push(
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(text="I will try again.", tool_calls=[EDIT]),
        Script(text="Renamed."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await type_text(pilot, "rename tmp to total")
        await pilot.press("enter")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        assert app.query_one(ApprovalPanel).has_focus
        assert_shows_the_screen(app, terminal, "the panel open")
        await pilot.press("n")  # the reason's field takes the focus
        await wait_for(
            pilot,
            lambda: app.query_one(ApprovalPanel).query("Input").first().has_focus,
            "the reason field",
        )
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the reason's field focused")
        await type_text(pilot, "not yet")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: asking(app) is not None and app.query_one(ApprovalPanel).answer is None,
            "the second panel",
        )
        await pilot.pause()
        assert_shows_the_screen(app, terminal, "the second panel open")
        await pilot.press("y")
        await settle(pilot)
        assert asking(app) is None
        assert isinstance(app.focused, PromptInput)
        assert_shows_the_screen(app, terminal, "the panel closed, the prompt focused")


#: An answer whose every piece opens another kind of block.
ANSWER = [
    "Two steps.\n\n",
    "```python\nx = 1\n```\n\n",
    "- one\n- two\n\n",
    "| one | two |\n|---|---|\n| 1 | 2 |\n\n",
    "> quoted\n\nDone.\n",
]


async def test_a_layout_that_places_a_new_widget_is_not_done_twice(
    server: Any, tmp_path: Path, monkeypatch: Any, terminal: Terminal
) -> None:
    """The frame that lays out a newly mounted entry arranges the screen once: looking up where
    widgets are afterwards (the chat keeping its end in view does, every step of an answer) uses
    that layout. And the places it gives are the ones a fresh layout gives."""
    from textual._compositor import Compositor

    arranged: list[str] = []
    arrange, reflow = Compositor._arrange_root, Compositor.reflow

    def counting_arrange(self: Compositor, root: Any, size: Any, visible_only: bool = True) -> Any:
        arranged.append("visible" if visible_only else "all")
        return arrange(self, root, size, visible_only)

    def counting_reflow(self: Compositor, parent: Any, size: Any) -> Any:
        arranged.append("layout")
        return reflow(self, parent, size)

    monkeypatch.setattr(Compositor, "_arrange_root", counting_arrange)
    monkeypatch.setattr(Compositor, "reflow", counting_reflow)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        chat = app.query_one(ChatPane)
        await pilot.pause()
        arranged.clear()
        message = await chat.add_assistant("claude-haiku-4-5", "fast")
        for piece in ANSWER:  # each piece starts a new block: a widget mounted, then placed
            await message.append(piece)
            await pilot.pause()
        await message.finish()
        await wait_for(pilot, lambda: "Done." in "".join(terminal.rows()), "the answer")
        await pilot.pause()
        entries = [message]
        placed = {w: w.region for w in (*entries, chat, app.query_one(PromptInput))}
        layouts = arranged.count("layout")
        assert layouts >= 1
        assert arranged.count("all") == layouts, f"the whole screen arranged again: {arranged}"
        compositor = app.screen._compositor
        compositor._full_map_invalidated = True  # a fresh layout, for comparison
        assert {w: compositor.full_map[w].region for w in placed} == placed


async def test_a_sealed_part_of_an_answer_is_arranged_only_when_it_can_be_painted(
    server: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Copying a sealed part of an answer into painted lines arranges the part on its own. Tried
    after a frame that has not laid it out yet (often, right after sealing), the screen's own
    layout says so at no cost: no arrangement is made for nothing, the copy waits a frame.

    (The screen's layout is free to read only while its map is current; a try made while it is
    not — a busy machine's frames fall behind — arranges the part to find out, as before.)"""
    from textual.widgets import Markdown

    from tui_router.ui.compositor import Compositor
    from tui_router.ui.widgets import stream_markdown

    arranged: list[Any] = []
    reflow = Compositor.reflow

    def counting(self: Compositor, parent: Any, size: Any) -> Any:
        if isinstance(parent, Markdown):
            arranged.append(parent)
        return reflow(self, parent, size)

    # each try: was the screen's map current, did the try arrange the part, did it paint
    tries: list[tuple[bool, bool, bool]] = []
    paint = stream_markdown.paint

    def recording(segment: Any) -> Any:
        current = not segment.screen._compositor._full_map_invalidated
        before = len(arranged)
        strips = paint(segment)
        tries.append((current, len(arranged) > before, strips is not None))
        return strips

    monkeypatch.setattr(Compositor, "reflow", counting)
    monkeypatch.setattr(stream_markdown, "paint", recording)
    section = (
        "## Part {n}\n\nSome **text** for part {n}.\n\n```python\nx = {n}\n```\n\n- a\n- b\n\n"
    )
    text = "".join(section.format(n=n) for n in range(8))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        message = await app.query_one(ChatPane).add_assistant("claude-haiku-4-5", "fast")
        for start in range(0, len(text), 30):
            await message.append(text[start : start + 30])
            await pilot.pause()
        await message.finish()
        markdown = message.query_one(stream_markdown.StreamedMarkdown)
        await wait_for(pilot, lambda: not markdown._paint_due, "the sealed parts painted")
        painted = markdown._painted
        assert painted == len(markdown._sealed) >= 2, f"{painted} of {len(markdown._sealed)} parts"
        # every part painted went through the recorder (a part is painted again when the width
        # changes, e.g. as the chat's scrollbar appears; how often depends on the frames' timing)
        assert sum(ok for _, _, ok in tries) >= painted
        for_nothing = [t for t in tries if t == (True, True, False)]
        assert not for_nothing, f"{len(for_nothing)} arrangements for nothing: {tries}"

        # The check itself, made certain: a part the screen has laid out with its mark not at
        # its end (here a bottom padding puts it a row short) is declined from the screen's
        # layout alone, nothing arranged; laid out again without the padding, it is painted.
        part = await app.query_one(ChatPane).add_assistant("claude-haiku-4-5", "fast")
        await part.append("One.\n\nTwo.\n\nThree.\n\n")
        segment = part.query_one(stream_markdown.StreamedMarkdown)._live
        assert segment is not None
        await wait_for(pilot, lambda: len(segment.children) == 3, "three paragraphs")
        mark = stream_markdown.SealMark()
        segment.styles.padding = (0, 0, 1, 0)
        await segment.mount(mark)
        await wait_for(pilot, lambda: bool(mark.outer_size.width), "the mark placed")
        await wait_for(pilot, lambda: not app.screen._compositor._full_map_invalidated, "the map")
        arranged.clear()
        assert paint(segment) is None
        assert arranged == [], "arranged to find out what the screen's layout already said"
        segment.styles.padding = 0
        await wait_for(pilot, lambda: paint(segment) is not None, "the part painted")
