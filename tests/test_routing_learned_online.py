"""Online learning of the learned router with the shipped weights: feedback moves similar prompts,
one piece of feedback does not flip unrelated cheap prompts, it persists, and reset forgets it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from routing_fakes import standard_catalog, standard_config

from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.decision import Decision
from tui_router.core.routing.features import extract_features
from tui_router.core.routing.learned import (
    BIAS_CAP,
    MAX_STEP,
    LearnedRouter,
    reset,
)
from tui_router.core.routing.learned_store import STATE_VERSION
from tui_router.core.routing.router import Router

CHEAP = ("rename x to y", "add a docstring to this function")
#: Where cheap prompts belong: the 2,048-token local model takes a one-line prompt, so the
#: cheapest prompts land there and the others on fast.
CHEAP_TIERS = ("local", "fast")
RENAME = "rename the helper function to load_settings in utils.py"
SQL_QUERIES = (
    "write the SQL query for the monthly sales report",
    "write the SQL query for active users last week",
    "write the SQL query for the top ten products by revenue",
    "write the SQL query for customers without orders",
)
SQL_QUERY_LATER = "write the SQL query for the busiest hour of the day"
MIGRATIONS = (
    "write the SQL migration for the users table",
    "write the SQL migration for adding an orders.status column",
    "write the SQL migration for splitting the address column",
    "write the SQL migration for renaming the email column",
    "write the SQL migration for a new index on payments",
)
MIGRATION_LATER = "write the SQL migration for the audit log table"
#: A balanced family outside the design/migration floor (which no feedback can lower).
FLAKY_TESTS = (
    "debug the flaky test in the payments module",
    "debug the flaky test in the refunds module",
    "debug the flaky test in the invoices module",
    "debug the flaky test in the billing module",
)
FLAKY_TEST_LATER = "debug the flaky test in the ledger module"
UNRELATED = (
    *MIGRATIONS[:2],
    "We have a race condition in production: two workers sometimes charge a customer twice.",
)


#: The operating point before the shipped one (the labelled prompts' CV choice, lower lines):
#: the feedback loop must keep its pace wherever the lines are put.
EARLIER_THRESHOLDS = {"balanced": 0.5596, "frontier": 0.803}
#: "A few consistent clicks": what lifting a similar prompt one tier may take at most.
FEW_CLICKS = 4


def make_router(feedback: Path, thresholds: dict[str, float] | None = None) -> Router:
    """A router with the shipped weights and operating point (or ``thresholds`` instead)."""
    router = Router(standard_config(), standard_catalog(), feedback, strategy="learned")
    if thresholds is not None:
        learned_of(router).thresholds.update(thresholds)
    return router


def clicks_to_lift(router: Router, family: tuple[str, ...], later: str, to: str) -> int | None:
    """How many "retry stronger" clicks on ``family`` (in turn) put ``later`` on tier ``to``."""
    for click in range(3 * len(family)):
        router.record_retry_stronger(router.decide(family[click % len(family)]))
        if tier(router, later) == to:
            return click + 1
    return None


def logit(probability: float) -> float:
    return math.log(probability / (1.0 - probability))


def learned_of(router: Router) -> LearnedRouter:
    model = router.learned
    assert model is not None, router.learned_error
    return model


def escalation(prompt: str) -> Decision:
    """A suggestion to move ``prompt`` from the fast model up to the frontier one."""
    return Decision(
        model="top",
        tier="frontier",
        strategy="learned",
        reason="suggested",
        kind="escalate",
        current_model="small-fast",
        features=extract_features(prompt),
        prompt=prompt,
    )


def tier(router: Router, prompt: str, context: RoutingContext | None = None) -> str | None:
    return router.decide(prompt, context).tier


def cheap_tiers(router: Router) -> dict[str, str | None]:
    """The tier of each cheap prompt, checked to be a cheap one."""
    tiers = {p: tier(router, p) for p in CHEAP}
    assert all(t in CHEAP_TIERS for t in tiers.values()), tiers
    return tiers


def score(router: Router, prompt: str) -> float:
    value = router.decide(prompt).score
    assert value is not None
    return value


@pytest.mark.parametrize(
    "thresholds", [None, EARLIER_THRESHOLDS], ids=["shipped lines", "earlier lines"]
)
def test_one_retry_stronger_does_not_flip_unrelated_cheap_prompts(
    tmp_path: Path, thresholds: dict[str, float] | None
) -> None:
    router = make_router(tmp_path / "feedback.jsonl", thresholds)
    before = {p: score(router, p) for p in CHEAP}
    cheap_tiers(router)
    retried_before = score(router, RENAME)

    router.record_retry_stronger(router.decide(RENAME))

    assert score(router, RENAME) > retried_before  # the feedback itself counts
    balanced = learned_of(router).thresholds["balanced"]
    # Every cheap prompt stays on a cheap tier (one near the local/fast line may cross it).
    cheap_tiers(router)  # every cheap prompt is still on local or fast
    for prompt in CHEAP:
        # Far below the balanced threshold, and barely moved (it used to jump 0.01 -> 0.82).
        assert score(router, prompt) < balanced / 2, prompt
        assert score(router, prompt) - before[prompt] < 0.05, prompt


def test_a_few_unrelated_retries_leave_cheap_prompts_on_fast(tmp_path: Path) -> None:
    router = make_router(tmp_path / "feedback.jsonl")
    cheap_tiers(router)
    for prompt in UNRELATED:
        router.record_retry_stronger(router.decide(prompt))
    cheap_tiers(router)  # every cheap prompt is still on local or fast


@pytest.mark.parametrize(
    "thresholds", [None, EARLIER_THRESHOLDS], ids=["shipped lines", "earlier lines"]
)
def test_a_few_consistent_retries_move_a_similar_cheap_prompt_up_a_tier(
    tmp_path: Path, thresholds: dict[str, float] | None
) -> None:
    """The pace follows the lines: at the shipped 0.80 balanced line as at the earlier 0.56 one,
    a few clicks on similar prompts lift a later one to balanced (it took 12 at 0.80 when the
    step was a fixed logit move), and not one alone; unrelated cheap prompts stay cheap."""
    router = make_router(tmp_path / "feedback.jsonl", thresholds)
    assert tier(router, SQL_QUERY_LATER) == "fast"
    cheap_tiers(router)
    clicks = clicks_to_lift(router, SQL_QUERIES, SQL_QUERY_LATER, "balanced")
    assert clicks is not None and 2 <= clicks <= FEW_CLICKS, clicks
    cheap_tiers(router)  # similar prompts moved; unrelated cheap ones did not


def test_a_few_consistent_retries_move_a_similar_balanced_prompt_to_frontier(
    tmp_path: Path,
) -> None:
    router = make_router(tmp_path / "feedback.jsonl")
    assert tier(router, FLAKY_TEST_LATER) == "balanced"
    clicks = clicks_to_lift(router, FLAKY_TESTS, FLAKY_TEST_LATER, "frontier")
    assert clicks is not None and clicks <= FEW_CLICKS, clicks
    cheap_tiers(router)


def test_rejected_escalations_move_similar_prompts_down(tmp_path: Path) -> None:
    router = make_router(tmp_path / "feedback.jsonl")
    on_fast = RoutingContext(current_model="small-fast", current_tier="fast")
    assert tier(router, FLAKY_TEST_LATER, on_fast) == "balanced"
    for prompt in FLAKY_TESTS[:3]:
        suggested = escalation(prompt)
        router.record_feedback(suggested, accepted=False)  # the fast model was fine
    assert tier(router, FLAKY_TEST_LATER, on_fast) == "fast"


def test_no_feedback_lowers_a_migration_below_the_design_floor(tmp_path: Path) -> None:
    router = make_router(tmp_path / "feedback.jsonl")
    on_fast = RoutingContext(current_model="small-fast", current_tier="fast")
    for prompt in MIGRATIONS:
        router.record_feedback(escalation(prompt), accepted=False)
    assert tier(router, MIGRATION_LATER, on_fast) in ("balanced", "frontier")


def test_feedback_persists_across_load_and_reset_restores_the_shipped_model(
    tmp_path: Path,
) -> None:
    feedback = tmp_path / "data" / "feedback.jsonl"
    router = make_router(feedback)
    shipped = {p: score(router, p) for p in (SQL_QUERY_LATER, *CHEAP)}
    for prompt in SQL_QUERIES:
        router.record_retry_stronger(router.decide(prompt))
    learned = {p: score(router, p) for p in shipped}

    again = make_router(feedback)  # a new session: the saved state, no replay
    assert learned_of(again).feedback_count == len(SQL_QUERIES)
    for prompt, value in learned.items():
        assert score(again, prompt) == pytest.approx(value, abs=1e-9), prompt
    assert tier(again, SQL_QUERY_LATER) == "balanced"

    assert reset(feedback) is True
    fresh = make_router(feedback)
    assert learned_of(fresh).feedback_count == 0
    for prompt, value in shipped.items():
        assert score(fresh, prompt) == pytest.approx(value, abs=1e-12), prompt
    assert tier(fresh, SQL_QUERY_LATER) == "fast"


@pytest.mark.parametrize(
    "version",
    [None, 2],
    ids=["first rule (unmarked, huge changes)", "fixed logit step (version 2)"],
)
def test_a_state_from_an_old_update_rule_is_replayed_under_the_new_one(
    tmp_path: Path, version: int | None
) -> None:
    feedback = tmp_path / "feedback.jsonl"
    router = make_router(feedback)
    router.record_retry_stronger(router.decide(RENAME))
    expected = {p: score(router, p) for p in (RENAME, *CHEAP)}
    # A state file as an older update rule wrote it, with changes the current rule would not make.
    state = feedback.with_name(feedback.name + ".state.json")
    old: dict[str, object] = {"offset": feedback.stat().st_size, "count": 1, "bias": 0.4}
    old |= {"numeric": {"f.chars": -3.0}, "words": {"rename": 9.0, "to": 5.0}}
    if version is not None:
        old["version"] = version
    state.write_text(json.dumps(old), encoding="utf-8")

    reloaded = make_router(feedback)
    for prompt, value in expected.items():
        assert score(reloaded, prompt) == pytest.approx(value, abs=1e-9), prompt
    assert json.loads(state.read_text(encoding="utf-8"))["version"] == STATE_VERSION


def test_one_example_moves_its_own_logit_by_at_most_the_step_cap(tmp_path: Path) -> None:
    model = LearnedRouter.load(tmp_path / "feedback.jsonl")
    lines = model.thresholds
    # The cap is a fraction of the fast band: the logit distance from the fast line up to the
    # balanced one.
    cap = MAX_STEP * (logit(lines["balanced"]) - logit(lines["fast"]))
    features = extract_features(RENAME).as_dict()
    before = model.raw_score(RENAME, features)
    model.learn(RENAME, features, label=1.0, weight=100.0)
    moved = model.raw_score(RENAME, features) - before
    assert 0.8 * cap < moved <= cap + 1e-9


def test_the_bias_correction_stays_bounded(tmp_path: Path) -> None:
    model = LearnedRouter.load(tmp_path / "feedback.jsonl")
    shipped_bias = model.bias
    for i in range(60):
        prompt = f"task number {i}: tidy module_{i}.py"
        model.learn(prompt, extract_features(prompt).as_dict(), label=1.0)
    assert abs(model.bias - shipped_bias) <= BIAS_CAP + 1e-12
    assert math.isfinite(model.raw_score(CHEAP[0], extract_features(CHEAP[0]).as_dict()))


def test_an_answered_suggestion_on_an_unrelated_prompt_keeps_cheap_prompts_on_fast(
    tmp_path: Path,
) -> None:
    router = make_router(tmp_path / "feedback.jsonl")
    cheap_tiers(router)
    on_top = RoutingContext(current_model="top", current_tier="frontier")
    decision = router.decide(RENAME, on_top)
    assert decision.kind == "downgrade"
    router.record_feedback(decision, accepted=False)  # kept the frontier model: needed stronger
    router.record_feedback(escalation(RENAME), accepted=True)
    cheap_tiers(router)  # every cheap prompt is still on local or fast
