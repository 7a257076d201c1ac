"""Every default key of the main screen, each pressed for real through Pilot."""

from __future__ import annotations

from pathlib import Path

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
    palette_offers,
    started,
    type_text,
    wait_for,
)

from tui_router.core.config import DEFAULT_KEYS
from tui_router.core.store import Store
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.sidebar import ModelSidebar
from tui_router.ui.widgets.status import StatusHeader


async def test_f2_and_shift_f2_switch_model_and_keep_the_conversation(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        server.push(Script(text="first"))
        await ask(pilot, "one")
        await pilot.press("f2")
        await pilot.pause()
        assert app.controller.model_id == "claude-sonnet-4-6"
        assert "claude-sonnet-4-6 (balanced)" in str(app.query_one(StatusHeader).render())
        assert app.query_one(ModelSidebar).current == "claude-sonnet-4-6"
        assert any("conversation kept" in n for n in notes(app, "route"))
        server.push(Script(text="second"))
        await ask(pilot, "two")
        body = server.last_request.body
        assert body["model"] == "claude-sonnet-4-6"
        assert server.last_request.texts == ["one", "first", "two"]
        await pilot.press("shift+f2")
        await pilot.pause()
        assert app.controller.model_id == "claude-haiku-4-5"
        await pilot.press("shift+f2")  # wraps around to the last model
        await pilot.pause()
        assert app.controller.model_id == "claude-opus-4-6"


async def test_ctrl_l_model_picker_fuzzy_search(server, tmp_path: Path) -> None:
    from tui_router.ui.screens.model_picker import ModelPicker

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the model picker")
        await pilot.press(*"opus")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.controller.model_id == "claude-opus-4-6", "the switch")
        assert not isinstance(app.screen, ModelPicker)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the model picker")
        await pilot.press("escape")  # closes, no change
        await pilot.pause()
        assert not isinstance(app.screen, ModelPicker)
        assert app.controller.model_id == "claude-opus-4-6"


async def test_ctrl_r_retries_on_the_next_stronger_tier_keeping_both(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(text="cheap answer", input_tokens=100, output_tokens=10),
        Script(text="strong answer", input_tokens=100, output_tokens=10),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "tricky question")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(answers(app)) == 2 and not app.streaming, "the retry")
        await app.workers.wait_for_complete()
        first, second = answers(app)
        assert (first.text, second.text) == ("cheap answer", "strong answer")
        assert first.meta_text.startswith("claude-haiku-4-5 · fast")
        assert second.meta_text.startswith("claude-sonnet-4-6 · balanced")
        body = server.last_request.body
        assert body["model"] == "claude-sonnet-4-6"
        assert server.last_request.texts == ["tricky question"]  # not the cheap answer
        ledger = app.controller.ledger
        assert [(r.model, r.purpose) for r in ledger.records] == [
            ("claude-haiku-4-5", "chat"),
            ("claude-sonnet-4-6", "retry"),
        ]
        assert ledger.totals.cost_usd == sum(r.price.usd for r in ledger.records)
    with Store() as store:
        calls = store.session_calls(SESSION_ID)
        assert [(c.turn, c.model) for c in calls] == [
            (1, "claude-haiku-4-5"),
            (1, "claude-sonnet-4-6"),
        ]


async def test_ctrl_r_on_the_strongest_tier_says_so(server, tmp_path: Path) -> None:
    app = make_app(tmp_path, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert any("strongest available tier" in n for n in notes(app, "warn"))
        assert len(answers(app)) == 1


async def test_ctrl_o_cycles_the_routing_mode(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("ctrl+o")
            await pilot.pause()
            seen.append(app.controller.mode)
        assert seen == ["suggest", "auto", "manual"]
        assert "mode manual" in str(app.query_one(StatusHeader).render())
        assert sum(n.startswith("Routing mode:") for n in notes(app, "route")) == 3


async def test_ctrl_b_toggles_the_sidebar(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        sidebar = app.query_one(ModelSidebar)
        assert sidebar.display
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not sidebar.display
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert sidebar.display


@pytest.mark.parametrize("width", [80, 60, 38])
async def test_ctrl_b_shows_the_sidebar_on_a_narrow_window_too(
    server, tmp_path: Path, width: int
) -> None:
    # below 90 columns the sidebar starts hidden; ctrl+b did nothing there, with no word why
    app = make_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await started(pilot)
        sidebar = app.query_one(ModelSidebar)
        assert not sidebar.display
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: sidebar.display, "ctrl+b to show the sidebar")
        await pilot.pause()
        assert 0 < sidebar.size.width <= width // 2  # the chat and the prompt keep half
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: not sidebar.display, "ctrl+b to hide it again")
        await pilot.resize_terminal(120, 24)  # a wide window keeps its own choice: shown
        await wait_for(pilot, lambda: sidebar.display, "the sidebar on a wide window")


async def test_f1_opens_help_with_the_configured_keys(server, tmp_path: Path) -> None:
    from tui_router.ui.screens.help import HelpScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert app.screen.keys == DEFAULT_KEYS
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_keys_scroll_the_help_at_once_on_a_small_window(server, tmp_path: Path) -> None:
    # the app's auto-focus (the prompt) is not on the help screen: without a focus of its own,
    # down / page down / end did nothing until tab
    from textual.containers import VerticalScroll

    from tui_router.ui.screens.help import HelpScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        body = app.screen.query_one(VerticalScroll)
        assert body.max_scroll_y > 0  # more than fits: something to scroll
        await pilot.press("down")
        await wait_for(pilot, lambda: body.scroll_y > 0, "down to scroll the help")
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y, "end to reach the end")
        await pilot.press("home")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 1, "page down to scroll a page")


async def test_ctrl_q_shows_the_summary_and_enter_exits(server, tmp_path: Path) -> None:
    from tui_router.ui.screens.summary import SummaryScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        assert app.is_running
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    with Store() as store:
        summary = store.get_session(SESSION_ID).summary
        assert summary is not None


async def test_esc_on_the_summary_returns_to_the_session(server, tmp_path: Path) -> None:
    from tui_router.ui.screens.summary import SummaryScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SummaryScreen), "the main screen")
        assert app.is_running


async def test_ctrl_p_palette_runs_app_actions(server, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "Cycle routing mode")
        await palette_offers(pilot, "Cycle routing mode")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.controller.mode == "suggest", "the mode to change")
        assert not isinstance(app.screen, CommandPalette)


async def test_palette_switches_model(server, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "Switch to claude-opus-4-6")
        await palette_offers(pilot, "Switch to claude-opus-4-6")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.controller.model_id == "claude-opus-4-6", "the switch")


async def test_tab_moves_focus_when_no_suggestion_is_visible(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert isinstance(app.focused, PromptInput)
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.chat  # the chat history, scrollable with the keyboard
        await pilot.press("shift+tab")
        await pilot.pause()
        assert isinstance(app.focused, PromptInput)


async def test_keys_come_from_the_config(server, tmp_path: Path) -> None:
    keys = dict(DEFAULT_KEYS, next_model="f3", toggle_sidebar="f4")
    app = make_app(tmp_path, config=make_config(keys=keys))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert app.controller.model_id == "claude-sonnet-4-6"
        await pilot.press("f2")  # no longer bound
        await pilot.pause()
        assert app.controller.model_id == "claude-sonnet-4-6"
        await pilot.press("f4")
        await pilot.pause()
        assert not app.query_one(ModelSidebar).display


async def test_clicking_a_model_in_the_sidebar_switches_to_it(server, tmp_path: Path) -> None:
    from tui_router.ui.widgets.sidebar import ModelList

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        models = app.query_one(ModelList)
        opus = models.model_lines("claude-opus-4-6")
        assert opus is not None  # listed
        await pilot.click(ModelList, offset=(3, opus.y + 1))  # on its second line
        await wait_for(pilot, lambda: app.controller.model_id == "claude-opus-4-6", "the switch")
        assert models.current == "claude-opus-4-6"
