"""Defects a user test found in the TUI, each pinned by a test that failed before its fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakeserver_sse import Script
from ui_support import SIZE, answers, make_app, notes, settle, started, type_text, wait_for

from tui_router.ui.widgets.chat import UserMessage
from tui_router.ui.widgets.prompt import PromptInput


def prompt_of(app) -> PromptInput:
    return app.query_one(PromptInput)


async def type_and_send(pilot, text: str) -> None:
    app = await started(pilot)
    prompt_of(app).focus()
    prompt_of(app).load_text(text)
    await pilot.press("enter")
    await settle(pilot)


# -- 1. @word is text unless it names a path; paths stay inside the workspace ------------------
@pytest.mark.parametrize(
    "text",
    ["what does @property do", "why 404?\n@app.route('/x')\ndef x(): ...", "ping @alice, thanks"],
)
async def test_at_word_that_names_no_file_is_plain_text(server, tmp_path: Path, text) -> None:
    server.push(Script(text="ok"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, text)
        assert notes(app, "error") == []
        assert server.last_request.texts[-1] == text
        (user,) = app.query(UserMessage)
        assert "📎" not in str(user.render())


def _outside_targets(tmp_path: Path) -> dict[str, str]:
    work = tmp_path / "work"
    outside = tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET\n")
    (work / "link.txt").symlink_to(outside / "secret.txt")
    os.mkfifo(work / "pipe")
    return {
        "absolute": f"@{outside / 'secret.txt'}",
        "dotdot": "@../outside/secret.txt",
        "symlink": "@link.txt",
        "proc": "@/proc/self/status",
        "fifo": "@pipe",
        "device": "@/dev/zero",
    }


@pytest.mark.parametrize("case", ["proc", "fifo", "device"])
async def test_at_path_to_a_special_file_is_refused_without_asking(
    server, tmp_path: Path, case: str
) -> None:
    from tui_router.ui.widgets.question import QuestionPanel

    ref = _outside_targets(tmp_path)[case]
    app = make_app(tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, f"show me {ref}")
        (line,) = notes(app, "error")
        assert line.startswith(f"{ref} refused:") and "special file" in line
        assert "nothing was sent" in line
        assert not app.query(QuestionPanel)
        assert server.requests == []
        assert prompt_of(app).text == f"show me {ref}"


@pytest.mark.parametrize("case", ["absolute", "dotdot", "symlink"])
async def test_at_path_outside_the_workspace_is_asked_about_not_read(
    server, tmp_path: Path, case: str
) -> None:
    from tui_router.ui.widgets.question import QuestionPanel

    ref = _outside_targets(tmp_path)[case]
    real = tmp_path / "outside" / "secret.txt"
    app = make_app(tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).focus()
        prompt_of(app).load_text(f"show me {ref}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.query(QuestionPanel)), "the question")
        (panel,) = app.query(QuestionPanel)
        assert panel.question == f"read {real} (outside the workspace)?"
        assert panel.has_focus
        await pilot.press("enter", "enter")  # enter never answers
        await pilot.pause()
        assert app.query(QuestionPanel) and server.requests == []
        await pilot.press("n")
        await settle(pilot)
        assert not app.query(QuestionPanel)
        assert server.requests == []
        (line,) = notes(app, "warn")
        assert line.startswith(f"{ref} not attached") and "nothing was sent" in line
        prompt = prompt_of(app)
        assert prompt.text == f"show me {ref}"
        assert prompt.cursor_location == prompt.document.end and prompt.has_focus


async def test_tab_completes_at_paths_and_slash_commands(server, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "parser_utils.py").write_text("x = 1\n")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        prompt = prompt_of(app)
        prompt.focus()
        await pilot.press(*"look at @sr")
        await pilot.press("tab")
        assert prompt.text == "look at @src/"
        await pilot.press("p", "tab")
        assert prompt.text == "look at @src/parser_utils.py "
        assert app.focused is prompt
        prompt.load_text("")
        await pilot.press("/", "s", "t", "tab")
        assert prompt.text == "/strategy "
        await pilot.press("x", "tab")  # nothing to complete: tab moves the focus, as before
        assert prompt.text == "/strategy x"


# -- 10. ctrl+c cancels a reply, clears the prompt, twice quits ----------------------------------
async def test_ctrl_c_cancels_a_reply_then_clears_then_quits(server, tmp_path: Path) -> None:
    server.push(Script(chunks=["tick "] * 200, delay=0.05))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("count slowly")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(answers(app)) and "tick" in answers(app)[0].text, "text")
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert any("cancelled" in n for n in notes(app)), notes(app)
        assert len(answers(app)[0].text) < len("tick ") * 200
        prompt_of(app).load_text("half-typed thought")
        prompt_of(app).select_all()
        await pilot.press("ctrl+c")  # a selection is copied, as in any text field
        assert app.clipboard == "half-typed thought" and prompt_of(app).text
        prompt_of(app).move_cursor(prompt_of(app).document.end)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert prompt_of(app).text == "" and app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running  # one press on an empty prompt only says how to quit
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")


# -- 6. printable keys reach the prompt; page keys scroll the chat --------------------------------
async def test_typing_reaches_the_prompt_when_the_chat_has_focus(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        for i in range(30):
            await app.chat.add_note(f"line {i}")
        await pilot.press("tab")  # no suggestion: focus moves on, to the chat
        assert app.focused is app.chat
        await pilot.press(*"hel")
        assert prompt_of(app).text == "hel" and isinstance(app.focused, PromptInput)
        await pilot.click("#chat")
        assert app.focused is app.chat
        await pilot.press(*"lo")
        assert prompt_of(app).text == "hello" and isinstance(app.focused, PromptInput)
        chat = app.chat
        chat.scroll_end(animate=False)
        await pilot.pause()
        bottom = chat.scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert chat.scroll_y < bottom and prompt_of(app).text == "hello"
        await pilot.press("pagedown")
        await pilot.pause()
        assert chat.scroll_y == bottom


def test_a_key_before_the_screen_is_composed_is_left_as_it_is(tmp_path: Path) -> None:
    """`take_typing` runs in the app for every key, also one the terminal sends while the app
    starts: with no prompt composed yet it must leave the key alone, not fail to find one."""
    from textual import events

    app = make_app(tmp_path)
    screen = app.get_default_screen()  # made, not mounted
    screen.take_typing(events.Key("a", "a"))  # nothing to move the focus to: no error


async def test_a_key_that_reaches_the_screen_with_nothing_focused_goes_into_the_prompt(
    server, tmp_path: Path
) -> None:
    """A key the app handed on before the prompt was composed reaches the screen itself (no
    widget had the focus): typed while the app started, it is kept, not lost."""
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.screen.set_focus(None)
        app.screen._forward_event(events.Key("x", "x"))  # as the app hands on a key it kept
        await wait_for(pilot, lambda: prompt_of(app).text == "x", "the key in the prompt")
        assert isinstance(app.focused, PromptInput)


async def test_keys_read_in_one_go_with_the_chat_focused_send_the_prompt(
    server, tmp_path: Path
) -> None:
    """A quick typist (or a terminal read holding several keys) after a click in the chat: the
    keys are queued before the first one has moved the focus, so the enter behind them went to
    the chat (or folded a tool line) and the prompt was not sent."""
    from textual import events

    server.push(Script(text="ok"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await settle(pilot)
        app.chat.focus()
        await pilot.pause()
        assert app.focused is app.chat
        driver = app._driver
        assert driver is not None
        for key, character in [("h", "h"), ("i", "i"), ("enter", "\r")]:
            driver.process_message(events.Key(key, character))
        await wait_for(pilot, lambda: bool(answers(app)), "the prompt to be sent and answered")
        await settle(pilot)
        (user,) = app.query(UserMessage)
        assert "hi" in str(user.render())
        assert prompt_of(app).text == ""


# -- 2 / 9. small terminals: nothing crashes, the sidebar collapses ------------------------------
@pytest.mark.parametrize("size", [(20, 8), (30, 10), (38, 12), (60, 20), (80, 24)])
async def test_small_terminals_do_not_crash(server, tmp_path: Path, size) -> None:
    server.push(Script(text="A short answer with `code` in it.\n\n- one\n- two"))
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await type_and_send(pilot, "hello there")
        assert app.is_running and app.return_code is None
        assert answers(app)[0].text.startswith("A short answer")
        await pilot.resize_terminal(size[0] + 1, size[1])
        await pilot.pause()
        assert app.is_running


def test_a_crash_in_the_app_exits_non_zero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import argparse

    from tui_router.commands import tui
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.screens.main import MainScreen

    def broken(self) -> None:
        raise ValueError("range() arg 3 must not be zero")

    real_run = TuiRouterApp.run
    monkeypatch.setattr(MainScreen, "on_mount", broken)
    monkeypatch.setattr(TuiRouterApp, "run", lambda self: real_run(self, headless=True))
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    tui.add_arguments(parser)
    assert tui.run(parser.parse_args([])) == 1


async def test_at_60x20_the_chat_keeps_the_width_and_the_bar_two_lines(
    server, tmp_path: Path
) -> None:
    from ui_support import StandInRouter

    from tui_router.ui.widgets.sidebar import ModelSidebar
    from tui_router.ui.widgets.suggestion import SuggestionBar

    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await started(pilot)
        app.controller.router = StandInRouter()
        app.controller.set_mode("suggest")
        assert (
            not app.query_one(ModelSidebar).display or app.query_one(ModelSidebar).size.width == 0
        )
        assert app.chat.size.width >= 55
        prompt_of(app).focus()
        await type_text(pilot, "why does this race condition deadlock")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the suggestion bar")
        await pilot.pause()
        assert bar.size.height <= 6  # wrapped whole, within 40% of the chat column's rows
        assert "[tab] accept  [esc] reject" in str(bar.render())
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.query_one(ModelSidebar).size.width > 0  # back on a wide window


@pytest.mark.parametrize("width", [60, 40])
async def test_summary_table_keeps_cost_and_baseline_whole_on_small_windows(width) -> None:
    from test_ui_summary import SummaryApp, make_report
    from textual.widgets import DataTable

    app = SummaryApp(make_report())
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#per-model", DataTable)
        keys = [c.key.value for c in table.columns.values()]
        assert keys[-2:] == ["cost", "baseline"]
        assert table.virtual_size.width <= table.scrollable_content_region.width


@pytest.mark.parametrize("width", [34, 20])
async def test_on_a_tiny_window_the_summary_never_shows_a_cut_cost(width) -> None:
    # At 20 columns the cost column was cut at the edge: "$0.0837" read "$0".
    from terminal_model import from_scratch
    from test_ui_summary import SummaryApp, make_report
    from textual.widgets import DataTable

    report = make_report()
    app = SummaryApp(report)
    async with app.run_test(size=(width, 12)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#per-model", DataTable)
        keys = [c.key.value for c in table.columns.values()]
        assert "cost" in keys and "baseline" not in keys
        cost_column = sum(
            c.get_render_width(table) for c in list(table.columns.values())[: keys.index("cost")]
        )
        assert cost_column + table.columns["cost"].get_render_width(table) <= (
            table.scrollable_content_region.width
        )
        assert any("$0.0837" in row for row in from_scratch(app).rows())  # the total, whole


# -- 3 / 4. suggest mode: a held prompt stays until decided; the router keeps suggesting --------
HARD = "why does this race condition deadlock"


async def suggest_mode(pilot):
    from ui_support import StandInRouter

    app = await started(pilot)
    router = StandInRouter()
    app.controller.router = router
    app.controller.set_mode("suggest")
    prompt_of(app).focus()
    return app, router


async def test_a_new_prompt_queues_behind_a_held_one(server, tmp_path: Path) -> None:
    server.push(Script(text="held answer"), Script(text="queued answer"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await suggest_mode(pilot)
        router.trigger = "race condition"
        prompt_of(app).load_text(HARD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.suggestions.held() is not None, "held")
        # typing a second prompt the router sends elsewhere must not replace the held one
        router.target, router.tier = "claude-sonnet-4-6", "balanced"
        await type_text(pilot, "another race condition in the cache")
        await pilot.pause()
        await app.workers.wait_for_complete()  # the typing's router run, debounce included
        assert app.main_screen.suggestions.held().prompt == HARD
        await pilot.press("enter")
        await pilot.pause()
        assert any("queued" in n.lower() for n in notes(app))
        assert server.requests == []
        await pilot.press("tab")  # accept: the held prompt goes to opus
        await wait_for(pilot, lambda: len(server.requests) >= 1, "the held prompt to be sent")
        assert server.requests[0].texts[-1] == HARD
        assert server.requests[0].body["model"] == "claude-opus-4-6"
        assert router.feedback == [("claude-opus-4-6", True)]
        await settle(pilot)
        # the queued prompt then gets its own look: held again, for sonnet this time
        await wait_for(pilot, lambda: app.main_screen.suggestions.held() is not None, "held 2")
        assert app.main_screen.suggestions.held().prompt == "another race condition in the cache"
        await pilot.press("tab")
        await wait_for(pilot, lambda: len(server.requests) >= 2, "the queued prompt to be sent")
        await settle(pilot)
        assert server.requests[1].texts[-1] == "another race condition in the cache"
        assert server.requests[1].body["model"] == "claude-sonnet-4-6"


async def test_the_router_keeps_suggesting_after_an_answer(server, tmp_path: Path) -> None:
    server.push(Script(text="one"), Script(text="two"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, _router = await suggest_mode(pilot)
        prompt_of(app).load_text(HARD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.suggestions.held() is not None, "held")
        await pilot.press("escape")  # reject: sent on haiku
        await settle(pilot)
        assert server.requests[0].body["model"] == "claude-haiku-4-5"
        await type_text(pilot, "a different race condition in the scheduler")
        await pilot.pause()
        await app.workers.wait_for_complete()  # the typing's router run, debounce included
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.main_screen.suggestions.held() is not None, "a second suggestion"
        )
        assert len(server.requests) == 1


async def test_a_new_prompt_after_answering_a_suggestion_gets_its_own(
    server, tmp_path: Path
) -> None:
    from tui_router.ui.widgets.suggestion import SuggestionBar

    server.push(Script(text="one"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, _router = await suggest_mode(pilot)
        bar = app.query_one(SuggestionBar)
        await type_text(pilot, HARD)
        await wait_for(pilot, lambda: bar.showing, "the suggestion while typing")
        await pilot.press("escape")  # rejected while typing
        assert not bar.showing
        await pilot.press("ctrl+c")  # cleared: a different prompt comes
        await type_text(pilot, "the race condition in the scheduler again")
        await wait_for(pilot, lambda: bar.showing, "a suggestion for the new prompt")


# -- 5. a refused prompt comes back with the cursor at its end ------------------------------------
async def test_a_refused_prompt_keeps_the_cursor_at_its_end(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "read @/dev/zero")
        assert prompt_of(app).text == "read @/dev/zero"
        await pilot.press(*" now")
        assert prompt_of(app).text == "read @/dev/zero now"


# -- 8. prompts typed while a reply streams are queued and sent after it --------------------------
async def test_a_prompt_sent_while_a_reply_streams_is_queued(server, tmp_path: Path) -> None:
    server.push(Script(chunks=["slow "] * 20, delay=0.05), Script(text="second answer"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("first")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.streaming, "the first reply")
        prompt_of(app).load_text("second")
        await pilot.press("enter")
        await pilot.pause()
        assert any(n.startswith("Queued (1)") for n in notes(app))
        assert prompt_of(app).text == ""
        await wait_for(pilot, lambda: len(server.requests) == 2, "the queued prompt")
        await settle(pilot)
        assert server.requests[1].texts[-1] == "second"
        assert [a.text for a in answers(app)][-1] == "second answer"


# -- 7. a rejected key or a rate limit says what happened and offers another provider ------------
@pytest.mark.parametrize("status", [401, 429])
async def test_401_and_429_offer_the_same_tier_elsewhere_not_a_partial_answer(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    from ui_support import TIERS, make_config

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    server.push(*[Script(status=status, error_message="no") for _ in range(4)])
    tiers = {**{k: list(v) for k, v in TIERS.items()}, "fast": ["claude-haiku-4-5", "gpt-5-mini"]}
    app = make_app(tmp_path, config=make_config(tiers=tiers))
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "hello")
        (line,) = notes(app, "error")
        assert "partial answer" not in line and "ctrl+r" not in line
        assert "nothing was answered" in line
        assert "/model gpt-5-mini is the fast tier on openai" in line


# -- 8. a stalled reply says so ------------------------------------------------------------------
async def test_a_stalled_reply_shows_its_time_and_the_stall(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui_router.ui.screens.main as main
    from tui_router.ui.widgets.ticker import CostTicker

    monkeypatch.setattr(main, "STALL_NOTICE_AFTER", 1.0)
    server.push(Script(chunks=["first ", "then nothing for a while"], delay=4.0))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("hello")
        await pilot.press("enter")
        ticker = app.query_one(CostTicker)
        await wait_for(pilot, lambda: "streaming" in str(ticker.render()), "the reply clock")
        await wait_for(
            pilot, lambda: "esc to cancel" in str(ticker.render()), "the stall", attempts=250
        )
        assert "no tokens for " in str(ticker.render())
        await pilot.press("escape")
        await settle(pilot)
        assert "streaming" not in str(ticker.render())


async def test_a_running_tool_is_not_a_stalled_reply(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a command ran (a test suite: minutes) the ticker said "streaming 26 s · no tokens for
    24 s — esc to cancel": no token is due then, and esc would cancel a healthy turn."""
    import time

    import tui_router.ui.screens.main as main
    from tui_router.ui.widgets.ticker import CostTicker
    from tui_router.ui.widgets.tool_line import ToolLine

    monkeypatch.setattr(main, "STALL_NOTICE_AFTER", 1.0)
    slow = {"name": "run_command", "input": {"command": "sleep 30"}}
    server.push(Script(tool_calls=[slow]), Script(text="never"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("run it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.query("ApprovalPanel")), "the approval panel")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: [line.state for line in app.query(ToolLine)] == ["running"],
            "the command to run",
        )
        ticker = app.query_one(CostTicker)
        await wait_for(pilot, lambda: "running run_command" in str(ticker.render()), "the ticker")
        ran_from = time.monotonic()
        # (a negative check needs a window: two clock ticks past the stall threshold)
        await wait_for(pilot, lambda: time.monotonic() - ran_from > 2.5, "2.5 s", attempts=250)
        shown = str(ticker.render())
        assert "running run_command" in shown and "no tokens" not in shown, shown
        await pilot.press("escape")
        await settle(pilot)
        assert "running" not in str(ticker.render())


# -- 12. the header keeps "streaming… esc cancels" in view at 120 columns -------------------------
async def test_header_shows_streaming_at_120_columns(server, tmp_path: Path) -> None:
    from ui_support import SESSION_ID, make_config

    from tui_router.ui.widgets.status import StatusHeader

    line = StatusHeader.describe(
        "claude-sonnet-4-6", "balanced", "suggest", SESSION_ID, True, "learned"
    ).plain
    assert line.index("esc cancels") + len("esc cancels") <= 118  # 120 less the padding
    server.push(Script(chunks=["slow "] * 40, delay=0.05))
    app = make_app(tmp_path, config=make_config(routing_strategy="learned"))
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot)
        prompt_of(app).load_text("hello")
        await pilot.press("enter")
        header = app.query_one(StatusHeader)
        await wait_for(pilot, lambda: "esc cancels" in header.content.plain, "streaming")
        plain = header.content.plain
        assert plain.index("esc cancels") + len("esc cancels") <= header.content_region.width
        await pilot.press("escape")
        await settle(pilot)


def test_a_header_wider_than_the_window_drops_whole_parts_least_important_first() -> None:
    from tui_router.ui.widgets.status import StatusHeader

    progress = "step 1/40 · 8 s · waiting for your answer"
    args = ("claude-haiku-4-5", "fast", "manual", "0123abcd", True, "learned", progress)
    full = StatusHeader.describe(*args, title="Rename tmp").plain
    assert full.endswith("esc cancels  ·  “Rename tmp”  ·  session 0123abcd")
    assert StatusHeader.describe(*args, title="Rename tmp", width=len(full)).plain == full
    fitted = StatusHeader.describe(*args, title="Rename tmp", width=118).plain
    assert fitted == (
        "tui-router  claude-haiku-4-5 (fast)  ·  mode manual  ·  "
        "step 1/40 · 8 s · waiting for your answer · esc cancels"
    )
    narrow = StatusHeader.describe(*args, title="Rename tmp", width=90).plain
    assert (
        narrow
        == "claude-haiku-4-5 (fast)  ·  step 1/40 · 8 s · waiting for your answer · esc cancels"
    )

    # between turns the title (free text) is cut with "…" before the strategy or the mode go
    idle = ("claude-sonnet-4-6", "balanced", "manual", "0123abcd", False, "learned")
    title = "the login form rejects valid passwords"
    cut = StatusHeader.describe(*idle, title=title, width=100).plain
    assert cut == (
        "tui-router  claude-sonnet-4-6 (balanced)  ·  mode manual · learned routing  ·  "
        "“the login form rej…”"
    )
    assert len(cut) == 100
    assert StatusHeader.describe(*idle, title=title, width=90).plain.endswith("learned routing")


async def test_header_keeps_esc_cancels_while_the_agent_waits_for_a_yes(server, repo: Path) -> None:
    # An agent turn's progress ("step 1/40 · 8 s · waiting for your answer") is longer than
    # "streaming…": at 120 columns the header cut "esc cancels" off, and a session id mid-word.
    from ui_support import EDIT, asking

    from tui_router.ui.widgets.status import StatusHeader

    server.push(Script(text="I will rename it.", tool_calls=[EDIT]), Script(text="Renamed."))
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt_of(app).load_text("rename tmp to total")
        await pilot.press("enter")
        await wait_for(pilot, lambda: asking(app) is not None, "the approval panel")
        header = app.query_one(StatusHeader)
        await wait_for(pilot, lambda: "waiting for your answer" in header.content.plain, "progress")
        plain = header.content.plain
        assert plain.endswith("esc cancels")
        assert len(plain) <= header.content_region.width
        await pilot.resize_terminal(70, 30)  # too narrow for even the model and the progress
        await wait_for(
            pilot,
            lambda: header.content.plain.startswith("claude-haiku-4-5 (fast)  ·  step 1/40"),
            "the header refitted: the app's name and the mode dropped",
        )
        await pilot.press("escape")
        await settle(pilot)


# -- 13. a paste too large for the model is kept, with a model that holds it ---------------------
async def test_a_paste_too_large_is_kept_and_offered_a_model_that_holds_it(
    server, tmp_path: Path
) -> None:
    from textual import events

    from tui_router.ui.widgets.question import QuestionPanel

    server.push(Script(text="summary"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        prompt = prompt_of(app)
        prompt.focus()
        prompt.post_message(events.Paste("word " * 210_000))  # ~210k tokens; haiku holds 200k
        await wait_for(pilot, lambda: bool(notes(app, "warn")), "the paste to be counted")
        (line,) = notes(app, "warn")
        assert "kept as [paste #1]" in line
        assert "it fits claude-sonnet-4-6 (1M" in line and "/model claude-sonnet-4-6" in line
        assert "est. ~$0.6" in line  # 210k tokens at $3/MTok
        prompt.load_text("summarise [paste #1]")
        await pilot.press("enter")
        # still too large for haiku: the offer, with the model that holds it and its cost
        await wait_for(pilot, lambda: bool(app.query(QuestionPanel)), "the offer")
        (panel,) = app.query(QuestionPanel)
        assert "[paste #1] is 210,0" in panel.question and "200k ctx window" in panel.question
        offered = {c.key: c.label for c in panel.choices}
        assert offered["f"].startswith("attach it as a file")
        assert offered["m"].startswith("send it to claude-sonnet-4-6 (1M ctx, est. ~$0.6")
        await pilot.press("escape")  # keep it: not sent, not lost
        await settle(pilot)
        assert server.requests == [] and not app.query(QuestionPanel)
        assert prompt.text == "summarise [paste #1]"
        assert [p.label for p in app.screen.commands.pending_pastes] == ["paste #1"]
        prompt.load_text("/model claude-sonnet-4-6")
        await pilot.press("enter")
        await settle(pilot)
        prompt.load_text("summarise [paste #1]")
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-sonnet-4-6"
        assert '<file path="paste #1">' in server.last_request.texts[-1]
