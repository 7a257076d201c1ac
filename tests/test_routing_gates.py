"""Quality gates: each local gate, the judge hook, and the order they run in."""

from __future__ import annotations

import pytest

from tui_router.core.routing import gates
from tui_router.core.routing.gates import GateResult, check_answer, check_with_judge

GOOD = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\n"


def test_a_good_answer_passes_every_gate() -> None:
    assert check_answer("write add()", GOOD, "end_turn").passed


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty(text: str) -> None:
    assert check_answer("x", text).gate == "empty"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not sure what you mean.",
        "As an AI language model, I cannot browse the web.",
        "I'm sorry, but I can't help with that.",
        "I don't know.",
    ],
)
def test_refusal_and_hedging(text: str) -> None:
    result = check_answer("x", text)
    assert (result.passed, result.gate) == (False, "refusal")


def test_a_caveat_deep_in_a_long_answer_is_not_a_refusal() -> None:
    text = (
        "The fix is to close the file handle before returning. " * 10
        + "I'm not sure it matters on Windows."
    )
    assert check_answer("x", text).passed


@pytest.mark.parametrize("stop", ["max_tokens", "length", "MAX_TOKENS"])
def test_truncated_by_the_token_limit(stop: str) -> None:
    assert check_answer("x", "partial answer", stop).gate == "truncated"


def test_an_unclosed_code_block_is_truncated() -> None:
    assert (
        check_answer("x", "Sure:\n```python\ndef f():\n    return 1\n", "end_turn").gate
        == "truncated"
    )


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("python", "def f(:\n    pass"),
        ("json", '{"a": 1,}'),
        ("toml", "a = \n"),
    ],
)
def test_code_that_does_not_parse(lang: str, body: str) -> None:
    result = check_answer("x", f"```{lang}\n{body}\n```")
    assert (result.passed, result.gate) == (False, "code")
    assert lang in result.reason


def test_yaml_is_checked_when_a_parser_is_at_hand() -> None:
    pytest.importorskip("yaml")
    assert check_answer("x", "```yaml\na: [1,\n```").gate == "code"
    assert check_answer("x", "```yaml\na: [1, 2]\n```").passed


@pytest.mark.parametrize(
    "body",
    [
        "    def method(self):\n        return 1",  # an indented excerpt
        "!pip install requests\nimport requests",  # notebook shell line
        ">>> 1 + 1\n2",  # a REPL transcript is not a program
        "def f():\n    ...",
    ],
)
def test_python_snippets_people_write_are_not_flagged(body: str) -> None:
    assert check_answer("x", f"```python\n{body}\n```").passed


def test_untagged_and_other_languages_are_not_parsed() -> None:
    assert check_answer("x", "```\nthis is { not code\n```\n```rust\nfn main( {}\n```").passed


@pytest.mark.parametrize(
    ("prompt", "answer", "passed"),
    [
        ("Reply in JSON with keys name and age", '{"name": "a", "age": 3}', True),
        ("Reply in JSON with keys name and age", '```json\n{"name": "a"}\n```', True),
        ("Reply in JSON with keys name and age", "name is a and age is 3", False),
        ("Return the result as JSON.", "Sure! {name: a}", False),
        ("Output only valid YAML", "a: 1\nb: [2, 3]", True),
        ("Just the code please: a function that adds", "def add(a, b): return a + b", False),
        (
            "Just the code please: a function that adds",
            "```python\ndef add(a, b):\n    return a + b\n```",
            True,
        ),
        # A question about JSON is not a request for a JSON answer.
        ("How do I parse a JSON object in Python?", "Use json.loads(text).", True),
        # Asked for JSON but answered with a program: not a data answer, not judged on format.
        ("Write a script that saves the output as JSON", "```python\nimport json\n```", True),
    ],
)
def test_requested_format(prompt: str, answer: str, passed: bool) -> None:
    result = check_answer(prompt, answer)
    assert result.passed is passed, result
    if not passed:
        assert result.gate == "format"


async def test_the_judge_runs_only_on_answers_that_passed_the_local_gates() -> None:
    calls: list[tuple[str, str]] = []

    async def judge(prompt: str, answer: str) -> GateResult:
        calls.append((prompt, answer))
        return GateResult(False, "judge", "wrong function name")

    failed = await check_with_judge("x", "", "end_turn", judge)
    assert failed.gate == "empty" and calls == []
    vetoed = await check_with_judge("write add()", GOOD, "end_turn", judge)
    assert (vetoed.passed, vetoed.gate, vetoed.reason) == (False, "judge", "wrong function name")
    assert calls == [("write add()", GOOD)]


async def test_a_failing_judge_does_not_lose_the_answer() -> None:
    async def judge(prompt: str, answer: str) -> GateResult:
        raise ConnectionError("offline")

    result = await check_with_judge("x", GOOD, None, judge)
    assert result.passed and "could not decide" in result.reason


async def test_make_judge_sends_the_request_and_answer_and_parses_the_reply() -> None:
    sent: list[str] = []

    async def complete(text: str) -> str:
        sent.append(text)
        return "FAIL: the answer ignores the empty list case"

    judge = gates.make_judge(complete)
    result = await judge("handle empty lists", "def f(x): return x[0]")
    assert not result.passed and result.reason == "the answer ignores the empty list case"
    assert "handle empty lists" in sent[0] and "def f(x)" in sent[0]


@pytest.mark.parametrize(
    ("reply", "passed"),
    [("PASS", True), ("pass.", True), ("FAIL: no", False), ("fail", False), ("maybe?", True)],
)
def test_parse_judge_reply(reply: str, passed: bool) -> None:
    assert gates.parse_judge_reply(reply).passed is passed


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("def f(x):\n    return x", True),
        ("```\ndef f(x):\n    return x\n```", True),
        ("The answer is to loop over it.", False),
        ("```python\ndef f(x)\n    return x\n```", False),
        ("", False),
    ],
)
def test_holds_python(text: str, holds: bool) -> None:
    assert gates.holds_python(text) is holds
