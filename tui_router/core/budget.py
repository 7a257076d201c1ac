"""Budgets, checked before a call is sent — never only after.

Limits: ``[budget] session_usd`` (this session), ``day_usd`` and ``month_usd`` (every session
in the store, from any process, this calendar day / month in local time) and a turn's own cap
(``ask --max-cost``, set by the caller). Before each call the worst case is priced: the prompt
(estimated, with spare for another tokenizer) at the model's input rate plus the most output
the call may ask for at its output rate, neither above the model's context window. The output
cap is lowered to what the tightest limit still pays for; when not even `MIN_OUTPUT_TOKENS` fit
(or the fewer the call asks for), the call is not sent and `BudgetExceeded` says which limit,
what is left and that worst case.

A model with no known price cannot be held to a budget: its calls go through (they show as
"n/a" in every total, never as $0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tui_router.core.config import AppConfig
from tui_router.core.errors import UserFacingError
from tui_router.core.money_text import format_usd_short
from tui_router.core.pricing import MTOK, Rates

#: the fewest output tokens worth sending a call for
MIN_OUTPUT_TOKENS = 256
#: spare on the prompt estimate (~4 characters per token; a model's tokenizer may count more)
PROMPT_SPARE = 0.25


class BudgetExceeded(UserFacingError):
    """A call was not sent: its worst case does not fit what a budget has left."""


SESSION_KEY = "[budget] session_usd"


@dataclass(frozen=True)
class Limit:
    name: str  # "session budget", "daily budget", …, shown to the user
    key: str  # where it is set: "[budget] session_usd", "--max-cost"
    amount: Decimal
    spent: Decimal

    @property
    def left(self) -> Decimal:
        return self.amount - self.spent


class Budget:
    """The limits in force for one session; `cap` is asked before every call."""

    def __init__(
        self,
        config: AppConfig,
        *,
        session_spent: Callable[[], Decimal],
        store_spent_since: Callable[[str], Decimal] | None = None,
    ) -> None:
        self.session_usd = config.budget_usd
        self.day_usd = config.budget_day_usd
        self.month_usd = config.budget_month_usd
        self._session_spent = session_spent
        self._store_spent_since = store_spent_since
        #: a cap for the turn running now (``ask --max-cost``), with what the turn had spent
        self.turn_usd: Decimal | None = None
        self.turn_spent: Callable[[], Decimal] | None = None

    @property
    def active(self) -> bool:
        return any(
            v is not None for v in (self.session_usd, self.day_usd, self.month_usd, self.turn_usd)
        )

    def limits(self) -> list[Limit]:
        found: list[Limit] = []
        if self.turn_usd is not None and self.turn_spent is not None:
            found.append(Limit("turn's cost cap", "--max-cost", self.turn_usd, self.turn_spent()))
        if self.session_usd is not None:
            found.append(
                Limit(
                    "session budget",
                    SESSION_KEY,
                    self.session_usd,
                    self._session_spent(),
                )
            )
        if self._store_spent_since is not None:
            now = datetime.now().astimezone()
            if self.day_usd is not None:
                start = now.replace(hour=0, minute=0, second=0, microsecond=0)
                spent = self._store_spent_since(_utc_iso(start))
                found.append(Limit("daily budget", "[budget] day_usd", self.day_usd, spent))
            if self.month_usd is not None:
                start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                spent = self._store_spent_since(_utc_iso(start))
                found.append(Limit("monthly budget", "[budget] month_usd", self.month_usd, spent))
        return found

    def cap(
        self,
        model: str,
        rates: Rates | None,
        prompt_tokens: int,
        max_tokens: int,
        window: int | None = None,
    ) -> tuple[int, Limit | None]:
        """The output cap this call may ask for, and the limit that lowered it below
        ``max_tokens`` (None: none did); `BudgetExceeded` when it may not be sent.

        ``window``: the model's context window, when known. No call is billed for more input
        than it holds (the API refuses a longer prompt) nor answers past it, so neither the
        prompt with its spare nor the output cap is priced above it."""
        if not self.active or rates is None:
            return max_tokens, None
        if rates.input <= 0 and rates.output <= 0:  # a free model (the local one) costs nothing
            return max_tokens, None
        prompt = math.ceil(prompt_tokens * (1 + PROMPT_SPARE))
        output = max_tokens
        if window is not None:
            prompt, output = min(prompt, window), min(output, window)
        input_usd = rates.input * prompt / MTOK
        # the worst case the check stands on, and the one a refusal quotes
        worst = input_usd + rates.output * output / MTOK
        # the shortest answer worth sending; a call that asks for less (a judge's verdict, a
        # title) needs only what it asks for: it was refused when its whole worst case fitted
        needed = min(output, MIN_OUTPUT_TOKENS)
        allowed, tightest = max_tokens, None
        for limit in self.limits():
            room = limit.left - input_usd
            affordable = max_tokens if rates.output <= 0 else int(room * MTOK / rates.output)
            if room <= 0 or affordable < needed:
                # a new session starts the session budget over; a day's, a month's or a
                # turn's cap it does not
                fresh = " or start a /new session" if limit.key == SESSION_KEY else ""
                raise BudgetExceeded(
                    f"not sent: a call to {model} could cost up to {format_usd_short(worst)} "
                    f"and the {limit.name} has {format_usd_short(max(limit.left, Decimal(0)))} "
                    f"left of {format_usd_short(limit.amount)} — raise {limit.key}{fresh}"
                )
            if affordable < allowed:
                allowed, tightest = affordable, limit
        return allowed, tightest


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
