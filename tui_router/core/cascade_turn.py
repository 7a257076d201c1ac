"""A cascade turn against real models: answer on the cheap model, gate it, escalate on failure.

`CascadeTurn.run` streams the turn's conversation to the first model of a cascade (a
`routing.decision.Decision`'s ``model`` then its ``ladder``), passes the finished answer through
the quality gates (`routing.gates`) and, when a gate fails, sends the *same* conversation to the
next model: the failed answer never joins the history the next model sees, but it stays in the
store and the ledger. Each answer is a call with purpose "cascade"; the optional judge is one
fast-tier call with purpose "judge". The caller decides which answer joins its conversation
(`CascadeTurnResult.final`). Plain Python: `ask` and the TUI both drive it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui_router.core.conversation import Conversation
from tui_router.core.errors import UserFacingError
from tui_router.core.routing.gates import PASSED, GateResult, Judge, check_with_judge
from tui_router.core.turn import TurnResult, UsageUpdate

if TYPE_CHECKING:
    from tui_router.core.catalog import Catalog
    from tui_router.core.routing.decision import Decision
    from tui_router.core.turn import TurnRunner

#: Most output tokens of a judge's verdict ("PASS" or "FAIL: one short reason").
JUDGE_MAX_TOKENS = 200
#: The tier the judge's model comes from.
JUDGE_TIER = "fast"


@dataclass(frozen=True, slots=True)
class Escalation:
    """One step up the ladder: which gate failed on which model, and why (one human line)."""

    from_model: str
    to_model: str
    gate: str
    reason: str

    def line(self) -> str:
        return f"escalated from {self.from_model} to {self.to_model}: {self.reason}"


@dataclass(frozen=True, slots=True)
class CascadeAttempt:
    """One answering call and what the gates (and the judge) made of it."""

    result: TurnResult
    gate: GateResult
    judge: TurnResult | None = None


@dataclass(frozen=True, slots=True)
class CascadeTurnResult:
    """Every call of the turn, in order; the last attempt is the answer the user keeps."""

    attempts: tuple[CascadeAttempt, ...]
    escalations: tuple[Escalation, ...]
    #: why the cascade stopped before an answer passed (e.g. the next model has no key)
    stopped: str | None = None

    @property
    def final(self) -> TurnResult:
        return self.attempts[-1].result

    @property
    def passed(self) -> bool:
        return self.attempts[-1].gate.passed

    @property
    def calls(self) -> tuple[TurnResult, ...]:
        """Every recorded call (answers and judge verdicts) in the order they ran."""
        out: list[TurnResult] = []
        for attempt in self.attempts:
            out.append(attempt.result)
            if attempt.judge is not None:
                out.append(attempt.judge)
        return tuple(out)

    def to_json(self) -> list[dict[str, Any]]:
        """``[{"model", "tier", "purpose", "gate", "reason", "cost_usd"}, ...]`` in call order."""
        rows: list[dict[str, Any]] = []
        for attempt in self.attempts:
            # the judge only sees answers that passed the local gates
            judged = attempt.gate.gate == "judge"
            rows.append(_row(attempt.result, PASSED if judged else attempt.gate))
            if attempt.judge is not None:
                rows.append(_row(attempt.judge, attempt.gate))
        return rows


def _row(result: TurnResult, gate: GateResult) -> dict[str, Any]:
    cost = result.price.usd
    return {
        "model": result.model,
        "tier": result.tier,
        "purpose": result.purpose,
        "status": result.status,
        "gate": gate.gate,
        "passed": gate.passed,
        "reason": gate.reason,
        "cost_usd": None if cost is None else str(cost),
    }


def cascade_models(decision: Decision, catalog: Any) -> tuple[str, ...]:
    """The models a cascade decision tries, in order, leaving out those that cannot be called
    now (no key, not installed): an escalation to them would fail before sending anything."""
    from tui_router.core.routing.strategies.cascade import cascade_models as ladder

    return tuple(m for i, m in enumerate(ladder(decision)) if i == 0 or _available(catalog, m))


def judge_model(catalog: Catalog) -> str | None:
    """The model that judges answers: the first available model of the fast tier, never the
    offline fallback (a 135M model's verdict is noise: without another model, no judge)."""
    found = catalog.first_available(JUDGE_TIER, fallback_ok=False)
    return None if found is None else found.id


def _available(catalog: Any, model_id: str) -> bool:
    try:
        info = catalog.describe(model_id)
    except UserFacingError:
        return False
    return bool(getattr(info, "available", True))


class CascadeTurn:
    """Runs cascade turns through a `TurnRunner` (which records every call).

    Args:
        runner: the session's turn runner.
        judge_model: the model that judges answers that passed the local gates (None: no judge).
    """

    def __init__(self, runner: TurnRunner, judge_model: str | None = None) -> None:
        self.runner = runner
        self.judge_model = judge_model

    async def run(
        self,
        conversation: Conversation,
        models: Sequence[str],
        *,
        session_id: str,
        turn_index: int,
        prompt: str | None = None,
        on_attempt: Callable[[str], Any] | None = None,
        on_delta: Callable[[str], Any] | None = None,
        on_usage: Callable[[UsageUpdate], Any] | None = None,
        on_answer: Callable[[CascadeAttempt], Any] | None = None,
        on_escalate: Callable[[Escalation], Any] | None = None,
        max_tokens: int | None = None,
    ) -> CascadeTurnResult:
        """Answer the conversation's last user message, escalating while a gate fails.

        ``prompt`` is what the gates read as the request (default: the last user message).
        ``on_attempt(model)`` runs before each answering call, ``on_answer(attempt)`` after it is
        gated, ``on_escalate(escalation)`` before the next model starts; ``on_delta`` and
        ``on_usage`` go to every answering call (not to the judge). Callbacks may be async.
        The last model is not judged (nothing is left to escalate to), but it is gated so the
        result says whether it passed. Raises what the runner raises for the first model (no
        key: nothing was sent); a later model that cannot be called stops the cascade there.
        """
        if not models:
            raise ValueError("a cascade needs at least one model")
        request = prompt if prompt is not None else _last_user(conversation)
        judge = self._judge(session_id, turn_index) if self.judge_model else None
        attempts: list[CascadeAttempt] = []
        escalations: list[Escalation] = []
        ladder = list(models)
        index = -1
        while index + 1 < len(ladder):
            index += 1
            model = ladder[index]
            last = index == len(ladder) - 1
            await _notify(on_attempt, model)
            try:
                result = await self.runner.run(
                    conversation,
                    model,
                    session_id=session_id,
                    turn_index=turn_index,
                    purpose="cascade",
                    on_delta=on_delta,
                    on_usage=on_usage,
                    max_tokens=max_tokens,
                )
            except UserFacingError as exc:
                if not attempts:
                    raise
                return CascadeTurnResult(
                    tuple(attempts), tuple(escalations), f"cannot escalate to {model}: {exc}"
                )
            gate, verdict = await self._gate(request, result, None if last else judge)
            attempt = CascadeAttempt(result, gate, verdict)
            attempts.append(attempt)
            await _notify(on_answer, attempt)
            if not result.ok:
                # A provider error (the provider has retried already) says nothing about what
                # the model can do: paying the next tier for the same outage is no answer.
                # Fail over to the same tier on another endpoint when one can be called.
                other = self._same_tier_elsewhere(model, {a.result.model for a in attempts})
                if other is None:
                    return CascadeTurnResult(
                        tuple(attempts),
                        tuple(escalations),
                        f"{model} failed ({result.error}); a provider error is not escalated",
                    )
                ladder.insert(index + 1, other)
                step = Escalation(model, other, "error", f"failed over ({result.error})")
                escalations.append(step)
                await _notify(on_escalate, step)
                continue
            if gate.passed or last:
                break
            step = Escalation(model, ladder[index + 1], gate.gate, gate.reason)
            escalations.append(step)
            await _notify(on_escalate, step)
        return CascadeTurnResult(tuple(attempts), tuple(escalations))

    def _same_tier_elsewhere(self, model: str, tried: set[str]) -> str | None:
        """An available model of ``model``'s tier served by another endpoint, not yet tried."""
        catalog = self.runner.catalog
        by_tier = getattr(catalog, "by_tier", None)
        if by_tier is None:
            return None
        info = catalog.describe(model)
        for candidate in by_tier().get(info.tier, []):
            if (
                candidate.id not in tried
                and candidate.available
                and candidate.endpoint.name != info.endpoint.name
            ):
                return str(candidate.id)
        return None

    async def _gate(
        self, request: str, result: TurnResult, judge: _RecordingJudge | None
    ) -> tuple[GateResult, TurnResult | None]:
        if not result.ok:
            return GateResult(False, "error", f"the call failed ({result.error})"), None
        gate = await check_with_judge(
            request, result.text, result.stop_reason, None if judge is None else judge.judge
        )
        return gate, None if judge is None else judge.take()

    def _judge(self, session_id: str, turn_index: int) -> _RecordingJudge:
        from tui_router.core.routing.gates import make_judge

        assert self.judge_model is not None
        model, runner = self.judge_model, self.runner
        recorder = _RecordingJudge()

        async def complete(text: str) -> str:
            asked = Conversation()
            asked.add_user(text)
            result = await runner.run(
                asked,
                model,
                session_id=session_id,
                turn_index=turn_index,
                purpose="judge",
                max_tokens=JUDGE_MAX_TOKENS,
                store_text=False,
            )
            recorder.last = result
            if not result.ok:
                raise RuntimeError(f"{model}: {result.error}")
            return result.text

        recorder.judge = make_judge(complete)
        return recorder


class _RecordingJudge:
    """A judge and the call it made last (taken once per answer)."""

    judge: Judge
    last: TurnResult | None = None

    def take(self) -> TurnResult | None:
        last, self.last = self.last, None
        return last


async def _notify(callback: Callable[[Any], Any] | None, value: Any) -> None:
    if callback is not None:
        result = callback(value)
        if isinstance(result, Awaitable):
            await result


def _last_user(conversation: Conversation) -> str:
    for message in reversed(conversation.messages):
        if message.role == "user":
            return message.content
    return ""
