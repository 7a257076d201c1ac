"""The cascade: an agent turn that starts on a cheap model and escalates on evidence.

Routing a coding task from its prompt alone is weak; the run itself says much more. So the turn
runs, with its tools, on the cheapest model of a ladder; when that model finishes, a verifier
(`core.cascade_verifiers`) decides: the check command (``pytest -q``, a build, a script) when one
is configured — the *verified* cascade — else the quality gates on the final answer (and the
judge when asked for). A pass ends the turn. A failure — or the same failing command or edit
three times during the run — restores the attempt's checkpoint (when it changed files) and gives
the task to the next model of the ladder, together with the failed attempt's diff and what the
verifier saw (the check's output, or the rejected answer; both capped), until a verdict passes
or the top model has tried. Every call is priced with purpose ``cascade`` (a subagent's as
``subagent``, the judge's as ``judge``); `CascadeAttempt` lists what each attempt cost.

A provider error is not a quality failure: the turn fails over to a model of the same tier on
another endpoint when one can be called, else the cascade stops there instead of paying the next
tier for the same outage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from tui_router.core.cascade_verifiers import CheckCommand, Verdict, Verifier, VerifierKind
from tui_router.core.errors import UserFacingError
from tui_router.core.events import Notice, ToolResult, TurnDone, TurnError, TurnEvent
from tui_router.core.plural import counted
from tui_router.core.store_rows import money_text

if TYPE_CHECKING:
    from tui_router.core.routing.decision import Decision
    from tui_router.core.session import Session

CheckStatus = Literal["pass", "fail", "none"]
#: what gave an attempt's verdict: the verifier, the run's own evidence (the same tool error
#: three times), or nothing (an outage, a cap, a cancel: no verdict on the work)
VerifiedBy = Literal["check", "gate", "tool errors"] | None
#: the most characters of a failed attempt's diff / the verifier's output the next model is given
DIFF_CAP = 6_000
OUTPUT_CAP = 4_000


@dataclass(frozen=True)
class CascadeAttempt:
    """One model's try: which model, its tier, the verdict and what gave it, what it cost (the
    judge's call apart)."""

    model: str
    tier: str | None
    check: CheckStatus
    cost_usd: Decimal | None
    reason: str = ""
    verified_by: VerifiedBy = None
    gate: str | None = None
    judge_model: str | None = None
    judge_cost_usd: Decimal | None = None

    def to_json(self) -> dict[str, object]:
        row: dict[str, object] = {
            "model": self.model,
            "tier": self.tier,
            "check": self.check,
            "verified_by": self.verified_by,
            "cost_usd": money_text(self.cost_usd),
            "reason": self.reason,
        }
        if self.gate is not None:
            row["gate"] = self.gate
        if self.judge_model is not None:
            row["judge"] = {"model": self.judge_model, "cost_usd": money_text(self.judge_cost_usd)}
        return row


@dataclass(frozen=True)
class CascadeDone:
    """The cascade is over: its attempts in order, the last attempt's `TurnDone`, and what
    verified them (``"check"`` or ``"gate"``)."""

    attempts: tuple[CascadeAttempt, ...]
    final: TurnDone
    passed: bool
    verifier: VerifierKind = "check"


def cascade_models(decision: Decision, catalog: Any) -> tuple[str, ...]:
    """The models a cascade decision tries, in order, leaving out those that cannot be called
    now (no key, not installed): an escalation to them would fail before sending anything."""
    from tui_router.core.routing.strategies.cascade import cascade_models as ladder

    return tuple(m for i, m in enumerate(ladder(decision)) if i == 0 or _available(catalog, m))


async def run_verified_cascade(
    session: Session,
    prompt: str,
    models: Sequence[str],
    verifier: Verifier | str | None,
    *,
    max_steps: int | None = None,
    max_cost_usd: Decimal | None = None,
) -> AsyncIterator[TurnEvent | CascadeDone]:
    """Run ``prompt`` up ``models`` until ``verifier`` passes the work; yield the turns' events,
    a `Notice` per verdict and per escalation, and last a `CascadeDone`.

    ``verifier``: a `Verifier`, a check command (a `CheckCommand`), or None — then only repeated
    tool errors escalate (a finished answer is accepted)."""
    if isinstance(verifier, str):
        verifier = CheckCommand(verifier)
    kind: VerifierKind = "check" if verifier is None else verifier.kind
    attempts: list[CascadeAttempt] = []
    ladder = list(models)
    task = prompt
    final: TurnDone | None = None
    index = -1
    while index + 1 < len(ladder):
        index += 1
        model = ladder[index]
        done: TurnDone | None = None
        error_kind: str | None = None
        diffs: list[str] = []
        async for event in session.run_turn(
            task,
            model_id=model,
            purpose="cascade",
            retry=index > 0,
            max_steps=max_steps,
            max_cost_usd=_left(max_cost_usd, attempts),
            stop_on_repeated_errors=True,
        ):
            if isinstance(event, TurnDone):
                done = event
                continue  # the cascade's own CascadeDone is the last event
            if isinstance(event, TurnError):
                error_kind = event.kind
            elif isinstance(event, ToolResult) and event.outcome.diff:
                diffs.append(event.outcome.diff)
            yield event
        assert done is not None
        final = done
        tier = session.catalog.describe(model).tier
        last = index == len(ladder) - 1
        if error_kind is not None or (done.stopped and done.escalation is None):
            # not a verdict on the work: an outage, a cap, a cancel — do not pay the next tier
            attempts.append(CascadeAttempt(model, tier, "none", done.cost_usd, done.stopped or ""))
            # a provider's failure (not a missing key, not a cap): the same tier elsewhere may do
            other = _same_tier_elsewhere(session, model, {a.model for a in attempts})
            if error_kind != "other" or other is None:
                break
            restored = _restore(session, done)
            ladder.insert(index + 1, other)
            yield Notice(
                f"failing over from {model} to {other} (same tier, another endpoint): "
                f"{done.stopped}" + (f"; {restored}" if restored else "")
            )
            task = prompt
            continue
        if done.escalation is not None:
            verdict = Verdict(False, done.escalation)
            verified_by: VerifiedBy = "tool errors"
        elif verifier is None:
            attempts.append(CascadeAttempt(model, tier, "none", done.cost_usd))
            yield CascadeDone(tuple(attempts), done, passed=True, verifier=kind)
            return
        else:
            verdict = await verifier.verify(session, prompt, done, last=last)
            verified_by = verifier.kind
            if verdict.judge is not None:
                yield session._priced(verdict.judge)  # the judge's call, on the ticker
            yield Notice(_verdict_line(verifier, model, verdict))
        status: CheckStatus = "pass" if verdict.passed else "fail"
        judge = verdict.judge
        attempts.append(
            CascadeAttempt(
                model,
                tier,
                status,
                done.cost_usd,
                verdict.summary,
                verified_by,
                verdict.gate,
                None if judge is None else judge.model,
                None if judge is None else judge.price.usd,
            )
        )
        if verdict.passed:
            yield CascadeDone(tuple(attempts), done, passed=True, verifier=kind)
            return
        if last:
            break
        restored = _restore(session, done)
        next_model = ladder[index + 1]
        session.escalations += 1
        yield Notice(
            f"escalating from {model} to {next_model}: {verdict.summary}"
            + (f"; {restored}" if restored else "")
        )
        title = None if verifier is None or verified_by == "tool errors" else verifier
        task = _retry_prompt(prompt, model, title, verdict, diffs)
    assert final is not None
    passed = bool(attempts) and attempts[-1].check == "pass"
    yield CascadeDone(tuple(attempts), final, passed=passed, verifier=kind)


def _verdict_line(verifier: Verifier, model: str, verdict: Verdict) -> str:
    line = f"{verifier.describe()} on {model}'s work: {verdict.summary}"
    judge = verdict.judge
    if judge is not None:
        from tui_router.core.money_text import format_usd

        line += f" (judged by {judge.model}: {format_usd(judge.price.usd)})"
    return line


def _left(cap: Decimal | None, attempts: list[CascadeAttempt]) -> Decimal | None:
    if cap is None:
        return None
    spent = sum(
        ((a.cost_usd or Decimal(0)) + (a.judge_cost_usd or Decimal(0)) for a in attempts),
        Decimal(0),
    )
    return max(cap - spent, Decimal("0.000001"))


def _available(catalog: Any, model_id: str) -> bool:
    try:
        info = catalog.describe(model_id)
    except UserFacingError:
        return False
    return bool(getattr(info, "available", True))


def _same_tier_elsewhere(session: Session, model: str, tried: set[str]) -> str | None:
    """An available model of ``model``'s tier served by another endpoint, not yet tried."""
    catalog = session.catalog
    info = catalog.describe(model)
    for candidate in catalog.by_tier().get(info.tier or "", []):
        if (
            candidate.id not in tried
            and candidate.available
            and candidate.endpoint.name != info.endpoint.name
        ):
            return str(candidate.id)
    return None


def _restore(session: Session, done: TurnDone) -> str:
    """Put the tree back as it was before the failed attempt; a line saying what was restored."""
    if done.checkpoint_id is None:
        return ""
    from tui_router.core.agent.checkpoints import restore_checkpoint

    # the attempt's own files, just written: nothing else has touched them
    restored = restore_checkpoint(session.store, done.checkpoint_id, force=True)
    changed = len(restored.restored) + len(restored.removed)
    return f"restored {counted(changed, 'file')} it changed"


def _retry_prompt(
    prompt: str, model: str, verifier: Verifier | None, verdict: Verdict, diffs: list[str]
) -> str:
    diff = _cap("\n".join(diffs), DIFF_CAP) or "(no file changes)"
    parts = [
        prompt,
        "",
        f"A previous attempt by {model} did not succeed: {verdict.summary}. Its changes have "
        "been undone; the files are as they were before it. Do the task, avoiding its mistake.",
        "",
        "The previous attempt's diff:",
        f"```diff\n{diff}\n```",
    ]
    if verifier is not None and verdict.output:
        parts += [verifier.output_title(), f"```\n{_cap(verdict.output, OUTPUT_CAP)}\n```"]
    return "\n".join(parts)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - limit:,} characters cut …]\n{text[-half:]}"
