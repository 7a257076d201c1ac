"""The ticker's context and cache gauges: ``ctx 1.8k/200k`` (the last call's exact prompt plus an
estimate of what was added since, over the current model's window; coloured past 80%), the
session's prompt-cache hit ratio once a cache-capable call was made, and for an Anthropic model
whose cache is warm a ``cache warm 4:12`` countdown that stops (timer and all) when it goes cold.
A narrow ticker drops whole parts, least important first. The switch suggestion's cost line uses
the router's warm-cache figures. All against the real SDK and the loopback fake server; the cache
clock is driven by the test, never slept through."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from fakeserver_sse import Script
from test_ui_idle import painted
from ui_support import SIZE, ask, make_app, make_config, settle, started, wait_for

from tui_router.core.session import CACHE_TTL_S
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar
from tui_router.ui.widgets.ticker import PRIORITY, SEPARATOR, CostTicker, TickerState

ANSWER = "A short answer, with `code`."


class FakeClock:
    """The session's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def ticker_line(app) -> str:
    return painted(app.query_one(CostTicker)).strip()


async def start_with_clock(pilot) -> tuple[object, FakeClock]:
    app = await started(pilot)
    clock = FakeClock()
    app.controller.clock = clock
    return app, clock


# -- the context gauge ---------------------------------------------------------------------------
async def test_ctx_shows_the_prompt_of_the_last_call_plus_the_answer_over_the_window(
    server, tmp_path: Path
) -> None:
    server.push(Script(text=ANSWER, input_tokens=1840, output_tokens=212))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "ctx" not in ticker_line(app)  # nothing sent yet
        await ask(pilot, "hello")
        # 1,840 exact prompt tokens, plus the answer now in the history (~4 chars a token,
        # 3 tokens for its message): what the next call sends before the next prompt
        expected = 1840 + 3 + math.ceil(len(ANSWER) / 4)
        assert app.controller.context_use().tokens == expected
        assert "ctx 1.9k/200k" in ticker_line(app)  # claude-haiku-4-5's window
        await pilot.press("f2")  # claude-sonnet-4-6: the same history, a 1M window
        await pilot.pause()
        assert "ctx 1.9k/1M" in ticker_line(app)


async def test_ctx_grows_with_the_conversation_and_warns_past_80_percent(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(text=ANSWER, input_tokens=20_000, output_tokens=10),
        Script(text=ANSWER, input_tokens=170_000, output_tokens=10),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")
        assert "ctx 20k/200k" in ticker_line(app)
        assert not warned(app)
        await ask(pilot, "second")
        assert "ctx 170k/200k" in ticker_line(app)  # 85% of haiku's window
        assert warned(app)
        await pilot.press("f2")  # sonnet's 1M window: 17%, no warning
        await pilot.pause()
        assert "ctx 170k/1M" in ticker_line(app) and not warned(app)


async def test_ctx_of_a_resumed_session_counts_the_tool_definitions(server, tmp_path: Path) -> None:
    # A resumed session has no exact count of its own yet: the estimate is the whole prompt,
    # and each agent call carries the tool definitions (~900 tokens) besides the messages.
    from ui_support import SESSION_ID

    from tui_router.core.context_use import measure
    from tui_router.core.turn import tools_tokens

    server.push(Script(text=ANSWER, input_tokens=1840, output_tokens=212))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
    resumed = make_app(tmp_path, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        c = resumed.controller
        assert c.agent is not None and c.context_mark is None
        tools = tools_tokens(c.agent.specs)
        assert tools > 500
        messages_only = measure(c.conversation, c.model_id, c.model.context_window, None)
        assert c.context_use().tokens == messages_only.tokens + tools


def warned(app) -> bool:
    """Whether the ctx part is painted in the warning style (and the rest is not)."""
    ticker = app.query_one(CostTicker)
    content = ticker.render()
    start = content.plain.index("ctx ")
    return any(
        "text-warning" in str(span.style) and span.start <= start < span.end
        for span in content.spans
    )


# -- the prompt cache ----------------------------------------------------------------------------
async def test_cache_ratio_shows_after_a_cached_call(server, tmp_path: Path) -> None:
    # Anthropic's input_tokens is the uncached part: 200 + 800 read + 0 written = 1,000 in all
    server.push(
        Script(text=ANSWER, input_tokens=300, output_tokens=20),
        Script(text=ANSWER, input_tokens=200, cache_read_tokens=800, output_tokens=20),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "cache" not in ticker_line(app)  # hidden before any cache-capable call
        await ask(pilot, "first")
        assert "cache 0%" in ticker_line(app)  # a cache-capable call that read nothing
        await ask(pilot, "second")
        # 800 of the session's 1,300 input tokens came from the cache
        assert "cache 62%" in ticker_line(app)


async def test_warm_countdown_runs_while_the_cache_is_warm_and_stops_when_cold(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(text=ANSWER, input_tokens=40, output_tokens=20),  # too short to be cached
        Script(text=ANSWER, input_tokens=40, cache_write_tokens=4200, output_tokens=20),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app, clock = await start_with_clock(pilot)
        ticker = app.query_one(CostTicker)
        await ask(pilot, "first")
        assert "cache warm" not in ticker_line(app) and not ticker.counting_down
        await ask(pilot, "second")  # it wrote the cache: 5 minutes from now
        assert "cache warm 5:00" in ticker_line(app)
        assert ticker.counting_down
        clock.now += 72.4
        await wait_for(pilot, lambda: "cache warm 3:48" in ticker_line(app), "the countdown")
        await pilot.press("f2")  # sonnet's cache is cold: no countdown, no timer
        await pilot.pause()
        assert "cache warm" not in ticker_line(app) and not ticker.counting_down
        await pilot.press("shift+f2")  # back on haiku: its cache is still warm
        await pilot.pause()
        assert "cache warm 3:48" in ticker_line(app) and ticker.counting_down
        clock.now += CACHE_TTL_S
        await wait_for(pilot, lambda: "cache warm" not in ticker_line(app), "the cache to go cold")
        assert not ticker.counting_down  # an idle app has no timer left ticking


# -- narrow windows ------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [120, 80, 60, 40, 20])
def test_a_narrow_ticker_drops_whole_parts_least_important_first(width: int) -> None:
    from tui_router.ui.widgets.ticker import fit, join

    state = TickerState(
        spend=Decimal("0.0123"),
        baseline=Decimal("0.0615"),
        tokens_in=18_400,
        tokens_out=2_120,
        budget=Decimal("5"),
        ctx_tokens=41_000,
        ctx_window=200_000,
        cache_ratio=0.62,
        cache_warm_until=252.0,
        clock=lambda: 0.0,
    )
    parts = CostTicker.parts(state, "streaming 12 s")
    line = join(fit(parts, width)).plain
    full = {name: part.plain for name, part in parts.items()}
    assert full["warm"] == "cache warm 4:12" and full["ctx"] == "ctx 41k/200k"
    if len(line) > width:  # even the most important part alone is too wide: cut at the edge
        assert line == full["spent"]
        return
    shown = [name for name, text in full.items() if text in line.split(SEPARATOR)]
    assert line.split(SEPARATOR) == [full[name] for name in shown]  # whole parts only
    assert "spent" in shown
    ranks = sorted(PRIORITY.index(name) for name in shown)
    assert ranks == list(range(len(shown)))  # the most important ones, none skipped


async def test_the_ticker_fits_a_60_column_window(server, tmp_path: Path) -> None:
    server.push(Script(text=ANSWER, input_tokens=1840, cache_read_tokens=1024, output_tokens=212))
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await ask(pilot, "hello")
        line = ticker_line(app)
        assert len(line) <= 58 and line.startswith("spent $")
        assert "ctx 2.9k/200k" in line  # kept before the lower-priority figures
        for part in line.split(SEPARATOR):
            assert part in CostTicker.render_state(app.query_one(CostTicker).state).plain


# -- the switch suggestion -----------------------------------------------------------------------
async def test_the_suggestion_says_switching_back_to_a_warm_model_costs_nothing_extra(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        app, _clock = await start_with_clock(pilot)
        await ask(pilot, "hello")  # on claude-haiku-4-5: its cache is warm now
        app.controller.switch("claude-opus-4-6")
        await ask(pilot, "and again")
        app.controller.set_mode("suggest")
        app.query_one(PromptInput).load_text("fix the typo in the README heading")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the suggestion bar")
        assert bar.suggestion.model == "claude-haiku-4-5" and bar.suggestion.recache == 0
        text = str(bar.render())
        assert (
            "switching back to claude-haiku-4-5 while its cache is warm costs nothing extra" in text
        )
        assert "lost cache" not in text and "re-cache" not in text


async def test_on_a_first_prompt_no_model_is_said_to_have_a_warm_cache(
    server, tmp_path: Path
) -> None:
    """With no history there is nothing to re-cache (0), which the bar took for a warm cache:
    "switching back to claude-opus-4-6 while its cache is warm", of a model never called."""
    app = make_app(tmp_path, config=make_config(routing_mode="suggest", routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.query_one(PromptInput).load_text(
            "Refactor the authentication module across all files and fix the race condition"
        )
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the suggestion bar")
        assert "cache is warm" not in str(bar.render())
        assert bar.suggestion.kind == "escalate" and not bar.suggestion.target_warm


async def test_the_suggestion_shows_the_recache_cost_of_a_cold_model(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        app, clock = await start_with_clock(pilot)
        app.controller.switch("claude-opus-4-6")
        server.push(Script(text="a long answer " * 1000))  # ~3.5k tokens of history to re-send
        await ask(pilot, "hello")
        clock.now += 1.0
        app.controller.set_mode("suggest")
        app.query_one(PromptInput).load_text("fix the typo in the README heading")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the suggestion bar")
        suggestion = bar.suggestion
        assert suggestion.model == "claude-haiku-4-5" and suggestion.recache
        text = str(bar.render())
        assert f"incl. ${suggestion.recache:.4f} to re-cache the history" in text
        assert "costs nothing extra" not in text


async def test_an_openai_model_shows_the_cache_ratio_but_no_countdown(
    fake_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_local_model: None
) -> None:
    # OpenAI caches on its own and states no lifetime: no countdown to promise
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    fake_server.push(Script(text=ANSWER, input_tokens=1000, cache_read_tokens=800, output_tokens=9))
    tiers = {"local": [], "fast": ["gpt-5-mini"], "balanced": [], "frontier": ["gpt-5"]}
    app = make_app(tmp_path, config=make_config(tiers=tiers, frontier_model="gpt-5"))
    async with app.run_test(size=SIZE) as pilot:
        app, _clock = await start_with_clock(pilot)
        await ask(pilot, "hello")
        assert app.controller.model_id == "gpt-5-mini"
        line = ticker_line(app)
        assert "cache 80%" in line and "ctx 1k/400k" in line
        assert "cache warm" not in line and not app.query_one(CostTicker).counting_down


# -- snapshot ------------------------------------------------------------------------------------
async def one_cached_turn(pilot) -> None:
    app, _clock = await start_with_clock(pilot)  # the countdown holds still for the picture
    prompt = app.query_one(PromptInput)
    prompt.cursor_blink = False
    prompt.load_text("How do I reverse a string in Python?")
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", [(120, 14), (72, 14)], ids=["120", "72"])
def test_ticker_snapshot(snap_compare, server, tmp_path: Path, size) -> None:
    server.push(
        Script(
            text="Use `text[::-1]`.",
            input_tokens=1200,
            cache_read_tokens=4096,
            cache_write_tokens=600,
            output_tokens=40,
        )
    )
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=one_cached_turn)


def test_a_budget_is_shown_to_the_digits_it_was_set_with() -> None:
    from tui_router.ui.format import usd_limit

    assert usd_limit(Decimal("5")) == "$5.00"
    assert usd_limit(Decimal("0.05")) == "$0.05"
    assert usd_limit(Decimal("0.002")) == "$0.002"  # was "$0.00": a budget that reads as none
    # the budget's refusal said "$0.00015" of the limit the ticker called "$0.0002"
    assert usd_limit(Decimal("0.00015")) == "$0.00015"
    assert usd_limit(Decimal("12.5")) == "$12.50"
