"""The session behind the screen: the core `Session` plus what the screen shows of it.

The session itself (model, mode, history, turns, store, ledger, router) lives in
`tui_router.core.session`; this subclass adds the screen's views of it (sidebar rows, the ticker's
state, meta lines, budget lines) and the chat turn as the app's flows call it. Plain Python (no
textual). Opening it (`boot.open_session`) reads the catalog and prices and opens the store; the
app does that in a worker after the first frame, so start-up never waits for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_router.core.errors import UserFacingError
from tui_router.core.events import CallPriced, Notice, TextDelta, TurnDone, TurnError
from tui_router.core.plural import counted
from tui_router.core.session import Session
from tui_router.core.turn import TurnResult
from tui_router.core.usage import Usage
from tui_router.ui.attach import Attachment
from tui_router.ui.widgets.sidebar import ModelRow
from tui_router.ui.widgets.ticker import TickerState

if TYPE_CHECKING:
    from tui_router.core.resume_folder import ResumeFolder
    from tui_router.ui.resume import ShownNote


class SessionController(Session):
    """One interactive session as the screen sees it. All methods are called on the UI's
    event loop except `open_session` (a worker thread)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_attachments: list[Attachment] = []
        self.restored: list[Any] = []  # resume.ShownTurn, for the chat pane
        #: where a resumed session works and the line saying so (`core.resume_folder`)
        self.folder: ResumeFolder | None = None
        #: a resumed session's "always" answers: held again, or why not (`resume.restore`)
        self.always_note: ShownNote | None = None
        #: `/check CMD`: the command the verified cascade runs after each of the next turns
        self.check_command: str | None = None
        # the cache hit ratio, and the (ledger, calls) it was computed for: the ticker asks
        # up to 10 times a second while a reply streams
        self._cache_ratio: float | None = None
        self._cache_ratio_of: tuple[object, int] | None = None

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
        context = self.context_use()
        info = self.model
        return TickerState(
            spend=spend,
            baseline=baseline,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cache_read=cached,
            estimated=live is not None,
            budget=self.config.budget_usd,
            unpriced_calls=totals.unknown_price_calls,
            ctx_tokens=None if context is None else context.tokens,
            ctx_window=None if context is None else context.window,
            cache_ratio=self.cache_hit_ratio(),
            # Anthropic's cache lives 5 minutes from its last use; OpenAI's has no stated lifetime
            cache_warm_until=(
                self.cache_warm_until(info.id) if info.endpoint.kind == "anthropic" else None
            ),
            clock=self.clock,
        )

    def cache_hit_ratio(self) -> float | None:
        """Share of the input of this session's calls on cache-capable models read from the
        prompt cache; None before the first such call."""
        records = self.ledger.records
        key = (self.ledger, len(records))
        if self._cache_ratio_of is None or self._cache_ratio_of != key:
            read = sent = 0
            for record in records:
                usage = record.usage
                if (
                    usage.cache_read_tokens
                    or usage.cache_write_tokens
                    or self._caches(record.model)
                ):
                    read += usage.cache_read_tokens
                    sent += usage.input_tokens
            self._cache_ratio = read / sent if sent else None
            self._cache_ratio_of = key
        return self._cache_ratio

    def _caches(self, model_id: str) -> bool:
        """Whether ``model_id``'s provider has a prompt cache (it prices cache reads)."""
        info = self.catalog.get(model_id)
        if info is None or info.endpoint.kind == "local":
            return False
        rates = info.rates
        return rates is not None and rates.cache_read is not None

    def over_budget(self) -> bool:
        budget = self.config.budget_usd
        if budget is None:
            return False
        spend = self.ticker_state().spend
        return spend is not None and spend >= budget

    def budget_line(self, *, stopped: bool = False) -> str:
        """The line of a budget stop. ``stopped``: a reply was cut off mid-stream because its
        running estimate reached the budget; the call as recorded may still be under it (the
        estimate counts characters), and then the line says so rather than quote a spend under
        the budget as the reason to stop."""
        from tui_router.ui import format as fmt

        state = self.ticker_state()
        spent = fmt.usd(state.spend, estimated=state.estimated)
        limit = fmt.usd_limit(self.config.budget_usd)
        fix = "raise [budget] session_usd in config.toml or start a /new session"
        if stopped and not self.over_budget():
            return (
                f"Reply stopped: its running estimate reached the {limit} session budget; "
                f"as recorded, {spent} is spent of it — {fix}"
            )
        return f"Budget stop: {spent} spent of the {limit} session budget — {fix}"

    # -- turns ------------------------------------------------------------------------------
    def compose_prompt(self, prompt: str, attachments: list[Attachment]) -> str:
        blocks = [a.as_prompt_block() for a in attachments]
        return "\n\n".join([prompt, *blocks]) if blocks else prompt

    async def send(
        self,
        prompt: str,
        attachments: list[Attachment],
        *,
        purpose: str = "chat",
        model_id: str | None = None,
        on_delta: Callable[[str], Awaitable[None] | None] | None = None,
        on_usage: Callable[[Any], Any] | None = None,
        on_notice: Callable[[str], Awaitable[None] | None] | None = None,
        retry: bool = False,
    ) -> TurnResult:
        """Send one chat turn through `Session.run_turn`; return its last call's result.

        The runner records every call in the store and the ledger, also when it fails or is
        cancelled (cancellation is re-raised). A turn that could not be sent (no key) raises
        `UserFacingError` with the session as it was.
        """
        previous = self.last_attachments
        self.last_attachments = list(attachments)
        result: TurnResult | None = None
        unsent: str | None = None
        try:
            async for event in self.run_turn(
                self.compose_prompt(prompt, attachments),
                model_id=model_id,
                purpose=purpose,
                retry=retry,
            ):
                if isinstance(event, TextDelta):
                    if on_delta is not None:
                        done = on_delta(event.text)
                        if done is not None:
                            await done
                    if on_usage is not None:
                        on_usage(self.live)
                elif isinstance(event, CallPriced):
                    result = event.result
                elif isinstance(event, Notice) and on_notice is not None:
                    # a retry, an output cap: what the agent turn shows as a note, this too
                    said = on_notice(event.text)
                    if said is not None:
                        await said
                elif isinstance(event, TurnError) and event.kind == "config":
                    unsent = event.message  # the session undid the turn
                elif isinstance(event, TurnDone):
                    break
        finally:
            if unsent is None:
                # the prompt as typed (without the attached files) is what ctrl+r resends
                self.last_prompt = prompt
            else:
                self.last_attachments = previous
        if result is None:
            raise UserFacingError(unsent or "the turn ended before any call")
        return result

    async def agent_events(
        self,
        prompt: str,
        attachments: list[Attachment],
        *,
        purpose: str = "chat",
        model_id: str | None = None,
        retry: bool = False,
        ladder: tuple[str, ...] | None = None,
    ) -> AsyncIterator[Any]:
        """One turn's events (`core.events`, and a last `CascadeDone` for a cascade):
        `Session.run_turn`, or the cascade — up ``ladder`` (the cascade strategy's plan), or
        when `/check` is set up from ``model_id`` — verified by the check when one is set, else
        by the quality gates.

        The turn flow renders them and answers their approval futures. The prompt as typed (not
        the attached files) becomes what ctrl+r resends; an unsent turn (no key) leaves the
        attachments of the turn before.
        """
        from tui_router.core.events import TurnError

        previous = self.last_attachments
        self.last_attachments = list(attachments)
        composed = self.compose_prompt(prompt, attachments)
        unsent = False
        if ladder is not None or (self.check_command is not None and not retry):
            from tui_router.core.cascade_verifiers import CheckCommand, QualityGates, judge_model
            from tui_router.core.verified_cascade import run_verified_cascade

            ladder = ladder or self.cascade_ladder(model_id or self.model_id)
            verifier = (
                CheckCommand(self.check_command)
                if self.check_command is not None
                else QualityGates(judge_model(self.catalog) if self.config.cascade_judge else None)
            )
            events: AsyncIterator[Any] = run_verified_cascade(self, composed, ladder, verifier)
        else:
            events = self.run_turn(composed, model_id=model_id, purpose=purpose, retry=retry)
        try:
            async for event in events:
                if isinstance(event, TurnError) and event.kind == "config":
                    unsent = True  # the session undid the turn
                yield event
        finally:
            if unsent:
                self.last_attachments = previous
            else:
                self.last_prompt = prompt

    def cascade_ladder(self, model_id: str) -> tuple[str, ...]:
        """The models a `/check` turn climbs: ``model_id``, then the first callable model of
        each stronger tier."""
        models = [model_id]
        tier = self.catalog.describe(model_id).tier
        while (tier := self.catalog.stronger_tier(tier)) is not None:
            found = self.catalog.first_available(tier, fallback_ok=False)
            if found is not None and found.id not in models:
                models.append(found.id)
        return tuple(models)

    # -- /undo, /compact, /permissions ------------------------------------------------------
    def undo(self, which: str = "") -> str:
        """Put back the files of one of this session's turns; return the line saying what.

        ``which``: empty or ``1`` — the last turn that changed files; ``N`` — the Nth from the
        end; ``#ID`` — checkpoint ``ID`` (as `tui-router undo --list` shows them). Raises
        `UserFacingError` (a `CheckpointError` on conflicts: nothing is written).
        """
        from tui_router.core.agent.checkpoints import restore_checkpoint

        which = which.strip()
        if which.startswith("#"):
            try:
                checkpoint_id = int(which[1:])
            except ValueError:
                raise UserFacingError(f"/undo {which}: a checkpoint id is a number") from None
        else:
            try:
                back = int(which) if which else 1
            except ValueError:
                raise UserFacingError(
                    f"/undo {which}: give N (turns back, 1 = the last) or #ID (a checkpoint id)"
                ) from None
            if not self.checkpoints:
                raise UserFacingError(self._nothing_to_undo())
            if not 1 <= back <= len(self.checkpoints):
                turns = counted(len(self.checkpoints), "turn")
                raise UserFacingError(f"/undo {back}: this session has {turns} to undo")
            checkpoint_id = self.checkpoints[-back]
        done = restore_checkpoint(self.store, checkpoint_id)
        if checkpoint_id in self.checkpoints:
            self.checkpoints.remove(checkpoint_id)
        files = [*done.restored, *(f"{path} (removed)" for path in done.removed)]
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        line = f"Undone checkpoint {checkpoint_id}: {shown or 'no files'} put back"
        if done.folders:  # the folders the turn made for its new files, empty again
            which = "folder" if len(done.folders) == 1 else "folders"
            line += f"; removed the {which} it made: " + ", ".join(f"{f}/" for f in done.folders)
        return line

    def _nothing_to_undo(self) -> str:
        """Why `/undo` has nothing: no turn changed files, or every one has been undone."""
        from tui_router.core.agent.checkpoints import list_checkpoints

        if list_checkpoints(self.store, self.session_id, limit=1):
            return "Nothing left to undo: every turn of this session that changed files is undone"
        return "Nothing to undo: no turn of this session changed files"

    async def compact_line(self) -> str:
        """`/compact`: summarise the history; the line saying what it saved and cost."""
        from tui_router.core.background import compact
        from tui_router.ui import format as fmt

        done = await compact(self)
        result = done.result
        cost = fmt.usd(result.price.usd, estimated=result.usage.estimated)
        paid = f"summary by {result.model}, {cost}"
        if done.kept:
            return (
                f"not compacted: the summary (~{done.tokens_after:,} tokens) was no smaller than "
                f"the conversation (~{done.tokens_before:,}), which is kept as it was ({paid})"
            )
        return f"compacted: ~{done.tokens_before:,} → ~{done.tokens_after:,} tokens ({paid})"

    def permission_lines(self) -> list[str]:
        agent = self.agent
        if agent is None:
            return ["No agent in this session: tools are off"]
        lines = [f"Workspace: {agent.workspace_root}"]
        lines += agent.permissions.describe()
        return lines

    def snapshot_turn(self) -> tuple[Any, ...]:
        return (*super().snapshot_turn(), self.last_attachments)

    def undo_unsent_turn(self, state: tuple[Any, ...]) -> None:
        *core, self.last_attachments = state
        super().undo_unsent_turn(tuple(core))

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
            f"Session {self.session_id}: {counted(totals.calls, 'call')}, "
            f"spent {totals.cost_text()}, frontier-only baseline {totals.baseline_text()} "
            f"(same tokens priced at {self.config.frontier_model})",
        ]
        savings, pct = totals.savings_usd, totals.savings_pct
        if savings is not None:
            from tui_router.ui import format as fmt

            share = f" ({pct:.0f}%)" if pct is not None else ""
            lines.append(f"Saved {fmt.usd(savings)}{share}")
        for model, t in self.ledger.per_model().items():
            lines.append(
                f"  {model}: {counted(t.calls, 'call')}, {t.usage.input_tokens:,} in / "
                f"{t.usage.output_tokens:,} out, {t.cost_text()}"
            )
        return lines

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self, strategy: str | None = None) -> str:
        from tui_router.ui.strategy import current as current_strategy

        # /new keeps the strategy, like the model and the mode
        return super().new_session(strategy or current_strategy(self))

    def keep_note(self, text: str, kind: str) -> None:
        """Store a line the chat showed (kind ``note``: the text and its style, as JSON), after
        what the session stored before it: `resume.restore` draws it there again."""
        import json

        from tui_router.core.store_rows import MessageRow

        content = json.dumps({"text": text, "style": kind})
        row = MessageRow(0, "system", content, turn=self.turn_index, kind="note")
        self.store.add_messages(self.session_id, [row])

    def restore(self) -> None:
        """Rebuild the conversation and the chat entries from the store (--resume)."""
        from tui_router.ui.resume import restore

        restore(self)
