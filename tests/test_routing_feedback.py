"""Online feedback through the Router: the user's answers change later decisions, persist, reset."""

from __future__ import annotations

from pathlib import Path

import pytest
from routing_fakes import standard_catalog, standard_config

from tui_router.core.routing import learned
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.decision import Decision, tier_rank
from tui_router.core.routing.router import Router

PROMPT = "rename the helper function to load_settings in utils.py"


def make_router(feedback: Path) -> Router:
    r = Router(standard_config(), standard_catalog(), feedback, strategy="learned")
    assert r.learned is not None, f"the shipped learned model must load: {r.learned_error}"
    return r


def test_retry_stronger_moves_a_later_decision_up_and_persists(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    r = make_router(feedback)
    before = r.decide(PROMPT)
    assert before.strategy == "learned" and before.score is not None
    for _ in range(4):  # a few consistent clicks, not a dozen
        r.record_retry_stronger(before)
        if tier_rank(r.decide(PROMPT).tier) > tier_rank(before.tier):
            break
    after = r.decide(PROMPT)
    assert after.score is not None and after.score > before.score
    assert tier_rank(after.tier) > tier_rank(before.tier), (before.reason, after.reason)
    assert feedback.exists()

    # A new session (a new Router) replays the feedback file.
    again = make_router(feedback).decide(PROMPT)
    assert again.tier == after.tier
    assert again.score == pytest.approx(after.score, abs=0.05)

    # `tui-router route reset` forgets it.
    assert learned.reset(feedback) is True
    fresh = make_router(feedback).decide(PROMPT)
    assert fresh.score == pytest.approx(before.score, abs=1e-9)


def test_accepted_and_rejected_suggestions_teach_in_the_right_direction(tmp_path: Path) -> None:
    r = make_router(tmp_path / "feedback.jsonl")
    context = RoutingContext(current_model="top", current_tier="frontier")
    start = r.decide(PROMPT, context)
    assert start.kind == "downgrade" and start.score is not None
    r.record_feedback(start, accepted=False)  # the user kept the frontier model: needed stronger
    up = r.decide(PROMPT, context)
    assert up.score is not None and up.score > start.score
    escalate = Decision(
        model="top",
        tier="frontier",
        strategy="learned",
        reason="r",
        kind="escalate",
        features=up.features,
        prompt=PROMPT,
    )
    r.record_feedback(escalate, accepted=False)  # the cheaper model was fine
    r.record_feedback(escalate, accepted=False)
    down = r.decide(PROMPT, context)
    assert down.score is not None and down.score < up.score


def test_stay_decisions_teach_nothing(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    r = make_router(feedback)
    decision = r.decide(PROMPT)
    assert decision.kind == "stay"
    r.record_feedback(decision, accepted=True)
    assert not feedback.exists()
