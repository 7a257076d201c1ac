"""Routing features: each signal, the two routing questions, structure and session values."""

from __future__ import annotations

import pytest

from tui_router.core.routing.context import AttachedFile, RoutingContext
from tui_router.core.routing.features import TASK_KINDS, Features, extract_features


@pytest.mark.parametrize(
    ("prompt", "flag"),
    [
        ("Why does this crash when the list is empty? It's a bug in prod code", "sig_debugging"),
        ("There is a race condition between the two worker threads", "sig_concurrency"),
        (
            "How should we structure the services? Weigh the tradeoffs of a monolith",
            "sig_architecture",
        ),
        (
            "Do a security review of this login form: is it vulnerable to SQL injection?",
            "sig_security_review",
        ),
        ("Rename the logger across the whole codebase", "sig_multi_file"),
        (
            "What is the time complexity of this algorithm, and can dynamic programming help?",
            "sig_algorithm",
        ),
        (
            "Prove by induction that the sum of the first n odd numbers is n squared",
            "sig_math_proof",
        ),
        ("The endpoint is too slow; where is the bottleneck?", "sig_performance"),
        ("Our replicas return stale data after failover", "sig_distributed"),
        ("Here is a core dump from the C extension", "sig_low_level"),
        ("Why does the numerical integrator diverge?", "sig_numerical"),
        ("This runs against production on Friday", "risk_production"),
        ("Write a migration that adds a column to orders", "risk_migration"),
        ("Deploy the new release with terraform", "risk_deploy"),
        ("Delete all rows older than a year", "risk_destructive"),
        ("Store the API keys and passwords safely", "risk_security"),
        ("Refund the payment when billing fails", "risk_money"),
        ("This is irreversible, we have no backup", "risk_irreversible"),
        ("The table holds personal data under GDPR", "risk_personal_data"),
        ("rename getUser to fetch_user", "cheap_rename"),
        ("reformat this file and sort the imports", "cheap_format"),
        ("add a docstring to parse_args", "cheap_docstring"),
        ("give me the boilerplate for a dataclass", "cheap_boilerplate"),
        ("write a test for slugify: 'A B' -> 'a-b'", "cheap_test_from_spec"),
        ("explain this snippet", "cheap_explain_snippet"),
        ("translate this function to Rust", "cheap_translate"),
        ("what is the syntax for a list comprehension", "cheap_lookup"),
    ],
)
def test_each_signal_fires_on_its_words(prompt: str, flag: str) -> None:
    features = extract_features(prompt)
    assert getattr(features, flag) == 1.0, (flag, features.kinds)


def test_a_plain_prompt_fires_no_risk_or_reasoning_signal() -> None:
    features = extract_features("write a function that adds two numbers")
    assert features.needs_reasoning == 0.0
    assert features.mistake_cost == 0.0
    assert not any(v for k, v in features.as_dict().items() if k.startswith(("sig_", "risk_")))


def test_production_migration_that_drops_a_column_is_a_costly_mistake() -> None:
    features = extract_features("Write the prod migration that drops the email column from users")
    assert features.mistake_cost >= 0.8
    assert {"production", "migration", "destructive"} <= features.kinds


def test_maths_notation_counts_as_reasoning_without_the_word_prove() -> None:
    # LiteLLM's keyword scorer sent prompts like this to its cheapest tier.
    features = extract_features(
        "Let a, b > 0 with a + b = 1. Find the minimum of a^2/b + b^2/a and the x_1 where it is reached."
    )
    assert features.sig_math_proof == 1.0
    assert features.needs_reasoning >= 0.6
    assert features.math_density > 0


@pytest.mark.parametrize(
    "trace",
    [
        'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n'
        "    main()\nKeyError: 'id'",
        "TypeError: Cannot read properties of undefined\n    at render (/src/app.js:10:5)",
        "panic: runtime error: index out of range\n\ngoroutine 1 [running]:",
        'Exception in thread "main" java.lang.NullPointerException\n'
        "    at com.example.Main.run(Main.java:14)",
    ],
)
def test_stack_traces_are_detected_and_count_as_debugging(trace: str) -> None:
    features = extract_features(f"this fails:\n{trace}")
    assert features.has_traceback == 1.0
    assert features.sig_debugging == 1.0
    assert features.needs_reasoning >= 0.5


def test_an_error_quoted_inline_is_a_debugging_task() -> None:
    features = extract_features(
        "I get `RuntimeError: dictionary changed size during iteration` here"
    )
    assert features.sig_debugging == 1.0 and features.error_lines >= 1


def test_code_blocks_are_counted_and_their_words_ignored() -> None:
    prompt = "explain this snippet\n```python\ndef delete_user(db):\n    db.delete()\n```\n"
    features = extract_features(prompt)
    assert features.code_blocks == 1
    assert features.code_lines == 2
    assert features.risk_destructive == 0.0  # "delete" only appears inside the code
    assert features.cheap_explain_snippet == 1.0


def test_paths_mentioned_are_counted_once_each() -> None:
    features = extract_features(
        "update src/app.py, src/db.py and README.md; app.py again: src/app.py"
    )
    assert features.paths_mentioned == 4  # src/app.py, src/db.py, README.md, app.py
    assert features.sig_multi_file == 1.0  # three or more files is a multi-file change


def test_question_and_imperative_shape() -> None:
    question = extract_features("Why is the cache empty after a restart?")
    command = extract_features("Add retries to the HTTP client")
    assert question.is_question == 1.0 and question.is_imperative == 0.0
    assert command.is_imperative == 1.0 and command.is_question == 0.0
    assert extract_features("a? b? c?").question_count == 3


@pytest.mark.parametrize("prompt", ["ok continue", "Yes, go on.", "continue", "ok", "thanks!"])
def test_bare_follow_ups_are_continuations(prompt: str) -> None:
    assert extract_features(prompt).continuation == 1.0
    assert "continue" in extract_features(prompt).kinds


def test_a_follow_up_with_content_is_not_a_bare_continuation() -> None:
    assert extract_features("continue the refactor of the parser and add tests").continuation == 0.0


def test_a_cheap_verb_on_a_hard_task_is_not_a_cheap_task() -> None:
    easy = extract_features("rename foo to bar")
    hard = extract_features(
        "rename the lock so the race condition and deadlock between threads goes away"
    )
    assert easy.cheap_task >= 0.6
    assert hard.cheap_task < easy.cheap_task
    assert hard.needs_reasoning > 0.5


def test_context_values_add_up_and_are_zero_without_context() -> None:
    bare = extract_features("ok continue")
    assert all(
        v == 0.0
        for k, v in bare.as_dict().items()
        if k.startswith("ctx_") and k != "ctx_current_tier_rank"
    )
    assert bare.ctx_current_tier_rank == -1
    context = RoutingContext(
        attached_files=(AttachedFile("a.py", 1_000), AttachedFile("b.py", 500)),
        conversation_tokens=10_000,
        current_model="m",
        current_tier="balanced",
        escalations=1,
        retries_stronger=2,
        recent_rejections=("escalate", "escalate", "downgrade"),
        turn_index=7,
    )
    features = extract_features("ok continue", context)
    assert features.ctx_total_tokens == 10_000 + 1_500 + features.prompt_tokens
    assert features.ctx_attached_files == 2 and features.ctx_attached_tokens == 1_500
    assert features.ctx_rejected_escalations == 2 and features.ctx_rejected_downgrades == 1
    assert features.ctx_retries_stronger == 2 and features.ctx_escalations == 1
    assert features.ctx_current_tier_rank == 2 and features.ctx_turn_index == 7


def test_as_dict_has_stable_numeric_keys() -> None:
    one = extract_features("rename x").as_dict()
    two = extract_features(
        "Traceback (most recent call last):\n...", RoutingContext(conversation_tokens=5)
    ).as_dict()
    assert list(one) == list(two) == list(Features.KEYS)
    assert all(isinstance(v, float) for v in one.values())
    prompt_only = extract_features("rename x").prompt_dict()
    assert prompt_only and not any(k.startswith("ctx_") for k in prompt_only)


def test_every_kind_a_rule_can_name_is_produced_by_some_feature() -> None:
    assert {"rename", "migration", "math_proof", "traceback", "continue", "code"} <= set(TASK_KINDS)


def test_huge_pastes_are_handled() -> None:
    log = "INFO all good\n" * 50_000 + "ValueError: boom\n"
    features = extract_features("why does this fail?\n" + log)
    assert features.chars > 500_000
    assert features.error_lines >= 1
    assert 0.0 <= features.needs_reasoning <= 1.0
