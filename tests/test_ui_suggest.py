"""The suggestion flow: the router reads the prompt while it is typed (debounced) and on submit;
suggest mode shows the bar (tab accepts, esc rejects), auto mode switches and says so, manual mode
stays silent — and every suggestion and its answer is in the store's decisions table."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_support import (
    SESSION_ID,
    SIZE,
    StandInRouter,
    make_app,
    notes,
    settle,
    started,
    type_text,
    wait_for,
)

from tui_router.core.store import Store
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar

HARD = "why does this race condition deadlock"


def decisions() -> list[tuple[str, str, str]]:
    with Store() as store:
        return [
            (d.suggested_model, d.current_model, d.outcome)
            for d in store.session_decisions(SESSION_ID)
        ]


async def start(pilot, mode: str = "suggest") -> tuple[object, StandInRouter]:
    app = await started(pilot)
    router = StandInRouter()
    app.controller.router = router  # deterministic stand-in; the real Router is tested below
    app.controller.set_mode(mode)
    return app, router


async def typing_done(pilot) -> None:
    """Wait out whatever the typing started: a router run while typing is a worker (its
    debounce included), so a mode that must not route shows it here, not after a fixed pause."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def bar(app) -> SuggestionBar:
    return app.query_one(SuggestionBar)


async def test_fast_typing_routes_once_and_leaves_no_unawaited_work(server, tmp_path: Path) -> None:
    # keys faster than the loop starts workers: each cancels the debounce of the one before it
    # before it has run; a coroutine made for it would be dropped unawaited (a warning per key)
    import gc
    import warnings

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await start(pilot)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await type_text(pilot, HARD)
            await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
            gc.collect()
        assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
        assert router.calls == 1  # the router ran once, for the whole prompt


async def test_typing_shows_a_suggestion_and_tab_accepts_it(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await start(pilot)
        await type_text(pilot, HARD)
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        text = str(bar(app).render())
        assert "▲ escalate to claude-opus-4-6 (frontier)" in text
        assert "multi-step debugging with concurrency" in text
        # the report's places: $0.0009 has two significant digits, "$0.00090"
        assert "this turn ~$0.0040 vs ~$0.00090 (+$0.0031, incl. $0.00020 lost cache)" in text
        assert decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "shown")]
        await pilot.press("tab")
        # the switch (and its record) is a worker: wait for it, not for a pause to be long enough
        await wait_for(
            pilot,
            lambda: decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "accepted")],
            "the accept recorded",
        )
        assert not bar(app).showing
        assert app.controller.model_id == "claude-opus-4-6"
        assert router.feedback == [("claude-opus-4-6", True)]
        assert app.query_one(PromptInput).text == HARD  # tab did not type into the prompt
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-opus-4-6"
        assert len(decisions()) == 1  # no second suggestion for the same prompt


async def test_esc_rejects_the_suggestion(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await start(pilot)
        await type_text(pilot, HARD)
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "rejected")],
            "the reject recorded",
        )
        assert not bar(app).showing
        assert app.controller.model_id == "claude-haiku-4-5"
        assert router.feedback == [("claude-opus-4-6", False)]
        assert app.controller.recent_rejections == ["escalate"]
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-haiku-4-5"


async def test_submit_holds_the_prompt_until_the_suggestion_is_answered(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, _router = await start(pilot)
        app.query_one(PromptInput).load_text(HARD)  # no typing pause: the submit asks the router
        await pilot.press("enter")
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        assert server.requests == []
        assert any(
            n.startswith("Prompt held: tab sends it on the suggested model") for n in notes(app)
        )
        await pilot.press("tab")
        await settle(pilot)
        assert [r.body["model"] for r in server.requests] == ["claude-opus-4-6"]
        assert decisions()[-1][2] == "accepted"


async def test_held_prompt_rejected_goes_to_the_current_model(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, _router = await start(pilot)
        app.query_one(PromptInput).load_text(HARD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        await pilot.press("escape")
        await settle(pilot)
        assert [r.body["model"] for r in server.requests] == ["claude-haiku-4-5"]
        assert decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "rejected")]


async def test_auto_mode_applies_and_says_so(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await start(pilot, mode="auto")
        await type_text(pilot, HARD)
        await typing_done(pilot)
        assert not bar(app).showing and router.calls == 0  # auto mode routes on enter only
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-opus-4-6"
        assert any(
            n.startswith(
                "Auto: escalate from claude-haiku-4-5 to claude-opus-4-6 "
                "(frontier) — multi-step debugging"
            )
            for n in notes(app, "route")
        )
        assert decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "auto-applied")]


async def test_manual_mode_is_silent_but_recorded(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, router = await start(pilot, mode="manual")
        await type_text(pilot, HARD)
        await typing_done(pilot)
        assert not bar(app).showing and router.calls == 0
        await pilot.press("enter")
        await settle(pilot)
        assert server.last_request.body["model"] == "claude-haiku-4-5"
        assert not notes(app, "route")
        assert decisions() == [("claude-opus-4-6", "claude-haiku-4-5", "silent")]


async def test_the_real_router_suggests_escalating_a_risky_prompt(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        assert (
            app.controller.router is not None and type(app.controller.router).__name__ == "Router"
        )
        app.controller.set_mode("suggest")
        app.query_one(PromptInput).load_text(
            "Debug this race condition in our production payment migration: deadlock between "
            "two workers, irreversible data loss risk"
        )
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        suggestion = bar(app).suggestion
        assert suggestion.kind == "escalate" and suggestion.tier in ("balanced", "frontier")
        assert decisions()[-1][2] == "shown"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_bar_shows_the_whole_reason_on_a_small_window(
    server, tmp_path: Path, size: tuple[int, int]
) -> None:
    # the bar was cut to two lines below 90 columns: "… — learned score 1.00 → frontier
    # (chars -," at 80x24, and at 60x20 no reason at all
    from textual.geometry import Region

    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        app = await started(pilot)
        app.controller.set_mode("suggest")
        app.query_one(PromptInput).load_text(
            "Debug this race condition in our production payment migration; it double-charges "
            "customers"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        await pilot.pause()
        shown = bar(app).render_lines(Region(0, 0, *bar(app).region.size))  # with its padding
        text = " ".join(" ".join(line.text.split()) for line in shown)
        reason = bar(app).suggestion.reason
        assert len(reason) > 40  # the learned strategy's score and what drove it
        assert " ".join(reason.split()) in text
        assert "[tab] accept [esc] reject" in text and "this turn ~$" in text
        assert text.rstrip().endswith(")")  # the cost difference whole, to its last character
        assert app.chat.size.height >= 5  # the chat keeps some rows
        assert reason in str(bar(app).tooltip)  # all of it, where a smaller window cuts the bar


async def test_choosing_a_model_instead_of_answering_sends_the_held_prompt(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, _router = await start(pilot)
        app.query_one(PromptInput).load_text(HARD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bar(app).showing, "the suggestion bar")
        await pilot.press("f2")  # the user picks the balanced model themselves
        await wait_for(pilot, lambda: bool(server.requests), "the held prompt to be sent")
        await settle(pilot)
        assert [r.body["model"] for r in server.requests] == ["claude-sonnet-4-6"]
        assert not bar(app).showing


def test_a_cheaper_switch_writes_its_difference_as_the_ticker_writes_money() -> None:
    """A downgrade read "(−$0.0121)" (U+2212 and the figure's absolute value) where the ticker,
    /cost and the report write "-$0.0121": one rule for money, `money_text.format_usd`."""
    from decimal import Decimal

    from tui_router.ui.widgets.suggestion import SuggestionView, cost_difference

    def view(est: str, current: str) -> SuggestionView:
        return SuggestionView(
            "downgrade", "claude-haiku-4-5", "fast", "simple", Decimal(est), Decimal(current)
        )

    cheaper = cost_difference(view("0.0009", "0.013"))
    assert cheaper == "this turn ~$0.00090 vs ~$0.0130 (-$0.0121)"
    assert "−" not in cheaper
    assert cost_difference(view("0.013", "0.0009")).endswith("(+$0.0121)")
