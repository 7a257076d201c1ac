"""The learned router: shipped weights load, scores are probabilities, feedback moves later scores,
persists across loads, and `reset` forgets it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_router.core.paths import get_paths
from tui_router.core.routing.features import extract_features
from tui_router.core.routing.learned import WEIGHTS_FILE, LearnedRouter, reset, tokens

HARD = (
    "We have a race condition in production: two workers sometimes charge a customer twice. "
    "Find the root cause in the payment queue consumer and fix it safely."
)
EASY = "Rename the variable `cnt` to `count` in this function."


def _score(router: LearnedRouter, prompt: str) -> float:
    return router.score(prompt, extract_features(prompt).as_dict())


def test_shipped_weights_file_is_valid_json_with_thresholds() -> None:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["words"] and data["numeric"]
    thresholds = data["thresholds"]
    assert 0 < thresholds["fast"] < thresholds["balanced"] < thresholds["frontier"] < 1


def test_scores_are_probabilities_and_order_easy_below_hard() -> None:
    router = LearnedRouter.load()
    easy, hard = _score(router, EASY), _score(router, HARD)
    assert 0.0 <= easy < hard <= 1.0
    assert router.tier_for(hard) in ("balanced", "frontier")
    assert router.tier_for(easy) in ("local", "fast")


def test_tier_for_follows_thresholds_in_order() -> None:
    router = LearnedRouter.load()
    t = router.thresholds
    assert router.tier_for(0.0) == "local"
    assert router.tier_for(t["fast"]) == "fast"
    assert router.tier_for(t["balanced"]) == "balanced"
    assert router.tier_for(t["frontier"]) == "frontier"
    assert router.tier_for(1.0) == "frontier"


def test_empty_prompt_and_missing_features_still_score() -> None:
    router = LearnedRouter.load()
    assert 0.0 <= router.score("", {}) <= 1.0
    assert 0.0 <= router.score("x" * 200_000, {"chars": 200_000.0, "unknown": 3.0}) <= 1.0


def test_retry_stronger_feedback_raises_a_later_score_and_persists(tmp_path: Path) -> None:
    feedback = tmp_path / "data" / "feedback.jsonl"
    prompt = "Convert this small CSV parser to use the csv module."
    features = extract_features(prompt).as_dict()
    router = LearnedRouter.load(feedback)
    before = router.score(prompt, features)
    for _ in range(3):
        router.learn(prompt, features, label=1.0)
    after = router.score(prompt, features)
    assert after > before + 0.1
    assert feedback.exists() and len(feedback.read_text().splitlines()) == 3

    reloaded = LearnedRouter.load(feedback)
    assert reloaded.feedback_count == 3
    assert reloaded.score(prompt, features) == pytest.approx(after, abs=1e-9)
    # A fresh load without the user's feedback is the shipped model again.
    assert LearnedRouter.load().score(prompt, features) == pytest.approx(before, abs=1e-9)


def test_cheaper_was_fine_feedback_lowers_a_later_score(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    features = extract_features(HARD).as_dict()
    router = LearnedRouter.load(feedback)
    before = router.score(HARD, features)
    router.learn(HARD, features, label=0.0, weight=2.0)
    assert router.score(HARD, features) < before


def test_zero_weight_feedback_changes_nothing(tmp_path: Path) -> None:
    router = LearnedRouter.load(tmp_path / "f.jsonl")
    before = _score(router, EASY)
    router.learn(EASY, extract_features(EASY).as_dict(), label=1.0, weight=0.0)
    assert _score(router, EASY) == pytest.approx(before)


def test_reset_forgets_feedback(tmp_path: Path) -> None:
    feedback = get_paths().feedback_file
    router = LearnedRouter.load(feedback)
    before = _score(router, EASY)
    router.learn(EASY, extract_features(EASY).as_dict(), label=1.0)
    assert LearnedRouter.load(feedback).feedback_count == 1
    assert reset(feedback) is True
    assert not feedback.exists()
    assert not feedback.with_name(feedback.name + ".state.json").exists()
    assert reset(feedback) is False
    fresh = LearnedRouter.load(feedback)
    assert fresh.feedback_count == 0
    assert _score(fresh, EASY) == pytest.approx(before)


def test_feedback_appended_by_another_session_is_picked_up(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    features = extract_features(EASY).as_dict()
    first = LearnedRouter.load(feedback)
    first.learn(EASY, features, label=1.0)
    after_one = first.score(EASY, features)
    # Another session appends to the same record; this load has only its saved state so far.
    other = LearnedRouter.load(feedback)
    other.learn(EASY, features, label=1.0)
    reloaded = LearnedRouter.load(feedback)
    assert reloaded.feedback_count == 2
    assert reloaded.score(EASY, features) > after_one


def test_a_stale_state_file_is_ignored_and_the_record_replayed(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    features = extract_features(EASY).as_dict()
    router = LearnedRouter.load(feedback)
    router.learn(EASY, features, label=1.0)
    expected = router.score(EASY, features)
    state = feedback.with_name(feedback.name + ".state.json")
    assert state.exists()
    state.write_text("{broken", encoding="utf-8")
    assert LearnedRouter.load(feedback).score(EASY, features) == pytest.approx(expected)


def test_damaged_feedback_lines_are_skipped(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback.jsonl"
    good = {"prompt": EASY, "label": 1.0, "weight": 1.0, "features": {}}
    feedback.write_text("not json\n" + json.dumps(good) + '\n{"prompt": 3}\n', encoding="utf-8")
    assert LearnedRouter.load(feedback).feedback_count == 1


def test_missing_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="weights"):
        LearnedRouter.load(weights_path=tmp_path / "nope.json")


def test_tokens_are_words_and_pairs_without_duplicates() -> None:
    assert tokens("Fix the bug, fix the BUG") == [
        "fix",
        "the",
        "fix the",
        "bug",
        "the bug",
        "bug fix",
    ]
