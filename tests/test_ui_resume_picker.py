"""Sessions in the app: `--resume` without an id opens a picker (newest first, filter by title,
enter opens, esc starts a new session), `--continue` takes the last session, and a resumed
session redraws its turns as they were shown (tool lines included) — against the loopback fake
server with the real Anthropic SDK, the real store and a real workspace."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from ui_support import (
    EDIT,
    ORIGINAL,
    RENAMED,
    SESSION_ID,
    SIZE,
    asking,
    make_app,
    notes,
    settle,
    started,
    type_text,
    wait_for,
)

from tui_router.core.store import CallRow, Store
from tui_router.core.usage import Usage
from tui_router.ui.screens.resume_picker import ResumePicker
from tui_router.ui.widgets.chat import AssistantMessage, UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.tool_line import ToolLine

OLDEST = "01A0000000000000000000000A"
TITLED = "01B0000000000000000000000B"
NEWEST = "01C0000000000000000000000C"
EMPTY = "01D0000000000000000000000D"  # opened and left without a prompt: never offered


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


async def answer_panel(pilot: Any, key: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
    await pilot.pause()
    await pilot.press(key)


def chat_rows(app: Any) -> list[str]:
    """The chat's entries in order, as a person reads them (notes left out)."""
    rows: list[str] = []
    for entry in app.chat.entries:
        if isinstance(entry, UserMessage):
            rows.append(f"user: {entry.text}")
        elif isinstance(entry, AssistantMessage):
            rows.append(f"answer: {entry.text}")
        elif isinstance(entry, ToolLine):
            rows.append(f"tool: {entry.line}")
    return rows


async def test_a_command_that_fails_is_a_cross_live_and_resumed(server, repo: Path) -> None:
    """`✓ run_command false → exit 1`: a failing test run read as a success at a glance."""
    failing = {"name": "run_command", "input": {"command": "echo boom; exit 3"}}
    passing = {"name": "run_command", "input": {"command": "echo fine"}}
    server.push(Script(tool_calls=[failing]), Script(tool_calls=[passing]), Script(text="ok"))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "run them")
        await answer_panel(pilot, "y")
        await answer_panel(pilot, "y")
        await settle(pilot)
        live = [(line.state, line.line.split("  ")[0]) for line in app.query(ToolLine)]
    assert live == [
        ("error", "✗ run_command echo boom; exit 3 → exit 3"),
        ("ok", "✓ run_command echo fine → exit 0"),
    ]
    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        shown = [(line.state, line.line.split("  ")[0]) for line in resumed.query(ToolLine)]
    assert shown == live


async def test_a_failed_edit_reads_the_same_live_and_resumed(server, repo: Path) -> None:
    """Live, a failed edit's line was its error ("✗ edit_file old_text not found in src/…");
    resumed, its file and then the error. Both now: what it was about, then why."""
    edit = {"path": "src/utils.py", "old_text": "not in the file", "new_text": "x"}
    server.push(Script(tool_calls=[{"name": "edit_file", "input": edit}]), Script(text="ok"))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "edit it")
        await settle(pilot)
        [line] = app.query(ToolLine)
        live = (line.state, line.line)
    assert live[0] == "error"
    assert live[1].startswith("✗ edit_file src/utils.py  old_text not found in src/utils.py")
    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        [line] = resumed.query(ToolLine)
        assert (line.state, line.line) == live


async def test_a_finished_read_keeps_what_it_looked_for_live_and_resumed(
    server, repo: Path
) -> None:
    """`? search /def|return/ in src` became `✓ search 2 matches in 1 file` once done: what was
    searched was gone (and `list_files` lost its folder); resumed, the result was gone."""
    reads = [
        {"name": "search", "input": {"pattern": "def|return", "path": "src"}},
        {"name": "list_files", "input": {"path": "src", "pattern": "*.py"}},
        {"name": "search", "input": {"pattern": "zebra"}},
    ]
    server.push(Script(tool_calls=reads), Script(text="Found it."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "where is add?")
        await settle(pilot)
        live = [(line.state, line.line) for line in app.query(ToolLine)]
    assert [line.split("  ")[0] for _, line in live] == [
        "✓ search /def|return/ in src · 2 matches in 1 file",
        "✓ list_files src (*.py) · 1 file",
        "✓ search /zebra/ in . · 0 matches",
    ]
    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert [(line.state, line.line) for line in resumed.query(ToolLine)] == live


async def test_undo_after_resume_puts_back_what_the_sessions_turns_changed(
    server, repo: Path
) -> None:
    """`/undo` after `--resume` said "Nothing to undo: no turn of this session changed files"
    while the session's edit was on disk and its checkpoint in the store."""
    server.push(Script(text="Renaming.", tool_calls=[EDIT]), Script(text="Renamed."))
    target = repo / "src" / "utils.py"
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await answer_panel(pilot, "y")
        await settle(pilot)
    assert target.read_text() == RENAMED

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert any(n.startswith(f"Resumed session {SESSION_ID}: 1 turn, ") for n in notes(resumed))
        await send(pilot, "/undo")
        await settle(pilot)
        assert target.read_text() == ORIGINAL
        assert any(n.startswith("Undone checkpoint") for n in notes(resumed)), notes(resumed)
        await send(pilot, "/undo")  # once only: it is marked undone in the store
        await settle(pilot)
        assert (
            "Nothing left to undo: every turn of this session that changed files is undone"
            in notes(resumed, "warn")
        )


async def test_a_resumed_agent_turn_redraws_its_tool_lines_between_prompt_and_answer(
    server, repo: Path
) -> None:
    server.push(
        Script(tool_calls=[{"name": "read_file", "input": {"path": "src/utils.py"}}]),
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(tool_calls=[{"name": "run_command", "input": {"command": "pytest -q"}}]),
        Script(text="Renamed tmp to total."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await answer_panel(pilot, "y")  # the edit
        await answer_panel(pilot, "escape")  # the command: refused
        await settle(pilot)
        live = chat_rows(app)
    assert [row.split("  ")[0] for row in live if row.startswith("tool:")] == [
        "tool: ✓ read_file src/utils.py (lines 1-3 of 3)",
        "tool: ✓ edit_file src/utils.py (+2 −2)",
        "tool: ✗ run_command pytest -q",
    ]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        rows = chat_rows(resumed)
        assert rows == [
            "user: rename tmp to total",
            "answer: ",
            "tool: ✓ read_file src/utils.py (lines 1-3 of 3)  ▸ 3 lines",  # as live
            "answer: I will rename it.",
            "tool: ✓ edit_file src/utils.py (+2 −2)  ▸ 8 lines",  # its diff, as live
            "answer: ",
            "tool: ✗ run_command pytest -q  refused by the user  ▸ 1 line",
            "answer: Renamed tmp to total.",
        ], rows
        read, edit, command = resumed.query(ToolLine)
        assert (read.state, edit.state, command.state) == ("ok", "ok", "denied")
        # the output the model saw folds open under its line, as during the turn
        read.focus()
        await pilot.press("enter")
        assert read.is_open
        assert "tmp = a + b" in read.output
        # the meta line of each step is back too (model, tokens, cost)
        assert all(
            a.meta_text.startswith("claude-haiku-4-5 · fast · ")
            for a in resumed.query(AssistantMessage)
        )


def record(
    store: Store,
    session_id: str,
    started_at: str,
    prompt: str,
    answer: str,
    *,
    title: str | None = None,
    model: str = "claude-haiku-4-5",
    cost: Decimal | None = Decimal("0.0123"),
) -> None:
    """A session as the app leaves it: its row, one priced call, the prompt and the answer."""
    store.create_session(
        session_id=session_id, start_model=model, mode="manual", strategy="manual", title=title
    )
    usage = Usage(input_tokens=1000, output_tokens=100)
    row = CallRow(session_id, 1, model, "chat", usage, cost, "test prices", tier="fast")
    store.record_call(row, text=answer, prompt=prompt)
    with store.transaction() as db:  # fixed dates: the order and the snapshot depend on them
        db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (started_at, session_id))


@pytest.fixture
def history(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three sessions with prompts (one titled, one with an unknown price) and an empty one."""
    monkeypatch.setenv("TZ", "UTC")  # dates are shown in local time: the same on every machine
    time.tzset()
    with Store() as store:
        record(store, OLDEST, "2026-11-02T09:00:00.000+00:00", "tidy the README", "Tidied.")
        record(
            store,
            TITLED,
            "2026-11-20T14:30:00.000+00:00",
            "the login form rejects valid passwords\nsince Tuesday",
            "The hash compare was wrong.",
            title="Fix rejected login passwords",
            model="claude-sonnet-4-6",
            cost=Decimal("0.0481"),
        )
        record(
            store,
            NEWEST,
            "2026-12-01T08:15:00.000+00:00",
            "write the release notes for 0.2",
            "Here they are.",
            model="my-local/qwen",
            cost=None,
        )
        store.create_session(session_id=EMPTY, start_model="claude-haiku-4-5")
    yield
    monkeypatch.undo()
    time.tzset()


def listed(picker: ResumePicker) -> list[str]:
    from textual.widgets import OptionList

    options = picker.query_one("#sessions", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def picker_up(pilot: Any) -> ResumePicker:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ResumePicker) and bool(app.screen.shown),
        "the session picker with its sessions",
    )
    await pilot.pause()
    return app.screen


async def test_the_picker_lists_sessions_newest_first_and_enter_opens_the_chosen_one(
    server, tmp_path: Path, history: None
) -> None:
    app = make_app(tmp_path, pick_session=True)
    async with app.run_test(size=SIZE) as pilot:
        picker = await picker_up(pilot)
        assert listed(picker) == [
            "write the release notes for 0.2\n2026-12-01 08:15 · n/a · my-local/qwen · 1 turn",
            "Fix rejected login passwords\n2026-11-20 14:30 · $0.0481 · claude-sonnet-4-6 · 1 turn",
            "tidy the README\n2026-11-02 09:00 · $0.0123 · claude-haiku-4-5 · 1 turn",
        ]
        assert app.controller is None  # nothing is opened before the choice
        await pilot.press("down", "enter")
        await started(pilot)
        assert app.controller.session_id == TITLED
        assert [u.text for u in app.query(UserMessage)] == [
            "the login form rejects valid passwords\nsince Tuesday"
        ]
        assert [a.text for a in app.query(AssistantMessage)] == ["The hash compare was wrong."]
        header = str(app.query_one(StatusHeader).render())
        assert "“Fix rejected login passwords”" in header and "claude-sonnet-4-6" in header
        # the conversation is back too: the next prompt carries it
        server.push(Script(text="Fixed."))
        prompt = app.query_one(PromptInput)
        prompt.load_text("and now?")
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.texts[-3:] == [
            "the login form rejects valid passwords\nsince Tuesday",
            "The hash compare was wrong.",
            "and now?",
        ]
    with Store() as store:  # no new session was recorded for the pick
        assert store.get_session(SESSION_ID) is None


async def test_typing_filters_by_title(server, tmp_path: Path, history: None) -> None:
    app = make_app(tmp_path, pick_session=True)
    async with app.run_test(size=SIZE) as pilot:
        picker = await picker_up(pilot)
        await type_text(pilot, "readme")
        await wait_for(pilot, lambda: len(picker.shown) == 1, "the filtered list")
        assert listed(picker)[0].startswith("tidy the README")
        await pilot.press("enter")
        await started(pilot)
        assert app.controller.session_id == OLDEST


async def test_esc_on_the_picker_starts_a_new_session(
    server, tmp_path: Path, history: None
) -> None:
    app = make_app(tmp_path, pick_session=True)
    async with app.run_test(size=SIZE) as pilot:
        await picker_up(pilot)
        await pilot.press("escape")
        await started(pilot)
        assert not isinstance(app.screen, ResumePicker)
        assert app.controller.session_id == SESSION_ID
        assert not app.query(UserMessage)
        assert isinstance(app.focused, PromptInput)


async def test_ctrl_q_on_the_picker_quits(server, tmp_path: Path, history: None) -> None:
    app = make_app(tmp_path, pick_session=True)
    async with app.run_test(size=SIZE) as pilot:
        await picker_up(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")
    with Store() as store:
        assert store.get_session(SESSION_ID) is None


def test_resume_without_sessions_is_one_line_and_no_picker(capsys) -> None:
    from tui_router.cli import main

    with Store() as store:  # a session without a prompt is nothing to pick
        store.create_session(session_id=EMPTY)
    assert main(["--resume"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "tui-router: --resume: there is no recorded session yet to pick from; "
        "start one with `tui-router`\n"
    )


async def test_the_picker_never_stays_empty_in_the_app(server, tmp_path: Path) -> None:
    app = make_app(tmp_path, pick_session=True)  # (the command says so before; here: a race)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert not isinstance(app.screen, ResumePicker)
        assert app.controller.session_id == SESSION_ID


def test_continue_takes_the_last_session_with_a_prompt(history: None) -> None:
    from tui_router.commands.tui import resolve_resume

    # EMPTY started last, but nobody talked in it
    assert resolve_resume("last") == NEWEST
    assert resolve_resume("01b") == TITLED


@pytest.mark.parametrize("size", [(60, 20), (20, 8)], ids=["60x20", "20x8"])
async def test_the_picker_works_on_small_windows(
    server, tmp_path: Path, history: None, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path, pick_session=True)
    async with app.run_test(size=size) as pilot:
        picker = await picker_up(pilot)
        await pilot.press("down", "down", "down", "up")  # the end holds: stays on the last
        options = picker.query_one("#sessions")
        assert options.highlighted == 1  # type: ignore[attr-defined]
        await pilot.press("enter")
        await started(pilot)
        assert app.controller.session_id == TITLED


def test_the_picker_snapshot(snap_compare, server, tmp_path: Path, history: None) -> None:
    async def shown(pilot: Any) -> None:
        await picker_up(pilot)
        await pilot.press("down")

    app = make_app(tmp_path, pick_session=True)
    assert snap_compare(app, terminal_size=(80, 20), run_before=shown)
