"""One interactive or headless session: its model, history, store, ledger, router and agent.

`Session` is what the TUI, `ask` and the cascade share. It owns the conversation, the current
model and routing mode, the turn counter and the session's row in the store; the UI and `ask`
only render its events and answer its questions. `Session.run_turn` runs one turn as an async
stream of `core.events` (see that module for the contract):

prompt → (route) → model call with the tools → each tool call checked, asked about, run and
answered (`core.agent.tool_step`; ``delegate`` runs a sub-task on a cheap model here) → results
back to the model → … until an answer without tool calls, ``max_steps``, the turn's cost cap, an
error or a cancel. Every model call is priced and on disk before the next; the turn's record is a
`core.turn_state.TurnState`, and its last event is made from it.

Prompt caching: every call of a session carries the session id as its cache key, so the tools +
system prefix and the history written so far are read from the provider's cache on the next step.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_router.core.config import ROUTING_MODES, AppConfig
from tui_router.core.conversation import Conversation, ToolCall
from tui_router.core.errors import UserFacingError
from tui_router.core.events import (
    CallPriced,
    Notice,
    RouteSuggested,
    StepStarted,
    TextDelta,
    ToolCallRequested,
    ToolStatus,
    TurnError,
    TurnEvent,
)

if TYPE_CHECKING:
    from tui_router.core.agent.agent import Agent
    from tui_router.core.agent.checkpoints import Checkpoint
    from tui_router.core.agent.tool_step import ToolStep
    from tui_router.core.call_state import UsageUpdate
    from tui_router.core.catalog import Catalog, ModelInfo
    from tui_router.core.context_use import ContextMark, ContextUse
    from tui_router.core.ledger import Ledger
    from tui_router.core.providers.base import ToolSpec
    from tui_router.core.routing.decision import Decision
    from tui_router.core.routing.router import Router
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnResult, TurnRunner

from tui_router.core.telemetry import Telemetry
from tui_router.core.tiers import TIERS, tier_rank
from tui_router.core.turn_state import TurnState

#: seconds a provider keeps a prompt cache after its last use (Anthropic's default 5 minutes)
CACHE_TTL_S = 300.0


class Session:
    """One session. Every method runs on one event loop (the UI's, or `ask`'s ``asyncio.run``)."""

    def __init__(
        self,
        config: AppConfig,
        catalog: Catalog,
        store: Store,
        ledger: Ledger,
        runner: TurnRunner,
        router: Router | None,
        session_id: str,
        model_id: str,
        mode: str,
        agent: Agent | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.store = store
        self.ledger = ledger
        self.runner = runner
        self.router = router
        self.session_id = session_id
        self.model_id = model_id
        self.mode = mode
        self.agent = agent
        #: the OpenTelemetry export of this session's calls (a no-op unless enabled)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.fixed_strategy = "manual"
        from tui_router.core.budget import Budget

        #: the limits every call of this session is checked against before it is sent
        self.budget = Budget(
            config,
            session_spent=lambda: self.ledger.totals.cost_usd or Decimal(0),
            store_spent_since=store.spent_since,
        )
        runner.budget = self.budget
        self.conversation = Conversation()
        self.turn_index = 0
        self.escalations = 0
        self.retries_stronger = 0
        self.recent_rejections: list[str] = []
        #: the running estimate of the call streaming now (read when a TextDelta is rendered)
        self.live: UsageUpdate | None = None
        self.last_prompt: str | None = None
        #: the model that produced the last answer, for "retry stronger"
        self.last_answer_model: str | None = None
        #: checkpoints of this session's turns that changed files, oldest first
        self.checkpoints: list[int] = []
        #: reasoning effort asked of the model ("low"/"medium"/"high"; None: its default)
        self.effort: str | None = None
        #: the clock prompt-cache lifetimes are measured on (monotonic s); tests drive it
        self.clock: Callable[[], float] = time.monotonic
        #: when each model last answered in this session (`clock` s): its cache is warm
        self._last_call_at: dict[str, float] = {}
        #: when a call on each model last read or wrote its prompt cache (`clock` s)
        self._cache_used_at: dict[str, float] = {}
        #: what the last call of the conversation sent, as its API counted it (`context_use`)
        self.context_mark: ContextMark | None = None
        if agent is not None:
            from tui_router.core.agent.system_prompt import build_system_prompt

            self.conversation.system = build_system_prompt(
                agent.workspace_root, tools=agent.tools_enabled
            )

    # -- models and modes --------------------------------------------------------------------
    @property
    def model(self) -> ModelInfo:
        return self.catalog.describe(self.model_id)

    @property
    def tier(self) -> str | None:
        tier = self.model.tier
        return None if tier is None else str(tier)

    def model_ids(self) -> list[str]:
        ids: list[str] = []
        for models in [*self.catalog.by_tier().values(), self.catalog.untiered()]:
            ids.extend(info.id for info in models)
        return ids

    def switch(self, model_id: str) -> ModelInfo:
        """Make ``model_id`` current (the conversation is kept); raises UserFacingError."""
        info = self.catalog.get(model_id)
        if info is None:
            import difflib

            close = difflib.get_close_matches(model_id, self.model_ids(), n=1, cutoff=0.4)
            hint = f"; did you mean {close[0]}?" if close else "; ctrl+l lists them"
            raise UserFacingError(f"No model {model_id!r} in the catalog{hint}")
        self.model_id = info.id
        return info

    def step_model(self, step: int) -> ModelInfo:
        info = self.catalog.next_model(self.model_id, step)
        if info is None:
            raise UserFacingError("The catalog has no models; check [tiers] in config.toml")
        self.model_id = info.id
        return info

    def switch_tier(self, tier: str) -> ModelInfo:
        if tier not in TIERS:
            raise UserFacingError(f"No tier {tier!r}; tiers are {', '.join(TIERS)}")
        info = self.catalog.first_available(tier)
        if info is None:
            raise UserFacingError(
                f"No available model in the {tier} tier (set its key or endpoint; see the sidebar)"
            )
        self.model_id = info.id
        return info

    def apply(self, decision: Decision) -> ModelInfo:
        """Take a routing decision: its model, and its effort (an escalation may be a higher
        effort on the same model while that model's prompt cache is warm)."""
        info = self.switch(decision.model) if decision.model else self.model
        self.effort = decision.effort
        return info

    def warm_caches(self, now: float | None = None) -> tuple[str, ...]:
        """Models whose prompt cache holds this session's history now: they answered within
        `CACHE_TTL_S` (Anthropic's default cache lifetime; OpenAI keeps its own about as long)."""
        moment = self.clock() if now is None else now
        return tuple(m for m, at in self._last_call_at.items() if moment - at < CACHE_TTL_S)

    def cache_warm_until(self, model_id: str) -> float | None:
        """When (`clock` s) the prompt cache ``model_id``'s last call read or wrote goes cold;
        None when no call of this session used its cache or it is cold already."""
        used = self._cache_used_at.get(model_id)
        if used is None or self.clock() - used >= CACHE_TTL_S:
            return None
        return used + CACHE_TTL_S

    def context_use(self) -> ContextUse | None:
        """How much of the current model's window the next call would send (None while the
        conversation is empty and nothing streams)."""
        from tui_router.core.context_use import measure

        live = self.live
        if live is None and not self.conversation.messages:
            return None
        return measure(
            self.conversation,
            self.model_id,
            self.model.context_window,
            self.context_mark,
            getattr(self.runner, "calibration", None),
            None if live is None else live.usage,
            tools=self.agent.specs_tokens if self.agent is not None else 0,
        )

    def set_mode(self, mode: str) -> str:
        if mode not in ROUTING_MODES:
            raise UserFacingError(f"No routing mode {mode!r}; modes are {', '.join(ROUTING_MODES)}")
        if mode != self.mode:  # --resume comes back to the mode the session was left in
            self.store.set_mode(self.session_id, mode)
        self.mode = mode
        return mode

    def cycle_mode_next(self) -> str:
        index = ROUTING_MODES.index(self.mode) if self.mode in ROUTING_MODES else -1
        return ROUTING_MODES[(index + 1) % len(ROUTING_MODES)]

    def cycle_mode(self) -> str:
        return self.set_mode(self.cycle_mode_next())

    def retry_target(self) -> tuple[str, ModelInfo | None]:
        """Where "retry stronger" sends the last turn: (the model whose answer it retries, the
        model to retry on; None when no tier is stronger).

        One tier above the model that produced the last answer, not above the current model:
        after an escalated cascade the current model is still the cascade's start model, and
        the tier above it can hold the very model that answered. If the user has since switched
        to an available model in that tier or a stronger one, the retry goes there instead.
        A switch to a weaker model changes nothing (a retry is never weaker than the answer it
        retries). With no answer on record, or one from an untiered model, the current model
        stands in for it.
        """
        answered = self.last_answer_model or self.model_id
        basis = self.catalog.describe(answered)
        if basis.tier not in TIERS:
            basis = self.model
        tier = self.catalog.stronger_tier(None if basis.tier is None else str(basis.tier))
        if tier is None:
            return answered, None
        current = self.model
        if current.available and tier_rank(current.tier) >= tier_rank(tier):
            return answered, current
        return answered, self.catalog.first_available(tier)

    # -- the turn ----------------------------------------------------------------------------
    async def run_turn(
        self,
        prompt: str,
        *,
        model_id: str | None = None,
        purpose: str | None = None,
        retry: bool = False,
        max_steps: int | None = None,
        max_cost_usd: Decimal | None = None,
        max_tokens: int | None = None,
        stop_on_repeated_errors: bool = False,
        route: bool = False,
    ) -> AsyncIterator[TurnEvent]:
        """Run one turn; yield its events (the last is always a `TurnDone`).

        ``model_id`` answers (default: the current model). ``retry`` replaces the last turn
        (the conversation loses it; the store keeps both). ``max_steps`` caps the model calls
        of an agent turn, ``max_cost_usd`` what the turn may spend: a step is sent only when
        its worst case (the prompt, and the answer clamped to what is left) fits the cap.
        A `ProviderConfigError` (no key) found before the first request leaves the session as
        it was (the turn is undone) and ends the turn with a `TurnError`.
        ``stop_on_repeated_errors``: the same failing command or edit a third time ends the turn
        with `TurnDone.escalation` saying so (the verified cascade then tries a stronger model).
        ``route``: ask the router first (when one is loaded and ``model_id`` is not given): in
        suggest mode a switch is a `RouteSuggested` whose future the consumer answers (True
        switches; the turn waits), in auto mode it is applied and said in a `Notice`.
        """
        if route and model_id is None and self.router is not None and self.mode != "manual":
            async for routed in self._route(prompt):
                yield routed
        model_id = model_id or self.model_id
        agent = self.agent
        tools = agent.specs if agent is not None else ()
        purpose = purpose or ("agent" if tools else "chat")
        steps_cap = max_steps or (agent.max_steps if agent is not None else 1)
        before = self.snapshot_turn()
        if retry:
            self.conversation.pop_last_turn()
        else:
            self.turn_index += 1
        self.last_prompt = prompt
        self.conversation.add_user(prompt)
        state = TurnState(model=model_id)
        checkpoint = self._checkpoint() if tools else None
        tool_step = self._tool_step(state, checkpoint) if tools else None
        span = self.telemetry.turn_span(
            turn=self.turn_index, session_id=self.session_id, model=model_id
        )
        span.__enter__()
        budget = self.budget
        budget.turn_usd, budget.turn_spent = max_cost_usd, lambda: state.cost() or Decimal(0)
        if tools and self.catalog.describe(model_id).endpoint.kind == "local":
            # the bundled model has no tool calling: its answer comes from what it remembers,
            # which a person asking it to read a file must hear before trusting the answer
            yield Notice(
                f"{model_id} cannot call tools: it answers without reading, searching or "
                "changing files"
            )
        try:
            while True:
                if state.steps >= steps_cap:
                    state.stopped = f"max steps ({steps_cap}) reached"
                    break
                limit = max_tokens or self.config.max_tokens
                for line in self._fit(model_id, limit):
                    yield Notice(line)
                state.steps += 1
                yield StepStarted(state.steps, model_id, steps_cap)
                result: TurnResult | None = None
                async for event in self._call(model_id, purpose, tools, limit, state):
                    if isinstance(event, CallPriced):
                        result = event.result
                    yield event
                if result is None:
                    raise RuntimeError("a model call ended without a result")
                self.last_answer_model = result.model
                if not result.ok:
                    if result.text or result.tool_calls:
                        self._add_answer(result)
                    if result.text:  # a broken-off answer: what was seen of it
                        state.text = result.text
                    yield TurnError(result.error or result.status, result.model)
                    state.stopped = result.error or result.status
                    break
                self._add_answer(result)
                state.text = result.text
                if not result.tool_calls or tool_step is None:  # (no tools offered: none run)
                    break
                malformed = result.malformed_tool_input or {}
                for call in result.tool_calls:
                    if call.name == "delegate" and call.id not in malformed:
                        steps = self._delegate(call, result.model, tool_step)
                    else:
                        steps = tool_step.run(call, malformed.get(call.id))
                    async for tool_event in steps:
                        yield tool_event
                self._save_results(state)
                if stop_on_repeated_errors and state.escalation is not None:
                    state.stopped = state.escalation
                    break
        except UserFacingError as exc:  # raised before a request (no key, a budget)
            from tui_router.core.budget import BudgetExceeded

            budget_stop = isinstance(exc, BudgetExceeded)
            state.steps -= 1  # the step that raised was never sent
            if state.results:  # the turn has done work: keep it, stop here
                state.stopped = str(exc)
                yield TurnError(str(exc), model_id, kind="stop", budget=budget_stop)
            else:  # nothing was sent: as if the turn had never started
                self.undo_unsent_turn(before)
                yield TurnError(str(exc), model_id, kind="config", budget=budget_stop)
                yield state.done(None)
                return
        finally:
            # also on cancel and when the consumer stops: what was written stays undoable, and
            # a call left without its result is answered, or the next prompt would be refused
            for closed in self.conversation.answer_open_calls():
                assert closed.tool_call_id is not None
                state.unsaved_results.append((closed.tool_call_id, closed.content, True))
            self._save_results(state)
            self._close_checkpoint(checkpoint)
            budget.turn_usd = budget.turn_spent = None
            span.__exit__(None, None, None)
        yield state.done(checkpoint)

    async def _route(self, prompt: str) -> AsyncIterator[TurnEvent]:
        """The router's view of the prompt, before the turn: suggest or apply a switch."""
        from tui_router.core.agent.context_fit import history_tokens
        from tui_router.core.routing.context import RoutingContext

        assert self.router is not None
        context = RoutingContext(
            conversation_tokens=history_tokens(self.conversation),
            current_model=self.model_id,
            current_tier=self.tier,
            escalations=self.escalations,
            retries_stronger=self.retries_stronger,
            recent_rejections=tuple(self.recent_rejections[-5:]),
            turn_index=self.turn_index,
            warm_caches=self.warm_caches(),
        )
        decision = self.router.decide(prompt, context)
        unchanged = decision.kind == "stay" and decision.effort is None
        if decision.model is None or not decision.available or unchanged:
            return
        if self.mode == "auto":
            before = self.model_id
            self.apply(decision)
            yield Notice(
                f"auto: {decision.kind} from {before} to {decision.model} — {decision.reason}"
            )
            return
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        yield RouteSuggested(decision, answer)
        if await answer:
            self.apply(decision)
        else:
            self.recent_rejections.append(decision.kind)

    async def _call(
        self,
        model_id: str,
        purpose: str,
        tools: tuple[ToolSpec, ...],
        max_tokens: int,
        state: TurnState,
    ) -> AsyncIterator[TextDelta | Notice | CallPriced]:
        """One model call: stream its text (and a `Notice` per retry, and one a turn when a
        budget lowered the output cap), then a `CallPriced` (the runner has recorded it)."""
        queue: asyncio.Queue[str | Notice | None] = asyncio.Queue()

        def on_usage(update: UsageUpdate) -> None:
            # the last update comes once the ledger has the call: the live figure is added to
            # the ledger's totals (ticker, budget check), so it must not count the call again
            # while the chat still draws the text queued before it
            self.live = None if update.recorded else update

        def on_capped(capped: tuple[int, str]) -> None:
            if not state.capped_said:
                state.capped_said = True
                tokens, limit = capped
                queue.put_nowait(
                    Notice(f"output capped at {tokens:,} tokens to stay within the {limit}")
                )

        async def call() -> TurnResult:
            try:
                return await self.runner.run(
                    self.conversation,
                    model_id,
                    session_id=self.session_id,
                    turn_index=self.turn_index,
                    purpose=purpose,
                    on_delta=queue.put_nowait,
                    on_usage=on_usage,
                    on_retry=lambda retry: queue.put_nowait(Notice(retry.message)),
                    on_capped=on_capped,
                    max_tokens=max_tokens,
                    tools=tools,
                    cache_key=self.session_id,
                    effort=self.effort,
                )
            finally:
                queue.put_nowait(None)

        task = asyncio.ensure_future(call())
        parts: list[str] = []
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, Notice):  # a retry or a cap, said as it happens
                    yield item
                    continue
                parts.append(item)
                yield TextDelta(item, model_id)
            result = await task
        except BaseException:  # cancelled, or the consumer stopped reading
            if parts:  # a cancelled answer stays in the history: it is what the user saw
                self.conversation.add_assistant("".join(parts), model_id)
            self.last_answer_model = model_id
            raise
        finally:
            self.live = None
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        state.results.append(result)
        state.model = result.model
        from tui_router.core.context_use import mark_call

        # the history now is what the call sent: its exact prompt size is the gauge's base
        self.context_mark = mark_call(result.model, result.usage, self.conversation)
        usage = result.usage
        if not usage.estimated and (usage.cache_read_tokens or usage.cache_write_tokens):
            self._cache_used_at[result.model] = self.clock()
        yield self._priced(result)

    def _tool_step(self, state: TurnState, checkpoint: Checkpoint | None) -> ToolStep:
        from tui_router.core.agent.tool_step import ToolStep

        assert self.agent is not None
        return ToolStep(
            self.agent,
            self.conversation,
            state,
            checkpoint,
            self.telemetry,
            on_always=self._store_always,
        )

    def _store_always(self, call: ToolCall, allowed: str) -> None:
        """Keep the session's "always" answers with it: the panel said "this session", and a
        resumed session is this session (`ui.resume` holds them again, in the same folder)."""
        import json

        from tui_router.core.store_rows import MessageRow

        assert self.agent is not None
        rules = [[r.text, r.tool, r.pattern] for r in self.agent.permissions.always_rules]
        content = {
            "allowed": allowed,
            "rules": rules,  # every answer so far: the last row holds them all
            "workspace": str(self.agent.workspace_root),
        }
        row = MessageRow(
            0,
            "system",
            json.dumps(content),
            turn=self.turn_index,
            tool_call_id=call.id,
            kind="always",
        )
        self.store.add_messages(self.session_id, [row])

    async def _delegate(
        self, call: ToolCall, caller_model: str, tool_step: ToolStep
    ) -> AsyncIterator[TurnEvent]:
        """Run a ``delegate`` sub-task on a cheap model with read-only tools (see
        `agent.delegate`); its calls are priced as ``subagent``, its answer is the result."""
        from tui_router.core.agent.delegate import SubtaskEnd, parse_delegate, run_subtask
        from tui_router.core.agent.tools import ToolOutcome, ToolPreview, short_line

        agent = self.agent
        assert agent is not None
        parsed = parse_delegate(call.arguments)
        if isinstance(parsed, str):
            yield ToolCallRequested(call, ToolPreview("delegate", "delegate"), "invalid input")
            yield tool_step.answer(call, "error", ToolOutcome(parsed, is_error=True))
            return
        model = self._subagent_model(parsed.tier, caller_model)
        title = f"delegate → {model}: {short_line(parsed.task)}"
        yield ToolCallRequested(call, ToolPreview("delegate", title), "read-only sub-task")
        started = time.monotonic()
        end: SubtaskEnd | None = None
        async for step in run_subtask(
            self.runner,
            agent,
            parsed,
            model,
            session_id=self.session_id,
            turn_index=self.turn_index,
        ):
            if isinstance(step, SubtaskEnd):
                end = step
            else:
                tool_step.state.results.append(step)
                yield self._priced(step, prompt=parsed.task)
        assert end is not None
        outcome = ToolOutcome(
            end.answer, is_error=end.failed, summary=end.summary, report=end.report
        )
        status: ToolStatus = "error" if end.failed else "ok"
        yield tool_step.answer(call, status, outcome, time.monotonic() - started)

    def _subagent_model(self, tier: str, caller_model: str) -> str:
        """The first callable model of ``tier``, never above the caller's own tier; the caller's
        model when no such model can be called."""
        caller_tier = self.catalog.describe(caller_model).tier
        if tier_rank(tier) > tier_rank(caller_tier) >= 0:
            tier = str(caller_tier)
        found = self.catalog.first_available(tier, fallback_ok=False)
        return caller_model if found is None else found.id

    def _save_results(self, state: TurnState) -> None:
        results, state.unsaved_results = state.unsaved_results, []
        diffs, state.unsaved_diffs = state.unsaved_diffs, {}
        self.store.add_tool_results(self.session_id, self.turn_index, results, diffs)

    def _priced(self, result: TurnResult, *, prompt: str | None = None) -> CallPriced:
        """The event for a call the runner has recorded; the call is exported as it is."""
        if result.ok:
            self._last_call_at[result.model] = self.clock()
        record = self.ledger.records[-1] if self.ledger.records else None
        if record is not None and record.call_id == result.call_id:
            self.telemetry.record_call(
                record,
                strategy=self.strategy_name,
                duration_s=result.duration_ms / 1000,
                content=(prompt or self.last_prompt or "", result.text),
            )
        return CallPriced(result)

    @property
    def strategy_name(self) -> str:
        """The routing strategy in force: the router's, else the one the session was started
        with (`ask` routes once, before the session)."""
        router = self.router
        return router.strategy if router is not None else self.fixed_strategy

    def _add_answer(self, result: TurnResult) -> None:
        # (the runner stored the message, with its tool calls, in the call's transaction)
        self.conversation.add_assistant(result.text, result.model, result.tool_calls)

    def _fit(self, model_id: str, max_tokens: int) -> list[str]:
        from tui_router.core.agent.context_fit import fit_to_window

        window = self.catalog.describe(model_id).context_window
        if window is None:
            return []
        return fit_to_window(self.conversation, window - max_tokens)

    def _checkpoint(self) -> Checkpoint | None:
        if self.agent is None:
            return None
        from tui_router.core.agent.checkpoints import Checkpoint

        return Checkpoint(self.store, self.session_id, self.turn_index, self.agent.workspace)

    def _close_checkpoint(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is None or checkpoint.id is None or checkpoint.id in self.checkpoints:
            return
        checkpoint.finish()  # (a turn whose writes all failed changed nothing: no checkpoint)
        if checkpoint.id is not None:
            self.checkpoints.append(checkpoint.id)

    def snapshot_turn(self) -> tuple[Any, ...]:
        """What a turn changes before its first request, to undo when it cannot be sent."""
        return (
            list(self.conversation.messages),
            self.turn_index,
            self.last_prompt,
            self.last_answer_model,
        )

    def undo_unsent_turn(self, state: tuple[Any, ...]) -> None:
        # The last prompt goes back too: a retry must retry the turn that was answered.
        messages, self.turn_index, self.last_prompt, self.last_answer_model = state
        self.conversation.messages[:] = messages

    # -- sessions ----------------------------------------------------------------------------
    def new_session(self, strategy: str | None = None) -> str:
        from tui_router.core.ledger import Ledger

        self.store.end_session(self.session_id)
        root = self.agent.workspace_root if self.agent is not None else None
        self.session_id = self.store.create_session(
            start_model=self.model_id,
            mode=self.mode,
            strategy=strategy or self.config.routing_strategy,
            frontier_model=self.config.frontier_model,
            project=None if root is None else root.name,
            workspace=None if root is None else str(root),
        )
        self.ledger = Ledger()
        self.runner.ledger = self.ledger
        system = self.conversation.system
        self.conversation = Conversation(system=system)
        self.turn_index = 0
        self.escalations = self.retries_stronger = 0
        self.recent_rejections.clear()
        self.last_prompt = None
        self.last_answer_model = None
        self.checkpoints.clear()
        if self.agent is not None:  # "always, this session": not the next one
            self.agent.permissions.forget_always()
        self._cache_used_at.clear()  # the new history is cached under a new key
        self.context_mark = None
        return str(self.session_id)

    async def aclose(self) -> None:
        """Close the providers' HTTP clients (the store stays open: `close` ends the session)."""
        await self.runner.aclose()

    def close(self) -> None:
        try:
            self.store.end_session(self.session_id)
        finally:
            self.store.close()
            self.telemetry.shutdown(timeout_s=2.0)
