"""`--resume` gives the model the session it left: every step's answer, tool call and tool result
(as they were sent), in order, under the system prompt a fresh session builds; and it works in the
session's own folder (or says why not) — against the loopback fake server with the real Anthropic
SDK, the real store and real workspaces."""

from __future__ import annotations

import shutil
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
    answers,
    asking,
    make_app,
    notes,
    settle,
    started,
    transcript,
    wait_for,
)

from tui_router.core.conversation import NO_RESULT
from tui_router.ui.widgets.chat import UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.tool_line import ToolLine

CALC = "def add(a, b):\n    return a + b  # calc\n"


async def send(pilot: Any, text: str) -> None:
    app = await started(pilot)
    prompt = app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


def blocks(message: dict[str, Any]) -> list[tuple[str, str]]:
    """A request message as (role, block type) pairs: what the API checks the order of."""
    content = message["content"]
    if isinstance(content, str):
        return [(message["role"], "text")]
    return [(message["role"], block["type"]) for block in content]


def system_text(body: dict[str, Any]) -> str:
    system = body["system"]
    return system if isinstance(system, str) else "".join(b["text"] for b in system)


async def test_a_resumed_session_sends_the_tool_calls_and_results_it_had(
    server, tmp_path: Path
) -> None:
    """The first request after `--resume` carried only the prompts and last answers: the model
    had forgotten the file it read (~1.3k input tokens against ~9k before quitting)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text(CALC)
    read = {"name": "read_file", "input": {"path": "calc.py"}, "id": "toolu_read_1"}
    server.push(Script(text="Reading it.", tool_calls=[read]), Script(text="It adds."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what does calc.py do?")
        await settle(pilot)
    live = server.requests[-1].body
    assert live is not None
    live_messages = server.requests[-1].messages

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        server.push(Script(text="Still adds."))
        await send(pilot, "and now?")
        await settle(pilot)
    body = server.last_request.body
    assert body is not None
    messages = server.last_request.messages
    assert [blocks(m) for m in messages] == [
        [("user", "text")],
        [("assistant", "text"), ("assistant", "tool_use")],
        [("user", "tool_result")],
        [("assistant", "text")],
        [("user", "text")],
    ]
    # the same history the live session sent, the answer and the new prompt after it
    assert messages[:3] == [_uncached(m) for m in live_messages]
    tool_use = messages[1]["content"][1]
    assert (tool_use["id"], tool_use["name"], tool_use["input"]) == (
        "toolu_read_1",
        "read_file",
        {"path": "calc.py"},
    )
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == "toolu_read_1" and not result["is_error"]
    assert "return a + b  # calc" in result["content"]
    assert messages[3]["content"] == "It adds."
    # the system prompt is the one a fresh session builds for the workspace
    assert system_text(body) == system_text(live)


async def test_a_tool_call_cancelled_before_its_result_is_answered_after_resume(
    server, tmp_path: Path
) -> None:
    """A turn cancelled while its command waited for a yes left a tool call without a result;
    the APIs reject such a history, so the resumed one answers it as never run."""
    repo = tmp_path / "repo"
    repo.mkdir()
    command = {"name": "run_command", "input": {"command": "pytest -q"}, "id": "toolu_run_1"}
    server.push(Script(tool_calls=[command]))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "run the tests")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.press("ctrl+c")  # cancels the turn (esc would answer the panel no)
        await settle(pilot)
        assert [line.state for line in app.query(ToolLine)] == ["error"]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        # the line says what the live one said, not the text the model is given
        (line,) = resumed.query(ToolLine)
        assert line.state == "error" and "pytest -q  cancelled" in line.line
        server.push(Script(text="Not run yet."))
        await send(pilot, "and now?")
        await settle(pilot)
    messages = server.last_request.messages
    assert [blocks(m) for m in messages] == [
        [("user", "text")],
        [("assistant", "tool_use")],
        [("user", "tool_result"), ("user", "text")],
    ]
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == "toolu_run_1" and result["is_error"]
    assert result["content"] == NO_RESULT


def _uncached(message: dict[str, Any]) -> dict[str, Any]:
    """A request message without the cache breakpoint the live request put on its last block."""
    content = message["content"]
    if isinstance(content, str):
        return message
    return {
        **message,
        "content": [{k: v for k, v in b.items() if k != "cache_control"} for b in content],
    }


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    """A request message whose content is text alone, as a string: where a cache breakpoint sat
    (the live request put one on its last prompt) changes the wire form, not what was sent."""
    content = message["content"]
    if isinstance(content, list) and all(b["type"] == "text" for b in content):
        content = "".join(b["text"] for b in content)
    return {"role": message["role"], "content": content}


# -- the folder a resumed session works in ---------------------------------------------------


def resume_app(**options: Any) -> Any:
    """The app as `tui-router --resume ID` starts it: no --cwd unless ``cwd`` is given."""
    from ui_support import make_config

    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions

    cwd = options.pop("cwd", None)
    return TuiRouterApp(make_config(), StartOptions(resume=SESSION_ID, **options), cwd=cwd)


async def edit_in(server: Any, folder: Path) -> None:
    """A session in ``folder`` whose one turn renamed tmp to total in src/utils.py."""
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "utils.py").write_text(ORIGINAL)
    server.push(Script(tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    assert (folder / "src" / "utils.py").read_text() == RENAMED


async def test_resumed_without_cwd_the_session_works_in_its_own_folder(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cd B && tui-router --resume ID` moved a session started in A to B without a word: its
    history spoke of A's files, its tools worked in B."""
    started_in, elsewhere = tmp_path / "a", tmp_path / "b"
    elsewhere.mkdir()
    await edit_in(server, started_in)
    monkeypatch.chdir(elsewhere)
    resumed = resume_app()
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.agent.workspace_root == started_in.resolve()
        assert resumed.cwd == started_in.resolve()  # @files resolve there too
        assert f"Working in {started_in.resolve()}, where this session started" in notes(resumed)
        await send(pilot, "/permissions")
        await settle(pilot)
        assert f"Workspace: {started_in.resolve()}" in notes(resumed)
        await send(pilot, "/undo")
        await settle(pilot)
    assert (started_in / "src" / "utils.py").read_text() == ORIGINAL
    assert not (elsewhere / "src").exists()


async def test_resumed_with_another_cwd_says_where_the_session_started(
    server, tmp_path: Path
) -> None:
    started_in, elsewhere = tmp_path / "a", tmp_path / "b"
    elsewhere.mkdir()
    await edit_in(server, started_in)
    resumed = resume_app(cwd=elsewhere)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.agent.workspace_root == elsewhere.resolve()
        assert (
            f"This session started in {started_in.resolve()}; working in {elsewhere.resolve()} now"
            in notes(resumed)
        )


async def test_a_resumed_session_whose_folder_is_gone_says_so_and_undo_names_it(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the folder deleted, the resumed session moved to the current directory silently and
    `/undo` said "src/utils.py changed since that turn … --force overwrites them"."""
    started_in, elsewhere = tmp_path / "a", tmp_path / "b"
    elsewhere.mkdir()
    await edit_in(server, started_in)
    gone = str(started_in.resolve())
    shutil.rmtree(started_in)
    monkeypatch.chdir(elsewhere)
    resumed = resume_app()
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.agent.workspace_root == elsewhere.resolve()
        [line] = [n for n in notes(resumed, "warn") if "is gone" in n]
        assert line.startswith(
            f"This session's folder {gone} is gone (moved or deleted): working in "
            f"{elsewhere.resolve()} now"
        )
        await send(pilot, "/undo")
        await settle(pilot)
        [undo] = [n for n in notes(resumed) if "checkpoint" in n]
        assert undo.endswith(f"its folder {gone} is gone (moved or deleted); nothing was restored")
    assert not started_in.exists()  # not rebuilt from one turn's files


# -- what changed the history after it was sent: /compact, a cascade's escalation -------------


async def test_a_session_resumed_after_compact_continues_from_the_summary(
    server, tmp_path: Path
) -> None:
    """The store kept no trace of `/compact`: a resumed session sent the whole history the
    summary had replaced (the long answer again, ~3k tokens where the live session sent ~100),
    and not the summary the model had continued from."""
    repo = tmp_path / "repo"
    repo.mkdir()
    server.push(
        Script(text="A long answer " * 400),
        Script(text="Summary: the user asked for everything; it was explained."),
        Script(text="Going on."),
    )
    app = make_app(repo, model="claude-sonnet-4-6")  # the summary is the fast tier's
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "explain everything")
        await settle(pilot)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any(n.startswith("compacted:") for n in notes(app)), "it")
        compacted = [n for n in notes(app) if n.startswith("compacted:")]
        await send(pilot, "go on")
        await settle(pilot)
    live_messages = server.requests[-1].messages  # the summary, its reply, "go on"
    assert "Summary: the user asked" in str(live_messages[0]["content"])

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        # the chat shows where the summary took over, not the summary as a prompt and answer
        assert [n for n in notes(resumed) if n.startswith("compacted:")] == compacted
        assert [u.text for u in resumed.query(UserMessage)] == ["explain everything", "go on"]
        assert "Summary: the user asked" not in str([a.text for a in answers(resumed)])
        # ctrl+r steps up from the model that answered, not from the one that summarised
        assert resumed.controller.last_answer_model == "claude-sonnet-4-6"
        server.push(Script(text="Still going."))
        await send(pilot, "and now?")
        await settle(pilot)
    messages = server.last_request.messages
    assert [_plain(m) for m in messages] == [
        *(_plain(m) for m in live_messages),
        {"role": "assistant", "content": "Going on."},
        {"role": "user", "content": "and now?"},
    ]
    assert "A long answer" not in str(messages)


async def test_a_session_resumed_after_an_escalation_has_the_task_the_stronger_model_got(
    server, tmp_path: Path
) -> None:
    """A cascade gives the next model the prompt with the failed attempt's answer and why it
    failed; the store kept only the typed prompt, so the resumed history paired the stronger
    model's answer with a prompt it was never sent."""
    from ui_support import make_config

    broken = "```python\nbar = 1\ndef f(:\n    return bar\n```\n"
    good = "```python\nbar = 1\n```\n"
    prompt = "rename the variable foo to bar in this python snippet: foo = 1"
    server.push(Script(text=broken), Script(text=good))
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, prompt)
        await settle(pilot)
        assert any(n.startswith("escalating from") for n in notes(app))
        live = [(m.role, m.content) for m in app.controller.conversation.messages]
    task = server.requests[-1].texts[-1]
    assert task.startswith(prompt) and "does not parse" in task
    assert live == [("user", task), ("assistant", good)]

    resumed = make_app(tmp_path, config=config, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert [(m.role, m.content) for m in resumed.controller.conversation.messages] == live
        # the chat shows the prompt as typed, once; ctrl+r would resend that one
        assert [u.text for u in resumed.query(UserMessage)] == [prompt]
        assert resumed.controller.last_prompt == prompt
        server.push(Script(text=good))
        await send(pilot, "and now?")
        await settle(pilot)
    assert [_plain(m) for m in server.last_request.messages] == [
        {"role": "user", "content": task},
        {"role": "assistant", "content": good},
        {"role": "user", "content": "and now?"},
    ]


async def test_retry_stronger_after_compact_keeps_the_summary_live_and_resumed(
    server, tmp_path: Path
) -> None:
    """ctrl+r after `/compact` took the summary for the last turn's prompt and dropped it: the
    stronger model got the prompt alone, without the conversation the summary stood for."""
    repo = tmp_path / "repo"
    repo.mkdir()
    server.push(
        Script(text="A long answer " * 400),
        Script(text="Summary: the user asked for everything; it was explained."),
        Script(text="A better answer."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "explain everything")
        await settle(pilot)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any(n.startswith("compacted:") for n in notes(app)), "it")
        await pilot.press("ctrl+r")
        await settle(pilot)
    retried = server.requests[-1]
    assert retried.body is not None and retried.body["model"] == "claude-sonnet-4-6"
    assert [_plain(m)["content"][:36] for m in retried.messages] == [
        "[Summary of the conversation so far]",
        "Understood; I will continue from thi",
        "explain everything",
    ]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        server.push(Script(text="Still going."))
        await send(pilot, "and now?")
        await settle(pilot)
    assert [_plain(m) for m in server.last_request.messages] == [
        *(_plain(m) for m in retried.messages),
        {"role": "assistant", "content": "A better answer."},
        {"role": "user", "content": "and now?"},
    ]


# -- what the resumed chat redraws -----------------------------------------------------------


async def test_a_resumed_edit_line_folds_open_on_the_diff_the_live_one_showed(
    server, tmp_path: Path
) -> None:
    """The live line of an approved edit folds open on its diff; the resumed one had only the
    result the model read ("edited src/utils.py (+2 −2)"): what changed was not to be seen."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "utils.py").write_text(ORIGINAL)
    server.push(Script(tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        (live,) = app.query(ToolLine)
        shown = (live.line, live.output)
    assert "-    tmp = a + b" in shown[1] and "+    total = a + b" in shown[1]

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        (line,) = resumed.query(ToolLine)
        assert (line.line, line.output) == shown
        assert not line.is_open  # folded, as every restored line
        # the diff is the chat's: the model's history has the result it read, as before
        history = resumed.controller.conversation.messages
        assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]
        assert history[2].content.startswith("edited src/utils.py")


def _echo(words: str, call_id: str) -> dict[str, Any]:
    return {"name": "run_command", "input": {"command": f"echo {words}"}, "id": call_id}


async def _always_echo(server: Any, folder: Path) -> None:
    """A session in ``folder`` whose one command was answered "always" (commands starting with
    'echo', this session)."""
    server.push(Script(tool_calls=[_echo("one", "toolu_echo_1")]), Script(text="Ran it."))
    app = make_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "say one")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        await pilot.press("a")
        await settle(pilot)
        assert [line.state for line in app.query(ToolLine)] == ["ok"]


async def _next_echo(pilot: Any, server: Any, app: Any) -> None:
    """The resumed session's next turn runs `echo two`: wait until it runs or asks."""
    server.push(Script(tool_calls=[_echo("two", "toolu_echo_2")]), Script(text="Ran it too."))
    await send(pilot, "say two")
    await wait_for(
        pilot,
        lambda: asking(app) is not None or (len([*app.query(ToolLine)]) == 2 and not app.streaming),
        "the command to run or ask",
    )


async def test_an_always_answer_holds_for_the_session_after_resume(server, tmp_path: Path) -> None:
    """The panel's `a` says "always: commands starting with 'echo', this session"; after
    `--resume` of that session the same command asked again, and nothing said the answer had
    lapsed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    await _always_echo(server, repo)
    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert (
            'Still allowed in this session (your "always" answers): commands starting with '
            "'echo'; /permissions lists them"
        ) in notes(resumed)
        await _next_echo(pilot, server, resumed)
        assert asking(resumed) is None
        await settle(pilot)
        assert [line.state for line in resumed.query(ToolLine)] == ["ok", "ok"]
        await send(pilot, "/permissions")
        await settle(pilot)
        assert "always (this session): run_command:echo" in notes(resumed)


async def test_an_always_answer_given_in_another_folder_does_not_hold_and_says_so(
    server, tmp_path: Path
) -> None:
    started_in, elsewhere = tmp_path / "a", tmp_path / "b"
    started_in.mkdir()
    elsewhere.mkdir()
    await _always_echo(server, started_in)
    resumed = resume_app(cwd=elsewhere)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        [line] = [n for n in notes(resumed, "warn") if "always" in n]
        assert line == (
            f"Not carried over: your \"always\" answers (commands starting with 'echo') were "
            f"given in {started_in.resolve()}; here those calls ask again"
        )
        await _next_echo(pilot, server, resumed)
        assert asking(resumed) is not None
        await pilot.pause()
        await pilot.press("escape")  # no
        await settle(pilot)


async def test_a_resumed_agent_session_redraws_what_the_live_chat_showed(
    server, tmp_path: Path
) -> None:
    """The notes of the live chat (how each turn ended, the model switch, /undo, /compact) were
    not redrawn: the resumed chat showed prompts, answers and tool lines, and nothing of what
    the session had said about them."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "utils.py").write_text(ORIGINAL)
    server.push(
        Script(text="I will rename it.", tool_calls=[EDIT]),
        Script(text="Renamed. " * 800),
        Script(tool_calls=[_echo("hi", "toolu_echo_9")]),
        Script(text="Not run."),
        Script(text="Summary: a rename, undone; a command refused."),
    )
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "rename tmp to total")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("f2")  # one tier up: a note the session keeps
        await settle(pilot)
        await send(pilot, "say hi")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        await send(pilot, "/undo")
        await settle(pilot)
        await send(pilot, "/compact")
        await settle(pilot)
        await wait_for(pilot, lambda: any(n.startswith("compacted") for n in notes(app)), "it")
        live = transcript(app)
    kinds = [what for what, _text in live]
    assert kinds.count("tool") == 2 and kinds.count("note route") >= 3
    assert (repo / "src" / "utils.py").read_text() == ORIGINAL

    resumed = make_app(repo, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        shown = transcript(resumed)
    # the live chat, less what only told the person at the time ("Compacting…")
    assert shown[: len(live) - 1] == [
        row for row in live if row[1] != "Compacting the conversation…"
    ]
    assert [text.split(":")[0] for _what, text in shown[len(live) - 1 :]] == [
        f"Resumed session {SESSION_ID}"
    ]
