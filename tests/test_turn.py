"""The turn runner with a scripted in-test provider: streaming, estimates, recording, errors, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from tui_router.core.config import AppConfig
from tui_router.core.conversation import Conversation
from tui_router.core.endpoints import BUILTIN_ENDPOINTS, ResolvedModel
from tui_router.core.ledger import Ledger
from tui_router.core.pricing import Rates, price_call
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderConfigError,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    UsageEvent,
)
from tui_router.core.store import Store
from tui_router.core.turn import TurnRunner, UsageUpdate
from tui_router.core.usage import Usage

ANTHROPIC = BUILTIN_ENDPOINTS[0]


@dataclass(frozen=True)
class _Info:
    id: str
    api_model: str
    price_provider: str | None
    rates: Rates | None
    tier: str | None


class _Catalog:
    models: ClassVar[dict[str, _Info]] = {
        "claude-haiku-4-5": _Info(
            "claude-haiku-4-5",
            "claude-haiku-4-5",
            "anthropic",
            Rates(Decimal(1), Decimal(5), Decimal("0.1"), Decimal("1.25"), 200_000, "genai-prices"),
            "fast",
        ),
        "claude-opus-4-6": _Info(
            "claude-opus-4-6",
            "claude-opus-4-6",
            "anthropic",
            Rates(
                Decimal(5), Decimal(25), Decimal("0.5"), Decimal("6.25"), 200_000, "genai-prices"
            ),
            "frontier",
        ),
    }

    def describe(self, model_id: str) -> _Info:
        return self.models[model_id]

    def frontier(self) -> _Info:
        return self.models["claude-opus-4-6"]


class _ScriptedProvider:
    """Implements the Provider contract from a list of events (an Event, or "wait" to block)."""

    name = "anthropic"
    price_provider: str | None = "anthropic"

    def __init__(self, events: Sequence[ProviderEvent | str]) -> None:
        self.events = list(events)
        self.requests: list[StreamRequest] = []
        self.closed = 0
        self.streams_finalised = 0
        self.reached_wait = asyncio.Event()

    async def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        self.requests.append(request)
        try:
            for event in self.events:
                if event == "wait":
                    self.reached_wait.set()
                    await asyncio.sleep(3600)
                else:
                    assert not isinstance(event, str)
                    yield event
        finally:
            self.streams_finalised += 1  # the HTTP response would be released here

    async def aclose(self) -> None:
        self.closed += 1


def _runner(store: Store, provider: _ScriptedProvider, ledger: Ledger | None = None) -> TurnRunner:
    def factory(model_id: str, config: AppConfig) -> tuple[_ScriptedProvider, ResolvedModel]:
        return provider, ResolvedModel(ANTHROPIC, model_id)

    return TurnRunner(AppConfig(), _Catalog(), store, ledger or Ledger(), factory)  # type: ignore[arg-type]


def _conversation(prompt: str = "write a haiku about sqlite") -> Conversation:
    conversation = Conversation(system="be brief")
    conversation.add_user(prompt)
    return conversation


EXACT = Usage(input_tokens=1_200, cache_read_tokens=1_000, output_tokens=40)


async def test_streams_ticks_then_records_exact_usage_and_price() -> None:
    provider = _ScriptedProvider(
        [
            UsageEvent(Usage(input_tokens=1_200, cache_read_tokens=1_000, output_tokens=1)),
            TextDelta("Write-ahead "),
            TextDelta("log hums"),
            UsageEvent(Usage(output_tokens=40)),
            StopEvent("end_turn"),
        ]
    )
    deltas: list[str] = []
    updates: list[UsageUpdate] = []
    ledger = Ledger()
    with Store() as store:
        sid = store.create_session()
        runner = _runner(store, provider, ledger)
        result = await runner.run(
            _conversation(),
            "claude-haiku-4-5",
            session_id=sid,
            turn_index=1,
            on_delta=deltas.append,
            on_usage=updates.append,
        )
        await runner.aclose()
        [call] = store.session_calls(sid)
        messages = store.session_messages(sid)
    assert deltas == ["Write-ahead ", "log hums"]
    assert result.text == "Write-ahead log hums" and result.status == "ok"
    assert result.stop_reason == "end_turn"
    assert result.usage == EXACT.merge(Usage(output_tokens=40))
    expected = price_call(result.usage, "claude-haiku-4-5", "anthropic")
    assert result.price == expected and expected.usd is not None
    assert result.baseline == price_call(result.usage, "claude-opus-4-6", "anthropic")
    # while streaming every update was an estimate; the last one is the exact figure
    assert all(u.usage.estimated for u in updates[:-1]) and len(updates) >= 3
    assert updates[-1].usage == result.usage and not updates[-1].usage.estimated
    # and it comes once the ledger has the call (a running total must not add it again)
    assert updates[-1].recorded and not any(u.recorded for u in updates[:-1])
    # the call, the prompt and the answer are on disk; the ledger has the call
    assert call.id == result.call_id and call.cost_usd == expected.usd
    assert call.baseline_model == "claude-opus-4-6" and call.tier == "fast"
    assert [(m.role, m.content) for m in messages] == [
        ("user", "write a haiku about sqlite"),
        ("assistant", "Write-ahead log hums"),
    ]
    assert ledger.cost_usd == expected.usd and ledger.totals.calls == 1
    assert provider.requests[0].system == "be brief" and provider.closed == 1


async def test_without_usage_from_the_server_the_estimate_is_recorded_and_flagged() -> None:
    provider = _ScriptedProvider([TextDelta("hello there"), StopEvent("stop")])
    with Store() as store:
        sid = store.create_session()
        result = await _runner(store, provider).run(
            _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
        )
        [call] = store.session_calls(sid)
    assert result.usage.estimated and call.usage.estimated
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert call.cost_usd == price_call(result.usage, "claude-haiku-4-5", "anthropic").usd


async def test_api_error_is_a_result_not_an_exception_and_is_recorded() -> None:
    provider = _ScriptedProvider(
        [ErrorEvent("Anthropic is overloaded (529)\nretry later", "overloaded", 529)]
    )
    ledger = Ledger()
    with Store() as store:
        sid = store.create_session()
        result = await _runner(store, provider, ledger).run(
            _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
        )
        [call] = store.session_calls(sid)
        messages = store.session_messages(sid)
    assert result.status == "error" and result.error == "Anthropic is overloaded (529) retry later"
    assert call.status == "error" and call.error == result.error
    assert result.usage == Usage() and result.price.usd == Decimal(0)
    assert [m.role for m in messages] == ["user"]  # the prompt is kept, no empty answer
    assert ledger.totals.calls == 1


async def test_error_mid_stream_keeps_partial_text_and_its_cost() -> None:
    provider = _ScriptedProvider(
        [
            UsageEvent(Usage(input_tokens=500, output_tokens=1)),
            TextDelta("partial answer that goes on"),
            ErrorEvent("connection reset", "connection"),
        ]
    )
    with Store() as store:
        sid = store.create_session()
        result = await _runner(store, provider).run(
            _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
        )
        [call] = store.session_calls(sid)
        assert store.session_messages(sid)[-1].content == "partial answer that goes on"
    assert result.status == "error"
    assert result.usage.input_tokens == 500 and result.usage.output_tokens > 1
    assert result.usage.estimated and call.cost_usd is not None and call.cost_usd > 0


async def test_cancellation_writes_the_partial_call_then_reraises() -> None:
    provider = _ScriptedProvider([TextDelta("half of it"), "wait"])
    ledger = Ledger()
    with Store() as store:
        sid = store.create_session()
        task = asyncio.create_task(
            _runner(store, provider, ledger).run(
                _conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1
            )
        )
        await provider.reached_wait.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [call] = store.session_calls(sid)
        messages = store.session_messages(sid)
    assert call.status == "cancelled" and call.usage.estimated
    assert call.cost_usd is not None and call.cost_usd > 0
    assert messages[-1].content == "half of it" and messages[-1].call_id == call.id
    assert ledger.totals.calls == 1


async def test_config_error_raises_before_any_call() -> None:
    def factory(model_id: str, config: AppConfig) -> tuple[_ScriptedProvider, ResolvedModel]:
        raise ProviderConfigError("set $ANTHROPIC_API_KEY")

    with Store() as store:
        sid = store.create_session()
        runner = TurnRunner(AppConfig(), _Catalog(), store, Ledger(), factory)  # type: ignore[arg-type]
        with pytest.raises(ProviderConfigError, match="ANTHROPIC_API_KEY"):
            await runner.run(_conversation(), "claude-haiku-4-5", session_id=sid, turn_index=1)
        assert store.session_calls(sid) == []


async def test_cascade_second_attempt_reuses_the_turn_prompt_and_async_callbacks_work() -> None:
    provider = _ScriptedProvider([TextDelta("ok"), UsageEvent(EXACT), StopEvent("end_turn")])
    seen: list[str] = []

    async def on_delta(text: str) -> None:
        seen.append(text)

    with Store() as store:
        sid = store.create_session()
        runner = _runner(store, provider)
        conversation = _conversation()
        for model in ("claude-haiku-4-5", "claude-opus-4-6"):
            await runner.run(
                conversation,
                model,
                session_id=sid,
                turn_index=1,
                purpose="cascade",
                on_delta=on_delta,
            )
        calls = store.session_calls(sid)
        roles = [m.role for m in store.session_messages(sid)]
    assert [c.model for c in calls] == ["claude-haiku-4-5", "claude-opus-4-6"]
    assert calls[1].cost_usd == calls[1].baseline_cost_usd  # frontier call: baseline = actual
    assert roles == ["user", "assistant", "assistant"] and seen == ["ok", "ok"]


async def test_a_failing_callback_stops_the_stream_records_it_and_reraises() -> None:
    provider = _ScriptedProvider([TextDelta("to a closed "), TextDelta("pipe"), StopEvent("x")])

    def on_delta(text: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with Store() as store:
        sid = store.create_session()
        with pytest.raises(BrokenPipeError):
            await _runner(store, provider).run(
                _conversation(),
                "claude-haiku-4-5",
                session_id=sid,
                turn_index=1,
                on_delta=on_delta,
            )
        [call] = store.session_calls(sid)
        messages = store.session_messages(sid)
    assert call.status == "cancelled" and call.error == "stopped: BrokenPipeError"
    assert messages[-1].content == "to a closed "
    assert provider.streams_finalised == 1


# ---- the real SDKs against the loopback fake server ------------------------------------------


def _real_runner(store: Store, ledger: Ledger) -> TurnRunner:
    from tui_router.core.catalog import build_catalog

    config = AppConfig()
    return TurnRunner(config, build_catalog(config), store, ledger)


async def test_real_anthropic_cancel_mid_stream_keeps_partial_text(
    fake_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakeserver import Script

    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    fake_server.push(Script(chunks=["first ", "second ", "third"], delay=30.0))
    first_delta = asyncio.Event()
    ledger = Ledger()
    with Store() as store:
        sid = store.create_session()
        runner = _real_runner(store, ledger)
        task = asyncio.create_task(
            runner.run(
                _conversation(),
                "claude-haiku-4-5",
                session_id=sid,
                turn_index=1,
                on_delta=lambda _t: first_delta.set(),
            )
        )
        await asyncio.wait_for(first_delta.wait(), timeout=60)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await runner.aclose()
        [call] = store.session_calls(sid)
        messages = store.session_messages(sid)
    assert call.status == "cancelled" and call.model == "claude-haiku-4-5"
    assert messages[-1].content == "first " and messages[-1].call_id == call.id
    # message_start carried the exact input; the output is what streamed, marked estimated
    assert call.usage.input_tokens > 0 and call.usage.estimated
    assert call.cost_usd is not None and call.cost_usd > 0
    assert ledger.totals.calls == 1


async def test_real_openai_error_mid_stream_is_a_result_with_partial_text(
    fake_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakeserver import Script

    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.push(Script(chunks=["one ", "two ", "three"], stream_error_after=2))
    with Store() as store:
        sid = store.create_session()
        runner = _real_runner(store, Ledger())
        result = await runner.run(_conversation(), "gpt-5-mini", session_id=sid, turn_index=1)
        await runner.aclose()
        [call] = store.session_calls(sid)
    assert result.status == "error" and result.error and "\n" not in result.error
    assert result.text == "one two " and call.status == "error"
    assert call.usage.estimated and call.cost_usd is not None


async def test_the_budget_prices_the_prompt_within_the_models_window() -> None:
    """The runner tells the budget the model's window: a ~3,750-token prompt for a 4,000-token
    window (over it with the 25% spare) is priced at 4,000 input tokens at most ($0.004 on
    haiku), and $0.0016 of a $0.0056 budget then pays for 320 output tokens. Priced at ~4,700
    input tokens, the call was refused (under 256 output tokens left)."""
    from tui_router.core.budget import Budget

    @dataclass(frozen=True)
    class _Windowed(_Info):
        context_window: int = 4_000

    class _SmallCatalog(_Catalog):
        def describe(self, model_id: str) -> _Info:
            info = self.models[model_id]
            return _Windowed(info.id, info.api_model, info.price_provider, info.rates, info.tier)

    provider = _ScriptedProvider([TextDelta("ok"), StopEvent("end_turn")])
    with Store() as store:
        sid = store.create_session()

        def factory(model_id: str, config: AppConfig) -> tuple[_ScriptedProvider, ResolvedModel]:
            return provider, ResolvedModel(ANTHROPIC, model_id)

        runner = TurnRunner(AppConfig(), _SmallCatalog(), store, Ledger(), factory)  # type: ignore[arg-type]
        budget = Budget(AppConfig(budget_usd=Decimal("0.0056")), session_spent=lambda: Decimal(0))
        runner.budget = budget
        result = await runner.run(
            _conversation("word " * 3_000), "claude-haiku-4-5", session_id=sid, turn_index=1
        )
        await runner.aclose()
    assert result.status == "ok"
    assert provider.requests[0].max_tokens == 320
