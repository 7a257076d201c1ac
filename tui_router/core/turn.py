"""One model call of a turn, as data: stream it, tick an estimate, price it, record it.

`TurnRunner.run` streams a conversation to one model, reports each text chunk (`on_delta`) and a
running usage estimate (`on_usage`: prompt tokens counted once + streamed output tokens, marked
estimated, replaced by the API's usage when it arrives), then writes the call and its messages to
the store in one transaction and adds it to the ledger — also when the call fails or is cancelled
(the partial text and its cost are kept; cancellation is re-raised after writing). API errors come
back as ``status="error"`` with a one-line message; `ProviderConfigError` is raised before any call.
The runner never changes the conversation: the caller decides which answer joins the history.
A model with a known context window too small for the prompt plus ``max_tokens`` is asked for
no more output than the window has room for (`answer_limit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tui_router.core.budget import Budget
from tui_router.core.call_state import CallInProgress, UsageUpdate
from tui_router.core.config import AppConfig
from tui_router.core.conversation import Conversation, Message, ToolCall
from tui_router.core.endpoints import ResolvedModel
from tui_router.core.errors import UserFacingError
from tui_router.core.ledger import CallRecord, Ledger, PricedModel, price_model_call
from tui_router.core.pricing import Price
from tui_router.core.providers.base import (
    ErrorEvent,
    Provider,
    ProviderConfigError,
    RetryEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    ToolCallEvent,
    ToolSpec,
    UsageEvent,
)
from tui_router.core.store import ANSWER_PURPOSES, CallRow, Store, now_iso
from tui_router.core.token_calibration import TokenCalibration
from tui_router.core.usage import Usage

__all__ = ["TurnResult", "TurnRunner", "UsageUpdate", "answer_limit"]

ProviderFactory = Callable[[str, AppConfig], tuple[Provider, ResolvedModel]]
#: The fewest output tokens a call is clamped to; with less room the prompt does not fit.
MIN_ANSWER_TOKENS = 256
#: Spare kept on the prompt's estimated size when clamping (another model's tokenizer may
#: count a quarter more tokens for dense code than ~4 characters per token).
PROMPT_SLACK = 0.25
#: a prompt estimated at this many times a model's window is too long for it, estimate or not
TOO_LONG = 1.5


class ModelDescription(PricedModel, Protocol):
    """What the runner needs of `catalog.ModelInfo`."""

    @property
    def tier(self) -> str | None: ...


class CatalogLike(Protocol):
    def describe(self, model_id: str) -> Any: ...
    def frontier(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class TurnResult:
    """How one call ended. ``status`` is "ok", "error" or "cancelled"."""

    text: str
    usage: Usage
    price: Price
    baseline: Price
    status: str
    error: str | None
    call_id: int
    model: str
    tier: str | None
    duration_ms: int
    stop_reason: str | None = None
    endpoint: str | None = None
    price_provider: str | None = None
    baseline_model: str | None = None
    purpose: str = "chat"
    turn_index: int = 0
    #: the tools the model asked for (an agent step), in order
    tool_calls: tuple[ToolCall, ...] = ()
    #: raw text of tool inputs that were not a JSON object, by call id
    malformed_tool_input: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class TurnRunner:
    """Runs calls for one session: providers are created once per model and reused."""

    def __init__(
        self,
        config: AppConfig,
        catalog: CatalogLike,
        store: Store,
        ledger: Ledger,
        provider_factory: ProviderFactory | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.store = store
        self.ledger = ledger
        self._factory = provider_factory
        #: characters per token by model family, from this session's exact usage (live ticker)
        self.calibration = TokenCalibration()
        self._providers: dict[str, tuple[Provider, ResolvedModel]] = {}
        self._pool: Any = None
        #: checked before every call: the call is clamped or not sent (see `core.budget`)
        self.budget: Budget | None = None

    def provider(self, model_id: str) -> tuple[Provider, ResolvedModel]:
        """The provider for ``model_id`` (raises `ProviderConfigError` / `UnknownModelError`)."""
        if model_id not in self._providers:
            if self._factory is not None:
                self._providers[model_id] = self._factory(model_id, self.config)
            else:  # one provider (and HTTP connection pool) per endpoint for the session
                if self._pool is None:
                    from tui_router.core.providers.registry import ProviderPool

                    self._pool = ProviderPool(self.config)
                self._providers[model_id] = self._pool.get(model_id)
        return self._providers[model_id]

    async def aclose(self) -> None:
        """Close every provider this runner created (idempotent)."""
        providers, self._providers = list(self._providers.values()), {}
        seen: set[int] = set()
        for provider, _ in providers:
            if id(provider) not in seen:
                seen.add(id(provider))
                await provider.aclose()

    async def run(
        self,
        conversation: Conversation,
        model_id: str,
        *,
        session_id: str,
        turn_index: int,
        purpose: str = "chat",
        on_delta: Callable[[str], Any] | None = None,
        on_usage: Callable[[UsageUpdate], Any] | None = None,
        max_tokens: int | None = None,
        store_text: bool = True,
        tools: tuple[ToolSpec, ...] = (),
        cache_key: str | None = None,
        effort: str | None = None,
        on_retry: Callable[[RetryEvent], Any] | None = None,
        on_capped: Callable[[tuple[int, str]], Any] | None = None,
    ) -> TurnResult:
        """Stream ``conversation`` to ``model_id``; record and return how the call ended.

        ``on_delta(text)`` gets each chunk; ``on_usage(UsageUpdate)`` gets the running estimate
        after each chunk and the exact figure last (marked ``recorded``: the ledger has it).
        Either may be sync or async. The turn's user prompt (the last message, for
        chat/cascade/retry calls) is stored once per turn.
        ``store_text=False`` records the call but not its text as a message (a judge's verdict is
        no part of the conversation). An agent step's message is stored with its tool calls.
        ``tools`` are offered to the model; ``cache_key`` switches prompt caching on;
        ``effort`` asks a reasoning model for that effort. ``on_retry`` hears of each retry the
        provider makes (a 429, a 5xx); the retries are noted on the stored call. ``on_capped``
        hears ``(tokens, limit name)`` when a budget lowered the call's output cap.
        Raises `ProviderConfigError`/`UnknownModelError` before any request; re-raises
        cancellation and a callback's exception after recording the call.
        """
        provider, resolved = self.provider(model_id)
        info: ModelDescription = self.catalog.describe(model_id)
        frontier: PricedModel = self.catalog.frontier()
        messages = conversation.for_provider()
        call = CallInProgress(
            conversation, info.rates, frontier.rates, model=model_id, calibration=self.calibration
        )
        # A stand-in catalog entry may not know windows; an unknown window sends the cap as is.
        window: int | None = getattr(info, "context_window", None)
        local = getattr(getattr(info, "endpoint", None), "kind", None) == "local"
        if window is not None and call.prompt_estimate > window * TOO_LONG and not local:
            # Far past the window, whatever the estimate's error: the API would refuse it after
            # the upload (megabytes of it). The bundled model drops its oldest turns itself.
            raise UserFacingError(
                f"not sent: the prompt is ~{call.prompt_estimate:,} tokens, and {model_id}'s "
                f"context window holds {window:,}; shorten it"
            )
        limit = answer_limit(max_tokens or self.config.max_tokens, window, call.prompt_estimate)
        if self.budget is not None:  # BudgetExceeded: not sent, nothing to record
            prompt_tokens = call.prompt_estimate + tools_tokens(tools)
            limit, capped_by = self.budget.cap(model_id, info.rates, prompt_tokens, limit, window)
            if capped_by is not None:
                # a shorter answer than asked for, and the reason it may stop early: said
                await notify(on_capped, (limit, capped_by.name))
        request = StreamRequest(
            model=resolved.model,
            messages=messages,
            system=conversation.system,
            max_tokens=limit,
            tools=tools,
            cache_key=cache_key,
            effort=effort,
        )
        # an answering call's conversation ends with the user's own prompt (stored as the turn's)
        prompt = _turn_prompt(messages) if purpose in ANSWER_PURPOSES else None
        started_at = now_iso()
        started = time.monotonic()
        stream = provider.stream(request)

        def finish() -> TurnResult:
            return self._finish(
                call,
                info,
                frontier,
                resolved,
                provider,
                model_id,
                session_id,
                turn_index,
                purpose,
                prompt,
                started_at,
                started,
                store_text,
            )

        try:
            async for event in stream:
                if isinstance(event, TextDelta):
                    call.add_text(event.text)
                    await _callback(on_delta, event.text)
                    await _callback(on_usage, call.live())
                elif isinstance(event, ToolCallEvent):
                    call.add_tool_call(event.call, event.malformed)
                elif isinstance(event, RetryEvent):
                    call.retries.append(event.message)
                    await _callback(on_retry, event)
                elif isinstance(event, UsageEvent):
                    call.add_usage(event.usage)
                    await _callback(on_usage, call.live())
                elif isinstance(event, StopEvent):
                    call.stop_reason = event.reason
                elif isinstance(event, ErrorEvent):
                    call.status, call.error = "error", _one_line(event.message)
        except asyncio.CancelledError:
            call.status, call.error = "cancelled", "cancelled"
            finish()
            await _close(stream)
            raise
        except _CallbackError as failed:  # the caller stopped reading (e.g. a closed pipe)
            original = failed.original
            call.status, call.error = "cancelled", f"stopped: {type(original).__name__}"
            finish()
            await _close(stream)
            raise original from None
        except ProviderConfigError:
            raise  # found before any request was made: there is no call to record
        except Exception as exc:  # a provider bug must not lose the call or crash the app
            call.status, call.error = "error", _one_line(f"{type(exc).__name__}: {exc}")
            await _close(stream)
        result = finish()
        if on_usage is not None:
            await notify(
                on_usage, UsageUpdate(result.usage, result.price, result.baseline, recorded=True)
            )
        return result

    def _finish(
        self,
        call: CallInProgress,
        info: ModelDescription,
        frontier: PricedModel,
        resolved: ResolvedModel,
        provider: Provider,
        model_id: str,
        session_id: str,
        turn_index: int,
        purpose: str,
        prompt: str | None,
        started_at: str,
        started: float,
        store_text: bool = True,
    ) -> TurnResult:
        usage = call.final_usage()
        price = price_model_call(usage, info, self.config.prices)
        baseline = price_model_call(usage, frontier, self.config.prices)
        duration_ms = int((time.monotonic() - started) * 1000)
        row = CallRow(
            session_id=session_id,
            turn=turn_index,
            model=model_id,
            purpose=purpose,
            usage=usage,
            cost_usd=price.usd,
            price_source=price.source,
            status=call.status,
            endpoint=resolved.endpoint.name,
            price_provider=provider.price_provider,
            tier=info.tier,
            baseline_model=frontier.id,
            baseline_cost_usd=baseline.usd,
            duration_ms=duration_ms,
            error=_with_retries(call.error, call.retries),
            stop_reason=call.stop_reason,
            started_at=started_at,
        )
        # The ledger counts the call even when the store cannot take it (a write the database
        # refuses is deferred to its journal, see `Store.record_call`; anything else still
        # propagates, after the ledger has it): the ticker and the budget never under-count.
        call_id = 0
        try:
            call_id = self.store.record_call(
                row,
                text=call.text if store_text else None,
                prompt=prompt,
                tool_calls=tuple(call.tool_calls) if store_text else (),
            )
        finally:
            self.ledger.add(
                CallRecord(
                    model=model_id,
                    usage=usage,
                    price=price,
                    baseline=baseline,
                    tier=info.tier,
                    endpoint=resolved.endpoint.name,
                    purpose=purpose,
                    duration_ms=duration_ms,
                    status=call.status,
                    turn=turn_index,
                    baseline_model=frontier.id,
                    call_id=call_id or None,
                )
            )
        return TurnResult(
            text=call.text,
            usage=usage,
            price=price,
            baseline=baseline,
            status=call.status,
            error=call.error,
            call_id=call_id,
            model=model_id,
            tier=info.tier,
            duration_ms=duration_ms,
            stop_reason=call.stop_reason,
            endpoint=resolved.endpoint.name,
            price_provider=provider.price_provider,
            baseline_model=frontier.id,
            purpose=purpose,
            turn_index=turn_index,
            tool_calls=tuple(call.tool_calls),
            malformed_tool_input=dict(call.malformed) or None,
        )


def tools_tokens(specs: tuple[ToolSpec, ...]) -> int:
    """Estimated prompt tokens of the tool definitions (sent with every call that has tools)."""
    import json

    from tui_router.core.tokens import estimate_tokens

    return sum(estimate_tokens(s.name + s.description + json.dumps(s.input_schema)) for s in specs)


def _turn_prompt(messages: list[Message]) -> str | None:
    """The user's prompt of the turn being answered: the last message when it is the user's;
    in an agent step (the last message a tool result) the latest user message."""
    if not messages:
        return None
    if messages[-1].role == "user":
        return messages[-1].content
    if messages[-1].role == "tool":
        for message in reversed(messages):
            if message.role == "user":
                return message.content
    return None


def answer_limit(max_tokens: int, window: int | None, prompt_tokens: int) -> int:
    """The output cap one call asks for: ``max_tokens``, or less when the window is smaller.

    A model whose window cannot hold the prompt plus ``max_tokens`` gets the room the prompt
    leaves, so a 2,048-token model can still answer a short prompt (the router chose it for
    that). The prompt is counted with `PROMPT_SLACK` spare, since ``prompt_tokens`` is an
    estimate and the model's tokenizer is not ours. When even `MIN_ANSWER_TOKENS` do not fit,
    the cap is left as it was: the provider's own check or the API's context error says
    clearly that the prompt is too long (the bundled model drops its oldest turns itself).
    """
    if window is None:
        return max_tokens
    room = window - math.ceil(prompt_tokens * (1 + PROMPT_SLACK))
    if room < MIN_ANSWER_TOKENS:
        return max_tokens
    return min(max_tokens, room)


def _with_retries(error: str | None, retries: list[str]) -> str | None:
    """The stored error, with the retries the call took noted (a call that succeeded after
    retries keeps the note too: it is why it took long)."""
    if not retries:
        return error
    note = f"after {len(retries)} retr{'y' if len(retries) == 1 else 'ies'} ({retries[-1]})"
    return note if error is None else f"{error} [{note}]"


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= 300 else line[:297] + "..."


class _CallbackError(Exception):
    """An exception raised by ``on_delta`` / ``on_usage``, carried out of the stream loop."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


async def _callback(callback: Callable[[Any], Any] | None, value: Any) -> None:
    try:
        await notify(callback, value)
    except Exception as exc:
        raise _CallbackError(exc) from exc


async def _close(stream: Any) -> None:
    """Close the provider's stream so its HTTP response is released now, not at GC."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


async def notify(callback: Callable[[Any], Any] | None, value: Any) -> None:
    """Call ``callback`` with ``value`` (if there is one), awaiting it when it is a coroutine."""
    if callback is None:
        return
    result = callback(value)
    if inspect.isawaitable(result):
        await result
