"""Helpers for the app's Pilot tests: a small fixed catalog, the real SDKs pointed at the
loopback fake server, and a bounded wait for a condition (no sleeps, no timing assertions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual import _wait
from textual.pilot import Pilot

from tui_router.core.config import DEFAULT_KEYS, AppConfig
from tui_router.ui.app import TuiRouterApp
from tui_router.ui.boot import StartOptions
from tui_router.ui.widgets.approval import ApprovalPanel

# Pilot's `press` and `pause` wait for the app to go idle: they sleep in steps and stop once a
# step passes with the process nearly idle (under 5% of it busy). Textual's step is 20 ms, and a
# key press waits two steps at least; a test that types and waits through a few hundred of them
# spends most of its time asleep. Steps of 5 ms keep the same rule (5% of a step) and cut that
# sleep by three quarters. Tests never rely on a pause being long: they wait for what they check
# (`wait_for`), so a shorter pause can only expose a test that did.
_wait.SLEEP_GRANULARITY = 1 / 200
_wait.SLEEP_IDLE = _wait.SLEEP_GRANULARITY / 20

SIZE = (120, 40)
SESSION_ID = "01TESTSESSION0000000000000"

#: One Anthropic model per tier: deterministic whatever extras the machine has installed.
TIERS = {
    "local": [],
    "fast": ["claude-haiku-4-5"],
    "balanced": ["claude-sonnet-4-6"],
    "frontier": ["claude-opus-4-6"],
}


def make_config(**changes: Any) -> AppConfig:
    values: dict[str, Any] = {
        "tiers": {k: list(v) for k, v in TIERS.items()},
        "frontier_model": "claude-opus-4-6",
        "routing_mode": "manual",
        "theme": "tui-router-dark",
        "keys": dict(DEFAULT_KEYS),
        # the background title call would take scripted replies meant for the turns;
        # the tests of titles turn it on
        "session_titles": False,
    }
    values.update(changes)
    return AppConfig(**values)


def make_app(tmp_path: Path, *, config: AppConfig | None = None, **options: Any) -> TuiRouterApp:
    options.setdefault("session_id", SESSION_ID)
    return TuiRouterApp(config or make_config(), StartOptions(**options), cwd=tmp_path)


@pytest.fixture
def no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as a machine without the `local` extra, whatever this one has installed."""
    import tui_router.core.catalog as catalog
    import tui_router.core.endpoints as endpoints

    monkeypatch.setattr(endpoints, "local_model_installed", lambda: False)
    if hasattr(catalog, "local_model_installed"):
        monkeypatch.setattr(catalog, "local_model_installed", lambda: False)


@pytest.fixture
def server(fake_server: Any, monkeypatch: pytest.MonkeyPatch, no_local_model: None) -> Any:
    """The fake server, with the Anthropic SDK configured (by env vars, as a user would) to use it."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    return fake_server


@pytest.fixture(autouse=True)
def no_failed_workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Fail a test in which any worker raised, unless it is marked ``worker_failure``.

    The app tells the user of a failed worker in a notification and goes on, and Textual drops a
    finished worker from its list, so a test waiting for the app's workers can pass over one that
    failed (a turn that crashed after its answer was drawn looked like a turn that ended).
    """
    from textual.worker import Worker, WorkerState

    failed: list[Worker[Any]] = []
    state = Worker.state

    def set_state(worker: Worker[Any], new: WorkerState) -> None:
        if new is WorkerState.ERROR:
            failed.append(worker)
        assert state.fset is not None
        state.fset(worker, new)

    monkeypatch.setattr(Worker, "state", property(state.fget, set_state))
    yield failed
    if failed and request.node.get_closest_marker("worker_failure") is None:
        pytest.fail(
            "a worker failed: "
            + "; ".join(f"{w.name}: {type(w.error).__name__}: {w.error}" for w in failed),
            pytrace=False,
        )


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], bool], what: str, attempts: int = 400
) -> None:
    """Let the app run until ``condition()`` holds (bounded: fails with ``what``)."""
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for: {what}")


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` as key events, back to back, as a person typing fast or a terminal pasting
    without bracketed paste sends them.

    ``pilot.press`` waits for the app to go idle after every key (at least 40 ms a key, most of a
    suggestion test's time); the keys here go into the app's queue in order, as the driver puts
    them, and the app handles them as it would handle keys typed that fast.
    """
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for char in text:
        event = events.Key(char if char.isalnum() else _character_to_key(char), char)
        event.set_sender(app)
        app.post_message(event)
    # a key goes app -> screen -> focused widget, a queue each: one pause lets one hop finish
    for _ in range(3):
        await pilot.pause()


async def started(pilot: Pilot[Any]) -> TuiRouterApp:
    app = pilot.app
    assert isinstance(app, TuiRouterApp)
    await wait_for(pilot, app.ready.is_set, "the session to open")
    await pilot.pause()
    return app


async def ask(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the prompt, press enter and wait for the reply to finish."""
    app = await started(pilot)
    prompt = app.query_one("#prompt")
    prompt.focus()
    prompt.load_text(text)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await settle(pilot)


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.pause()
    await wait_for(pilot, lambda: not app.streaming, "the reply to finish")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()


def asking(app: Any) -> ApprovalPanel | None:
    """The approval panel while it shows a call (it stays mounted, hidden, between calls)."""
    panels = app.query(ApprovalPanel)
    return next((panel for panel in panels if panel.display), None)


def notes(app: TuiRouterApp, kind: str | None = None) -> list[str]:
    from tui_router.ui.widgets.chat import Note

    return [n.text for n in app.query(Note) if kind is None or n.kind == kind]


def answers(app: TuiRouterApp) -> list[Any]:
    from tui_router.ui.widgets.chat import AssistantMessage

    return list(app.query(AssistantMessage))


@dataclass
class StandInDecision:
    """Test-only stand-in for routing.decision.Decision (the attributes the UI reads)."""

    model: str
    tier: str
    kind: str
    reason: str
    strategy: str = "test"
    rule: str | None = "test-rule"
    score: float | None = 0.9
    confidence: float = 0.8
    est_cost_usd: Decimal | None = Decimal("0.0040")
    current_cost_usd: Decimal | None = Decimal("0.0009")
    est_baseline_usd: Decimal | None = Decimal("0.0060")
    lost_cache_usd: Decimal | None = Decimal("0.0002")
    effort: str | None = None
    recache_usd: Decimal | None = None
    break_even_turns: int | None = None
    available: bool = True


@dataclass
class StandInRouter:
    """Test-only router: suggests ``target`` for prompts containing ``trigger``. It has what a
    session reads of its router (the strategy its calls are exported under)."""

    strategy: str = "learned"

    target: str = "claude-opus-4-6"
    tier: str = "frontier"
    trigger: str = "race condition"
    kind: str = "escalate"
    feedback: list[tuple[str, bool]] = field(default_factory=list)
    retries: list[Any] = field(default_factory=list)
    calls: int = 0

    def decide(self, prompt: str, context: Any) -> StandInDecision | None:
        self.calls += 1
        if self.trigger in prompt and context.current_model != self.target:
            return StandInDecision(
                self.target, self.tier, self.kind, "multi-step debugging with concurrency"
            )
        return None

    def record_feedback(self, decision: Any, accepted: bool) -> None:
        self.feedback.append((decision.model, accepted))

    def record_retry_stronger(self, prompt: str, context: Any = None) -> None:
        self.retries.append(prompt)


async def palette_offers(pilot: Pilot[Any], text: str) -> None:
    """Wait until the command palette's highlighted command is the one named ``text`` (its
    search runs in the background, so the list fills some frames after the keys)."""
    from textual.command import Command, CommandList

    def offered() -> bool:
        lists = pilot.app.screen.query(CommandList)
        if not lists or lists.first().highlighted is None:
            return False
        commands = lists.first()
        option = commands.get_option_at_index(commands.highlighted or 0)
        return isinstance(option, Command) and text in str(option.hit.text)

    await wait_for(pilot, offered, f"the palette to offer {text!r}")


#: A one-file workspace the agent tests edit: `repo` holds src/utils.py with ORIGINAL, and EDIT is
#: the edit_file call (as the fake server scripts it) that turns it into RENAMED.
ORIGINAL = "def add(a, b):\n    tmp = a + b\n    return tmp\n"
RENAMED = "def add(a, b):\n    total = a + b\n    return total\n"
EDIT = {
    "name": "edit_file",
    "input": {
        "path": "src/utils.py",
        "old_text": "    tmp = a + b\n    return tmp",
        "new_text": "    total = a + b\n    return total",
    },
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "utils.py").write_text(ORIGINAL)
    return root


def transcript(app: Any) -> list[tuple[str, str]]:
    """The chat as (what, text) rows, top to bottom: prompts, answers, tool lines, notes."""
    from tui_router.ui.widgets.chat import AssistantMessage, Note, UserMessage
    from tui_router.ui.widgets.tool_line import ToolLine

    rows: list[tuple[str, str]] = []
    for entry in app.chat.entries:
        if isinstance(entry, Note):
            rows.append((f"note {entry.kind}", entry.text))
        elif isinstance(entry, ToolLine):
            rows.append(("tool", entry.line))
        elif isinstance(entry, UserMessage | AssistantMessage):
            rows.append((type(entry).__name__, entry.text))
    return rows
