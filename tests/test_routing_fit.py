"""Context fit: a small-window model takes a turn when the conversation plus a realistic answer
fits, never when it does not, and a call to it asks for no more output than its window leaves."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest
from fakeserver import FakeServer, Script
from routing_fakes import standard_catalog, standard_config

from tui_router.core import endpoints, tokens
from tui_router.core.catalog import LOCAL_CONTEXT_WINDOW, build_catalog
from tui_router.core.config import AppConfig, EndpointConfig
from tui_router.core.conversation import Conversation
from tui_router.core.endpoints import ResolvedModel, resolve_model
from tui_router.core.ledger import Ledger
from tui_router.core.providers.base import ProviderEvent, StopEvent, StreamRequest
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.router import Router
from tui_router.core.store import Store
from tui_router.core.turn import MIN_ANSWER_TOKENS, PROMPT_SLACK, TurnRunner, answer_limit

ONE_LINER = "rename x to y"  # the shipped learned weights score it far below the fast threshold


def router(strategy: str, **config: object) -> Router:
    return Router(standard_config(**config), standard_catalog(), strategy=strategy)


# ---- routing ----------------------------------------------------------------------------------


def test_a_one_line_prompt_goes_to_the_2048_token_local_model_when_learned_says_local() -> None:
    decision = router("learned").decide(ONE_LINER)
    assert (decision.model, decision.tier) == ("tiny-local", "local"), decision.reason
    assert "holds" not in decision.reason


def test_a_rule_that_names_the_local_tier_gets_the_local_model() -> None:
    rule = {"name": "offline-docs", "tier": "local", "keywords": ["docstring"]}
    decision = router("rules", raw={"rules": [rule]}).decide("add a docstring to parse()")
    assert (decision.model, decision.rule) == ("tiny-local", "offline-docs"), decision.reason
    assert decision.available and "holds" not in decision.reason


@pytest.mark.parametrize("strategy", ["learned", "rules"])
def test_three_thousand_tokens_of_context_never_go_to_the_local_model(strategy: str) -> None:
    rule = {"name": "everything-local", "tier": "local"}
    r = router(strategy, raw={"rules": [rule]})
    decision = r.decide(ONE_LINER, RoutingContext(conversation_tokens=3_000))
    assert decision.model is not None and decision.model != "tiny-local"
    assert decision.tier == "fast"
    assert "no available local model holds ~" in decision.reason


@pytest.mark.parametrize("max_tokens", [4_096, 64_000])
def test_the_answer_room_is_the_expected_answer_not_max_tokens(max_tokens: int) -> None:
    r = router("learned", max_tokens=max_tokens)
    # 1,500 tokens of history + a one-line prompt + a short answer fit in 2,048 ...
    fits = r.decide(ONE_LINER, RoutingContext(conversation_tokens=1_500))
    assert fits.model == "tiny-local", fits.reason
    # ... 1,900 do not: the answer needs room too.
    too_big = r.decide(ONE_LINER, RoutingContext(conversation_tokens=1_900))
    assert too_big.tier == "fast" and "no available local model holds" in too_big.reason


def test_manual_mode_warns_only_when_the_context_and_an_answer_exceed_the_window() -> None:
    r = router("manual")
    on_local = RoutingContext(current_model="tiny-local", conversation_tokens=1_000)
    assert r.decide(ONE_LINER, on_local).reason == "manual: the model you picked stands"
    crowded = RoutingContext(current_model="tiny-local", conversation_tokens=3_000)
    decision = r.decide(ONE_LINER, crowded)
    assert decision.model == "tiny-local"  # manual: the user's pick stands, with a warning
    assert "(context and a typical answer) exceed its 2,048-token window" in decision.reason


def test_a_fast_wish_without_keys_lands_on_the_callable_local_model_and_says_why() -> None:
    catalog = standard_catalog(small_fast=False, fast_big=False, mid=False, top=False)
    decision = Router(standard_config(), catalog, strategy="rules").decide(ONE_LINER)
    assert decision.model == "tiny-local" and decision.available
    assert "no fast model can be called now, so local" in decision.reason


def test_the_bundled_model_in_the_real_catalog_is_chosen_for_a_one_liner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No key: the bundled model is the only one that can be called, so the offline fallback
    # takes the turn (with a key a fast model does: see test_routing_fallback).
    monkeypatch.setattr(endpoints, "local_model_installed", lambda: True)
    catalog = build_catalog(AppConfig())
    decision = Router(AppConfig(), catalog, None, strategy="learned").decide(ONE_LINER)
    assert decision.model == "local/smollm2-135m", decision.reason
    assert catalog.require("local/smollm2-135m").context_window == LOCAL_CONTEXT_WINDOW


# ---- the output cap of a call -----------------------------------------------------------------


def test_answer_limit() -> None:
    assert answer_limit(4_096, None, 10**6) == 4_096  # unknown window: the cap as configured
    assert answer_limit(4_096, 200_000, 1_000) == 4_096  # room to spare
    spare = math.ceil(100 * (1 + PROMPT_SLACK))
    assert answer_limit(4_096, 2_048, 100) == 2_048 - spare
    assert answer_limit(200, 2_048, 100) == 200  # a smaller cap (the judge's) stays
    # The prompt alone (nearly) fills the window: the cap is left for the provider's or the
    # API's own "too long" error, never shrunk to a useless handful of tokens.
    assert answer_limit(4_096, 2_048, 1_700) == 4_096
    assert answer_limit(4_096, 2_048, 5_000) == 4_096
    for prompt in range(0, 2_048, 7):
        limit = answer_limit(4_096, 2_048, prompt)
        assert limit == 4_096 or MIN_ANSWER_TOKENS <= limit <= 2_048 - prompt


def _code(lines: int) -> str:
    return "".join(
        f"def handler_{i}(event):\n    return event.get('id_{i}')\n" for i in range(lines)
    )


async def test_a_small_window_endpoint_model_is_sent_the_clamped_max_tokens(
    fake_server: FakeServer,
) -> None:
    # The catalog gives an endpoint model a window when genai-prices knows the model: an
    # OpenAI-compatible server priced as "openai" serving gpt-4 has an 8,192-token window
    # (config.toml cannot set a window itself, so a 2,048 endpoint model cannot be expressed).
    legacy = EndpointConfig(
        "legacy", "openai", fake_server.openai_base_url, None, ("gpt-4",), "openai"
    )
    config = AppConfig(
        tiers={"fast": ["legacy/gpt-4"], "frontier": ["legacy/gpt-4"]},
        frontier_model="legacy/gpt-4",
        endpoints=(legacy,),
    )
    catalog = build_catalog(config)
    assert catalog.require("legacy/gpt-4").context_window == 8_192
    conversation = Conversation(system="You review Python code.")
    conversation.add_user("Which of these handlers can return None?\n\n" + _code(420))
    with Store() as store:
        runner = TurnRunner(config, catalog, store, Ledger())
        try:
            fake_server.push(Script(text="All of them."))
            sid = store.create_session()
            result = await runner.run(conversation, "legacy/gpt-4", session_id=sid, turn_index=0)
            long_request = fake_server.last_request.body or {}
            short = Conversation()
            short.add_user("hi")
            fake_server.push(Script(text="Hello."))
            await runner.run(short, "legacy/gpt-4", session_id=sid, turn_index=1)
            short_request = fake_server.last_request.body or {}
        finally:
            await runner.aclose()
    assert result.ok, result.error
    # priced as "openai", the endpoint is sent OpenAI's own output-cap key
    sent = long_request["max_completion_tokens"]
    prompt = tokens.count_messages(conversation.messages, conversation.system, "cl100k_base")
    assert 6_000 < prompt < 7_500  # gpt-4's own tokenizer: the prompt fits, 4,096 more do not
    assert MIN_ANSWER_TOKENS <= sent < 4_096
    assert prompt + sent <= 8_192  # the request fits the model's window
    assert short_request["max_completion_tokens"] == 4_096  # nothing to clamp


class _Recording:
    """Records the request and answers at once (the real model is not needed for the cap)."""

    name = "local"
    price_provider: str | None = "local"

    def __init__(self) -> None:
        self.requests: list[StreamRequest] = []

    async def stream(self, request: StreamRequest) -> AsyncIterator[ProviderEvent]:
        self.requests.append(request)
        yield StopEvent("stop")

    async def aclose(self) -> None:
        pass


async def test_a_call_to_the_bundled_model_asks_for_no_more_than_its_window_leaves() -> None:
    config = AppConfig()
    provider = _Recording()

    def factory(model_id: str, cfg: AppConfig) -> tuple[_Recording, ResolvedModel]:
        return provider, resolve_model(model_id, cfg)

    conversation = Conversation()
    conversation.add_user("Say hi.")
    with Store() as store:
        runner = TurnRunner(config, build_catalog(config), store, Ledger(), factory)  # type: ignore[arg-type]
        sid = store.create_session()
        await runner.run(conversation, "local/smollm2-135m", session_id=sid, turn_index=0)
    (request,) = provider.requests
    assert config.max_tokens == 4_096
    assert MIN_ANSWER_TOKENS <= request.max_tokens < LOCAL_CONTEXT_WINDOW
