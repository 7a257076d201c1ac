"""The prompt: enter/newline keys, history, slash commands, @file attachments, huge pastes."""

from __future__ import annotations

from pathlib import Path

from fakeserver_sse import Script
from textual import events
from ui_support import (
    SESSION_ID,
    SIZE,
    answers,
    ask,
    make_app,
    notes,
    settle,
    started,
    wait_for,
)

from tui_router.core.store import Store
from tui_router.ui.widgets.chat import UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.status import StatusHeader


def prompt_of(app) -> PromptInput:
    return app.query_one(PromptInput)


async def type_and_send(pilot, text: str) -> None:
    app = await started(pilot)
    prompt_of(app).load_text(text)
    await pilot.press("enter")
    await settle(pilot)


async def test_enter_sends_and_ctrl_j_inserts_a_newline(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press(*"line", "ctrl+j", *"two")
        assert prompt_of(app).text == "line\ntwo"
        await pilot.press("enter")
        await settle(pilot)
        assert prompt_of(app).text == ""
        assert server.last_request.texts[-1] == "line\ntwo"
        assert [u.text for u in app.query(UserMessage)] == ["line\ntwo"]


async def test_up_and_down_walk_the_history_on_an_empty_prompt(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")
        await ask(pilot, "second")
        prompt = prompt_of(app)
        await pilot.press("up")
        assert prompt.text == "second"
        await pilot.press("up")
        assert prompt.text == "first"
        await pilot.press("down")
        assert prompt.text == "second"
        await pilot.press("down")
        assert prompt.text == ""
        await pilot.press(*"draft", "up")  # a typed draft: up moves the cursor, no recall
        assert prompt.text == "draft"


async def test_slash_model_switches_and_unknown_names_get_a_hint(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "/model claude-opus-4-6")
        assert app.controller.model_id == "claude-opus-4-6"
        await type_and_send(pilot, "/model claude-opus-4")
        assert app.controller.model_id == "claude-opus-4-6"
        (line,) = notes(app, "warn")
        assert "did you mean claude-opus-4-6?" in line
        assert server.requests == []  # slash commands never reach a model


async def test_slash_tier(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "/tier frontier")
        assert app.controller.model_id == "claude-opus-4-6"
        await type_and_send(pilot, "/tier huge")
        assert any("No tier 'huge'" in n for n in notes(app, "warn"))


async def test_slash_mode(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "/mode auto")
        assert app.controller.mode == "auto"
        assert "mode auto" in str(app.query_one(StatusHeader).render())
        await type_and_send(pilot, "/mode sometimes")
        assert app.controller.mode == "auto"
        assert any("modes are manual, suggest, auto" in n for n in notes(app, "warn"))


async def test_slash_cost(server, tmp_path: Path) -> None:
    server.push(Script(text="ok", input_tokens=1000, output_tokens=100))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        await type_and_send(pilot, "/cost")
        lines = notes(app, "info")
        assert any(
            "1 call, spent $0.0015" in n and "frontier-only baseline $0.0075" in n for n in lines
        )
        assert any("Saved $0.0060 (80%)" in n for n in lines)
        assert any(n.strip().startswith("claude-haiku-4-5: 1 call,") for n in lines)


async def test_slash_new_starts_a_fresh_session(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        await type_and_send(pilot, "/new")
        assert app.controller.session_id != SESSION_ID
        # what the old session spent is said (the summary at quit is the new session's)
        [said] = [n for n in notes(app, "info") if n.startswith("New session")]
        assert f"(session {SESSION_ID}: 1 call, $0.0015, is kept in the history" in said
        assert not answers(app)
        assert app.controller.ledger.totals.calls == 0
        assert "spent $0.0000" in str(app.query_one("#ticker").render())
        await ask(pilot, "fresh start")
        assert server.last_request.texts == ["fresh start"]
    with Store() as store:
        assert store.get_session(SESSION_ID).ended_at is not None
        assert len(store.list_sessions()) == 2


async def test_slash_help_opens_help(server, tmp_path: Path) -> None:
    from tui_router.ui.screens.help import HelpScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("/help")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")


async def test_unknown_slash_command_is_one_clear_line(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "/cots")
        (line,) = notes(app, "warn")
        assert line.startswith("Unknown command /cots — did you mean /cost?")
        assert server.requests == []


async def test_at_file_is_attached_with_its_token_count(server, tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "explain @util.py please")
        (user,) = app.query(UserMessage)
        assert "📎 util.py · " in str(user.render()) and " tokens" in str(user.render())
        sent = server.last_request.texts[-1]
        assert sent.startswith("explain @util.py please")
        assert '<file path="util.py">\ndef add(a, b):\n    return a + b\n\n</file>' in sent


async def test_at_word_naming_no_file_is_sent_as_text(server, tmp_path: Path) -> None:
    server.push(Script(text="ok"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "look at @nope.py")
        assert notes(app, "error") == []
        assert server.last_request.texts[-1] == "look at @nope.py"


async def test_at_binary_file_is_refused(server, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2000))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "what is @logo.png")
        (line,) = notes(app, "error")
        assert line.startswith("@logo.png is a binary file (2,016 bytes")
        assert "tokens" in line and "est. ~$" in line
        assert server.requests == []


async def test_at_file_larger_than_the_context_is_refused(server, tmp_path: Path) -> None:
    (tmp_path / "big.log").write_text("word " * 260_000)  # ~260k tokens; haiku holds 200k
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "summarise @big.log")
        (line,) = notes(app, "error")
        assert line.startswith("@big.log is 2")
        assert "tokens (est. ~$0.2" in line and "on claude-haiku-4-5" in line
        assert "more than its 200k ctx window — nothing was sent" in line
        assert server.requests == []


async def test_a_1mb_paste_is_one_clear_line_not_a_freeze(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = prompt_of(app)
        prompt.post_message(events.Paste("word " * 210_000))  # 1,050,000 characters
        await wait_for(pilot, lambda: bool(notes(app, "warn")), "the paste to be counted")
        (line,) = notes(app, "warn")
        assert line.startswith("A paste of 1,050,000 characters is 2")
        assert "tokens (est. ~$0.2" in line and "kept as [paste #1]" in line
        assert prompt.text == "[paste #1]"


async def test_a_large_paste_that_fits_travels_as_an_attachment(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = prompt_of(app)
        pasted = "log line\n" * 5_000  # 45,000 characters: above the inline limit, fits the model
        prompt.post_message(events.Paste(pasted))
        await wait_for(pilot, lambda: bool(notes(app, "info")), "the paste to be counted")
        (line,) = notes(app, "info")
        assert line.startswith("Large paste (45,000 characters) kept as an attachment:")
        assert prompt.text == "[paste #1]"
        await pilot.press("end", *" what failed?", "enter")
        await settle(pilot)
        sent = server.last_request.texts[-1]
        assert sent.startswith("[paste #1] what failed?")
        assert '<file path="paste #1">\n' + pasted in sent
