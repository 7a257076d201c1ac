"""The cascade driver: every attempt goes through the caller's runner, escalation on a failed gate."""

from __future__ import annotations

import pytest

from tui_router.core.routing.cascade import cascade_models, run_cascade
from tui_router.core.routing.decision import Decision
from tui_router.core.routing.gates import GateResult

GOOD = "```python\ndef add(a, b):\n    return a + b\n```"


def runner(answers: dict[str, tuple[str, str | None]]):
    calls: list[str] = []

    async def run_attempt(model: str) -> tuple[str, str | None]:
        calls.append(model)
        return answers[model]

    return run_attempt, calls


async def test_a_passing_cheap_answer_stops_the_cascade() -> None:
    run, calls = runner({"fast": (GOOD, "end_turn"), "mid": ("unused", "end_turn")})
    result = await run_cascade("write add", ["fast", "mid"], run)
    assert calls == ["fast"]
    assert result.final.model == "fast" and result.passed and not result.escalated


async def test_a_failed_gate_escalates_and_both_attempts_are_kept() -> None:
    run, calls = runner({
        "fast": ("```python\ndef add(a, b)\n    return a + b\n```", "end_turn"),
        "mid": (GOOD, "end_turn"),
        "top": ("unused", "end_turn"),
    })
    result = await run_cascade("write add", ["fast", "mid", "top"], run)
    assert calls == ["fast", "mid"]
    assert [a.model for a in result.attempts] == ["fast", "mid"]
    assert result.attempts[0].gate.gate == "code"
    assert result.escalated and result.passed
    assert "escalated to mid" in result.summary()


async def test_when_nothing_passes_the_last_answer_is_kept() -> None:
    run, calls = runner({"fast": ("", "end_turn"), "mid": ("cut", "max_tokens")})
    result = await run_cascade("x", ["fast", "mid"], run)
    assert calls == ["fast", "mid"]
    assert not result.passed and result.final.model == "mid"
    assert "no model passed" in result.summary()


async def test_the_judge_can_veto_but_is_not_asked_about_the_last_model() -> None:
    judged: list[str] = []

    async def judge(prompt: str, answer: str) -> GateResult:
        judged.append(answer)
        return GateResult(False, "judge", "misses the edge case")

    run, calls = runner({"fast": (GOOD, "end_turn"), "mid": (GOOD + " ", "end_turn")})
    result = await run_cascade("write add", ["fast", "mid"], run, judge=judge)
    assert calls == ["fast", "mid"]
    assert judged == [GOOD]  # only the first answer was judged
    assert result.attempts[0].gate.gate == "judge" and result.passed


async def test_max_attempts_limits_the_calls() -> None:
    run, calls = runner({"fast": ("", None), "mid": ("", None), "top": (GOOD, None)})
    result = await run_cascade("x", ["fast", "mid", "top"], run, max_attempts=2)
    assert calls == ["fast", "mid"] and len(result.attempts) == 2


async def test_no_models_is_an_error() -> None:
    run, _ = runner({})
    with pytest.raises(ValueError):
        await run_cascade("x", [], run)


def test_cascade_models_come_from_the_decision() -> None:
    decision = Decision(model="fast", tier="fast", strategy="cascade", reason="r", ladder=("mid", "top"))
    assert cascade_models(decision) == ("fast", "mid", "top")
    assert cascade_models(Decision(model=None, tier=None, strategy="cascade", reason="r")) == ()
