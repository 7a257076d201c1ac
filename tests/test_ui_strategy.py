"""`/strategy` and the palette's "Strategy: NAME": switching the routing strategy mid-session, and
the routing mode that `--resume` comes back to (real Router, real SDK against the loopback fake
server, real SQLite, Pilot)."""

from __future__ import annotations

from pathlib import Path

from fakeserver import Script
from textual.geometry import Region
from ui_support import (
    SESSION_ID,
    SIZE,
    answers,
    ask,
    make_app,
    make_config,
    notes,
    palette_offers,
    settle,
    started,
    type_text,
    wait_for,
)

from tui_router.core.config import STRATEGIES
from tui_router.core.paths import get_paths
from tui_router.core.report import build_report
from tui_router.core.store import Store
from tui_router.ui.screens.help import HelpScreen
from tui_router.ui.strategy import STRATEGY_HELP, resolve
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.suggestion import SuggestionBar

# A small edit: the rules send it to a cheap tier; the cascade starts on fast (haiku).
PROMPT = "rename the variable foo to bar in this python snippet: foo = 1"
BROKEN = "```python\nbar = 1\ndef f(:\n    return bar\n```\n"  # fails the code gate
GOOD = "```python\nbar = 1\n```\n"


def calls() -> list[tuple[str, str]]:
    with Store() as store:
        return [(c.model, c.purpose) for c in store.session_calls(SESSION_ID)]


def stored_strategy(session_id: str = SESSION_ID) -> str | None:
    with Store() as store:
        row = store.get_session(session_id)
    assert row is not None
    return row.strategy


async def send(pilot, text: str) -> None:
    app = await started(pilot)
    app.query_one(PromptInput).load_text(text)
    await pilot.press("enter")
    await settle(pilot)


async def test_strategy_alone_shows_the_one_in_force_and_the_choices(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/strategy")
        [line] = notes(app)
        assert line.startswith("Routing strategy: rules — the first matching rule picks the tier")
        assert "Choices: manual, rules, cascade, learned" in line
        assert app.controller.router.strategy == "rules"
    assert stored_strategy() == "rules" and server.requests == []


def test_every_configurable_strategy_can_be_switched_to_and_is_described() -> None:
    assert set(STRATEGY_HELP) == set(STRATEGIES)
    assert resolve("Heuristic") == "heuristic"


async def test_a_typo_gets_did_you_mean_and_changes_nothing(server, tmp_path: Path) -> None:
    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        router = app.controller.router
        await send(pilot, "/strategy cascde")
        [line] = notes(app)
        assert line == (
            "No routing strategy 'cascde' — did you mean cascade? "
            "Strategies: manual, rules, cascade, learned, heuristic; nothing changed"
        )
        assert app.controller.router is router and router.strategy == "rules"
    assert stored_strategy() == "rules"


async def test_switching_to_cascade_in_auto_mode_makes_the_next_turn_escalate(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),
        Script(text=GOOD, input_tokens=1000, output_tokens=200),
    )
    config = make_config(routing_mode="auto", routing_strategy="rules")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/strategy Cascade")  # names are case-insensitive
        assert notes(app, "route") == [
            "Routing strategy: cascade — cheap model first, quality gate, escalate "
            "(was rules; conversation kept)"
        ]
        await ask(pilot, PROMPT)
        first, second = answers(app)
        assert (first.text, second.text) == (BROKEN, GOOD)
        assert any(
            n.startswith("escalating from claude-haiku-4-5 to claude-sonnet-4-6: code:")
            for n in notes(app, "route")
        )
    assert calls() == [("claude-haiku-4-5", "cascade"), ("claude-sonnet-4-6", "cascade")]
    assert stored_strategy() == "rules,cascade"
    with Store() as store:
        assert build_report(store, SESSION_ID).to_dict()["strategy"] == "rules,cascade"


async def test_switching_back_to_rules_stops_the_cascade_and_keeps_the_conversation(
    server, tmp_path: Path
) -> None:
    server.push(
        Script(text=GOOD, input_tokens=1000, output_tokens=200),  # the cascade passes at once
        Script(text=BROKEN, input_tokens=1000, output_tokens=200),  # a cascade would escalate
    )
    config = make_config(routing_mode="auto", routing_strategy="cascade")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        await send(pilot, "/strategy rules")
        line = notes(app, "route")[-1]
        assert line.startswith("Routing strategy: rules — the first matching rule picks the tier")
        assert line.endswith("(was cascade; conversation kept)")
        await ask(pilot, PROMPT + " and baz to qux")
        assert [a.text for a in answers(app)] == [GOOD, BROKEN]  # no second try
        assert not [n for n in notes(app) if n.startswith("escalating from")]
        # the second request carried the first turn: the conversation was kept
        history = server.requests[-1].texts
        assert history == [PROMPT, GOOD, PROMPT + " and baz to qux"]
    [(_, first_purpose), (_, second_purpose)] = calls()
    assert (first_purpose, second_purpose) == ("cascade", "chat")
    assert stored_strategy() == "cascade,rules"


async def test_the_palette_switches_the_strategy(server, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "Strategy: cascade")
        await palette_offers(pilot, "Strategy: cascade")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notes(app, "route"), "the switch to be said")
        assert app.controller.router.strategy == "cascade"
        [line] = notes(app, "route")
        assert line.startswith("Routing strategy: cascade — cheap model first")
        # the mode is manual: the line says the router will not act until the mode changes
        assert line.endswith("stays silent until /mode suggest or auto")
    assert stored_strategy() == "rules,cascade"


async def test_the_learned_model_and_its_feedback_file_survive_a_round_trip(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path, config=make_config(routing_strategy="learned"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        learned = app.controller.router.learned
        assert learned is not None  # the shipped weights
        await send(pilot, "/strategy rules")
        await send(pilot, "/strategy learned")
        router = app.controller.router
        assert router.strategy == "learned"
        # the same online model, still writing to the user's feedback file
        assert router.learned is learned
        assert router.feedback_path == get_paths().feedback_file
        assert learned.feedback_path == get_paths().feedback_file
        await send(pilot, "/strategy learned")
        assert notes(app)[-1].endswith("already in force, nothing changed")
    assert stored_strategy() == "learned,rules,learned"


async def test_resume_and_new_session_keep_the_strategy_in_force(server, tmp_path: Path) -> None:
    config = make_config(routing_strategy="rules")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/strategy cascade")
    resumed = make_app(tmp_path, config=config, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.router.strategy == "cascade"  # not the config's rules
        await send(pilot, "/new")
        fresh = resumed.controller.session_id
        assert fresh != SESSION_ID
    assert stored_strategy(fresh) == "cascade"


async def test_a_held_prompt_is_routed_again_with_the_new_strategy(server, tmp_path: Path) -> None:
    server.push(Script(text="done", input_tokens=100, output_tokens=10))
    config = make_config(routing_mode="suggest", routing_strategy="cascade")
    app = make_app(tmp_path, config=config, model="claude-opus-4-6")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.query_one(PromptInput).load_text(PROMPT)
        await pilot.press("enter")
        bar = app.query_one(SuggestionBar)
        await wait_for(pilot, lambda: bar.showing, "the cascade's suggestion")
        await send(pilot, "/strategy manual")  # the model picked stands: no suggestion
        await wait_for(pilot, lambda: len(answers(app)) == 1, "the held prompt's answer")
        await settle(pilot)
        assert not bar.showing
        assert answers(app)[0].text == "done"
    assert calls() == [("claude-opus-4-6", "chat")]


async def test_help_lists_the_strategy_command(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/help")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        table = app.screen.query_one("#help-commands")
        shown = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        text = " ".join(" ".join(line.text.split()) for line in shown)
        assert any(
            "/strategy NAME" in line.text and "switch the routing strategy" in line.text
            for line in shown
        )
        assert "manual, rules, cascade, learned or heuristic" in text


async def test_the_header_names_the_strategy_in_force(server, tmp_path: Path) -> None:
    from tui_router.ui.widgets.status import StatusHeader

    app = make_app(tmp_path, config=make_config(routing_strategy="rules"))
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one(StatusHeader)
        assert "rules routing" in str(header.content)  # from the first frame, before the session
        await send(pilot, "/strategy cascade")
        assert "cascade routing" in str(header.content)
        assert "rules routing" not in str(header.content)


async def test_resume_comes_back_to_the_mode_the_session_was_left_in(
    server, tmp_path: Path
) -> None:
    config = make_config(routing_mode="suggest")
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/mode auto")
        assert app.controller.mode == "auto"
    with Store() as store:
        row = store.get_session(SESSION_ID)
    assert row is not None and row.mode == "auto"
    resumed = make_app(tmp_path, config=config, resume=SESSION_ID)
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert resumed.controller.mode == "auto"  # not the config's suggest
