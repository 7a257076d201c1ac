"""The verified cascade: an agent turn that starts on a cheap model and escalates on evidence.

Routing a coding task from its prompt alone is weak; the run itself says much more. So the turn
runs on the cheapest model of a ladder; when that model finishes, the check command (``pytest
-q``, a build, a script) runs in the workspace. A pass ends the turn. A failure — or the same
failing command or edit three times during the run — restores the attempt's checkpoint and gives
the task to the next model of the ladder, together with the failed attempt's diff and the check's
output (both capped), until a check passes or the top model has tried. Every call is priced with
purpose ``cascade`` (a subagent's as ``subagent``); `CascadeAttempt` lists what each attempt cost.

A provider error is not a quality failure: the cascade stops there instead of paying the next
tier for the same outage. The check runs under the run_command rules: a ``[permissions] deny``
rule refuses it; otherwise it is approved by having been given (on the command line or in
config), never by the model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from tui_router.core.conversation import ToolCall
from tui_router.core.events import Notice, ToolResult, TurnDone, TurnError, TurnEvent

if TYPE_CHECKING:
    from tui_router.core.session import Session

CheckStatus = Literal["pass", "fail", "none"]
#: the most characters of a failed attempt's diff / check output the next model is given
DIFF_CAP = 6_000
OUTPUT_CAP = 4_000
CHECK_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class CascadeAttempt:
    """One model's try: which model, its tier, how the check went, what it cost."""

    model: str
    tier: str | None
    check: CheckStatus
    cost_usd: Decimal | None
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "tier": self.tier,
            "check": self.check,
            "cost_usd": None if self.cost_usd is None else str(self.cost_usd),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    output: str
    summary: str


@dataclass(frozen=True)
class CascadeDone:
    """The cascade is over: its attempts in order, and the last attempt's `TurnDone`."""

    attempts: tuple[CascadeAttempt, ...]
    final: TurnDone
    passed: bool


async def run_verified_cascade(
    session: Session,
    prompt: str,
    models: Sequence[str],
    check: str | None,
    *,
    max_steps: int | None = None,
    max_cost_usd: Decimal | None = None,
) -> AsyncIterator[TurnEvent | CascadeDone]:
    """Run ``prompt`` up ``models`` until ``check`` passes; yield the turns' events, a `Notice`
    per escalation, and last a `CascadeDone`. Without ``check`` only repeated tool errors
    escalate (a finished answer is accepted)."""
    attempts: list[CascadeAttempt] = []
    task = prompt
    final: TurnDone | None = None
    for index, model in enumerate(models):
        done: TurnDone | None = None
        provider_error = False
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
                provider_error = True
            elif isinstance(event, ToolResult) and event.outcome.diff:
                diffs.append(event.outcome.diff)
            yield event
        assert done is not None
        final = done
        tier = session.catalog.describe(model).tier
        last = index == len(models) - 1
        if provider_error or (done.stopped and done.escalation is None):
            # not a verdict on the work: an outage, a cap, a cancel — do not pay the next tier
            attempts.append(CascadeAttempt(model, tier, "none", done.cost_usd, done.stopped or ""))
            break
        if done.escalation is not None:
            outcome = CheckOutcome(False, "", done.escalation)
        elif check is None:
            attempts.append(CascadeAttempt(model, tier, "none", done.cost_usd))
            yield CascadeDone(tuple(attempts), done, passed=True)
            return
        else:
            outcome = await _run_check(session, check)
            yield Notice(f"check `{check}` on {model}'s work: {outcome.summary}")
        status: CheckStatus = "pass" if outcome.passed else "fail"
        attempts.append(CascadeAttempt(model, tier, status, done.cost_usd, outcome.summary))
        if outcome.passed:
            yield CascadeDone(tuple(attempts), done, passed=True)
            return
        if last:
            break
        restored = _restore(session, done)
        next_model = models[index + 1]
        session.escalations += 1
        yield Notice(
            f"escalating from {model} to {next_model}: {outcome.summary}"
            + (f"; {restored}" if restored else "")
        )
        task = _retry_prompt(prompt, model, check, outcome, diffs)
    assert final is not None
    passed = bool(attempts) and attempts[-1].check == "pass"
    yield CascadeDone(tuple(attempts), final, passed=passed)


def _left(cap: Decimal | None, attempts: list[CascadeAttempt]) -> Decimal | None:
    if cap is None:
        return None
    spent = sum((a.cost_usd or Decimal(0) for a in attempts), Decimal(0))
    return max(cap - spent, Decimal("0.000001"))


async def _run_check(session: Session, command: str) -> CheckOutcome:
    """Run the check in the workspace, under the run_command deny rules."""
    from tui_router.core.agent.commands import run_shell

    agent = session.agent
    assert agent is not None
    call = ToolCall("check", "run_command", {"command": command})
    verdict = agent.permissions.check(call, agent.workspace)
    if verdict.verdict == "deny":
        return CheckOutcome(False, "", f"the check was refused: {verdict.reason}")
    result = await run_shell(
        command, cwd=agent.workspace_root, env=agent.toolbox.env, timeout_s=CHECK_TIMEOUT_S
    )
    output = agent.toolbox.redact(result.output)
    if result.timed_out:
        return CheckOutcome(False, output, f"timed out after {CHECK_TIMEOUT_S:g} s")
    passed = result.exit_code == 0
    return CheckOutcome(passed, output, "passed" if passed else f"failed (exit {result.exit_code})")


def _restore(session: Session, done: TurnDone) -> str:
    """Put the tree back as it was before the failed attempt; a line saying what was restored."""
    if done.checkpoint_id is None:
        return ""
    from tui_router.core.agent.checkpoints import restore_checkpoint

    # the attempt's own files, just written: nothing else has touched them
    restored = restore_checkpoint(session.store, done.checkpoint_id, force=True)
    changed = len(restored.restored) + len(restored.removed)
    return f"restored {changed} file{'s' if changed != 1 else ''} it changed"


def _retry_prompt(
    prompt: str, model: str, check: str | None, outcome: CheckOutcome, diffs: list[str]
) -> str:
    diff = _cap("\n".join(diffs), DIFF_CAP) or "(no file changes)"
    parts = [
        prompt,
        "",
        f"A previous attempt by {model} did not succeed: {outcome.summary}. Its changes have "
        "been undone; the files are as they were before it. Do the task, avoiding its mistake.",
        "",
        "The previous attempt's diff:",
        f"```diff\n{diff}\n```",
    ]
    if check is not None and outcome.output:
        parts += [
            f"Output of the check `{check}`:",
            f"```\n{_cap(outcome.output, OUTPUT_CAP)}\n```",
        ]
    return "\n".join(parts)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - limit:,} characters cut …]\n{text[-half:]}"
