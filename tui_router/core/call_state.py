"""The state of one streaming call: its text so far, the live estimate, and its final usage.

While a call streams, the ticker needs a figure: prompt tokens (counted once) plus streamed output
tokens at the model's base rates, marked estimated. When the API's usage arrives it replaces the
estimate; a call that broke off keeps whichever output count is larger (see `final_usage`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_router.core import tokens
from tui_router.core.conversation import Conversation, ToolCall, text_chars
from tui_router.core.ledger import estimate_price
from tui_router.core.pricing import Price, Rates
from tui_router.core.token_calibration import (
    DEFAULT_CHARS_PER_TOKEN,
    TokenCalibration,
    family_of,
)
from tui_router.core.tokens import TOKENS_PER_MESSAGE, TOKENS_PER_REPLY, tokens_for_chars
from tui_router.core.usage import Usage


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    """A live figure for the ticker: usage so far (estimated while streaming) and its prices."""

    usage: Usage
    price: Price
    baseline: Price
    #: the call's last figure, sent once the call is recorded: the ledger counts it from then
    #: on, so a running total that added it as well would count the call twice
    recorded: bool = False


class CallInProgress:
    """The mutable state of one streaming call.

    The live figure uses a character-count estimate (~4 characters per token) so that a normal
    session never loads the ~50 MB tokenizer just to tick the ticker; the API's usage replaces it.
    A call that ends without a usage report (error, cancel) is estimated from the session's
    calibrated ratio when its family has one and o200k is not its own tokenizer; otherwise it
    is counted with the tokenizer. That estimate is what the store keeps, marked estimated.
    """

    def __init__(
        self,
        conversation: Conversation,
        rates: Rates | None,
        frontier: Rates | None,
        *,
        model: str | None = None,
        calibration: TokenCalibration | None = None,
    ) -> None:
        self.conversation = conversation
        self.model = model
        #: the session's characters-per-token by model family (None: ~4, as the tokenizer-less
        #: fallback); taught by this call's exact usage when it comes
        self.calibration = calibration
        self.prompt_chars, self.prompt_overhead = _prompt_size(conversation)
        #: for the answer limit and the budget check: the uncalibrated ~4 characters per token
        self.prompt_estimate = tokens_for_chars(self.prompt_chars) + self.prompt_overhead
        self._observed = False
        self.rates = rates
        self.frontier_rates = frontier
        self.parts: list[str] = []
        self.streamed_chars = 0
        self.exact: Usage | None = None
        self.status = "ok"
        self.error: str | None = None
        self.stop_reason: str | None = None
        self.tool_calls: list[ToolCall] = []
        #: the provider's retries of this call, as shown ("rate limited, retrying in 4 s (2/3)")
        self.retries: list[str] = []
        #: raw text of tool inputs that were not a JSON object, by call id (the model is told)
        self.malformed: dict[str, str] = {}

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add_text(self, text: str) -> None:
        self.parts.append(text)
        self.streamed_chars += len(text)

    def add_tool_call(self, call: ToolCall, malformed: str | None = None) -> None:
        self.tool_calls.append(call)
        # A tool call's input is output the model wrote: the live estimate counts it.
        self.streamed_chars += len(str(call.arguments)) + len(call.name)
        if malformed is not None:
            self.malformed[call.id] = malformed

    def add_usage(self, usage: Usage) -> None:
        self.exact = usage if self.exact is None else self.exact.merge(usage)

    def _calibrated(self) -> bool:
        return self.calibration is not None and (
            self.calibration.chars_per_token(self.model) != DEFAULT_CHARS_PER_TOKEN
        )

    def live(self) -> UsageUpdate:
        if self._calibrated():
            assert self.calibration is not None
            streamed = self.calibration.tokens_for_chars(self.model, self.streamed_chars)
            prompt = (
                self.calibration.tokens_for_chars(self.model, self.prompt_chars)
                + self.prompt_overhead
            )
        else:
            streamed, prompt = tokens_for_chars(self.streamed_chars), self.prompt_estimate
        usage = self._combined(prompt, streamed).as_estimated()
        return UsageUpdate(
            usage, estimate_price(usage, self.rates), estimate_price(usage, self.frontier_rates)
        )

    def final_usage(self) -> Usage:
        """The API's usage when it came, else an estimate (marked estimated).

        A finished call's usage report is the truth. A call that broke off (error, cancel) keeps
        the larger of the reported and the streamed output, since the final count never came.
        One that failed before any usage or text arrived is recorded with zero tokens.
        """
        if self.exact is None and not self.parts:
            return Usage()
        if self.exact is not None and self.status == "ok":
            self._teach(self.exact)
            return self.exact
        if self._calibrated() and not _has_local_tokenizer(self.model):
            # The session's own exact usage taught this family's ratio: for a model o200k is
            # not the tokenizer of (Claude, Gemini, ...) that is the closer estimate, and it
            # neither loads the ~50-70 MB tokenizer nor counts the whole history on the event
            # loop (a cancel finishes the call there).
            assert self.calibration is not None
            prompt = (
                self.calibration.tokens_for_chars(self.model, self.prompt_chars)
                + self.prompt_overhead
            )
            streamed = self.calibration.tokens_for_chars(self.model, self.streamed_chars)
            return self._combined(prompt, streamed)
        return self._combined(prompt_tokens(self.conversation), _count_tokens(self.text))

    def _teach(self, exact: Usage) -> None:
        """Tell the calibration what this call's characters were in exact tokens (once)."""
        if self.calibration is None or self.model is None or self._observed or exact.estimated:
            return  # a provider's own estimate (no usage came) would only teach our guess back
        self._observed = True
        written = exact.output_tokens - exact.reasoning_tokens  # thinking is not streamed text
        self.calibration.observe(self.model, self.streamed_chars, written)
        self.calibration.observe(
            self.model, self.prompt_chars, exact.input_tokens - self.prompt_overhead
        )

    def _combined(self, prompt: int, streamed: int) -> Usage:
        if self.exact is None:
            return Usage(input_tokens=prompt, output_tokens=streamed, estimated=True)
        if self.exact.output_tokens >= streamed:
            return self.exact
        # Usage said less than we saw streamed (the final count never came): keep what we saw.
        return Usage(
            input_tokens=self.exact.input_tokens or prompt,
            cache_read_tokens=self.exact.cache_read_tokens,
            cache_write_tokens=self.exact.cache_write_tokens,
            cache_write_1h_tokens=self.exact.cache_write_1h_tokens,
            output_tokens=streamed,
            reasoning_tokens=self.exact.reasoning_tokens,
            estimated=True,
        )


#: Families whose models count with o200k (OpenAI's gpt-4o and later, the o-series): for them
#: the local tokenizer is the model's own, and stays the estimate of a call without usage.
O200K_FAMILIES = frozenset({"gpt", "o"})


def _has_local_tokenizer(model: str | None) -> bool:
    return model is not None and family_of(model) in O200K_FAMILIES


def _prompt_size(conversation: Conversation) -> tuple[int, int]:
    """The prompt's characters, and its fixed per-message tokens (not text: not calibrated)."""
    messages = conversation.for_provider()
    chars = text_chars(messages)
    if conversation.system:
        chars += len(conversation.system)
    return chars, TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY


def prompt_tokens(conversation: Conversation) -> int:
    count = tokens.count_messages(conversation.for_provider())
    if conversation.system:
        count += tokens.count_tokens(conversation.system)
    return int(count)


def _count_tokens(text: str) -> int:
    return int(tokens.count_tokens(text))
