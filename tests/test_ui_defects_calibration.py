"""The live token estimate is calibrated per model family from the session's exact usage (it ran
~30% high at a fixed 4 characters per token, then dropped when the usage came)."""

from __future__ import annotations

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
