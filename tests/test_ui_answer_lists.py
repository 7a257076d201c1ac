"""Lists in an answer: an item that is one paragraph is one widget, and every list shows the
cells (characters and styles) Textual's own `Markdown` shows for it, in a dark and a light
theme, wide and narrow."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Markdown

from tui_router.ui.widgets.answer_lists import ListRow
from tui_router.ui.widgets.answer_markdown import AnswerMarkdown

LISTS = """\
Intro.

1. Take the lock **first** and `re-read` it.
2. Re-read the entry under the lock, a long sentence that has to wrap at narrow widths.
3. Write only if it is [still stale](https://example.org/stale).

- a bullet with `code`
- another bullet
  - nested
  - nested two, with a longer text that wraps around when the screen is narrow

8. eight
9. nine
10. ten

- loose one

- loose two

  its second paragraph

Done.
"""

Cells = list[list[tuple[str, str]]]


class ListApp(App[None]):
    def __init__(self, markdown: type[Markdown], theme: str) -> None:
        super().__init__()
        self.markdown_type = markdown
        self.start_theme = theme
        self.links: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.markdown_type(LISTS)

    def on_mount(self) -> None:
        self.theme = self.start_theme

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        self.links.append(event.href)


async def screen_cells(markdown: type[Markdown], theme: str, width: int) -> Cells:
    app = ListApp(markdown, theme)
    async with app.run_test(size=(width, 60)) as pilot:
        await pilot.pause()
        return [
            [(char, str(segment.style)) for segment in strip for char in segment.text]
            for strip in app.screen._compositor.render_strips(app.size)
        ]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("width", [100, 40, 24])
async def test_lists_show_the_cells_textuals_markdown_shows(theme: str, width: int) -> None:
    want = await screen_cells(Markdown, theme, width)
    got = await screen_cells(AnswerMarkdown, theme, width)
    for y, (a, b) in enumerate(zip(want, got, strict=True)):
        assert a == b, (
            f"row {y}:\n  want {''.join(c for c, _ in a)!r}\n  got  {''.join(c for c, _ in b)!r}"
        )


async def test_a_one_paragraph_item_is_one_widget_and_others_keep_their_row() -> None:
    app = ListApp(AnswerMarkdown, "textual-dark")
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        plain = [row.plain for row in app.query(ListRow)]
        assert "Take the lock first and re-read it." in plain
        assert "nested" in plain and "ten" in plain
        # an item with a nested list, or with two paragraphs, is Textual's row
        rows = list(app.query(Horizontal))
        assert any(row.query("MarkdownBulletList") for row in rows)
        assert any("its second paragraph" in str(p.render()) for p in app.query("Horizontal *"))


async def test_a_link_in_an_item_opens_as_the_answers_links_do() -> None:
    app = ListApp(AnswerMarkdown, "textual-dark")
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        row = next(r for r in app.query(ListRow) if "still stale" in r.plain)
        line = row.lines(row.size.width)[0].plain
        await pilot.click(row, offset=(line.index("still") + 1, 0))
        await pilot.pause()
        assert app.links == ["https://example.org/stale"]
