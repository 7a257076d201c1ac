"""The app against the loopback fake server with the real Anthropic SDK: start-up, a streamed
answer with its meta line and ticker, API errors, cancel, budget stop, resume, welcome screen."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeserver_sse import Script
from ui_support import (
    SESSION_ID,
    SIZE,
    answers,
    ask,
    make_app,
    make_config,
    notes,
    settle,
    started,
    wait_for,
)

from tui_router.core.store import Store
from tui_router.ui.widgets.chat import UserMessage
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.sidebar import ModelSidebar
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.ticker import CostTicker


def header_text(app) -> str:
    return str(app.query_one(StatusHeader).render())


def ticker_text(app) -> str:
    return str(app.query_one(CostTicker).render())


async def test_start_shows_model_tier_mode_and_focuses_prompt(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert isinstance(app.focused, PromptInput)
        header = header_text(app)
        assert "claude-haiku-4-5" in header and "(fast)" in header and "mode manual" in header
        assert SESSION_ID in header
        sidebar = app.query_one(ModelSidebar)
        ids = [row.id for row in sidebar.rows]
        assert ids[:3] == ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6"]
        assert sidebar.current == "claude-haiku-4-5"
        haiku = sidebar.models.model_lines("claude-haiku-4-5")
        assert haiku is not None  # listed
        assert "$1 / $5 · 200k" in sidebar.models.render_line(haiku.y + 1).text
        assert "spent $0.0000" in ticker_text(app)


FIRST_FRAME_SCRIPT = """
import asyncio, sys
HEAVY = ("anthropic", "openai", "genai_prices", "tiktoken", "tui_router.core.pricing")
from tui_router.ui.app import TuiRouterApp
print("import:", [m for m in HEAVY if m in sys.modules])
class Probe(TuiRouterApp):
    def compose(self):
        yield from super().compose()
        print("compose:", [m for m in HEAVY if m in sys.modules])
async def main():
    app = Probe()
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()  # opening the session starts the warm-up
        await app.workers.wait_for_complete()
        print("warm:", [m for m in HEAVY if m in sys.modules])
asyncio.run(main())
"""


def test_first_frame_does_not_wait_for_the_sdks_or_prices(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, ANTHROPIC_API_KEY="test-key")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_SCRIPT],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert "import: []" in lines and "compose: []" in lines
    # after the first frame a worker imports what the first prompt needs; the ~50 MB tokenizer
    # is not among it (the live ticker estimates from characters until the API's usage comes)
    warm = next(line for line in lines if line.startswith("warm:"))
    assert "anthropic" in warm and "genai_prices" in warm
    assert "tiktoken" not in warm
    # (the first frame's money is `core.money_text`; importing `core.pricing` with it, as a
    # change did today, cost 1.5% more instructions to the first frame)


async def test_answer_streams_with_meta_line_and_ticker(server, tmp_path: Path) -> None:
    server.push(
        Script(chunks=["Use ", "`s[::-1]`", " to reverse."], input_tokens=1200, output_tokens=300)
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "reverse a string in python")
        (answer,) = answers(app)
        assert answer.text == "Use `s[::-1]` to reverse."
        # 1200 in at $1/MTok + 300 out at $5/MTok = $0.0012 + $0.0015
        assert answer.meta_text == "claude-haiku-4-5 · fast · 1,200 in / 300 out · $0.0027"
        ticker = ticker_text(app)
        assert "spent $0.0027" in ticker
        # the same tokens on claude-opus-4-6 ($5/$25): 0.006 + 0.0075
        assert "frontier-only $0.0135" in ticker and "saved $0.0108 (80%)" in ticker
        assert "1,200 in / 300 out" in ticker
        assert server.last_request.body["model"] == "claude-haiku-4-5"
        # the prompt is the latest message, with the session's cache breakpoint on it
        assert server.last_request.messages[-1]["content"] == [
            {
                "type": "text",
                "text": "reverse a string in python",
                "cache_control": {"type": "ephemeral"},
            }
        ]
    with Store() as store:
        (call,) = store.session_calls(SESSION_ID)
        assert call.cost_usd == Decimal("0.0027")


async def test_api_error_is_one_line_and_app_keeps_running(server, tmp_path: Path) -> None:
    server.push(Script(status=401, error_message="invalid x-api-key"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        (line,) = notes(app, "error")
        assert line.startswith("claude-haiku-4-5: ") and "\n" not in line
        assert "ANTHROPIC_API_KEY" in line or "invalid x-api-key" in line
        server.push(Script(text="fine now"))
        await ask(pilot, "again")
        assert answers(app)[-1].text == "fine now"


async def test_stream_error_keeps_partial_answer_and_its_cost(server, tmp_path: Path) -> None:
    server.push(
        Script(
            chunks=["partial ", "answer ", "never ends"],
            stream_error_after=2,
            input_tokens=100,
            output_tokens=50,
        )
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        answer = answers(app)[-1]
        assert answer.text == "partial answer "
        assert "error" in answer.meta_text and "$" in answer.meta_text
        assert any("partial answer and its cost are kept" in n for n in notes(app, "error"))
    with Store() as store:
        (call,) = store.session_calls(SESSION_ID)
        assert call.status == "error" and call.cost_usd is not None


async def test_esc_cancels_streaming_reply_and_keeps_partial_text_and_cost(
    server, tmp_path: Path
) -> None:
    server.push(Script(chunks=[f"word{i} " for i in range(200)], delay=0.05, input_tokens=500))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.query_one(PromptInput).load_text("write a long essay")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: bool(answers(app)) and "word2" in answers(app)[0].text,
            "the first words of the reply",
        )
        await pilot.press("escape")
        await settle(pilot)
        answer = answers(app)[0]
        assert answer.text.startswith("word0 word1 word2")
        assert "word199" not in answer.text
        assert "cancelled" in answer.meta_text and "$" in answer.meta_text
        assert "Reply cancelled — the partial answer and its cost are kept" in notes(app, "warn")
        assert app.controller.ledger.totals.calls == 1
        assert app.controller.ledger.totals.cost_usd > 0
    with Store() as store:
        (call,) = store.session_calls(SESSION_ID)
        assert call.status == "cancelled"
        # (the conversation's messages: the chat's notes are kept beside them)
        messages = [m for m in store.session_messages(SESSION_ID) if m.kind is None]
        assert messages[-1].role == "assistant" and messages[-1].content.startswith("word0")


async def test_budget_stop_is_a_clear_line(server, tmp_path: Path) -> None:
    server.push(Script(text="expensive", input_tokens=100_000, output_tokens=10))
    app = make_app(tmp_path, config=make_config(budget_usd=Decimal("0.05")))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")  # $0.10 on haiku: over the $0.05 budget
        assert "budget" in ticker_text(app)
        assert app.query_one(CostTicker).has_class("-warn")
        requests_before = len(server.requests)
        await ask(pilot, "second")
        assert len(server.requests) == requests_before  # not sent
        assert any(n.startswith("Budget stop:") for n in notes(app, "warn"))


async def test_budget_stop_says_the_budget_as_it_was_set(server, tmp_path: Path) -> None:
    """A $0.0125 session budget read "spent of the $0.01 session budget" (two places, where
    the ticker said "$0.0125"): the stop line says it as the ticker and the budget's own
    refusal do."""
    server.push(Script(text="expensive", input_tokens=20_000, output_tokens=10))
    app = make_app(tmp_path, config=make_config(budget_usd=Decimal("0.0125")))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")  # $0.02 on haiku: over the budget
        assert "of $0.0125" in ticker_text(app)
        await ask(pilot, "second")
        stops = [n for n in notes(app, "warn") if n.startswith("Budget stop:")]
        assert stops and all("spent of the $0.0125 session budget" in s for s in stops), stops


async def test_resume_restores_history_and_totals(server, tmp_path: Path) -> None:
    server.push(Script(text="first answer", input_tokens=1000, output_tokens=100))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first question")
    resumed = make_app(tmp_path, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        users = [u.text for u in resumed.query(UserMessage)]
        assert users == ["first question"]
        assert [a.text for a in answers(resumed)] == ["first answer"]
        assert "spent $0.0015" in ticker_text(resumed)
        server.push(Script(text="second answer"))
        await ask(pilot, "second question")
        assert server.last_request.texts == ["first question", "first answer", "second question"]
        assert resumed.controller.turn_index == 2


async def test_start_options_model_tier_and_mode(server, tmp_path: Path) -> None:
    app = make_app(tmp_path, tier="balanced", mode="auto")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.controller.model_id == "claude-sonnet-4-6"
        assert "mode auto" in header_text(app)
    app = make_app(tmp_path, model="claude-opus-4-6", session_id=None)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "claude-opus-4-6 (frontier)" in header_text(app)


async def test_a_start_model_that_cannot_be_called_says_so_in_the_header(
    no_local_model, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")  # another model can be called: no welcome
    app = make_app(tmp_path, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "claude-opus-4-6 (frontier, not available)" in header_text(app)


async def test_no_key_and_no_local_model_shows_the_welcome_screen(
    no_local_model, tmp_path: Path
) -> None:
    from tui_router.ui.screens.welcome import WelcomeScreen

    app = make_app(tmp_path)  # conftest removed every provider key; the tiers list no local model
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome screen")
        await pilot.press("escape")
        assert not isinstance(app.screen, WelcomeScreen)
        # the header agrees with the welcome screen: the model it names cannot be called
        assert "claude-haiku-4-5 (fast, not available)" in header_text(app), header_text(app)


async def test_long_sessions_keep_a_bounded_number_of_widgets(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.max_mounted = 6
    async with app.run_test(size=SIZE) as pilot:
        for i in range(5):
            server.push(Script(text=f"answer {i}"))
            await ask(pilot, f"question {i}")
        chat = app.chat
        assert len(chat.entries) <= 6
        assert chat.trimmed_count == 4
        assert "4 earlier entries hidden" in str(chat.query_one("#trimmed").render())
        assert answers(app)[-1].text == "answer 4"
        assert len(app.controller.conversation.messages) == 10  # history is all kept


def test_command_line_errors_are_one_line_before_the_screen_starts(capsys) -> None:
    from tui_router.cli import main

    assert main(["--model", "claude-opus-4"]) == 2
    assert "did you mean 'claude-opus-4-6'?" in capsys.readouterr().err
    assert main(["--resume"]) == 2
    assert "there is no recorded session yet" in capsys.readouterr().err
    assert main(["--resume", "NOPE"]) == 2
    assert "no session 'NOPE'" in capsys.readouterr().err


def test_resume_without_an_id_picks_the_last_session() -> None:
    from tui_router.commands.tui import resolve_resume

    with Store() as store:
        store.create_session(session_id="01AOLDER00000000000000000A")
        store.create_session(session_id="01BNEWER00000000000000000B")
    assert resolve_resume("last") == "01BNEWER00000000000000000B"
    assert resolve_resume("01AOLDER") == "01AOLDER00000000000000000A"


async def test_ticker_ticks_while_a_reply_streams(server, tmp_path: Path) -> None:
    server.push(
        Script(
            chunks=[f"tok{i} " for i in range(60)], delay=0.05, input_tokens=400, output_tokens=120
        )
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.query_one(PromptInput).load_text("stream please")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "spent ~$" in ticker_text(app), "an estimated spend")
        assert app.streaming
        assert answers(app)[0].meta_text.startswith("claude-haiku-4-5 · fast · ~")
        await settle(pilot)
        assert "~" not in ticker_text(app)  # exact once the API's usage arrived
        assert "400 in / 120 out" in ticker_text(app)


@pytest.mark.worker_failure
async def test_a_failing_worker_is_a_notification_not_a_crash(server, tmp_path: Path) -> None:
    def broken_factory(model_id, config):
        raise RuntimeError("provider registry exploded")

    app = make_app(tmp_path)
    app.provider_factory = broken_factory
    messages: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (messages.append(message), notify(message, **kw))[1]
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        assert any("provider registry exploded" in m for m in messages)
        assert app.is_running and not app.streaming
        assert answers(app)[0].meta_text == "failed — see the notification"


async def test_a_model_without_a_key_is_one_line_and_nothing_is_lost(
    server, tmp_path: Path
) -> None:
    tiers = {
        "local": [],
        "fast": ["claude-haiku-4-5", "gpt-5-mini"],
        "balanced": [],
        "frontier": ["claude-opus-4-6"],
    }
    app = make_app(tmp_path, config=make_config(tiers=tiers))
    async with app.run_test(size=SIZE) as pilot:
        server.push(Script(text="first answer"))
        await ask(pilot, "first")
        app.switch_model("gpt-5-mini", "test")
        await pilot.pause()
        assert any("not available" in n for n in notes(app, "route"))
        await ask(pilot, "second")
        (line,) = notes(app, "error")
        assert "OPENAI_API_KEY" in line
        assert len(answers(app)) == 1  # no empty answer left behind
        app.switch_model("claude-haiku-4-5", "test")
        server.push(Script(text="third answer"))
        await ask(pilot, "third")
        sent = server.last_request.texts
        assert sent == ["first", "first answer", "third"]


async def test_meta_line_shows_cache_reads_and_writes(server, tmp_path: Path) -> None:
    server.push(
        Script(
            text="cached",
            input_tokens=200,
            cache_read_tokens=3000,
            cache_write_5m_tokens=500,
            output_tokens=40,
        )
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        meta = answers(app)[0].meta_text
        # Anthropic's input_tokens is the uncached part: 200 + 3,000 read + 500 written
        assert meta.startswith("claude-haiku-4-5 · fast · 3,700 in (3,000 cached, 500 to cache)")
        assert "/ 40 out · $" in meta


async def test_retry_stronger_after_resume_resends_the_prompt_with_its_file(
    server, tmp_path: Path
) -> None:
    (tmp_path / "notes.md").write_text("the cache is read before the lock\n")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "why the race? @notes.md")
        first = server.last_request.texts[-1]
    resumed = make_app(tmp_path, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        (user,) = resumed.query(UserMessage)
        assert "📎 notes.md" in str(user.render())  # the file body is not shown again
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: len(server.requests) == 2 and not resumed.streaming, "the retry"
        )
        await resumed.workers.wait_for_complete()
        retried = server.last_request
        assert retried.body["model"] == "claude-sonnet-4-6"
        assert retried.texts == [first]


async def test_a_call_the_history_cannot_take_is_said_and_still_counted(
    server, tmp_path: Path
) -> None:
    server.push(Script(text="paid " * 4000, input_tokens=1200, output_tokens=300))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        store = app.controller.store
        (pages,) = store._db.execute("PRAGMA page_count").fetchone()
        store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
        await ask(pilot, "hello")
        await wait_for(pilot, lambda: bool(notes(app, "warn")), "the warning line")
        (line,) = notes(app, "warn")
        assert "database or disk is full" in line and "journal" in line
        assert "spent $0.0027" in ticker_text(app)  # the ledger counted the call


async def test_the_header_guesses_no_tier_or_mode_before_the_session_opens(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first frame comes before the session opens: its header said "(no tier)" for a model
    that has one, and a resumed manual session's "mode suggest" (the config's) for seconds."""
    import threading

    from tui_router.ui import app as app_module

    server.push(Script(text="first answer"))
    first = make_app(tmp_path)  # a manual session (ui_support's config)
    async with first.run_test(size=SIZE) as pilot:
        await ask(pilot, "first question")
    release = threading.Event()
    real_open = app_module.open_session

    def held_open(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=30)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(app_module, "open_session", held_open)
    resumed = make_app(tmp_path, resume=SESSION_ID, config=make_config(routing_mode="suggest"))
    async with resumed.run_test(size=SIZE) as pilot:
        await pilot.pause()
        header = resumed.query_one(StatusHeader).content.plain
        assert "opening the session…" in header
        assert "no tier" not in header and "mode" not in header
        release.set()
        await started(pilot)
        await wait_for(
            pilot,
            lambda: "mode manual" in resumed.query_one(StatusHeader).content.plain,
            "the session's own mode",
        )


async def test_the_palette_offers_only_the_theme_entries_that_save_the_choice(
    server, tmp_path: Path
) -> None:
    # Textual's own "Theme" picker changed the theme without saving it, beside the palette's
    # "Theme: NAME" entries that do
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Theme" not in titles and {"Quit", "Keys", "Screenshot"} <= set(titles)


async def test_a_reply_that_ends_under_the_budget_is_not_a_budget_stop(
    server, tmp_path: Path
) -> None:
    """A $0.02 session budget, a reply on opus that cost $0.0129: the chat said "Budget stop:
    $0.0129 spent of the $0.02 session budget" after it, and the call was stored ok. The last
    usage update came once the ledger had the call, and the ticker added it again (the live
    figure on top of the ledger's): the text still queued for the chat then read as over."""
    chunks = [f"word{i} " for i in range(40)]
    server.push(Script(chunks=chunks, input_tokens=2274, output_tokens=63))
    config = make_config(budget_usd=Decimal("0.02"))
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "x" * 4000)
        assert not [n for n in notes(app) if "Budget stop" in n], notes(app)
        (answer,) = answers(app)
        assert answer.text == "".join(chunks)  # the whole reply, none of it cut off
        assert "$0.0129" in ticker_text(app)
    with Store() as store:
        (call,) = store.session_calls(SESSION_ID)
    assert call.status == "ok"


async def test_a_stop_by_the_running_estimate_says_so_when_the_record_is_under(
    server, tmp_path: Path
) -> None:
    """A reply cut off because its running estimate (characters, not tokens) reached the
    budget may be recorded under it: the line said "Budget stop: $0.0129 spent of the $0.02
    session budget", a spend under the budget given as the reason to stop."""
    server.push(Script(text="cheap", input_tokens=2274, output_tokens=63))
    config = make_config(budget_usd=Decimal("0.02"))
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")
        c = app.controller
        assert c is not None and not c.over_budget()
        line = c.budget_line(stopped=True)
        assert line.startswith("Reply stopped: its running estimate reached the $0.02")
        assert "as recorded, $0.0129 is spent of it" in line and "Budget stop" not in line


async def test_an_output_cap_set_by_the_budget_is_said_once(server, tmp_path: Path) -> None:
    """A $0.02 session budget on opus sent the request with max_tokens 263 (what the budget
    still paid for) and nothing said the answer had been given less room."""
    server.push(Script(text="short answer", input_tokens=2274, output_tokens=63))
    config = make_config(budget_usd=Decimal("0.02"))
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "x" * 4000)
        body = server.last_request.body
        assert body is not None
        cap = body["max_tokens"]
        assert cap < config.max_tokens  # lowered by the budget
        said = [n for n in notes(app) if "output capped" in n]
        assert said == [f"output capped at {cap:,} tokens to stay within the session budget"]
    with Store() as store:  # kept: --resume draws it again
        kept = [m.content for m in store.session_messages(SESSION_ID) if m.kind is not None]
    assert any("output capped" in k for k in kept), kept


async def test_without_a_budget_no_cap_is_said(server, tmp_path: Path) -> None:
    server.push(Script(text="short answer", input_tokens=2274, output_tokens=63))
    app = make_app(tmp_path, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "x" * 4000)
        assert not [n for n in notes(app) if "capped" in n]
