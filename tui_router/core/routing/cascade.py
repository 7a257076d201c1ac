"""The cascade driver: answer on the cheapest adequate model, escalate while a gate fails.

`run_cascade` does not call models itself: the caller injects ``run_attempt(model) -> (text,
stop_reason)``, which streams one call and records it in the ledger (purpose "cascade"), so every
attempt — the failed cheap one included — is counted and can be shown. The models come from a
cascade `Decision`: its ``model`` and then its ``ladder``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tui_router.core.routing.decision import Decision
from tui_router.core.routing.gates import GateResult, Judge, check_answer, check_with_judge

#: Streams one answer on ``model`` (recording the call) and returns (text, stop_reason).
RunAttempt = Callable[[str], Awaitable[tuple[str, str | None]]]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call of the cascade and what the gate made of it."""

    model: str
    text: str
    stop_reason: str | None
    gate: GateResult


@dataclass(frozen=True, slots=True)
class CascadeResult:
    """Every attempt in order; the last one is the answer the user gets."""

    attempts: tuple[Attempt, ...]

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    @property
    def escalated(self) -> bool:
        return len(self.attempts) > 1

    @property
    def passed(self) -> bool:
        return self.final.gate.passed

    def summary(self) -> str:
        """One line: what failed where, and which model answered."""
        failed = [f"{a.model}: {a.gate.reason}" for a in self.attempts if not a.gate.passed]
        if not failed:
            return f"{self.final.model} passed the gates"
        if self.passed:
            return f"escalated to {self.final.model} ({'; '.join(failed)})"
        return f"no model passed ({'; '.join(failed)}); kept {self.final.model}'s answer"


def cascade_models(decision: Decision) -> tuple[str, ...]:
    """The models a cascade decision tries, in order."""
    first = (decision.model,) if decision.model else ()
    return first + tuple(m for m in decision.ladder if m != decision.model)


async def run_cascade(
    prompt: str,
    models: Sequence[str],
    run_attempt: RunAttempt,
    judge: Judge | None = None,
    max_attempts: int | None = None,
) -> CascadeResult:
    """Try ``models`` in order until an answer passes the gates (and the judge, if any).

    The last model allowed is not judged (there is nothing left to escalate to), but its gates
    are still run so the result says whether it passed.
    """
    if not models:
        raise ValueError("a cascade needs at least one model")
    limit = len(models) if max_attempts is None else max(1, min(max_attempts, len(models)))
    attempts: list[Attempt] = []
    for index, model in enumerate(models[:limit]):
        text, stop_reason = await run_attempt(model)
        last = index == limit - 1
        if last:
            gate = check_answer(prompt, text, stop_reason)
        else:
            gate = await check_with_judge(prompt, text, stop_reason, judge)
        attempts.append(Attempt(model, text, stop_reason, gate))
        if gate.passed:
            break
    return CascadeResult(tuple(attempts))
