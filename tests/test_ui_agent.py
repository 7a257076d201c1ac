"""The TUI as the agent's face: tool lines, the approval panel, /undo, /compact, /check,
/permissions, the step counter and esc cancelling a turn — against the loopback fake server with
the real Anthropic SDK, the real store and a real workspace (the app's cwd)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from terminal_model import Terminal, assert_shows_the_screen, wait_until_it_shows_the_screen
from textual.widgets import Static
from ui_support import (
    EDIT,
    ORIGINAL,
    RENAMED,
    SIZE,
    asking,
    make_app,
    notes,
    settle,
    started,
    type_text,
    wait_for,
)

from tui_router.core.store import Store
from tui_router.ui.widgets.approval import ApprovalPanel
from tui_router.ui.widgets.chat import AssistantMessage, ChatPane
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.tool_line import ToolLine, cap_output


def edit_scripts() -> list[Script]:
    return [
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(text="Renamed tmp to total."),
    ]


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


async def panel_up(pilot: Any) -> ApprovalPanel:
    app = pilot.app
    await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
    await pilot.pause()
    return app.query_one(ApprovalPanel)


def tool_lines(app: Any) -> list[str]:
    return [line.line for line in app.query(ToolLine)]


def tool_results(server: Any) -> list[str]:
    seen: list[str] = []
    for message in server.requests[-1].messages:
        content = message.get("content")
        if isinstance(content, list):
            seen.extend(str(b.get("content")) for b in content if b.get("type") == "tool_result")
    return seen


async def test_read_runs_without_asking_and_shows_a_tool_line(server, repo: Path) -> None:
    server.push(
        Script(tool_calls=[{"name": "read_file", "input": {"path": "src/utils.py"}}]),
        Script(text="It adds."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what does src/utils.py do?")
        await settle(pilot)
        assert asking(app) is None
        [line] = app.query(ToolLine)
        assert line.state == "ok"
        assert line.line.startswith("✓ read_file src/utils.py")
        assert not line.is_open
        line.focus()
        await pilot.press("enter")  # folds the output open
        assert line.is_open
        assert "tmp = a + b" in line.output
        assert any(n.startswith("Turn done: 2 steps · 1 tool call") for n in notes(app))


async def test_a_read_outside_the_workspace_asks_and_a_yes_reads_it_once(
    server, repo: Path
) -> None:
    outside = repo.parent / "notes.txt"
    outside.write_text("private notes: ship on friday\n")
    read_it = {"name": "read_file", "input": {"path": "../notes.txt"}}
    server.push(
        Script(text="Reading it.", tool_calls=[read_it]),
        Script(text="Ship on Friday."),
        Script(text="Again.", tool_calls=[read_it]),
        Script(text="Not read."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what do my notes say?")
        panel = await panel_up(pilot)
        assert panel.title == f"read_file {outside}"  # not "refused": the preview may read it
        assert panel.reason == f"{outside} is outside the workspace"
        assert "private notes" not in "".join(tool_results(server))  # nothing read before the yes
        await pilot.press("enter")  # enter never approves
        assert asking(app) is panel
        await pilot.press("y")
        await settle(pilot)
        assert any("private notes: ship on friday" in r for r in tool_results(server))
        # a yes was for that call: the same read in the next turn asks again; esc refuses it
        await send(pilot, "read them again")
        await panel_up(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert tool_results(server)[-1] == "refused by the user"
        assert [line.state for line in app.query(ToolLine)] == ["ok", "denied"]


async def test_a_tool_line_is_one_line_and_its_output_folds_open_under_it(
    server, tmp_path: Path, terminal: Terminal
) -> None:
    title = "run_command pytest -q " + " ".join(f"tests/test_{n}.py" for n in range(12))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        line = await app.query_one(ChatPane).add_entry(ToolLine("call_1", title))
        line.finish("ok", "12 passed\nin 0.4 s", title=title, duration_s=3.0)
        # the frame that shows it finished (on a busy machine, not always the next pause's)
        await wait_for(pilot, lambda: any("✓ run_command" in r for r in terminal.rows()), "✓")

        def row_of_the_line() -> int:
            [index] = [i for i, row in enumerate(terminal.rows()) if "run_command" in row]
            return index

        row = terminal.rows()[row_of_the_line()]
        assert "✓ run_command pytest -q tests/test_0.py" in row
        assert row.rstrip(" ▏").endswith("…"), "a long title is cut on its one line"
        assert not any("12 passed" in r for r in terminal.rows())
        line.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("12 passed" in r for r in terminal.rows()), "the output")
        below = terminal.rows()[row_of_the_line() + 1 : row_of_the_line() + 3]
        assert "12 passed" in below[0] and "in 0.4 s" in below[1], below
        await wait_until_it_shows_the_screen(pilot, app, terminal, "the output folded open")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not any("12 passed" in r for r in terminal.rows()), "folded")
        await wait_until_it_shows_the_screen(pilot, app, terminal, "the output folded shut")


async def test_the_focused_tool_line_stands_out_on_a_256_colour_terminal(
    server, tmp_path: Path, terminal: Terminal
) -> None:
    """Tab reaches a tool line, enter folds it: the line with the focus must be seen. Its
    `$boost` background was, in 256 colours (tmux's default), the chat's own: invisible."""
    from rich.color import ColorSystem
    from rich.style import Style

    def background(row: int, column: int) -> object:
        color = Style.parse(terminal.cells[row][column][1]).bgcolor
        return color.downgrade(ColorSystem.EIGHT_BIT) if color is not None else None

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        line = await app.query_one(ChatPane).add_entry(ToolLine("call_1", "run_command make"))
        line.finish("ok", "built\nall done", title="run_command make")
        await wait_for(pilot, lambda: any("✓ run_command" in r for r in terminal.rows()), "✓")
        [row] = [i for i, r in enumerate(terminal.rows()) if "✓ run_command" in r]
        column = terminal.rows()[row].index("run_command")
        chat = background(row - 1, column)
        assert background(row, column) == chat
        line.focus()
        await wait_for(pilot, lambda: background(row, column) != chat, "the focus to show")
        assert background(row, column + 30) != chat, "the whole line, not only its words"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("built" in r for r in terminal.rows()), "the output")
        [row] = [i for i, r in enumerate(terminal.rows()) if "✓ run_command" in r]  # (scrolled)
        below = terminal.rows()[row + 1]
        assert "built" in below and background(row, column) != chat
        assert background(row + 1, below.index("built")) == chat, "the output is not highlighted"
        line.blur()
        await wait_for(pilot, lambda: background(row, column) == chat, "the focus to go")
        assert_shows_the_screen(app, terminal, "after the focus left the line")


async def test_a_budget_stop_mid_turn_keeps_the_work_and_offers_no_stronger_tier(
    server, repo: Path
) -> None:
    """Stopped by the budget before step 2: the line said "ctrl+r retries on a stronger tier"
    (which costs more), and step 2's empty answer waited "for the first tokens…" for ever."""
    from decimal import Decimal

    from ui_support import make_config

    read = {"name": "read_file", "input": {"path": "src/utils.py"}}
    server.push(Script(tool_calls=[read], input_tokens=2000, output_tokens=100), Script(text="x"))
    app = make_app(repo, config=make_config(budget_usd=Decimal("0.004")))
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "read it")
        await settle(pilot)
        [error] = notes(app, "error")
        assert "session budget has $" in error and "ctrl+r" not in error, error
        assert [m.text for m in app.query(AssistantMessage)] == [""]  # step 1's, with its meta
        assert "waiting for the first tokens" not in app.query_one(AssistantMessage).meta_text
        assert any(n.startswith("Turn stopped: 1 step · 1 tool call") for n in notes(app))
        assert [line.state for line in app.query(ToolLine)] == ["ok"]
        assert len(server.requests) == 1


async def test_y_approves_the_edit_and_the_file_changes(server, repo: Path) -> None:
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        panel = await panel_up(pilot)
        assert panel.has_focus
        assert "-    tmp = a + b" in (panel.diff or "")
        assert "step 1/" in str(app.query_one(StatusHeader).render())
        assert tool_lines(app)[0].startswith("? edit_file src/utils.py")
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
        assert tool_lines(app) == ["✓ edit_file src/utils.py (+2 −2)  ▸ 8 lines"]
        assert asking(app) is None
        assert isinstance(app.focused, PromptInput)
        [done] = [n for n in notes(app) if n.startswith("Turn done")]
        assert "1 file changed (src/utils.py); /undo puts it back" in done
        assert "step" not in str(app.query_one(StatusHeader).render())


async def test_enter_never_approves(server, repo: Path) -> None:
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await panel_up(pilot)
        for _ in range(3):
            await pilot.press("enter")
        await pilot.pause()
        assert asking(app) is not None  # still waiting
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        # the prompt can be typed in but not sent while the panel waits
        prompt = app.query_one(PromptInput)
        prompt.focus()
        prompt.load_text("another thing")
        await pilot.press("enter")
        await pilot.pause()
        assert any("waits for your answer" in n for n in notes(app, "warn"))
        assert prompt.text == "another thing"
        assert len(server.requests) == 1
        app.query_one(ApprovalPanel).focus()
        await pilot.press("escape")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL


@pytest.mark.parametrize("fast", [False, True], ids=["typed after the field", "typed at once"])
async def test_n_with_a_reason_refuses_and_the_model_is_told(
    server, repo: Path, fast: bool
) -> None:
    # fast: a typist's n and reason back to back, before the reason's field has the focus
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await panel_up(pilot)
        if fast:
            await type_text(pilot, "nkeep tmp")
        else:
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"keep tmp")
        await pilot.press("enter")  # sends the refusal (never a yes)
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        assert tool_lines(app)[0].startswith("✗ edit_file src/utils.py")
        assert "refused by the user: keep tmp" in tool_lines(app)[0]
        assert "refused by the user: keep tmp" in tool_results(server)
        assert app.query_one(PromptInput).text == ""  # nothing of it went to the prompt


async def test_esc_refuses(server, repo: Path) -> None:
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await panel_up(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        assert "refused by the user" in tool_results(server)
        assert app.query(ToolLine).first().state == "denied"


async def test_a_remembers_for_the_session(server, repo: Path) -> None:
    server.push(
        Script(tool_calls=[EDIT]),
        Script(text="done"),
        Script(tool_calls=[{**EDIT, "input": {**EDIT["input"], "path": "src/other.py"}}]),
        Script(text="again"),
    )
    (repo / "src" / "other.py").write_text(ORIGINAL)
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        panel = await panel_up(pilot)
        # what `a` would allow is said before it is pressed (it was said nowhere)
        head = str(panel.query_one(".title", Static).render())
        assert "a always: every edit_file call, this session" in head
        await pilot.press("a")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
        await send(pilot, "and in other.py")
        await settle(pilot)  # no panel this time: edit_file is allowed for the session
        assert (repo / "src" / "other.py").read_text() == RENAMED
        assert [line.state for line in app.query(ToolLine)] == ["ok", "ok"]
        await send(pilot, "/permissions")
        await settle(pilot)
        shown = notes(app)
        assert any(n.startswith("Workspace: ") for n in shown)
        assert "always (this session): edit_file" in shown
        assert "deny: none" in shown
        # "this session": a /new one asks again (the answer held on into it)
        await send(pilot, "/new")
        await settle(pilot)
        await send(pilot, "/permissions")
        await settle(pilot)
        assert not [n for n in notes(app) if n.startswith("always (this session)")]


async def test_the_delegate_line_says_a_tiny_cost_as_the_report_does(server, repo: Path) -> None:
    """A sub-agent's step of 10 in / 2 out on haiku costs $0.00002: the line read "$0.0000"."""
    server.push(
        Script(tool_calls=[{"name": "delegate", "input": {"task": "find add"}}]),
        Script(text="in src/utils.py", input_tokens=10, output_tokens=2),
        Script(text="It is in src/utils.py."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "where is add?")
        await settle(pilot)
        [line] = app.query(ToolLine)
        assert ": find add · 1 step · $0.000020  ▸" in line.line, line.line


async def test_the_delegate_line_shows_the_task_and_the_sub_agents_calls(
    server, repo: Path
) -> None:
    """It read `✓ delegate → claude-haiku-4-5 · 3 steps · $0.0023`, and unfolded showed only
    the answer: not what was delegated, nor the sub-agent's refused write."""
    task = "find where add is defined"
    server.push(
        Script(tool_calls=[{"name": "delegate", "input": {"task": task}}]),
        Script(tool_calls=[{"name": "search", "input": {"pattern": "def add"}}]),
        Script(tool_calls=[{"name": "write_file", "input": {"path": "x.txt", "content": "no"}}]),
        Script(text="add is defined in src/utils.py line 1"),
        Script(text="It is in src/utils.py."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "where is add?")
        await settle(pilot)
        [line] = app.query(ToolLine)
        assert line.state == "ok"
        assert line.line.startswith("✓ delegate → ") and f": {task} · 3 steps · $" in line.line
        assert line.output.splitlines() == [
            f"task: {task}",
            "2 tool calls:",
            "  ✓ search /def add/ in . · 1 match in 1 file",
            "  ✗ write_file x.txt: refused: the sub-task may only read",
            "",
            "add is defined in src/utils.py line 1",
        ]
        # the model that delegated got the answer only
        assert tool_results(server)[-1] == "add is defined in src/utils.py line 1"
    assert not (repo / "x.txt").exists()


async def test_undo_restores_the_file(server, repo: Path) -> None:
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await panel_up(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
        await send(pilot, "/undo")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        assert any(n.startswith("Undone checkpoint ") and "src/utils.py" in n for n in notes(app))
        await send(pilot, "/undo")
        await settle(pilot)
        assert (
            "Nothing left to undo: every turn of this session that changed files is undone"
            in notes(app, "warn")
        )


async def test_undo_removes_the_folders_the_turn_made(server, repo: Path) -> None:
    """`/undo` removed the turn's new file and left pkg/sub/deep/ (empty) behind."""
    write = {"name": "write_file", "input": {"path": "pkg/sub/deep/new_mod.py", "content": "x\n"}}
    server.push(Script(text="Writing.", tool_calls=[write]), Script(text="Written."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/undo")
        await settle(pilot)
        assert "Nothing to undo: no turn of this session changed files" in notes(app, "warn")
        await send(pilot, "add a module")
        await panel_up(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "pkg" / "sub" / "deep" / "new_mod.py").exists()
        await send(pilot, "/undo")
        await settle(pilot)
        assert not (repo / "pkg").exists()
        assert any(
            n.startswith("Undone checkpoint ")
            and n.endswith(
                "pkg/sub/deep/new_mod.py (removed) put back; removed the folder it made: pkg/"
            )
            for n in notes(app)
        ), notes(app)


async def test_undo_conflict_says_so_and_writes_nothing(server, repo: Path) -> None:
    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await panel_up(pilot)
        await pilot.press("y")
        await settle(pilot)
        (repo / "src" / "utils.py").write_text("changed by hand\n")
        await send(pilot, "/undo 1")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == "changed by hand\n"
        assert any("changed since that turn; nothing was restored" in n for n in notes(app))


async def test_compact_says_tokens_before_and_after_and_cost(server, repo: Path) -> None:
    server.push(
        Script(text="A long answer " * 400),
        Script(text="Summary: the user asked.", input_tokens=900, output_tokens=40),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "explain everything")
        await settle(pilot)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any(n.startswith("compacted:") for n in notes(app)), "it")
        [line] = [n for n in notes(app) if n.startswith("compacted:")]
        assert "(summary by claude-haiku-4-5, $" in line and " → ~" in line
        with Store() as store:
            purposes = [c.purpose for c in store.session_calls(app.controller.session_id)]
        assert purposes == ["chat", "compact"]
        assert "Compacting the conversation…" in notes(app)


async def test_compact_with_nothing_to_compact_says_only_that(server, repo: Path) -> None:
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: bool(notes(app)), "a note")
        assert notes(app) == ["Nothing to compact yet: the conversation is empty"]
        assert server.requests == []


async def test_compact_of_a_short_conversation_says_so_without_a_call(server, repo: Path) -> None:
    """`⇅ compacted: ~275 → ~311 tokens (summary by claude-haiku-4-5, $0.0003)`: bigger, and
    paid for."""
    server.push(Script(text="A short answer."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any("compact" in n for n in notes(app)), "a note")
        [line] = [n for n in notes(app) if "ompact" in n]
        assert line.startswith("Nothing to compact: the conversation is only ~")
        assert len(server.requests) == 1  # the turn's only


async def test_compact_whose_summary_is_not_smaller_keeps_the_history(server, repo: Path) -> None:
    server.push(
        Script(text="An answer " * 500),
        Script(text="A rambling summary " * 400, input_tokens=1400, output_tokens=1800),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "explain")
        await settle(pilot)
        before = list(app.controller.conversation.messages)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any(n.startswith("not compacted") for n in notes(app)), "it")
        [line] = [n for n in notes(app) if n.startswith("not compacted")]
        assert "was no smaller than the conversation" in line and "which is kept as it was" in line
        assert "(summary by claude-haiku-4-5, $" in line
        assert app.controller.conversation.messages == before


async def test_check_sets_shows_and_clears(server, repo: Path) -> None:
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/check")
        await settle(pilot)
        await send(pilot, "/check python -c 'print(1)'")
        await settle(pilot)
        assert app.controller.check_command == "python -c 'print(1)'"
        await send(pilot, "/check")
        await settle(pilot)
        await send(pilot, "/check off")
        await settle(pilot)
        assert app.controller.check_command is None
        shown = notes(app)
        assert shown[0].startswith("No check set")
        assert shown[1].startswith("Check for the next turns: `python -c 'print(1)'`")
        assert shown[2].startswith("Check for the next turns: `python -c 'print(1)'`")
        assert shown[3].startswith("Check cleared")


async def test_check_runs_the_verified_cascade(server, repo: Path) -> None:
    server.push(Script(text="nothing to change"))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/check python -c 'print(1)'")
        await settle(pilot)
        await send(pilot, "is it fine?")
        await settle(pilot)
        shown = notes(app)
        assert any("check `python -c 'print(1)'` on claude-haiku-4-5's work" in n for n in shown)
        assert any(n.startswith("verified cascade: claude-haiku-4-5 (pass)") for n in shown)


async def test_esc_cancels_mid_turn_and_keeps_the_work(server, repo: Path) -> None:
    slow = {"name": "run_command", "input": {"command": "sleep 30"}}
    server.push(Script(tool_calls=[EDIT]), Script(tool_calls=[slow]), Script(text="never"))
    config_app = make_app(repo)
    app = config_app
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename, then wait")
        await panel_up(pilot)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: asking(app) is not None and app.query_one(ApprovalPanel).command is not None,
            "the command's approval panel",
        )
        panel = app.query_one(ApprovalPanel)
        assert (panel.command, panel.cwd) == ("sleep 30", str(repo.resolve()))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: [line.state for line in app.query(ToolLine)] == ["ok", "running"],
            "the command to run",
        )
        assert app.query(ToolLine).last().line[0] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # spinning
        await pilot.press("escape")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED  # the work is kept
        [line] = [n for n in notes(app, "warn") if n.startswith("Turn cancelled")]
        assert "at step 2" in line and "its cost ($" in line
        assert "1 file changed (src/utils.py)" in line
        assert [line.state for line in app.query(ToolLine)] == ["ok", "error"]
        assert app.controller.checkpoints  # undoable
        await send(pilot, "/undo")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        # the next prompt is answered: the cancelled command has its result in the history
        # (the loopback server refuses a tool call left without one, as the real APIs do)
        await send(pilot, "and now?")
        await settle(pilot)
        assert app.query(AssistantMessage).last().text == "never"
        assert not [n for n in notes(app, "error")]


async def test_the_turn_after_one_cancelled_mid_tool_answers_the_open_call(
    server, repo: Path
) -> None:
    """The next request carried the cancelled call's tool_use with no tool_result after it,
    which the real APIs refuse (every later turn of the session failed)."""
    from tui_router.core.conversation import NO_RESULT

    command = {"name": "run_command", "input": {"command": "pytest -q"}, "id": "toolu_run_1"}
    server.push(Script(tool_calls=[command]), Script(text="Not run."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "run the tests")
        await panel_up(pilot)
        await pilot.press("ctrl+c")  # cancels the turn while the call waits for a yes
        await settle(pilot)
        await send(pilot, "and now?")
        await settle(pilot)
    messages = server.last_request.messages
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    result, prompt = messages[2]["content"]
    assert (result["type"], result["tool_use_id"], result["is_error"]) == (
        "tool_result",
        "toolu_run_1",
        True,
    )
    assert result["content"] == NO_RESULT
    assert prompt["text"] == "and now?"


def test_cap_output_counts_what_it_leaves_out() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    shown = cap_output(text, 40)
    assert shown.splitlines()[-1] == "… 60 more lines"
    assert len(shown.splitlines()) == 41


async def test_permissions_lists_the_config_rules_and_a_deny_rule_refuses(
    server, repo: Path
) -> None:
    from ui_support import make_config

    from tui_router.core.agent.permissions import PermissionsConfig

    rules = PermissionsConfig(allow=("run_command:pytest*",), deny=("edit_file:src/*",))
    server.push(Script(tool_calls=[EDIT]), Script(text="I may not."))
    app = make_app(repo, config=make_config(permissions=rules))
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/permissions")
        await settle(pilot)
        shown = notes(app)
        assert "deny (config): edit_file:src/*" in shown
        assert "allow: run_command:pytest*" in shown
        assert "edit_file, write_file, run_command: asked, unless allowed below" in shown
        await send(pilot, "rename tmp to total")
        await settle(pilot)
        assert asking(app) is None  # a deny rule is never asked about
        assert app.query(ToolLine).first().state == "denied"
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL


async def test_undo_by_turns_back_and_by_checkpoint_id(server, repo: Path) -> None:
    other = {**EDIT, "input": {**EDIT["input"], "path": "src/other.py"}}
    (repo / "src" / "other.py").write_text(ORIGINAL)
    server.push(
        Script(tool_calls=[EDIT]),
        Script(text="one"),
        Script(tool_calls=[other]),
        Script(text="two"),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        for prompt in ("first", "second"):
            await send(pilot, prompt)
            await panel_up(pilot)
            await pilot.press("y")
            await settle(pilot)
        first, second = app.controller.checkpoints
        await send(pilot, "/undo 3")
        await settle(pilot)
        assert "/undo 3: this session has 2 turns to undo" in notes(app, "warn")
        await send(pilot, "/undo 2")  # the first turn's edit; the second's stays
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == ORIGINAL
        assert (repo / "src" / "other.py").read_text() == RENAMED
        await send(pilot, f"/undo #{second}")
        await settle(pilot)
        assert (repo / "src" / "other.py").read_text() == ORIGINAL
        assert [n for n in notes(app, "route") if n.startswith("Undone")] == [
            f"Undone checkpoint {first}: src/utils.py put back",
            f"Undone checkpoint {second}: src/other.py put back",
        ]


async def test_a_later_step_of_a_turn_does_not_run_a_due_garbage_pass_before_its_text(
    server: Any, repo: Path
) -> None:
    """The person may be typing the next prompt while an agent works: a full garbage pass that
    is due (0.2-0.4 s into a long turn, in tmux a key held that long) waits for a quiet moment
    instead of running before a later step's text; the turn's first answer still runs it."""
    server.push(
        Script(
            text="I will read it.",
            tool_calls=[{"name": "read_file", "input": {"path": "src/utils.py"}}],
        ),
        Script(text="It adds."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what does src/utils.py do?")
        await settle(pilot)
        messages = list(app.query(AssistantMessage))
        assert [m.text for m in messages if m.text] == ["I will read it.", "It adds."]
        flags = {m.text: m.gc_catch_up for m in messages if m.text}
        assert flags == {"I will read it.": True, "It adds.": False}


async def test_the_summary_over_a_running_turn_leaves_it_running(server, repo: Path) -> None:
    """The summary (ctrl+q, or the palette's) cancelled the running turn as it opened, so esc
    came back to a cancelled turn; only a confirmed quit cancels it now."""
    from tui_router.ui.screens.summary import SummaryScreen

    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename it")
        await panel_up(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        box = app.screen.query_one("Vertical")
        assert "cancel the running turn and exit" in str(box.border_subtitle)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SummaryScreen), "the session")
        assert asking(app) is not None  # the approval still waits
        app.action_summary()  # the palette's look mid-session
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SummaryScreen), "the session")
        await panel_up(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert (repo / "src" / "utils.py").read_text() == RENAMED
        assert app.query(AssistantMessage).last().text == "Renamed tmp to total."
        assert not [n for n in notes(app, "warn") if "cancelled" in n]


async def test_quitting_over_a_running_turn_cancels_it_and_saves_the_summary(
    server, repo: Path
) -> None:
    from tui_router.ui.screens.summary import SummaryScreen

    server.push(*edit_scripts())
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename it")
        await panel_up(pilot)
        session_id = app.controller.session_id
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, "the exit")
    with Store() as store:
        calls = store.session_calls(session_id)
        assert [c.status for c in calls] == ["ok"]  # the call that asked for the edit
        row = store.get_session(session_id)
        assert row is not None and row.summary is not None
    assert (repo / "src" / "utils.py").read_text() == ORIGINAL  # never approved
