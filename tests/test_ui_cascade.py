"""The cascade strategy in the app (real Router, real SDK, loopback fake server, Pilot): the agent
turn on the cheap model, the quality gates' verdict, the escalation line, the stronger answer,
both meta lines with their costs, the ticker with both calls; in suggest mode the cascade runs
once the user accepts its start model."""

from __future__ import annotations

from pathlib import Path

from fakeserver import Script
from ui_support import (
    SESSION_ID,
    SIZE,
    answers,
    ask,
    asking,
    make_app,
    make_config,
    notes,
    settle,
    started,
    transcript,
    wait_for,
)

from tui_router.core.store import Store
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar
from tui_router.ui.widgets.ticker import CostTicker

PROMPT = "rename the variable foo to bar in this python snippet: foo = 1"
BROKEN = "```python\nbar = 1\ndef f(:\n    return bar\n```\n"
GOOD = "```python\nbar = 1\n```\n"


def scripts() -> list[Script]:
    # haiku: 1,000 in x $1 + 200 out x $5 = $0.0020; sonnet: x $3 / $15 = $0.0060
    return [
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),
        Script(text=GOOD, input_tokens=1000, output_tokens=200),
    ]


def calls() -> list[tuple[str, str]]:
    with Store() as store:
        return [(c.model, c.purpose) for c in store.session_calls(SESSION_ID)]


def assert_escalated_on_screen(app) -> None:
    first, second = answers(app)
    assert first.text == BROKEN and second.text == GOOD
    assert first.meta_text == "claude-haiku-4-5 · fast · 1,000 in / 200 out · $0.0020"
    assert second.meta_text == "claude-sonnet-4-6 · balanced · 1,000 in / 200 out · $0.0060"
    [verdict] = [n for n in notes(app) if n.startswith("the quality gates on claude-haiku-4-5")]
    assert "code block 1 (python) does not parse" in verdict
    [step] = [n for n in notes(app, "route") if n.startswith("escalating from")]
    assert step.startswith("escalating from claude-haiku-4-5 to claude-sonnet-4-6: code: code")
    # the lines sit between the two answers; the turn ends with the cascade's summary
    entries = list(app.chat.entries)
    step_at = next(i for i, e in enumerate(entries) if getattr(e, "text", "") == step)
    assert entries.index(first) < step_at < entries.index(second)
    assert (
        "cascade: claude-haiku-4-5 (fail) → claude-sonnet-4-6 (pass); the quality gates passed"
        in notes(app, "route")
    )
    ticker = str(app.query_one(CostTicker).render())
    # both calls: $0.0020 + $0.0060; baseline: both at opus ($5/$25) = 2 x $0.0100
    assert "spent $0.0080" in ticker and "frontier-only $0.0200" in ticker
    assert "2,000 in / 400 out" in ticker


async def test_auto_mode_shows_both_answers_and_the_gate_line(server, tmp_path: Path) -> None:
    server.push(*scripts())
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        assert_escalated_on_screen(app)
        # both attempts ran as the agent, with its tools; the stronger model got the task with
        # the rejected answer and why it was rejected
        first, second = server.requests
        assert first.body["tools"] and second.body["tools"]
        assert first.texts[-1] == PROMPT
        task = second.texts[-1]
        assert task.startswith(PROMPT) and "def f(:" in task and "does not parse" in task
        # only the final answer joins the conversation
        history = app.controller.conversation.messages
        assert [(m.role, m.content) for m in history][-1] == ("assistant", GOOD)
        assert BROKEN not in [m.content for m in history]
    assert calls() == [("claude-haiku-4-5", "cascade"), ("claude-sonnet-4-6", "cascade")]


async def test_a_good_cheap_answer_is_shown_alone(server, tmp_path: Path) -> None:
    server.push(Script(text=GOOD, input_tokens=1000, output_tokens=200))
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        [answer] = answers(app)
        assert answer.text == GOOD
        assert not [n for n in notes(app) if n.startswith("escalating")]
        assert "cascade: claude-haiku-4-5 (pass); the quality gates passed" in notes(app)
    assert calls() == [("claude-haiku-4-5", "cascade")]


async def test_suggest_mode_runs_the_cascade_once_its_start_model_is_accepted(
    server, tmp_path: Path
) -> None:
    server.push(*scripts())
    config = make_config(routing_mode="suggest", routing_strategy="cascade")
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        app.query_one(PromptInput).load_text(PROMPT)
        await pilot.press("enter")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the cascade's suggestion")
        assert "claude-haiku-4-5" in str(bar.render())
        await pilot.press("tab")
        await settle(pilot)
        assert_escalated_on_screen(app)
    assert calls() == [("claude-haiku-4-5", "cascade"), ("claude-sonnet-4-6", "cascade")]


async def test_a_rejected_cascade_suggestion_is_one_plain_call(server, tmp_path: Path) -> None:
    server.push(Script(text=BROKEN))
    config = make_config(routing_mode="suggest", routing_strategy="cascade")
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        app = await started(pilot)
        app.query_one(PromptInput).load_text(PROMPT)
        await pilot.press("enter")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the cascade's suggestion")
        await pilot.press("escape")
        await settle(pilot)
        assert len(answers(app)) == 1
    assert calls() == [("claude-opus-4-6", "chat")]


async def test_the_judge_call_is_said_and_in_the_ticker(server, tmp_path: Path) -> None:
    server.push(
        Script(text=GOOD, input_tokens=1000, output_tokens=200),  # $0.0020
        Script(text="PASS", input_tokens=500, output_tokens=2),  # $0.0005 + $0.00001 = $0.00051
    )
    config = make_config(routing_mode="auto", routing_strategy="cascade", cascade_judge=True)
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        [answer] = answers(app)
        assert answer.text == GOOD
        assert answer.meta_text == "claude-haiku-4-5 · fast · 1,000 in / 200 out · $0.0020"
        assert (
            "the quality gates on claude-haiku-4-5's work: the judge passed the answer"
            " (judged by claude-haiku-4-5: $0.00051)" in notes(app)  # the report's places
        )
        assert "spent $0.0025" in str(app.query_one(CostTicker).render())
        assert "PASS" not in [m.content for m in app.controller.conversation.messages]
    assert calls() == [("claude-haiku-4-5", "cascade"), ("claude-haiku-4-5", "judge")]


async def test_esc_during_the_escalated_answer_keeps_both_calls(server, tmp_path: Path) -> None:
    server.push(
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),
        Script(chunks=[f"word{i} " for i in range(200)], delay=0.05, input_tokens=1000),
    )
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.query_one(PromptInput).load_text(PROMPT)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: len(answers(app)) == 2 and "word2" in answers(app)[1].text,
            "the escalated answer to start",
        )
        await pilot.press("escape")
        await settle(pilot)
        first, second = answers(app)
        assert first.meta_text == "claude-haiku-4-5 · fast · 1,000 in / 200 out · $0.0020"
        assert second.meta_text.startswith("claude-sonnet-4-6 · balanced")
        assert second.meta_text.endswith("cancelled")
        assert any(n.startswith("Reply cancelled") for n in notes(app, "warn"))
        last = app.controller.conversation.messages[-1]
        assert last.model == "claude-sonnet-4-6" and last.content.startswith("word0 word1")
    with Store() as store:
        rows = store.session_calls(SESSION_ID)
    assert [(c.model, c.purpose, c.status) for c in rows] == [
        ("claude-haiku-4-5", "cascade", "ok"),
        ("claude-sonnet-4-6", "cascade", "cancelled"),
    ]


async def test_resume_shows_both_answers_and_sends_only_the_final_one(
    server, tmp_path: Path
) -> None:
    server.push(*scripts())
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        live = [(m.role, m.content) for m in app.controller.conversation.messages]
    resumed = make_app(tmp_path, config=config, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert [a.text for a in answers(resumed)] == [BROKEN, GOOD]
        assert "spent $0.0080" in str(resumed.query_one(CostTicker).render())
        # the final answer with the task it answered: the prompt, the rejected answer and why
        history = [(m.role, m.content) for m in resumed.controller.conversation.messages]
        assert history == live
        assert history[0][1].startswith(PROMPT) and "does not parse" in history[0][1]
        assert history[1] == ("assistant", GOOD)


async def test_a_resumed_cascade_redraws_its_verdict_escalation_and_summary(
    server, tmp_path: Path
) -> None:
    """The resumed chat showed the two answers one after the other and nothing between: not
    why the first was rejected, not the escalation, not the cascade's summary."""
    server.push(*scripts())
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        live = transcript(app)
    assert [what for what, _text in live] == [
        "UserMessage",
        "AssistantMessage",
        "note info",  # the quality gates' verdict
        "note route",  # escalating from … to …
        "AssistantMessage",
        "note info",  # … passed the quality gates
        "note route",  # cascade: … (fail) → … (pass)
        "note info",  # Turn done: 2 steps …
    ]
    # the verdict said its gates twice ("the quality gates on X's work: passed the quality
    # gates"), and the store kept it so, for --resume to draw again
    passed = live[5][1]
    assert passed.startswith("the quality gates on ") and passed.endswith("'s work: passed")
    resumed = make_app(tmp_path, config=config, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        shown = transcript(resumed)
    assert shown[: len(live)] == live
    assert [text.split(":")[0] for _what, text in shown[len(live) :]] == [
        f"Resumed session {SESSION_ID}"
    ]


def _write_snippet(content: str) -> Script:
    return Script(
        tool_calls=[{"name": "write_file", "input": {"path": "snippet.py", "content": content}}],
        input_tokens=1000,
        output_tokens=50,
    )


async def _approve_the_write(pilot) -> None:

    app = pilot.app
    app.query_one(PromptInput).load_text(PROMPT)
    await pilot.press("enter")
    await wait_for(pilot, lambda: asking(app) is not None, "the write's approval panel")
    await pilot.pause()
    await pilot.press("y")
    await settle(pilot)


async def test_a_tool_using_attempt_the_gates_reject_is_undone_and_escalated(
    server, tmp_path: Path
) -> None:
    (tmp_path / "snippet.py").write_text("foo = 1\n")
    server.push(
        _write_snippet("bar = 1\n"),
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),
        Script(text=GOOD, input_tokens=1000, output_tokens=200),
    )
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await _approve_the_write(pilot)
        # the rejected attempt's write was put back before the next tier started
        assert (tmp_path / "snippet.py").read_text() == "foo = 1\n"
        [step] = [n for n in notes(app, "route") if n.startswith("escalating from")]
        assert "claude-sonnet-4-6" in step and step.endswith("restored 1 file it changed")
        task = server.requests[2].texts[-1]
        assert "-foo = 1" in task and "+bar = 1" in task and "def f(:" in task
        assert answers(app)[-1].text == GOOD
        # the turn's line counts every step it sent, both attempts' (it said "1 step"), and
        # no file as changed: the rejected attempt's was put back (it said "/undo puts it back")
        [done] = [n for n in notes(app) if n.startswith("Turn done")]
        assert done.startswith("Turn done: 3 steps · 1 tool call") and "changed" not in done
    assert calls() == [
        ("claude-haiku-4-5", "cascade"),
        ("claude-haiku-4-5", "cascade"),
        ("claude-sonnet-4-6", "cascade"),
    ]


async def test_a_tool_using_attempt_the_gates_accept_is_the_turn(server, tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text("foo = 1\n")
    server.push(_write_snippet("bar = 1\n"), Script(text=GOOD))
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await _approve_the_write(pilot)
        assert (tmp_path / "snippet.py").read_text() == "bar = 1\n"  # the work is kept
        assert not [n for n in notes(app) if n.startswith("escalating")]
        assert "cascade: claude-haiku-4-5 (pass); the quality gates passed" in notes(app, "route")
    assert calls() == [("claude-haiku-4-5", "cascade"), ("claude-haiku-4-5", "cascade")]
