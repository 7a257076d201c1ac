"""Usage normalisation: Anthropic and OpenAI count tokens differently; Usage counts them one way."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui_router.core.usage import MAX_PLAUSIBLE_TOKENS, Usage, token_count


def test_anthropic_input_excludes_cache_so_it_is_added_back() -> None:
    usage = Usage.from_anthropic(
        {
            "input_tokens": 12,
            "cache_creation_input_tokens": 300,
            "cache_read_input_tokens": 5_000,
            "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 100},
            "output_tokens": 1,
        }
    )
    assert usage == Usage(
        input_tokens=5_312,
        cache_read_tokens=5_000,
        cache_write_tokens=300,
        cache_write_1h_tokens=100,
        output_tokens=1,
    )
    assert usage.uncached_input_tokens == 12


def test_anthropic_null_fields_count_as_zero() -> None:
    usage = Usage.from_anthropic(
        {
            "input_tokens": 10,
            "cache_creation_input_tokens": None,
            "cache_read_input_tokens": None,
            "cache_creation": None,
            "output_tokens": 5,
            "output_tokens_details": None,
        }
    )
    assert usage == Usage(input_tokens=10, output_tokens=5)


def test_anthropic_cache_creation_breakdown_without_a_total() -> None:
    usage = Usage.from_anthropic(
        {
            "input_tokens": 1,
            "cache_creation": {"ephemeral_5m_input_tokens": 40, "ephemeral_1h_input_tokens": 60},
            "output_tokens": 2,
        }
    )
    assert (usage.input_tokens, usage.cache_write_tokens, usage.cache_write_1h_tokens) == (
        101,
        100,
        60,
    )


def test_anthropic_thinking_tokens_are_part_of_output() -> None:
    usage = Usage.from_anthropic(
        {"input_tokens": 3, "output_tokens": 100, "output_tokens_details": {"thinking_tokens": 40}}
    )
    assert (usage.output_tokens, usage.reasoning_tokens) == (100, 40)


def test_anthropic_stream_start_then_delta_merge_to_the_final_counts() -> None:
    start = Usage.from_anthropic(
        {"input_tokens": 20, "cache_read_input_tokens": 1_000, "output_tokens": 1}
    )
    delta = Usage.from_anthropic({"output_tokens": 87})  # message_delta: cumulative output only
    merged = start.merge(delta)
    assert merged == Usage(input_tokens=1_020, cache_read_tokens=1_000, output_tokens=87)


def test_openai_chat_prompt_includes_cached_and_completion_includes_reasoning() -> None:
    usage = Usage.from_openai(
        {
            "prompt_tokens": 2_000,
            "completion_tokens": 1_500,
            "total_tokens": 3_500,
            "prompt_tokens_details": {"cached_tokens": 1_024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 1_200},
        }
    )
    assert usage == Usage(
        input_tokens=2_000, cache_read_tokens=1_024, output_tokens=1_500, reasoning_tokens=1_200
    )
    assert usage.uncached_input_tokens == 976
    assert usage.total_tokens == 3_500


def test_openai_null_details() -> None:
    usage = Usage.from_openai(
        {
            "prompt_tokens": 9,
            "completion_tokens": 4,
            "prompt_tokens_details": None,
            "completion_tokens_details": None,
        }
    )
    assert usage == Usage(input_tokens=9, output_tokens=4)


def test_openai_responses_api_naming() -> None:
    usage = Usage.from_openai(
        {
            "input_tokens": 900,
            "input_tokens_details": {"cached_tokens": 800},
            "output_tokens": 300,
            "output_tokens_details": {"reasoning_tokens": 200},
            "total_tokens": 1_200,
        }
    )
    assert usage == Usage(
        input_tokens=900, cache_read_tokens=800, output_tokens=300, reasoning_tokens=200
    )


def test_junk_counts_are_zero_and_parts_never_exceed_their_whole() -> None:
    usage = Usage.from_openai(
        {
            "prompt_tokens": 10,
            "completion_tokens": None,
            "prompt_tokens_details": {"cached_tokens": 50},
            "completion_tokens_details": {"reasoning_tokens": "7"},
        }
    )
    # junk is counted as 0, and the report is flagged: the provider re-counts such a call
    assert usage == Usage(input_tokens=10, cache_read_tokens=10, estimated=True)
    junk = Usage.from_anthropic({"input_tokens": -5, "output_tokens": True})
    assert junk == Usage(estimated=True)


def test_merge_keeps_the_larger_cumulative_count() -> None:
    first = Usage(input_tokens=100, output_tokens=10)
    later = Usage(input_tokens=0, output_tokens=42, reasoning_tokens=5)
    assert first.merge(later) == Usage(input_tokens=100, output_tokens=42, reasoning_tokens=5)


def test_an_api_report_replaces_an_estimate_even_when_smaller() -> None:
    estimate = Usage(input_tokens=130, output_tokens=120, estimated=True)
    exact = Usage(input_tokens=100, output_tokens=95)
    assert estimate.merge(exact) == exact
    assert exact.merge(estimate) == exact
    both = estimate.merge(Usage(output_tokens=150, estimated=True))
    assert both == Usage(input_tokens=130, output_tokens=150, estimated=True)


def test_add_sums_calls_and_flags_any_estimate() -> None:
    a = Usage(
        input_tokens=10,
        cache_read_tokens=4,
        cache_write_tokens=3,
        cache_write_1h_tokens=1,
        output_tokens=7,
        reasoning_tokens=2,
    )
    b = Usage(input_tokens=5, output_tokens=1, estimated=True)
    total = a + b
    assert total == Usage(
        input_tokens=15,
        cache_read_tokens=4,
        cache_write_tokens=3,
        cache_write_1h_tokens=1,
        output_tokens=8,
        reasoning_tokens=2,
        estimated=True,
    )
    assert not (a + a).estimated


def test_dict_round_trip() -> None:
    usage = Usage(
        input_tokens=15,
        cache_read_tokens=4,
        cache_write_tokens=3,
        cache_write_1h_tokens=1,
        output_tokens=8,
        reasoning_tokens=2,
        estimated=True,
    )
    assert Usage.from_dict(usage.to_dict()) == usage
    assert Usage.from_dict({}) == Usage()


@pytest.mark.parametrize(
    "value", [2**63, 2**64 + 5, 1e300, float("inf"), float("nan"), -1, "12", [3], 1.5, {}]
)
def test_out_of_range_counts_are_clamped_and_flagged(value: Any) -> None:
    anthropic = Usage.from_anthropic({"input_tokens": 10, "output_tokens": value})
    openai = Usage.from_openai({"prompt_tokens": value, "completion_tokens": 3})
    for usage in (anthropic, openai):
        assert usage.estimated
        assert 0 <= usage.output_tokens <= MAX_PLAUSIBLE_TOKENS
        assert 0 <= usage.input_tokens <= 3 * MAX_PLAUSIBLE_TOKENS


def test_plausible_counts_are_exact() -> None:
    assert token_count(12) == (12, True)
    assert token_count(12.0) == (12, True)
    assert token_count(None) == (0, True)
    assert token_count(MAX_PLAUSIBLE_TOKENS) == (MAX_PLAUSIBLE_TOKENS, True)
    assert token_count(MAX_PLAUSIBLE_TOKENS + 1) == (MAX_PLAUSIBLE_TOKENS, False)
    assert not Usage.from_anthropic({"input_tokens": 3, "output_tokens": 4}).estimated


def test_a_usage_object_that_is_not_an_object_is_flagged() -> None:
    assert Usage.from_anthropic("junk").estimated  # type: ignore[arg-type]
    assert Usage.from_anthropic({"input_tokens": 1, "cache_creation": "x"}).estimated
    assert Usage.from_openai({"prompt_tokens": 1, "prompt_tokens_details": 7}).estimated


_count = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
_details = st.one_of(st.none(), st.text(max_size=3), st.dictionaries(st.sampled_from(
    ["cached_tokens", "reasoning_tokens", "thinking_tokens", "ephemeral_5m_input_tokens",
     "ephemeral_1h_input_tokens"]), _count))  # fmt: skip
_anthropic_payload = st.fixed_dictionaries(
    {},
    optional={
        "input_tokens": _count,
        "output_tokens": _count,
        "cache_read_input_tokens": _count,
        "cache_creation_input_tokens": _count,
        "cache_creation": _details,
        "output_tokens_details": _details,
    },
)
_openai_payload = st.fixed_dictionaries(
    {},
    optional={
        "prompt_tokens": _count,
        "completion_tokens": _count,
        "input_tokens": _count,
        "output_tokens": _count,
        "prompt_tokens_details": _details,
        "completion_tokens_details": _details,
        "input_tokens_details": _details,
        "output_tokens_details": _details,
    },
)


def _sane(usage: Usage) -> None:
    fields = usage.to_dict()
    for name, value in fields.items():
        if name != "estimated":
            assert isinstance(value, int) and not isinstance(value, bool), name
            # what SQLite can store, with room for a session's sum
            assert 0 <= value <= 3 * MAX_PLAUSIBLE_TOKENS, name
    assert usage.cache_read_tokens <= usage.input_tokens
    assert usage.cache_write_1h_tokens <= usage.cache_write_tokens
    assert usage.reasoning_tokens <= usage.output_tokens
    assert Usage.from_dict(fields) == usage


def _all_plausible(payload: Any) -> bool:
    if isinstance(payload, dict):
        return all(_all_plausible(v) for v in payload.values())
    if payload is None:
        return True
    if isinstance(payload, bool) or not isinstance(payload, int | float):
        return False
    return (
        math.isfinite(payload) and 0 <= payload <= MAX_PLAUSIBLE_TOKENS and payload == int(payload)
    )


_TOP_ANTHROPIC = ("input_tokens", "output_tokens", "cache_read_input_tokens",
                  "cache_creation_input_tokens")  # fmt: skip


def _summed_write(raw: Any) -> float:
    """The cache write Anthropic's per-duration counts add up to, when they are what it has."""
    creation = raw.get("cache_creation")
    if raw.get("cache_creation_input_tokens") or not isinstance(creation, dict) or not creation:
        return 0
    parts = [creation.get(k) for k in ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")]
    return sum(p for p in parts if isinstance(p, int | float) and not isinstance(p, bool))


@settings(max_examples=300, deadline=None)
@given(_anthropic_payload)
# found in CI: two plausible parts of the cache write added up to 2e9, and the input to 3e9 + 1
@example(
    {
        "input_tokens": 1_000_000_000,
        "cache_read_input_tokens": 388_756,
        "cache_creation": {
            "ephemeral_5m_input_tokens": 999_611_245.0,
            "ephemeral_1h_input_tokens": 1_000_000_000.0,
        },
    }
)
def test_any_anthropic_payload_gives_bounded_usage_flagged_unless_plausible(raw: Any) -> None:
    usage = Usage.from_anthropic(raw)
    _sane(usage)
    if _all_plausible(raw) and _summed_write(raw) <= MAX_PLAUSIBLE_TOKENS:
        assert not usage.estimated
    if not _all_plausible({k: raw[k] for k in _TOP_ANTHROPIC if k in raw}):
        assert usage.estimated


@settings(max_examples=300, deadline=None)
@given(_openai_payload)
def test_any_openai_payload_gives_bounded_usage_flagged_unless_plausible(raw: Any) -> None:
    usage = Usage.from_openai(raw)
    _sane(usage)
    chat = "prompt_tokens" in raw or "completion_tokens" in raw
    top = ["prompt_tokens", "completion_tokens"] if chat else ["input_tokens", "output_tokens"]
    if _all_plausible(raw):
        assert not usage.estimated
    if not _all_plausible({k: raw[k] for k in top if k in raw}):
        assert usage.estimated
