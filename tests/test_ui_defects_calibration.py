"""The live token estimate is calibrated per model family from the session's exact usage (it ran
~30% high at a fixed 4 characters per token, then dropped when the usage came)."""

from __future__ import annotations

import pytest

from tui_router.core import tokens
from tui_router.core.call_state import CallInProgress
from tui_router.core.conversation import Conversation
from tui_router.core.token_calibration import TokenCalibration, family_of
from tui_router.core.usage import Usage


def test_families() -> None:
    assert family_of("claude-haiku-4-5") == family_of("claude-opus-4-6") == "claude"
    assert family_of("openai/gpt-5-mini") == "gpt"
    assert family_of("local/smollm2-135m") == "smollm"


def test_a_family_learns_its_ratio_and_others_keep_the_default() -> None:
    calibration = TokenCalibration()
    assert calibration.chars_per_token("claude-haiku-4-5") == 4.0
    calibration.observe("claude-haiku-4-5", chars=3_000, tokens=1_000)
    assert calibration.chars_per_token("claude-opus-4-6") == 3.0
    assert calibration.chars_per_token("gpt-5-mini") == 4.0
    assert calibration.tokens_for_chars("claude-sonnet-4-6", 300) == 100
    calibration.observe("claude-haiku-4-5", chars=100, tokens=1)  # noise: ignored
    assert calibration.chars_per_token("claude-haiku-4-5") == 3.0


def _call(calibration: TokenCalibration, prompt: str) -> CallInProgress:
    conversation = Conversation()
    conversation.add_user(prompt)
    return CallInProgress(
        conversation, None, None, model="claude-haiku-4-5", calibration=calibration
    )


def test_the_live_estimate_uses_what_the_last_calls_measured() -> None:
    calibration = TokenCalibration()
    answer = "word " * 600  # 3,000 characters the API counts as 1,000 tokens (3 chars / token)
    first = _call(calibration, "q" * 300)
    first.add_text(answer)
    assert first.live().usage.output_tokens == 750  # uncalibrated: 25% off
    # the prompt's 300 characters were 100 tokens too (plus the per-message tokens)
    first.add_usage(Usage(input_tokens=100 + first.prompt_overhead, output_tokens=1_000))
    first.final_usage()
    second = _call(calibration, "q" * 300)
    second.add_text(answer)
    live = second.live().usage
    assert live.estimated and live.output_tokens == 1_000  # what the API will say
    assert live.input_tokens == 100 + second.prompt_overhead
    # the uncalibrated figure for the budget check is unchanged
    assert second.prompt_estimate == first.prompt_estimate


def _calibrated(model: str) -> TokenCalibration:
    calibration = TokenCalibration()
    calibration.observe(model, chars=3_000, tokens=1_000)  # 3 characters a token, measured
    return calibration


def _no_tokenizer(*_args: object) -> None:
    raise AssertionError("the tokenizer was loaded")


def test_a_cancelled_call_is_estimated_from_the_calibration_without_the_tokenizer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Claude has no local tokenizer: the ratio its own usage taught is the better estimate,
    and a cancel (finished on the event loop) does not load ~50-70 MB to count the history."""
    monkeypatch.setattr(tokens, "get_encoding", _no_tokenizer)
    call = _call(_calibrated("claude-haiku-4-5"), "q" * 300)
    call.add_text("word " * 600)
    call.status = "cancelled"
    usage = call.final_usage()
    assert usage.estimated
    assert usage.output_tokens == 1_000
    assert usage.input_tokens == 100 + call.prompt_overhead


def test_a_call_without_usage_teaches_nothing() -> None:
    calibration = TokenCalibration()
    call = _call(calibration, "q" * 300)
    call.add_text("word " * 600)
    # the provider's own count when no usage came: plausible, but a guess, not a measurement
    call.add_usage(
        Usage(input_tokens=100 + call.prompt_overhead, output_tokens=1_000, estimated=True)
    )
    call.final_usage()
    assert calibration.chars_per_token("claude-haiku-4-5") == 4.0


def test_an_openai_call_without_usage_is_still_counted_with_its_own_tokenizer() -> None:
    text = "def answer():\n    return 42\n" * 50
    conversation = Conversation()
    conversation.add_user("q" * 300)
    call = CallInProgress(
        conversation, None, None, model="gpt-5-mini", calibration=_calibrated("gpt-5-mini")
    )
    call.add_text(text)
    call.status = "error"
    usage = call.final_usage()
    assert usage.estimated
    assert usage.output_tokens == tokens.count_tokens(text)


def test_without_a_calibration_a_cancelled_call_is_counted_with_the_tokenizer() -> None:
    call = _call(TokenCalibration(), "q" * 300)
    text = "word " * 600
    call.add_text(text)
    call.status = "cancelled"
    assert call.final_usage().output_tokens == tokens.count_tokens(text)
