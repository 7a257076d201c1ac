"""What decides whether a cascade attempt's work stands: the check command, or the quality gates.

The cascade (`core.verified_cascade`) runs an agent turn on one model, then asks its verifier.
`CheckCommand` runs the configured command (``pytest -q``, a build) in the workspace: the
evidence is the exit code. `QualityGates` reads the finished answer with the local gates of
`routing.gates` (empty, refusal, truncated, code that does not parse, a format not met) and,
when asked for, one fast-tier judge call (purpose ``judge``, recorded in the ledger). Either way
the verdict is a `Verdict`: passed or not, one line why, and what the next model should see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from tui_router.core.conversation import Conversation, ToolCall
from tui_router.core.routing.gates import GateResult, check_with_judge, make_judge

if TYPE_CHECKING:
    from tui_router.core.catalog import Catalog
    from tui_router.core.events import TurnDone
    from tui_router.core.session import Session
    from tui_router.core.turn import TurnResult

#: the name of a verifier in ``ask --json`` (an attempt's ``verified_by``)
VerifierKind = Literal["check", "gate"]
CHECK_TIMEOUT_S = 600.0
#: Most output tokens of a judge's verdict ("PASS" or "FAIL: one short reason").
JUDGE_MAX_TOKENS = 200
#: The tier the judge's model comes from.
JUDGE_TIER = "fast"


@dataclass(frozen=True)
class Verdict:
    """A verifier's answer on one attempt.

    ``output`` is what the next model is shown of the failure (the check's output, or the
    rejected answer); ``gate`` names the gate that decided a gate verdict; ``judge`` is the
    judge's recorded call when one was asked.
    """

    passed: bool
    summary: str
    output: str = ""
    gate: str | None = None
    judge: TurnResult | None = None


class Verifier(Protocol):
    """Decides on an attempt once its model has finished the turn."""

    kind: VerifierKind

    def describe(self) -> str:
        """What ran, for notices ("the check `pytest -q`", "the quality gates")."""
        ...

    def output_title(self) -> str:
        """The heading of `Verdict.output` in the next model's prompt."""
        ...

    async def verify(self, session: Session, prompt: str, done: TurnDone, *, last: bool) -> Verdict:
        """The verdict on ``done`` (the attempt's `TurnDone`) for the task ``prompt``;
        ``last``: no model is left to escalate to."""
        ...


class CheckCommand:
    """Run a command in the workspace: exit 0 passes. It runs under the run_command rules: a
    ``[permissions] deny`` rule refuses it; otherwise it is approved by having been given (on the
    command line or in config), never by the model."""

    kind: VerifierKind = "check"

    def __init__(self, command: str) -> None:
        self.command = command

    def describe(self) -> str:
        return f"the check `{self.command}`"

    def output_title(self) -> str:
        return f"Output of the check `{self.command}`:"

    async def verify(self, session: Session, prompt: str, done: TurnDone, *, last: bool) -> Verdict:
        from tui_router.core.agent.commands import run_shell

        agent = session.agent
        if agent is None:
            return Verdict(False, "the check needs the agent's workspace (tools are off)")
        call = ToolCall("check", "run_command", {"command": self.command})
        verdict = agent.permissions.check(call, agent.workspace)
        if verdict.verdict == "deny":
            return Verdict(False, f"the check was refused: {verdict.reason}")
        result = await run_shell(
            self.command, cwd=agent.workspace_root, env=agent.toolbox.env, timeout_s=CHECK_TIMEOUT_S
        )
        output = agent.toolbox.redact(result.output)
        if result.timed_out:
            return Verdict(False, f"timed out after {CHECK_TIMEOUT_S:g} s", output)
        passed = result.exit_code == 0
        return Verdict(passed, "passed" if passed else f"failed (exit {result.exit_code})", output)


class QualityGates:
    """The local gates on the attempt's final answer, then the judge (when ``judge_model`` is
    set, and never on the last model: nothing is left to escalate to)."""

    kind: VerifierKind = "gate"

    def __init__(self, judge_model: str | None = None) -> None:
        self.judge_model = judge_model

    def describe(self) -> str:
        return "the quality gates"

    def output_title(self) -> str:
        return "The previous attempt's answer:"

    async def verify(self, session: Session, prompt: str, done: TurnDone, *, last: bool) -> Verdict:
        results = done.results
        stop_reason = results[-1].stop_reason if results else None
        asked: list[TurnResult] = []
        judge = None
        if self.judge_model is not None and not last:
            judge = make_judge(lambda text: self._ask_judge(session, text, asked))
        gate: GateResult = await check_with_judge(prompt, done.text, stop_reason, judge)
        judged = asked[-1] if asked else None
        # the notice names the verifier already ("the quality gates on X's work: passed"); the
        # check command's verdict reads "passed" the same way
        summary = "passed" if gate.passed else f"{gate.gate}: {gate.reason}"
        if gate.passed and gate.gate == "judge":
            summary = gate.reason
        return Verdict(gate.passed, summary, done.text, gate.gate, judged)

    async def _ask_judge(self, session: Session, text: str, asked: list[TurnResult]) -> str:
        assert self.judge_model is not None
        conversation = Conversation()
        conversation.add_user(text)
        result = await session.runner.run(
            conversation,
            self.judge_model,
            session_id=session.session_id,
            turn_index=session.turn_index,
            purpose="judge",
            max_tokens=JUDGE_MAX_TOKENS,
            store_text=False,  # a verdict is no part of the conversation
        )
        asked.append(result)
        if not result.ok:
            raise RuntimeError(f"{self.judge_model}: {result.error}")
        return result.text


def judge_model(catalog: Catalog) -> str | None:
    """The model that judges answers: the first available model of the fast tier, never the
    offline fallback (a 135M model's verdict is noise: without another model, no judge)."""
    found = catalog.first_available(JUDGE_TIER, fallback_ok=False)
    return None if found is None else found.id
