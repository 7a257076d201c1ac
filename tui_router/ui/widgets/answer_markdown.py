"""The markdown of an answer: Textual's, with fenced diffs coloured as the approval panel does.

A ```diff (or ```patch) block shows added lines green, removed lines red, hunk headers in the
secondary colour and file headers bold, from the theme's variables, so dark and light themes (and
a theme change) recolour it as they recolour the approval panel (`approval.DiffView`). Pygments'
diff lexer would leave most of it plain: Textual's highlight theme has no style for inserted or
deleted lines. Every other fenced block keeps its language's highlighting.

Imported on first use (it loads markdown-it and pygments, which the first frame does not need).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from textual.content import Content, Span
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui_router.ui.widgets.answer_lists import AnswerBulletList, AnswerOrderedList
from tui_router.ui.widgets.answer_table import AnswerTable
from tui_router.ui.widgets.approval import DiffKind, diff_kind

if TYPE_CHECKING:
    from markdown_it.token import Token

#: Fence languages shown as a unified diff.
DIFF_LANGUAGES = frozenset({"diff", "patch", "udiff"})

#: The approval panel's diff colours (`DiffView`'s component classes), as content styles.
DIFF_STYLES: dict[DiffKind, str] = {
    "file": "bold",
    "hunk": "$text-secondary",
    "add": "$text-success on $success 10%",
    "remove": "$text-error on $error 10%",
    "context": "",
}
#: The same in a terminal's own 16 colours (Textual's ansi_color mode).
ANSI_DIFF_STYLES: dict[DiffKind, str] = {
    "file": "bold",
    "hunk": "ansi_magenta",
    "add": "ansi_green",
    "remove": "ansi_red",
    "context": "",
}


def line_kind(line: str) -> DiffKind:
    """`approval.diff_kind`, and a git diff's own header lines ("diff --git", "index") bold."""
    if line.startswith(("diff ", "index ")):
        return "file"
    return diff_kind(line)


def highlight_diff(code: str, *, ansi: bool = False) -> Content:
    """``code`` as a coloured unified diff."""
    styles = ANSI_DIFF_STYLES if ansi else DIFF_STYLES
    lines = code.splitlines()
    spans: list[Span] = []
    start = 0
    for line in lines:
        style = styles[line_kind(line)]
        if style and line:
            spans.append(Span(start, start + len(line), style))
        start += len(line) + 1
    return Content("\n".join(lines), spans=spans).stylize_before("$text")


class AnswerFence(MarkdownFence):
    """A fenced block: a diff coloured line by line, any other language highlighted.

    It draws its code itself, where Textual's fence holds a `Label` that does: one widget per
    block instead of two, with the same cells. The label was as wide as the longest line, so a
    long line ran on to the fence's right edge, cut there (the fence scrolled sideways, with no
    scrollbar): here the fence has no right padding and cuts its lines. What it cannot do is
    scroll sideways; a painted (sealed) part of an answer never could.
    """

    DEFAULT_CSS = """
    AnswerFence {
        padding: 1 0 1 2;
        overflow: hidden hidden;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    AnswerFence:ansi {
        padding: 1 0;
    }
    """

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        super().__init__(markdown, token, code)
        self.set_content(self._highlighted_code)

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False, dark: bool = False) -> Content:
        # Called when the block is made and again on every style update (each mount, a theme
        # change): the same arguments give the same colours, so they are worked out once.
        return _highlighted(code, language, ansi, dark)

    def compose(self):  # type: ignore[no-untyped-def]
        return ()  # the code is this widget's own content (no label)

    def set_content(self, content: Content) -> None:
        self._content = content
        self.update(content)

    @property
    def allow_horizontal_scroll(self) -> bool:
        return False


@lru_cache(maxsize=64)
def _highlighted(code: str, language: str, ansi: bool, dark: bool) -> Content:
    if language.strip().lower() in DIFF_LANGUAGES:
        return highlight_diff(code, ansi=ansi)
    return MarkdownFence.highlight(code, language, ansi, dark)


class AnswerMarkdown(Markdown):
    """Markdown whose fenced blocks are `AnswerFence`s, whose lists grow item by item and
    whose tables are drawn by one widget each."""

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        if block_name in ("fence", "code_block"):
            return AnswerFence
        # lists that grow by their new items as the answer streams (answer_lists.py)
        if block_name == "bullet_list_open":
            return AnswerBulletList
        if block_name == "ordered_list_open":
            return AnswerOrderedList
        # a table is one widget, not one per cell (answer_table.py)
        if block_name == "table_open":
            return AnswerTable
        return super().get_block_class(block_name)
