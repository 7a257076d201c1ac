"""Fenced diffs in answers are coloured as the approval panel colours a diff: added lines green,
removed lines red, hunk headers in the secondary colour, file headers bold — in a streamed answer
(whose finished parts are sealed and never rendered again), in a resumed one, and in the dark and
the light theme. Other fenced blocks keep their language's highlighting. Checked on the colours
the widgets paint, against the real SDK and the loopback fake server."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakeserver_sse import Script
from rich.color import Color
from textual.geometry import Region
from textual.widgets.markdown import MarkdownFence
from ui_support import (
    SESSION_ID,
    SIZE,
    answers,
    ask,
    make_app,
    make_config,
    settle,
    started,
    wait_for,
)

from tui_router.ui.widgets.answer_markdown import AnswerFence
from tui_router.ui.widgets.stream_markdown import SEAL_BLOCKS, SealedLines, StreamedMarkdown

DIFF = (
    "diff --git a/greet.py b/greet.py\n"
    "--- a/greet.py\n"
    "+++ b/greet.py\n"
    "@@ -1,2 +1,2 @@\n"
    " def greet(name):\n"
    '-    return "hi " + name\n'
    '+    return f"hello {name}"\n'
)
PYTHON = "def test_greet():\n    assert greet('x') == 'hello x'\n"
BEFORE = "\n\n".join(f"Step {n}: one short paragraph about the change." for n in range(1, 4))
AFTER = "\n\n".join(
    f"Note {n}: another paragraph after the diff." for n in range(1, SEAL_BLOCKS + 3)
)
ANSWER = f"{BEFORE}\n\n```diff\n{DIFF}```\n\nAnd its test:\n\n```python\n{PYTHON}```\n\n{AFTER}"


def streamed(answer: str) -> Script:
    """``answer`` in ~40 chunks, so the diff is finished and sealed while the rest streams."""
    size = max(1, len(answer) // 40)
    return Script(
        chunks=[answer[i : i + size] for i in range(0, len(answer), size)],
        input_tokens=900,
        output_tokens=400,
    )


def fences(app, language: str) -> list[MarkdownFence]:
    return [f for f in app.query(MarkdownFence) if f.lexer == language]


def first_letter(strip, lines: dict[str, tuple[Color | None, bool]]) -> None:
    text = strip.text.strip()
    for segment in strip:
        if segment.text.strip() and segment.style is not None:
            lines[text] = (segment.style.color, bool(segment.style.bold))
            break


def painted_lines(app) -> dict[str, tuple[Color | None, bool]]:
    """Each line the answers paint (stripped) → the colour and boldness of its first letter:
    the sealed parts' painted lines, and the fences still laid out as widgets."""
    lines: dict[str, tuple[Color | None, bool]] = {}
    for sealed in app.query(SealedLines):
        for y in range(sealed.line_count):
            first_letter(sealed.render_line(y), lines)
    for fence in app.query(MarkdownFence):
        if fence.parent is None or not fence.parent.display:
            continue
        width, height = fence.outer_size  # (with the padding: render_lines counts from its top)
        for strip in fence.render_lines(Region(0, 0, width, height)):
            first_letter(strip, lines)
    return lines


def theme_colour(app, name: str) -> Color:
    return Color.parse(app.theme_variables[name])


def assert_diff_coloured(app) -> None:
    [fence] = fences(app, "diff")
    assert isinstance(fence, AnswerFence)
    lines = painted_lines(app)
    added, removed = '+    return f"hello {name}"', '-    return "hi " + name'
    assert lines[added][0] == theme_colour(app, "text-success")
    assert lines[removed][0] == theme_colour(app, "text-error")
    assert lines["@@ -1,2 +1,2 @@"][0] == theme_colour(app, "text-secondary")
    for header in ("diff --git a/greet.py b/greet.py", "--- a/greet.py", "+++ b/greet.py"):
        assert lines[header][1], f"{header!r} is not bold"
    context = lines["def greet(name):"][0]
    assert context not in {theme_colour(app, n) for n in ("text-success", "text-error")}
    assert not lines["def greet(name):"][1]


def assert_python_highlighted(app) -> None:
    [fence] = fences(app, "python")
    expected = MarkdownFence.highlight(PYTHON.rstrip(), "python")
    assert fence._highlighted_code.spans == expected.spans  # Textual's own highlighting
    # "def" is painted in the highlight theme's keyword colour
    assert painted_lines(app)["def test_greet():"][0] == theme_colour(app, "text-accent")


async def test_a_streamed_diff_is_coloured_and_sealed(server, tmp_path: Path) -> None:
    server.push(streamed(ANSWER))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "change greet to say hello")
        [answer] = answers(app)
        assert answer.shown_text == ANSWER
        markdown = answer.query_one(StreamedMarkdown)
        [fence] = fences(app, "diff")
        # sealed while the answer streamed: a segment before the last one holds it, and its
        # lines are painted from the cache (the segment is not laid out any more)
        assert fence.parent in markdown.segments[:-1]
        await wait_for(pilot, lambda: markdown.painted_count == len(markdown.segments), "painted")
        assert not fence.parent.display
        assert_diff_coloured(app)
        assert_python_highlighted(app)
        app.theme = "tui-router-light"  # the colours follow the theme
        await pilot.pause()
        assert_diff_coloured(app)
        assert_python_highlighted(app)


async def test_a_patch_fence_and_a_resumed_diff_are_coloured(server, tmp_path: Path) -> None:
    server.push(streamed(ANSWER.replace("```diff", "```patch")))
    app = make_app(tmp_path, config=make_config(theme="tui-router-light"))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "change greet to say hello")
        assert fences(app, "patch")
        assert painted_lines(app)["@@ -1,2 +1,2 @@"][0] == theme_colour(app, "text-secondary")
    server.push(Script(text="ok"))
    resumed = make_app(tmp_path, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        [answer] = answers(resumed)
        assert answer.text.startswith(BEFORE)
        assert fences(resumed, "patch")
        lines = painted_lines(resumed)
        assert lines['+    return f"hello {name}"'][0] == theme_colour(resumed, "text-success")
        assert lines['-    return "hi " + name'][0] == theme_colour(resumed, "text-error")


# -- snapshots -----------------------------------------------------------------------------------
SHORT_ANSWER = (
    f"Here is the change:\n\n```diff\n{DIFF}```\n\nAnd its test:\n\n```python\n{PYTHON}```"
)


async def one_diff_turn(pilot) -> None:
    app = await started(pilot)
    app.controller.clock = lambda: 1000.0  # the cache countdown holds still for the picture
    prompt = app.query_one("#prompt")
    prompt.cursor_blink = False
    prompt.load_text("Make greet say hello")
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("theme", ["tui-router-dark", "tui-router-light"])
def test_diff_answer_snapshot(snap_compare, server, tmp_path: Path, theme: str) -> None:
    server.push(
        Script(
            chunks=[SHORT_ANSWER[:60], SHORT_ANSWER[60:]],
            input_tokens=1840,
            output_tokens=212,
        )
    )
    app = make_app(tmp_path, config=make_config(theme=theme))
    assert snap_compare(app, terminal_size=SIZE, run_before=one_diff_turn)
