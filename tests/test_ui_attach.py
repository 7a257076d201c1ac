"""Attachments that need the person first: an ``@path`` outside the workspace (asked, y/n) and a
paste too large for the model (attach it as a file, or send it to a model that holds it) —
against the loopback fake server with the real Anthropic SDK, the real store and workspace."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from textual import events
from ui_support import (
    SESSION_ID,
    SIZE,
    asking,
    make_app,
    make_config,
    notes,
    settle,
    started,
    wait_for,
)

from tui_router.core.agent.permissions import PermissionsConfig
from tui_router.ui.attach import (
    Attachment,
    attach_files,
    pastes_folder,
    save_paste,
    session_pastes,
)
from tui_router.ui.widgets.chat import UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.question import QuestionPanel
from tui_router.ui.widgets.tool_line import ToolLine

#: ~2 MB of numbered log lines: far more than haiku's 200k window, inside sonnet's 1M
LOG_LINES = 48_000
BIG_LOG = "".join(
    f"2026-12-03 worker {i:06d} processed batch ok\n" for i in range(1, LOG_LINES + 1)
)


def prompt_of(app: Any) -> PromptInput:
    return app.query_one(PromptInput)


async def type_enter(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt_of(app).focus()
    prompt_of(app).load_text(text)
    await pilot.press("enter")


async def question_up(pilot: Any) -> QuestionPanel:
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.query(QuestionPanel)), "the question")
    await pilot.pause()
    return app.query_one(QuestionPanel)


async def paste(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt_of(app).focus()
    prompt_of(app).post_message(events.Paste(text))
    await wait_for(pilot, lambda: bool(notes(app, "warn")), "the paste to be counted")
    assert "kept as [paste #1]" in notes(app, "warn")[-1]


def tool_results(request: Any) -> list[str]:
    seen: list[str] = []
    for message in request.messages:
        content = message.get("content")
        if isinstance(content, list):
            seen.extend(str(b.get("content")) for b in content if b.get("type") == "tool_result")
    return seen


# -- a paste too large for the model -----------------------------------------------------------
async def test_a_huge_paste_attached_as_a_file_is_read_by_the_agent(server, tmp_path: Path) -> None:
    saved = pastes_folder(SESSION_ID) / "paste-1.txt"
    server.push(
        Script(
            text="Reading the middle.",
            tool_calls=[
                {"name": "read_file", "input": {"path": str(saved), "offset": 30_000, "limit": 2}}
            ],
        ),
        Script(text="Batch 30000 was fine."),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, BIG_LOG)
        await type_enter(pilot, "which batch failed in [paste #1]?")
        panel = await question_up(pilot)
        assert panel.has_focus
        await pilot.press("enter")  # enter chooses nothing
        await pilot.pause()
        assert app.query(QuestionPanel) and server.requests == []
        await pilot.press("f")
        await settle(pilot)
        # the request carries the note (path, size, first and last lines), not the 2 MB
        first = server.requests[0]
        assert first.body["model"] == "claude-haiku-4-5"  # the model did not change
        sent = first.texts[-1]
        assert len(sent) < 4000
        assert f'<pasted-file name="paste #1" path="{saved}" size="2.0 MB"' in sent
        assert f'lines="{LOG_LINES:,}"' in sent
        assert "     1\t2026-12-03 worker 000001 processed batch ok" in sent
        assert f"{LOG_LINES:>6}\t2026-12-03 worker {LOG_LINES:06d} processed batch ok" in sent
        assert "worker 024000" not in sent
        assert "which batch failed in [paste #1]?" in sent
        # the model's read_file of that path got the lines, with no question asked
        assert asking(app) is None
        (result,) = tool_results(server.requests[1])
        assert result.splitlines()[:2] == [
            "30000\t2026-12-03 worker 030000 processed batch ok",
            "30001\t2026-12-03 worker 030001 processed batch ok",
        ]
        (line,) = app.query(ToolLine)
        assert line.state == "ok" and f"read_file {saved}" in line.line
        # the file is the paste, owner-only, in the session's data folder (not the workspace)
        assert saved.read_text() == BIG_LOG
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert not saved.is_relative_to(tmp_path)
        assert any(n.startswith(f"[paste #1] saved as {saved}") for n in notes(app))
        (user,) = app.query(UserMessage)
        assert "paste #1 · saved as a file (2.0 MB" in str(user.render())
        assert app.screen.commands.pending_pastes == []


async def test_the_offer_can_send_the_paste_to_the_model_that_holds_it(
    server, tmp_path: Path
) -> None:
    server.push(Script(text="summary"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, "word " * 210_000)  # ~210k tokens: haiku holds 200k, sonnet 1M
        await type_enter(pilot, "summarise [paste #1]")
        await question_up(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-sonnet-4-6"
        assert '<file path="paste #1">' in server.last_request.texts[-1]
        assert app.controller.model_id == "claude-sonnet-4-6"
        assert any(n.startswith("Model: claude-sonnet-4-6") for n in notes(app, "route"))
        assert session_pastes(SESSION_ID) == []  # whole, not saved


async def test_esc_on_the_offer_keeps_the_paste_and_the_prompt(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await paste(pilot, "word " * 210_000)
        await type_enter(pilot, "summarise [paste #1]")
        await question_up(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert server.requests == [] and not app.query(QuestionPanel)
        prompt = prompt_of(app)
        assert prompt.text == "summarise [paste #1]" and prompt.has_focus
        assert prompt.cursor_location == prompt.document.end
        [kept] = app.screen.commands.pending_pastes
        assert kept.text == "word " * 210_000
        assert session_pastes(SESSION_ID) == []


# -- an @path outside the workspace ------------------------------------------------------------
@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "hosts").write_text("127.0.0.1 localhost\n10.0.0.7 build-box\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100)
    (tmp_path / "work").mkdir()
    return folder


async def test_y_attaches_an_outside_file_and_holds_for_the_session(
    server, tmp_path: Path, outside: Path
) -> None:
    server.push(Script(text="build-box is 10.0.0.7"), Script(text="again"))
    app = make_app(tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await type_enter(pilot, "what is build-box? @../outside/hosts")
        panel = await question_up(pilot)
        assert panel.question == f"read {outside / 'hosts'} (outside the workspace)?"
        await pilot.press("enter")
        await pilot.pause()
        assert app.query(QuestionPanel) and server.requests == []
        await pilot.press("y")
        await settle(pilot)
        sent = server.last_request.texts[-1]
        assert f'<file path="{outside / "hosts"}">\n127.0.0.1 localhost\n10.0.0.7 build-box' in sent
        # the yes holds for that file for the rest of the session: no second question
        await type_enter(pilot, f"and now? @{outside / 'hosts'}")
        await settle(pilot)
        assert len(server.requests) == 2 and "10.0.0.7 build-box" in server.last_request.texts[-1]
        assert not app.query(QuestionPanel)


async def test_an_outside_binary_file_is_one_clear_line_after_the_yes(
    server, tmp_path: Path, outside: Path
) -> None:
    app = make_app(tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await type_enter(pilot, "describe @../outside/logo.png")
        await question_up(pilot)
        await pilot.press("y")
        await settle(pilot)
        (line,) = notes(app, "error")
        assert line.startswith("@../outside/logo.png is a binary file (")
        assert "nothing was sent" in line
        assert server.requests == []
        assert prompt_of(app).text == "describe @../outside/logo.png"


async def test_extra_dirs_are_inside_the_boundary_no_question(
    server, tmp_path: Path, outside: Path
) -> None:
    server.push(Script(text="ok"))
    config = make_config(permissions=PermissionsConfig(extra_dirs=(outside,)))
    app = make_app(tmp_path / "work", config=config)
    async with app.run_test(size=SIZE) as pilot:
        await type_enter(pilot, "read @../outside/hosts")
        await settle(pilot)
        assert not app.query(QuestionPanel)
        assert "10.0.0.7 build-box" in server.last_request.texts[-1]


# -- attach.py on its own ----------------------------------------------------------------------
def _count(text: str) -> int:
    return len(text) // 4


def _estimate(tokens: int) -> tuple[Any, str, int | None]:
    return None, "m", 1_000_000


def test_outside_files_are_listed_unread_until_approved(tmp_path: Path, outside: Path) -> None:
    work = tmp_path / "work"
    prompt = "see @../outside/hosts and @../outside"
    found = attach_files(prompt, work, _count, _estimate)
    assert found.outside == [("../outside/hosts", outside / "hosts")]
    assert found.attachments == []
    assert found.problems == ["@../outside is a folder; attach files one by one — nothing was sent"]
    found = attach_files(
        "see @../outside/hosts", work, _count, _estimate, approved={outside / "hosts"}
    )
    assert found.outside == [] and found.problems == []
    [attached] = found.attachments
    assert attached.label == str(outside / "hosts") and "build-box" in attached.text


def test_the_note_shows_head_and_tail_and_cuts_long_lines(tmp_path: Path) -> None:
    text = "".join(f"row {i}\n" for i in range(1, 101)) + "x" * 5000 + "\n"
    saved = save_paste(Attachment("paste #2", text, 9999), "S1", _count)
    assert saved.path == pastes_folder("S1") / "paste-1.txt"
    assert saved.path.read_text() == text
    note = saved.as_prompt_block()
    assert "     1\trow 1\n" in note and "     5\trow 5\n…\nLast lines:\n" in note
    assert "    97\trow 97\n" in note and "   101\t" + "x" * 200 + "…\n</pasted-file>" in note
    assert "row 50" not in note and 'tokens="9,999"' in note
    assert saved.tokens == len(note) // 4
    again = save_paste(Attachment("paste #1", "short\n", 2), "S1", _count)
    assert again.path.name == "paste-2.txt"  # never overwrites an earlier paste
    assert "short" in again.text and "…" not in again.text
    assert session_pastes("S1") == [saved.path, again.path]
