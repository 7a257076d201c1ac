"""`core.session.Session.run_turn` as its consumers see it: the event stream, the approval
futures, cancellation, the context window — the real SDK against the loopback fake server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.agent.agent import Agent
from tui_router.core.background import compact, make_title
from tui_router.core.catalog import build_catalog
from tui_router.core.config import AppConfig
from tui_router.core.conversation import ToolCall
from tui_router.core.errors import UserFacingError
from tui_router.core.events import (
    Approval,
    Notice,
    TextDelta,
    ToolCallRequested,
    ToolResult,
    TurnDone,
    TurnError,
)
from tui_router.core.ledger import Ledger
from tui_router.core.session import Session
from tui_router.core.store import Store
from tui_router.core.turn import TurnRunner

MODEL = "claude-haiku-4-5"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "notes.txt").write_text("alpha\nbeta\n")
    return root


@pytest.fixture
def session(fake_server: FakeServer, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    config = AppConfig()
    catalog = build_catalog(config)
    store = Store()
    ledger = Ledger()
    session_id = store.create_session(start_model=MODEL, mode="manual", strategy="manual")
    runner = TurnRunner(config, catalog, store, ledger)
    agent = Agent.for_workspace(config, workspace)
    yield Session(config, catalog, store, ledger, runner, None, session_id, MODEL, "manual", agent)
    store.close()


async def _collect(session: Session, prompt: str, answer: Any = None, **kwargs: Any) -> list[Any]:
    events = []
    async for event in session.run_turn(prompt, **kwargs):
        events.append(event)
        if isinstance(event, ToolCallRequested) and event.approval is not None:
            event.approval.set_result(answer(event) if callable(answer) else answer)
    return events


def _write(path: str, content: str) -> dict[str, Any]:
    return {"name": "write_file", "input": {"path": path, "content": content}}


async def test_a_turn_is_a_typed_event_stream_ending_in_turn_done(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(
        Script(text="Reading.", tool_calls=[{"name": "read_file", "input": {"path": "notes.txt"}}])
    )
    fake_server.push(Script(text="It says alpha and beta."))
    events = await _collect(session, "what is in notes.txt?")
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "StepStarted" and kinds[-1] == "TurnDone"
    assert kinds.count("CallPriced") == 2 and kinds.count("StepStarted") == 2
    (requested,) = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested.approval is None  # a read inside the workspace needs no yes
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.status == "ok" and "alpha" in result.outcome.content
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Reading.It says alpha and beta."
    done = events[-1]
    assert done.text == "It says alpha and beta." and done.steps == 2 and done.stopped is None
    assert [r.purpose for r in session.ledger.records] == ["agent", "agent"]
    # the history the next step saw: prompt, the call, its result
    roles = [m["role"] for m in fake_server.last_request.messages]
    assert roles == ["user", "assistant", "user"]


@pytest.mark.parametrize(
    ("answer", "written", "status"),
    [(Approval("yes"), True, "ok"), (Approval("no", note="not now"), False, "denied")],
)
async def test_a_write_waits_for_its_approval_future(
    session: Session,
    fake_server: FakeServer,
    workspace: Path,
    answer: Approval,
    written: bool,
    status: str,
) -> None:
    fake_server.push(Script(tool_calls=[_write("new.txt", "hello\n")]))
    fake_server.push(Script(text="done"))
    events = await _collect(session, "create new.txt", answer)
    (requested,) = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested.approval is not None and requested.preview.diff is not None
    assert "+hello" in requested.preview.diff
    assert (workspace / "new.txt").exists() is written
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.status == status
    if not written:
        assert "not now" in result.outcome.content  # the model is told why
        assert events[-1].checkpoint_id is None
    else:
        assert events[-1].files_changed == ("new.txt",) and events[-1].checkpoint_id is not None


async def test_a_tool_call_in_a_turn_that_offered_no_tools_runs_nothing(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    # ask --no-tools keeps the agent but offers no tools: an endpoint that answers with
    # a tool call anyway gets nothing run, even with a yes at hand
    session.agent.tools_enabled = False
    fake_server.push(Script(text="Writing it.", tool_calls=[_write("new.txt", "hello\n")]))
    events = await _collect(session, "create new.txt", Approval("yes"))
    assert not (workspace / "new.txt").exists()
    assert not [e for e in events if isinstance(e, ToolCallRequested | ToolResult)]
    done = events[-1]
    assert done.steps == 1 and done.text == "Writing it." and done.files_changed == ()
    assert not (fake_server.last_request.body or {}).get("tools")


async def test_always_approves_the_same_tool_for_the_rest_of_the_session(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    fake_server.push(Script(tool_calls=[_write("a.txt", "a")]))
    fake_server.push(Script(tool_calls=[_write("b.txt", "b")]))
    fake_server.push(Script(text="both written"))
    asked: list[str] = []

    def answer(event: ToolCallRequested) -> Approval:
        asked.append(event.call.arguments["path"])
        return Approval("always")

    await _collect(session, "write two files", answer)
    assert asked == ["a.txt"]  # b.txt was not asked about
    assert (workspace / "a.txt").read_text() == "a" and (workspace / "b.txt").read_text() == "b"


async def test_an_edit_that_cannot_apply_is_answered_at_once_not_asked_about(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    """An edit whose old_text is not in the file changes nothing: the person was asked to
    approve it anyway (a panel with no diff), and the model heard why only after a yes."""
    edit = {"path": "notes.txt", "old_text": "gamma", "new_text": "delta"}
    fake_server.push(Script(tool_calls=[{"name": "edit_file", "input": edit}]))
    fake_server.push(Script(text="I see, it is not there."))
    asked: list[ToolCallRequested] = []

    def answer(event: ToolCallRequested) -> Approval:
        asked.append(event)
        return Approval("yes")

    events = await _collect(session, "replace gamma", answer)
    assert asked == []
    (requested,) = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested.approval is None and requested.preview.diff is None
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.status == "error"
    assert result.outcome.content.startswith("old_text not found in notes.txt")
    assert result.outcome == requested.preview.settled
    sent = fake_server.last_request.messages[-1]["content"][0]
    assert sent["type"] == "tool_result" and sent["is_error"] is True
    assert (workspace / "notes.txt").read_text() == "alpha\nbeta\n"
    assert isinstance(events[-1], TurnDone) and events[-1].files_changed == ()


async def test_a_write_of_what_the_file_holds_is_not_asked_about(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    fake_server.push(Script(tool_calls=[_write("notes.txt", "alpha\nbeta\n")]))
    fake_server.push(Script(text="It was already so."))
    events = await _collect(session, "write notes.txt", Approval("yes"))
    (requested,) = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested.approval is None
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.status == "ok" and result.outcome.summary == "notes.txt (unchanged)"
    assert "already holds exactly this content" in result.outcome.content
    assert isinstance(events[-1], TurnDone) and events[-1].files_changed == ()
    assert events[-1].checkpoint_id is None  # nothing to undo


async def test_a_turn_whose_writes_all_failed_has_no_checkpoint(
    session: Session, fake_server: FakeServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its TurnDone (and `ask --json`) named a checkpoint, and /undo offered it, though no
    file had changed."""
    from tui_router.core.agent import file_writes

    def refused(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(file_writes, "write_bytes", refused)
    fake_server.push(Script(tool_calls=[_write("notes.txt", "gamma\n"), _write("n/new.txt", "x")]))
    fake_server.push(Script(text="Both writes failed."))
    events = await _collect(session, "write them", Approval("yes"))
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [r.status for r in results] == ["error", "error"]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.files_changed == ()
    assert done.checkpoint_id is None and session.checkpoints == []
    assert (workspace / "notes.txt").read_text() == "alpha\nbeta\n"


async def test_the_turn_waits_while_the_approval_is_open(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    fake_server.push(Script(tool_calls=[_write("x.txt", "x")]))
    fake_server.push(Script(text="ok"))
    stream = session.run_turn("write x")
    while not isinstance(event := await anext(stream), ToolCallRequested):
        pass
    requests_before = len(fake_server.requests)
    # The consumer asks for the next event without answering: the turn must stay parked on the
    # approval. Wait for that next event (it must not come); 0.2 s is the window a turn that
    # did not wait would need to run the tool and yield its result (a negative check needs one).
    parked = asyncio.ensure_future(anext(stream))
    done, _ = await asyncio.wait({parked}, timeout=0.2)
    assert not done, f"the turn went on without an answer: {parked.result()}"
    assert len(fake_server.requests) == requests_before and not (workspace / "x.txt").exists()
    event.approval.set_result(Approval("yes"))
    rest = [await parked] + [e async for e in stream]
    assert isinstance(rest[-1], TurnDone) and len(fake_server.requests) == requests_before + 1
    assert (workspace / "x.txt").read_text() == "x"


async def test_cancelling_keeps_the_work_done_and_its_cost(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    fake_server.push(Script(tool_calls=[_write("kept.txt", "kept")]))
    # the command says when it runs (a file), so the cancel lands while it does
    running = {"command": "touch running && sleep 30"}
    fake_server.push(Script(tool_calls=[{"name": "run_command", "input": running}]))

    async def run() -> None:
        await _collect(session, "work", Approval("yes"))

    task = asyncio.create_task(run())
    for _ in range(1500):  # bounded: 30 s
        if (workspace / "running").exists():
            break
        await asyncio.sleep(0.02)
    assert (workspace / "running").exists(), "the command never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (workspace / "kept.txt").read_text() == "kept"
    assert len(session.ledger.records) == 2  # both calls counted
    assert session.checkpoints  # the write stays undoable
    # The next prompt sends a history both APIs accept: every tool_use answered by its
    # tool_result (the cancelled command's says it did not finish), in the store too.
    fake_server.push(Script(text="ok"))
    await _collect(session, "and now?")
    sent = fake_server.last_request.messages
    uses = [
        b["id"]
        for m in sent
        if m["role"] == "assistant"
        for b in m["content"]
        if isinstance(b, dict) and b.get("type") == "tool_use"
    ]
    results = {
        b["tool_use_id"]: b
        for m in sent
        if m["role"] == "user" and isinstance(m["content"], list)
        for b in m["content"]
        if b.get("type") == "tool_result"
    }
    assert len(uses) == 2 and set(uses) == set(results)
    assert "the turn ended before this call finished" in str(results[uses[1]]["content"])
    assert results[uses[1]]["is_error"]
    stored = session.store.session_messages(session.session_id)
    assert uses[1] in {m.tool_call_id for m in stored if m.role == "tool"}


async def test_a_missing_key_leaves_the_session_as_it_was(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    events = await _collect(session, "hello")
    assert isinstance(events[-2], TurnError) and "ANTHROPIC_API_KEY" in events[-2].message
    assert isinstance(events[-1], TurnDone)
    assert session.turn_index == 0 and session.conversation.messages == []


async def test_older_tool_results_are_elided_to_fit_the_window(
    session: Session, fake_server: FakeServer, workspace: Path
) -> None:
    big = "x" * 40_000
    session.conversation.add_user("earlier")
    session.conversation.add_assistant("", MODEL, (ToolCall("t1", "read_file", {"path": "big"}),))
    session.conversation.add_tool_result("t1", big)
    session.conversation.add_assistant("earlier answer", MODEL)
    info = session.catalog.describe(MODEL)
    # the same model seen with a 6,000-token window: the 10,000-token result cannot stay
    session.catalog.describe = lambda model_id: _Small(info, 6_000)  # type: ignore[method-assign]
    fake_server.push(Script(text="fits"))
    events = await _collect(session, "now", max_tokens=1000)
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert notices and "elided 1 older tool result" in notices[0]
    sent = str(fake_server.last_request.body["messages"])
    assert big not in sent and "tool output elided" in sent


class _Small:
    """A catalog entry seen with a smaller context window."""

    def __init__(self, info: Any, window: int) -> None:
        self._info, self.context_window = info, window

    def __getattr__(self, name: str) -> Any:
        return getattr(self._info, name)


async def test_compact_replaces_the_history_with_a_fast_tier_summary(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(Script(text="first answer " + "detail " * 800))
    await _collect(session, "first question")
    fake_server.push(Script(text="- the user asked a first question\n- answered"))
    done = await compact(session)
    request = fake_server.last_request
    assert request.body["model"] == "claude-haiku-4-5"  # the fast tier
    assert "first question" in request.texts[-1] and "first answer" in request.texts[-1]
    assert [m.role for m in session.conversation.messages] == ["user", "assistant"]
    assert "the user asked a first question" in session.conversation.messages[0].content
    assert done.tokens_after < done.tokens_before - 1000
    assert session.ledger.records[-1].purpose == "compact"
    fake_server.push(Script(text="next"))
    await _collect(session, "second question")
    assert fake_server.last_request.texts[0].startswith("[Summary of the conversation so far]")


async def test_compact_that_fails_keeps_the_history(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(Script(text="first answer " + "detail " * 800))
    await _collect(session, "first question")
    before = list(session.conversation.messages)
    fake_server.push(Script(status=400, error_message="bad request"))
    with pytest.raises(UserFacingError, match="history is kept"):
        await compact(session)
    assert session.conversation.messages == before


async def test_compact_of_a_short_conversation_sends_nothing(
    session: Session, fake_server: FakeServer
) -> None:
    """A ~275-token conversation was "compacted" to ~311 tokens, and the call was charged."""
    fake_server.push(Script(text="a short answer"))
    await _collect(session, "a short question")
    before, sent = list(session.conversation.messages), len(fake_server.requests)
    calls = len(session.ledger.records)
    with pytest.raises(UserFacingError) as info:
        await compact(session)
    assert str(info.value).startswith("Nothing to compact: the conversation is only ~")
    assert str(info.value).endswith("tokens (a summary is worth it from ~1,000); nothing was sent")
    assert session.conversation.messages == before
    assert len(fake_server.requests) == sent and len(session.ledger.records) == calls


async def test_compact_keeps_the_history_when_the_summary_is_not_smaller(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(Script(text="first answer " + "detail " * 800))
    await _collect(session, "first question")
    before = list(session.conversation.messages)
    fake_server.push(Script(text="a summary longer than what it sums up " * 200))
    done = await compact(session)
    assert done.kept and done.tokens_after >= done.tokens_before
    assert session.conversation.messages == before
    assert session.ledger.records[-1].purpose == "compact"  # paid for all the same


async def test_a_title_is_written_by_the_fast_tier_and_stored(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(Script(text='"Rename tmp to total."'))
    title = await make_title(session, "rename the variable tmp to total in src/utils.py please")
    assert title == "Rename tmp to total"
    assert fake_server.last_request.body["model"] == "claude-haiku-4-5"
    assert fake_server.last_request.body["max_tokens"] <= 24
    assert session.store.get_session(session.session_id).title == "Rename tmp to total"
    assert session.ledger.records[-1].purpose == "title"
    assert session.conversation.messages == []  # no part of the conversation


async def test_a_title_lands_on_its_own_session_when_a_new_one_starts_meanwhile(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(Script(text="Rename tmp", first_byte_delay=0.3))
    first = session.session_id
    titling = asyncio.create_task(make_title(session, "rename tmp"))
    await asyncio.sleep(0)  # the call is on its way: then `/new`
    second = session.new_session()
    assert await titling == "Rename tmp"
    assert session.store.get_session(first).title == "Rename tmp"
    assert session.store.get_session(second).title is None
    [call] = session.store.session_calls(first)
    assert call.purpose == "title"


async def test_a_failed_title_leaves_the_session_as_it_was(
    session: Session, fake_server: FakeServer
) -> None:
    fake_server.push(*[Script(status=400, error_message="no")] * 3)
    assert await make_title(session, "hello") is None
    assert session.store.get_session(session.session_id).title is None


class _EscalatingRouter:
    """Test equipment: a router that always wants claude-sonnet-4-6 (the real Router's
    decisions are tested in tests/test_routing_*.py)."""

    strategy = "rules"

    def decide(self, prompt: str, context: Any = None) -> Any:
        from tui_router.core.routing.decision import Decision

        return Decision(
            model="claude-sonnet-4-6", tier="balanced", strategy="rules", reason="hard",
            kind="escalate", current_model=context.current_model,
        )  # fmt: skip


@pytest.mark.parametrize("accepted", [True, False])
async def test_in_suggest_mode_the_turn_waits_for_the_route_answer(
    session: Session, fake_server: FakeServer, accepted: bool
) -> None:
    from tui_router.core.events import RouteSuggested

    session.router, session.mode = _EscalatingRouter(), "suggest"  # type: ignore[assignment]
    fake_server.push(Script(text="answer"))
    events = []
    async for event in session.run_turn("a hard question", route=True):
        events.append(event)
        if isinstance(event, RouteSuggested):
            assert fake_server.requests == []  # nothing is sent before the answer
            event.answer.set_result(accepted)
    assert isinstance(events[0], RouteSuggested) and events[0].decision.model == "claude-sonnet-4-6"
    expected = "claude-sonnet-4-6" if accepted else MODEL
    assert fake_server.last_request.body["model"] == expected and session.model_id == expected
    assert session.recent_rejections == ([] if accepted else ["escalate"])


async def test_in_auto_mode_the_switch_is_applied_and_said(
    session: Session, fake_server: FakeServer
) -> None:
    session.router, session.mode = _EscalatingRouter(), "auto"  # type: ignore[assignment]
    fake_server.push(Script(text="answer"))
    events = [e async for e in session.run_turn("a hard question", route=True)]
    assert any(isinstance(e, Notice) and "auto: escalate" in e.text for e in events)
    assert fake_server.last_request.body["model"] == "claude-sonnet-4-6"


def test_new_keeps_the_workspace_on_the_new_session(session: Session, workspace: Path) -> None:
    """`/new` recorded a session without its folder: `--resume` of it could not go back there
    (and `stats --by project` did not know its project)."""
    second = session.store.get_session(session.new_session())
    assert second is not None
    assert (second.project, second.workspace) == (workspace.name, str(workspace.resolve()))
