"""The session's title in the app: the first prompt's line at once, then a fast-tier model's
title from a background call (purpose ``title``, priced, held to the budget) in the header and
the summary — against the loopback fake server with the real Anthropic SDK and the real store."""

from __future__ import annotations

import asyncio
import json
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
    started,
    wait_for,
)

import tui_router.core.background as background
from tui_router.core.report import build_report
from tui_router.core.store import Store
from tui_router.ui.screens.summary import SummaryScreen
from tui_router.ui.widgets.status import StatusHeader

PROMPT = "the login form rejects valid passwords\nit started after the last deploy"
FIRST_LINE = "the login form rejects valid passwords"


def header(app: Any) -> str:
    return str(app.query_one(StatusHeader).render())


def shows_title(app: Any, title: str) -> bool:
    """The header shows ``title``: whole, or cut with "…" where the line is too wide for it
    (with a balanced-tier model's name at 120 columns)."""
    shown = header(app)
    if f"“{title}”" in shown:
        return True
    start = shown.find("“")
    return start >= 0 and shown.endswith("…”") and title.startswith(shown[start + 1 : -2])


def title_requests(server: Any) -> list[Any]:
    return [
        r for r in server.requests if background.TITLE_SYSTEM in json.dumps(r.body.get("system"))
    ]


def stored(session_id: str = SESSION_ID) -> tuple[str | None, list[Any]]:
    with Store() as store:
        row = store.get_session(session_id)
        return (row.title if row else None), store.session_calls(session_id)


async def ask_while_held(pilot: Any, text: str) -> None:
    """`ask`, without waiting for every worker: the held title call is one of them."""
    app = await started(pilot)
    prompt = app.query_one("#prompt")
    prompt.focus()
    prompt.load_text(text)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await pilot.pause()
    await wait_for(pilot, lambda: not app.streaming, "the reply to finish")


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Hold the title call until the test opens the gate: the turn must not wait for it."""
    opened = asyncio.Event()
    real = background.make_title

    async def held(session: Any, prompt: str) -> str | None:
        await opened.wait()
        return await real(session, prompt)

    monkeypatch.setattr(background, "make_title", held)
    return opened


async def test_the_first_prompt_titles_the_session_in_the_background(
    server, tmp_path: Path, gate: asyncio.Event
) -> None:
    app = make_app(tmp_path, config=make_config(session_titles=True))
    async with app.run_test(size=SIZE) as pilot:
        server.push(Script(text="Passwords rejected.", input_tokens=900, output_tokens=40))
        await ask_while_held(pilot, PROMPT)
        # the turn is done while the title call has not even started: it never waits for it
        assert answers(app)[-1].text == "Passwords rejected."
        assert title_requests(server) == []
        assert shows_title(app, FIRST_LINE), header(app)
        assert stored()[0] == FIRST_LINE

        server.push(Script(text='"Fix rejected login passwords."', output_tokens=8))
        gate.set()
        await wait_for(
            pilot, lambda: "“Fix rejected login passwords”" in header(app), "the model's title"
        )
        [request] = title_requests(server)
        assert request.body["model"] == "claude-haiku-4-5"  # the fast tier
        assert PROMPT in request.texts[-1]
        title, calls = stored()
        assert title == "Fix rejected login passwords"
        [call] = [c for c in calls if c.purpose == "title"]
        assert call.model == "claude-haiku-4-5" and call.status == "ok"
        assert isinstance(call.cost_usd, Decimal) and call.cost_usd > 0
        # `report` counts it like any other call
        with Store() as store:
            report = build_report(store, SESSION_ID).to_dict()
        assert [c["purpose"] for c in report["calls"]] == ["chat", "title"]
        assert Decimal(report["total"]["cost_usd"]) == sum(c.cost_usd for c in calls)

        # a second prompt keeps the title: one title call per session
        server.push(Script(text="Second answer."))
        await ask(pilot, "and the signup form?")
        await app.workers.wait_for_complete()
        assert len(title_requests(server)) == 1

        # the summary names the session by its title
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        await pilot.pause()
        box = app.screen.query_one("Vertical")
        assert "“Fix rejected login passwords”" in str(box.border_title)


async def test_without_a_fast_tier_model_the_first_line_stays_the_title(
    server, tmp_path: Path
) -> None:
    tiers = {"local": [], "fast": [], "balanced": ["claude-sonnet-4-6"], "frontier": []}
    config = make_config(session_titles=True, tiers=tiers)
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        await app.workers.wait_for_complete()
        assert title_requests(server) == []
        assert shows_title(app, FIRST_LINE), header(app)
    title, calls = stored()
    assert title == FIRST_LINE
    assert [c.purpose for c in calls] == ["chat"]


async def test_the_title_call_is_held_to_the_budget(
    server, tmp_path: Path, gate: asyncio.Event
) -> None:
    config = make_config(session_titles=True, budget_usd=Decimal("0.01"))
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        # $0.005 in + $0.005 out on claude-haiku-4-5: the session budget is spent
        server.push(Script(text="Spent it.", input_tokens=5000, output_tokens=1000))
        await ask_while_held(pilot, PROMPT)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert title_requests(server) == []  # not sent: its worst case does not fit
        assert shows_title(app, FIRST_LINE), header(app)
        assert not [n for n in notes(app, "error") if "title" in n]  # silent
    title, calls = stored()
    assert title == FIRST_LINE
    assert [c.purpose for c in calls] == ["chat"]


async def test_a_failed_title_call_is_silent_and_counted(
    server, tmp_path: Path, gate: asyncio.Event
) -> None:
    app = make_app(tmp_path, config=make_config(session_titles=True))
    async with app.run_test(size=SIZE) as pilot:
        server.push(Script(text="An answer."))
        await ask_while_held(pilot, PROMPT)
        server.push(Script(status=400, error_message="bad request"))
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(title_requests(server)) == 1
        assert shows_title(app, FIRST_LINE), header(app)
        assert notes(app, "error") == [] and not app._notifications  # nothing on screen
    title, calls = stored()
    assert title == FIRST_LINE
    assert [(c.purpose, c.status) for c in calls] == [("chat", "ok"), ("title", "error")]


async def test_a_resumed_session_keeps_its_title(server, tmp_path: Path) -> None:
    app = make_app(tmp_path)  # titles off: the first line is the title
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
    resumed = make_app(tmp_path, resume=SESSION_ID, config=make_config(session_titles=True))
    async with resumed.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert f"“{FIRST_LINE}”" in header(resumed)  # shown as soon as it is back
        await ask(pilot, "something else entirely")
        await resumed.workers.wait_for_complete()
        assert title_requests(server) == []
        assert f"“{FIRST_LINE}”" in header(resumed)
    assert stored()[0] == FIRST_LINE


async def test_new_starts_an_untitled_session_titled_by_its_own_first_prompt(
    server, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, PROMPT)
        await ask(pilot, "/new")
        assert "“" not in header(app)
        await ask(pilot, "write the release notes")
        assert "“write the release notes”" in header(app)
        new_id = app.controller.session_id
    assert stored()[0] == FIRST_LINE
    assert stored(new_id)[0] == "write the release notes"
