"""Provider-neutral token usage.

Owns the one `Usage` record every provider reports into, and the normalisation rules that make
Anthropic's and OpenAI's different accounting comparable:

* Anthropic's ``input_tokens`` excludes cache reads and writes, so they are added back.
* OpenAI's ``prompt_tokens`` already includes cached tokens; ``completion_tokens`` includes
  reasoning tokens. Null ``*_details`` objects and missing fields count as zero.

Usage from the network is untrusted: a count that is negative, not a number or beyond
`MAX_PLAUSIBLE_TOKENS` is clamped (0, 0, the maximum) and the whole report is marked estimated,
so the provider re-counts the call with the tokenizer and it is never priced as exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

#: The most tokens one usage field of one call can plausibly hold (context windows are ~10^6).
MAX_PLAUSIBLE_TOKENS = 10**9


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
class Usage:
    """Token counts of one call (or a sum of calls).

    Attributes:
        input_tokens: all input tokens, including cache reads and cache writes.
        cache_read_tokens: input tokens served from the prompt cache.
        cache_write_tokens: input tokens written to the cache (5-minute and 1-hour together).
        cache_write_1h_tokens: the part of ``cache_write_tokens`` written with a 1-hour TTL.
        output_tokens: all output tokens, including reasoning/thinking tokens.
        reasoning_tokens: the part of ``output_tokens`` spent on reasoning.
        estimated: True when the counts come from a local tokenizer, not from the API.
    """

    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens billed at the plain input rate."""
        return max(0, self.input_tokens - self.cache_read_tokens - self.cache_write_tokens)

    @property
    def cache_hit_ratio(self) -> float | None:
        """Share of the input read from the prompt cache (None with no input)."""
        if self.input_tokens <= 0:
            return None
        return self.cache_read_tokens / self.input_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cache_write_1h_tokens=self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            estimated=self.estimated or other.estimated,
        )

    def merge(self, newer: Usage) -> Usage:
        """Combine two partial reports of the *same* call (e.g. message_start then message_delta).

        Each field keeps the larger value: providers report cumulative counts, never deltas.
        An API report replaces a local estimate outright (an estimate may run higher than the
        truth, and the larger value must not win over the exact one).
        """
        if self.estimated != newer.estimated:
            return newer if self.estimated else self
        return Usage(
            input_tokens=max(self.input_tokens, newer.input_tokens),
            cache_read_tokens=max(self.cache_read_tokens, newer.cache_read_tokens),
            cache_write_tokens=max(self.cache_write_tokens, newer.cache_write_tokens),
            cache_write_1h_tokens=max(self.cache_write_1h_tokens, newer.cache_write_1h_tokens),
            output_tokens=max(self.output_tokens, newer.output_tokens),
            reasoning_tokens=max(self.reasoning_tokens, newer.reasoning_tokens),
            estimated=self.estimated,
        )

    def as_estimated(self) -> Usage:
        return replace(self, estimated=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_write_1h_tokens": self.cache_write_1h_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "estimated": self.estimated,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        return cls(
            input_tokens=int(data.get("input_tokens") or 0),
            cache_read_tokens=int(data.get("cache_read_tokens") or 0),
            cache_write_tokens=int(data.get("cache_write_tokens") or 0),
            cache_write_1h_tokens=int(data.get("cache_write_1h_tokens") or 0),
            output_tokens=int(data.get("output_tokens") or 0),
            reasoning_tokens=int(data.get("reasoning_tokens") or 0),
            estimated=bool(data.get("estimated", False)),
        )

    @classmethod
    def from_anthropic(cls, raw: Mapping[str, Any]) -> Usage:
        """Normalise an Anthropic ``usage`` object (``input_tokens`` excludes the cache).

        Implausible counts are clamped and the result is marked estimated (see the module).
        """
        read = _Reader()
        raw = read.table(raw)
        uncached = read(raw.get("input_tokens"))
        cache_read = read(raw.get("cache_read_input_tokens"))
        cache_write = read(raw.get("cache_creation_input_tokens"))
        creation = read.table(raw.get("cache_creation"))
        write_1h = read(creation.get("ephemeral_1h_input_tokens"))
        if creation and not cache_write:
            # the sum is one field too: two plausible parts can add up to an implausible whole
            cache_write = read(read(creation.get("ephemeral_5m_input_tokens")) + write_1h)
        details = read.table(raw.get("output_tokens_details"))
        output = read(raw.get("output_tokens"))
        return cls(
            input_tokens=uncached + cache_read + cache_write,
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
            cache_write_1h_tokens=min(write_1h, cache_write),
            output_tokens=output,
            reasoning_tokens=min(read(details.get("thinking_tokens")), output),
            estimated=not read.plausible,
        )

    @classmethod
    def from_openai(cls, raw: Mapping[str, Any]) -> Usage:
        """Normalise an OpenAI usage object (Chat Completions or Responses API).

        Implausible counts are clamped and the result is marked estimated (see the module).
        """
        read = _Reader()
        raw = read.table(raw)
        if "prompt_tokens" in raw or "completion_tokens" in raw:
            prompt = read(raw.get("prompt_tokens"))
            completion = read(raw.get("completion_tokens"))
            in_details = read.table(raw.get("prompt_tokens_details"))
            out_details = read.table(raw.get("completion_tokens_details"))
        else:  # Responses API naming
            prompt = read(raw.get("input_tokens"))
            completion = read(raw.get("output_tokens"))
            in_details = read.table(raw.get("input_tokens_details"))
            out_details = read.table(raw.get("output_tokens_details"))
        return cls(
            input_tokens=prompt,
            cache_read_tokens=min(read(in_details.get("cached_tokens")), prompt),
            output_tokens=completion,
            reasoning_tokens=min(read(out_details.get("reasoning_tokens")), completion),
            estimated=not read.plausible,
        )


def token_count(value: Any) -> tuple[int, bool]:
    """(count, plausible) for one raw usage field.

    Null or missing is a plausible 0. A negative, non-numeric (strings included: the APIs send
    numbers), fractional or non-finite value is 0 and implausible; one beyond
    `MAX_PLAUSIBLE_TOKENS` is clamped to it and implausible.
    """
    if value is None:
        return 0, True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0, False
    if isinstance(value, float) and not math.isfinite(value):
        return 0, False
    if value < 0:
        return 0, False
    if value > MAX_PLAUSIBLE_TOKENS:
        return MAX_PLAUSIBLE_TOKENS, False
    count = int(value)
    return count, count == value


class _Reader:
    """Reads the fields of one usage report, remembering whether every one was plausible."""

    def __init__(self) -> None:
        self.plausible = True

    def __call__(self, value: Any) -> int:
        count, ok = token_count(value)
        self.plausible = self.plausible and ok
        return count

    def table(self, value: Any) -> Mapping[str, Any]:
        """A nested object (``cache_creation``, ``*_details``); null is empty, junk implausible."""
        if isinstance(value, Mapping):
            return value
        if value is not None:
            self.plausible = False
        return {}
