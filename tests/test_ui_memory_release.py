"""Answers trimmed from the chat are freed: nothing app-wide keeps them (or their lines) alive.

A long session keeps only the last `max_mounted` entries on screen; the rest must go with their
widgets and painted lines, or memory grows with every turn (a 1,000-turn session passed 470 MB
when each answer's theme watcher on the app kept it alive).
"""

from __future__ import annotations

import gc
import weakref

from textual.app import App, ComposeResult
from ui_support import wait_for

from tui_router.ui.widgets.chat import ChatPane
from tui_router.ui.widgets.stream_markdown import StreamedMarkdown

ANSWER = "".join(
    f"Paragraph {n} of the answer, long enough to wrap once or twice on the screen.\n\n"
    f"```python\nvalue_{n} = compute({n})\n```\n\n"
    for n in range(8)
)


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatPane(id="pane", max_mounted=2)


async def test_trimmed_answers_and_their_painted_lines_are_freed() -> None:
    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ChatPane)
        gone: list[weakref.ref[StreamedMarkdown]] = []
        caches: list[weakref.ref[object]] = []
        for turn in range(4):
            answer = await pane.add_assistant("model", "fast")
            for start in range(0, len(ANSWER), 40):
                await answer.append(ANSWER[start : start + 40])
            await answer.finish()
            markdown = answer.query_one(StreamedMarkdown)
            # its sealed parts are held as painted lines
            await wait_for(pilot, lambda: markdown.painted_count > 0, "painted")  # noqa: B023
            if turn < 2:
                gone.append(weakref.ref(markdown))
                # each widget's cache of its rendered lines (a painted answer's are most of it)
                caches += [weakref.ref(w._styles_cache) for w in answer.walk_children()]
        await pilot.pause()
        assert pane.trimmed_count == 2
        # Textual's list of a container's shown children is rebuilt when next asked for; until
        # then the last one (one list, not a growing set) may still name a removed entry
        pane.displayed_children  # noqa: B018
        gc.collect()
        assert [ref() for ref in gone] == [None, None]
        assert [ref for ref in caches if ref() is not None] == []
        # a theme change still reaches the answers on screen
        shown = pane.query(StreamedMarkdown).last()
        app.theme = "textual-light"
        assert shown.painted_count == 0  # shown as blocks again, to be painted in new colours
        await wait_for(pilot, lambda: shown.painted_count > 0, "painted again")
