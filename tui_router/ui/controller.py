"""The session behind the screen: catalog, store, ledger, conversation, router, current model.

Plain Python (no textual): the app calls it and renders what it returns, so the logic is testable
without a terminal. Opening it (`open_session`) reads the catalog and prices and opens the store;
the app does that in a worker after the first frame, so start-up never waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tui_router.core.config import ROUTING_MODES, TIERS, AppConfig
from tui_router.core.conversation import Conversation
from tui_router.core.errors import UserFacingError
from tui_router.core.usage import Usage
from tui_router.ui.attach import Attachment
from tui_router.ui.widgets.sidebar import ModelRow
from tui_router.ui.widgets.ticker import TickerState


class SessionController:
    """One interactive session. All methods are called on the UI's event loop except
    `open_session` (a worker thread)."""

    def __init__(
        self,
        config: AppConfig,
        catalog: Any,
        store: Any,
        ledger: Any,
        runner: Any,
        router: Any | None,
        session_id: str,
        model_id: str,
        mode: str,
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
        self.conversation = Conversation()
        self.turn_index = 0
        self.escalations = 0
        self.retries_stronger = 0
        self.recent_rejections: list[str] = []
        self.live: Any | None = None  # turn.UsageUpdate of the reply streaming now
        self.last_prompt: str | None = None
        self.last_attachments: list[Attachment] = []
        #: The model that produced the last answer (after a cascade, the one that answered, not
        #: its start model), for ctrl+r; set by run_turn, cascade.run_turn and resume.restore.
        self.last_answer_model: str | None = None
        self.restored: list[Any] = []  # resume.ShownTurn, for the chat pane

    # -- models -----------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        return self.catalog.describe(self.model_id)

    @property
    def tier(self) -> str | None:
        tier = self.model.tier
        return None if tier is None else str(tier)

    def model_rows(self) -> list[ModelRow]:
        rows: list[ModelRow] = []
        groups = [*self.catalog.by_tier().items(), ("other", self.catalog.untiered())]
        for tier, models in groups:
            for info in models:
                rates = info.rates
                rows.append(
                    ModelRow(
                        id=info.id,
                        tier=tier,
                        input_rate=rates.input if rates else None,
                        output_rate=rates.output if rates else None,
                        context_window=info.context_window,
                        available=info.available,
                        availability=info.availability,
                    )
                )
        return rows

    def model_ids(self) -> list[str]:
        return [row.id for row in self.model_rows()]

    def switch(self, model_id: str) -> Any:
        """Make ``model_id`` current (the conversation is kept); raises UserFacingError."""
        info = self.catalog.get(model_id)
        if info is None:
            import difflib

            close = difflib.get_close_matches(model_id, self.model_ids(), n=1, cutoff=0.4)
            hint = f"; did you mean {close[0]}?" if close else "; ctrl+l lists them"
            raise UserFacingError(f"No model {model_id!r} in the catalog{hint}")
        self.model_id = info.id
        return info

    def step_model(self, step: int) -> Any:
        info = self.catalog.next_model(self.model_id, step)
        if info is None:
            raise UserFacingError("The catalog has no models; check [tiers] in config.toml")
        self.model_id = info.id
        return info

    def switch_tier(self, tier: str) -> Any:
        if tier not in TIERS:
            raise UserFacingError(f"No tier {tier!r}; tiers are {', '.join(TIERS)}")
        info = self.catalog.first_available(tier)
        if info is None:
            raise UserFacingError(
                f"No available model in the {tier} tier (set its key or endpoint; see the sidebar)"
            )
        self.model_id = info.id
        return info

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

    def retry_target(self) -> tuple[str, Any | None]:
        """Where ctrl+r ("retry stronger") sends the last turn: (the model whose answer it
        retries, the model to retry on; None when no tier is stronger).

        One tier above the model that produced the last answer, not above the current model:
        after an escalated cascade the current model is still the cascade's start model, and
        the tier above it can hold the very model that answered. If the user has since switched
        (f2, ctrl+l, /model) to an available model in that tier or a stronger one, the retry
        goes there instead: the stronger of the two, since they already picked it. A switch to a
        weaker model changes nothing (a retry is never weaker than the answer it retries). With
        no answer on record, or one from an untiered model, the current model stands in for it.
        """
        answered = self.last_answer_model or self.model_id
        basis = self.catalog.describe(answered)
        if basis.tier not in TIERS:
            basis = self.model
        tier = self.catalog.stronger_tier(None if basis.tier is None else str(basis.tier))
        if tier is None:
            return answered, None
        current = self.model
        if current.available and _tier_rank(current.tier) >= _tier_rank(tier):
            return answered, current
        return answered, self.catalog.first_available(tier)

    # -- tokens and money -------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        from tui_router.core.tokens import count_tokens

        return int(count_tokens(text))

    def estimate_input(self, tokens: int) -> tuple[Decimal | None, str, int | None]:
        """Cost of ``tokens`` input on the current model (for @file and paste lines)."""
        from tui_router.core.ledger import estimate_call

        info = self.model
        return estimate_call(info, tokens, 0).usd, info.id, info.context_window

    def ticker_state(self) -> TickerState:
        totals = self.ledger.totals
        spend, baseline = totals.cost_usd, totals.baseline_usd
        usage = totals.usage
        tokens_in, tokens_out = usage.input_tokens, usage.output_tokens
        cached = usage.cache_read_tokens
        live = self.live
        if live is not None:
            now, base = live.price.usd, live.baseline.usd
            spend = None if spend is None or now is None else spend + now
            baseline = None if baseline is None or base is None else baseline + base
            tokens_in += live.usage.input_tokens
            tokens_out += live.usage.output_tokens
            cached += live.usage.cache_read_tokens
        return TickerState(
            spend=spend,
            baseline=baseline,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cache_read=cached,
            estimated=live is not None,
            budget=self.config.budget_usd,
            unpriced_calls=totals.unknown_price_calls,
        )

    def over_budget(self) -> bool:
        budget = self.config.budget_usd
        if budget is None:
            return False
        spend = self.ticker_state().spend
        return spend is not None and spend >= budget

    def budget_line(self) -> str:
        from tui_router.ui import format as fmt

        state = self.ticker_state()
        return (
            f"Budget stop: {fmt.usd(state.spend, estimated=state.estimated)} spent of the "
            f"{fmt.usd(self.config.budget_usd, places=2)} session budget — raise "
            "[budget] session_usd in config.toml or start a /new session"
        )

    # -- turns ------------------------------------------------------------------------------
    def compose_prompt(self, prompt: str, attachments: list[Attachment]) -> str:
        blocks = [a.as_prompt_block() for a in attachments]
        return "\n\n".join([prompt, *blocks]) if blocks else prompt

    async def run_turn(
        self,
        prompt: str,
        attachments: list[Attachment],
        *,
        purpose: str = "chat",
        model_id: str | None = None,
        on_delta: Callable[[str], Any] | None = None,
        on_usage: Callable[[Any], Any] | None = None,
        retry: bool = False,
    ) -> Any:
        """Send one turn; return the runner's TurnResult (the runner records it in the store
        and the ledger, also when it fails or is cancelled — cancellation is re-raised)."""
        model_id = model_id or self.model_id
        before = self.snapshot_turn()
        if retry:
            self.conversation.pop_last_turn()
        else:
            self.turn_index += 1
        self.last_prompt, self.last_attachments = prompt, list(attachments)
        self.conversation.add_user(self.compose_prompt(prompt, attachments))

        parts: list[str] = []

        async def delta(text: str) -> None:
            parts.append(text)
            if on_delta is not None:
                await _maybe_await(on_delta(text))

        async def usage(update: Any) -> None:
            self.live = update
            if on_usage is not None:
                await _maybe_await(on_usage(update))

        try:
            result = await self.runner.run(
                self.conversation,
                model_id,
                purpose=purpose,
                session_id=self.session_id,
                turn_index=self.turn_index,
                on_delta=delta,
                on_usage=usage,
            )
        except UserFacingError:  # raised before any request (no key): as if never sent
            self.live = None
            self.undo_unsent_turn(before)
            raise
        except BaseException:
            self.live = None
            self.last_answer_model = model_id  # sent: a retry steps up from this model
            if parts:  # a cancelled answer stays in the history: it is what the user saw
                self.conversation.add_assistant("".join(parts), model_id)
            raise
        self.live = None
        self.last_answer_model = result.model
        if result.text:
            self.conversation.add_assistant(result.text, result.model)
        return result

    def snapshot_turn(self) -> tuple[Any, ...]:
        """What a turn changes before its first request, to undo when it cannot be sent."""
        return (
            list(self.conversation.messages),
            self.turn_index,
            self.last_prompt,
            self.last_attachments,
        )

    def undo_unsent_turn(self, state: tuple[Any, ...]) -> None:
        # The last prompt goes back too: ctrl+r must retry the turn that was answered, not
        # replace it with one that never reached a model.
        messages, self.turn_index, self.last_prompt, self.last_attachments = state
        self.conversation.messages[:] = messages

    def last_record(self) -> Any | None:
        return self.ledger.records[-1] if self.ledger.records else None

    def meta_line(self, result: Any) -> str:
        from tui_router.ui import format as fmt

        usage: Usage = result.usage
        est = usage.estimated
        tilde = "~" if est else ""
        tokens = f"{tilde}{usage.input_tokens:,} in"
        cache = []
        if usage.cache_read_tokens:
            cache.append(f"{usage.cache_read_tokens:,} cached")
        if usage.cache_write_tokens:
            cache.append(f"{usage.cache_write_tokens:,} to cache")
        if cache:
            tokens += f" ({', '.join(cache)})"
        tokens += f" / {tilde}{usage.output_tokens:,} out"
        parts = [
            result.model,
            result.tier or "no tier",
            tokens,
            fmt.usd(result.price.usd, estimated=est),
        ]
        if result.status != "ok":
            parts.append(result.status)
        return " · ".join(parts)

    def live_meta_line(self, model_id: str) -> str:
        from tui_router.ui import format as fmt

        live = self.live
        info = self.catalog.describe(model_id)
        if live is None:
            return f"{info.id} · {info.tier or 'no tier'} · waiting for the first tokens…"
        usage = live.usage
        return (
            f"{info.id} · {info.tier or 'no tier'} · ~{usage.input_tokens:,} in / "
            f"~{usage.output_tokens:,} out · {fmt.usd(live.price.usd, estimated=True)}"
        )

    def cost_lines(self) -> list[str]:
        totals = self.ledger.totals
        lines = [
            f"Session {self.session_id}: {totals.calls} calls, spent {totals.cost_text()}, "
            f"frontier-only baseline {totals.baseline_text()} "
            f"(same tokens priced at {self.config.frontier_model})",
        ]
        savings, pct = totals.savings_usd, totals.savings_pct
        if savings is not None:
            from tui_router.ui import format as fmt

            share = f" ({pct:.0f}%)" if pct is not None else ""
            lines.append(f"Saved {fmt.usd(savings)}{share}")
        for model, t in self.ledger.per_model().items():
            lines.append(
                f"  {model}: {t.calls} calls, {t.usage.input_tokens:,} in / "
                f"{t.usage.output_tokens:,} out, {t.cost_text()}"
            )
        return lines

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self) -> str:
        from tui_router.core.ledger import Ledger
        from tui_router.ui.strategy import current as current_strategy

        self.store.end_session(self.session_id)
        self.session_id = self.store.create_session(
            start_model=self.model_id,
            mode=self.mode,
            strategy=current_strategy(self),  # /new keeps the strategy, like model and mode
            frontier_model=self.config.frontier_model,
        )
        self.ledger = Ledger()
        self.runner.ledger = self.ledger
        self.conversation = Conversation()
        self.turn_index = 0
        self.escalations = self.retries_stronger = 0
        self.recent_rejections.clear()
        self.last_prompt = None
        self.last_answer_model = None
        return str(self.session_id)

    def restore(self) -> None:
        """Rebuild the conversation and the chat entries from the store (--resume)."""
        from tui_router.ui.resume import restore

        restore(self)

    def close(self) -> None:
        try:
            self.store.end_session(self.session_id)
        finally:
            self.store.close()


def _tier_rank(tier: Any) -> int:
    """Higher is stronger; a model outside the tiers ranks below them all."""
    return TIERS.index(tier) if tier in TIERS else -1


async def _maybe_await(value: Any) -> None:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        await value
