"""ctrl+r ("retry stronger") steps up from the model that produced the last answer (real app,
real SDK, loopback fake server, Pilot): after a cascade that escalated it goes above the model
that answered, not above the cascade's start model; after a model switch it uses the stronger
of the tier above the answer and the model the user switched to; both answers and both costs
stay on screen, in the ledger and in the store."""

from __future__ import annotations

from pathlib import Path

from fakeserver import Script
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
)

from tui_router.core.store import Store
from tui_router.ui.widgets.ticker import CostTicker

PROMPT = "rename the variable foo to bar in this python snippet: foo = 1"
BROKEN = "```python\nbar = 1\ndef f(:\n    return bar\n```\n"
GOOD = "```python\nbar = 1\n```\n"
STRONG = "```python\nbar = 1  # renamed\n```\n"


def stored_calls() -> list[tuple[int, str, str]]:
    with Store() as store:
        return [(c.turn, c.model, c.purpose) for c in store.session_calls(SESSION_ID)]


def route_notes(app) -> list[str]:
    return [n for n in notes(app, "route") if n.startswith("Retrying")]


async def retry(pilot) -> None:
    await pilot.press("ctrl+r")
    await settle(pilot)


def push_escalating_cascade(server) -> None:
    # haiku: 1,000 in x $1 + 200 out x $5 = $0.0020; sonnet: x $3 / $15 = $0.0060
    server.push(
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),
        Script(text=GOOD, input_tokens=1000, output_tokens=200),
    )


async def test_after_an_escalated_cascade_ctrl_r_goes_above_the_model_that_answered(
    server, tmp_path: Path
) -> None:
    push_escalating_cascade(server)
    server.push(Script(text=STRONG, input_tokens=1000, output_tokens=200))  # opus: $0.0100
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        assert [a.text for a in answers(app)] == [BROKEN, GOOD]
        assert app.controller.model_id == "claude-haiku-4-5"  # the cascade's start model
        await retry(pilot)
        assert route_notes(app) == [
            "Retrying turn 1 on claude-opus-4-6 (frontier); "
            "the answer from claude-sonnet-4-6 and its cost are kept"
        ]
        assert server.last_request.body["model"] == "claude-opus-4-6"
        assert server.last_request.texts == [PROMPT]
        cheap, escalated, retried = answers(app)
        assert (cheap.text, escalated.text, retried.text) == (BROKEN, GOOD, STRONG)
        assert escalated.meta_text == "claude-sonnet-4-6 · balanced · 1,000 in / 200 out · $0.0060"
        assert retried.meta_text == "claude-opus-4-6 · frontier · 1,000 in / 200 out · $0.0100"
        ledger = app.controller.ledger
        assert [(r.model, r.purpose) for r in ledger.records] == [
            ("claude-haiku-4-5", "cascade"),
            ("claude-sonnet-4-6", "cascade"),
            ("claude-opus-4-6", "retry"),
        ]
        assert ledger.totals.cost_usd == sum(r.price.usd for r in ledger.records)
        assert "spent $0.0180" in str(app.query_one(CostTicker).render())
        history = [(m.role, m.content) for m in app.controller.conversation.messages]
        assert history == [("user", PROMPT), ("assistant", STRONG)]
    assert stored_calls() == [
        (1, "claude-haiku-4-5", "cascade"),
        (1, "claude-sonnet-4-6", "cascade"),
        (1, "claude-opus-4-6", "retry"),
    ]


async def test_after_resuming_an_escalated_cascade_ctrl_r_goes_above_the_answer(
    server, tmp_path: Path
) -> None:
    push_escalating_cascade(server)
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
    server.push(Script(text=STRONG))
    # resumed on the cascade's start model: the retry still steps up from the stored answer
    resumed = make_app(tmp_path, config=config, resume=SESSION_ID, model="claude-haiku-4-5")
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.model_id == "claude-haiku-4-5"
        await retry(pilot)
        assert route_notes(resumed) == [
            "Retrying turn 1 on claude-opus-4-6 (frontier); "
            "the answer from claude-sonnet-4-6 and its cost are kept"
        ]
        assert server.last_request.body["model"] == "claude-opus-4-6"
        assert server.last_request.texts == [PROMPT]
        assert [a.text for a in answers(resumed)] == [BROKEN, GOOD, STRONG]


async def test_a_plain_turn_climbs_one_tier_per_ctrl_r_until_the_strongest(
    server, tmp_path: Path
) -> None:
    server.push(Script(text="cheap"), Script(text="balanced"), Script(text="strong"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "tricky question")
        await retry(pilot)
        await retry(pilot)
        assert route_notes(app) == [
            "Retrying turn 1 on claude-sonnet-4-6 (balanced); "
            "the answer from claude-haiku-4-5 and its cost are kept",
            "Retrying turn 1 on claude-opus-4-6 (frontier); "
            "the answer from claude-sonnet-4-6 and its cost are kept",
        ]
        await retry(pilot)
        assert notes(app, "warn")[-1] == (
            "claude-opus-4-6 is already in the strongest available tier"
        )
        assert [a.text for a in answers(app)] == ["cheap", "balanced", "strong"]
        assert server.last_request.texts == ["tricky question"]
    assert stored_calls() == [
        (1, "claude-haiku-4-5", "chat"),
        (1, "claude-sonnet-4-6", "retry"),
        (1, "claude-opus-4-6", "retry"),
    ]


async def test_switching_up_after_the_answer_retries_on_the_model_switched_to(
    server, tmp_path: Path
) -> None:
    # The tier above haiku is balanced, and the user already picked sonnet there: sonnet, not
    # the tier above sonnet.
    server.push(Script(text="cheap"), Script(text="balanced"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "tricky question")
        await pilot.press("f2")
        await pilot.pause()
        assert app.controller.model_id == "claude-sonnet-4-6"
        await retry(pilot)
        assert route_notes(app) == [
            "Retrying turn 1 on claude-sonnet-4-6 (balanced); "
            "the answer from claude-haiku-4-5 and its cost are kept"
        ]
        assert server.last_request.body["model"] == "claude-sonnet-4-6"
        assert [a.text for a in answers(app)] == ["cheap", "balanced"]


async def test_switching_two_tiers_up_after_the_answer_retries_on_the_stronger_one(
    server, tmp_path: Path
) -> None:
    server.push(Script(text="cheap"), Script(text="strong"))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "tricky question")
        await pilot.press("f2", "f2")
        await pilot.pause()
        assert app.controller.model_id == "claude-opus-4-6"
        await retry(pilot)
        assert route_notes(app) == [
            "Retrying turn 1 on claude-opus-4-6 (frontier); "
            "the answer from claude-haiku-4-5 and its cost are kept"
        ]
        assert server.last_request.body["model"] == "claude-opus-4-6"
    assert stored_calls() == [(1, "claude-haiku-4-5", "chat"), (1, "claude-opus-4-6", "retry")]


async def test_switching_down_after_a_frontier_answer_never_retries_on_a_weaker_model(
    server, tmp_path: Path
) -> None:
    server.push(Script(text="strong"))
    app = make_app(tmp_path, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "tricky question")
        await pilot.press("f2")  # wraps around to the first model: haiku
        await pilot.pause()
        assert app.controller.model_id == "claude-haiku-4-5"
        await retry(pilot)
        assert notes(app, "warn")[-1] == (
            "claude-opus-4-6 is already in the strongest available tier"
        )
        assert not route_notes(app)
        assert len(answers(app)) == 1 and len(server.requests) == 1
        assert app.controller.model_id == "claude-haiku-4-5"


async def test_a_turn_that_could_not_be_sent_is_not_the_one_ctrl_r_retries(
    server, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    tiers = {
        "local": [],
        "fast": ["claude-haiku-4-5", "gpt-5-mini"],
        "balanced": ["claude-sonnet-4-6"],
        "frontier": ["claude-opus-4-6"],
    }
    server.push(Script(text="first answer"), Script(text="better first answer"))
    app = make_app(tmp_path, config=make_config(tiers=tiers))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "first")
        app.switch_model("gpt-5-mini", "test")
        await ask(pilot, "second")  # no OpenAI key: one error line, nothing sent
        assert any("OPENAI_API_KEY" in n for n in notes(app, "error"))
        await retry(pilot)
        assert route_notes(app) == [
            "Retrying turn 1 on claude-sonnet-4-6 (balanced); "
            "the answer from claude-haiku-4-5 and its cost are kept"
        ]
        assert server.last_request.texts == ["first"]
        assert [a.text for a in answers(app)] == ["first answer", "better first answer"]
        history = [(m.role, m.content) for m in app.controller.conversation.messages]
        assert history == [("user", "first"), ("assistant", "better first answer")]
