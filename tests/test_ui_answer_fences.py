"""Code blocks in an answer: one widget that draws its highlighted code, with the cells
(characters and styles) Textual's own fence shows, long lines cut at the edge as there; the
highlighting is worked out once per block, not again on every style update."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Markdown

from tui_router.ui.widgets import answer_markdown
from tui_router.ui.widgets.answer_markdown import AnswerFence, AnswerMarkdown

FENCES = """\
Intro.

```python
def refresh(cache: Cache, key: str, load: Callable[[], bytes]) -> bytes:
    with cache.lock(key):
        entry = cache.get(key)  # a comment that runs past the edge of a narrow screen, cut there
        return entry.value
```

```
a fence with no language
```

Done.
"""


class FenceApp(App[None]):
    def __init__(self, markdown: type[Markdown], theme: str) -> None:
        super().__init__()
        self.markdown_type = markdown
        self.start_theme = theme

    def compose(self) -> ComposeResult:
        yield self.markdown_type(FENCES)

    def on_mount(self) -> None:
        self.theme = self.start_theme


async def screen_cells(markdown: type[Markdown], theme: str, width: int) -> list[list[str]]:
    app = FenceApp(markdown, theme)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        return [
            [f"{char}|{segment.style}" for segment in strip for char in segment.text]
            for strip in app.screen._compositor.render_strips(app.size)
        ]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("width", [120, 40])
async def test_fences_show_the_cells_textuals_fence_shows(theme: str, width: int) -> None:
    want = await screen_cells(Markdown, theme, width)
    got = await screen_cells(AnswerMarkdown, theme, width)
    for y, (a, b) in enumerate(zip(want, got, strict=True)):
        assert a == b, f"row {y} differs"


async def test_a_fence_is_one_widget_and_is_highlighted_once() -> None:
    answer_markdown._highlighted.cache_clear()
    app = FenceApp(AnswerMarkdown, "textual-dark")
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        fences = list(app.query(AnswerFence))
        assert len(fences) == 2 and all(not fence.children for fence in fences)
        info = answer_markdown._highlighted.cache_info()
        # each block's colours worked out once; the style updates of its mount reuse them
        assert info.misses == 2 and info.hits >= 2
        app.theme = "textual-light"  # a new theme: the colours follow it
        await pilot.pause()
        assert answer_markdown._highlighted.cache_info().misses == 4
