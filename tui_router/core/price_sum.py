"""A sum of prices some of which may be unknown: the one place that adds them up.

An unknown price is never counted as $0. A `PriceSum` keeps the sum of the known prices and how
many prices were unknown; its `usd` is that known part, or None when there were prices and not one
of them was known (shown "n/a", null in JSON, an empty CSV cell). The ledger's totals, a turn's
spend, the `sessions` listing and the resume picker all sum through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


# Not slots=True: a slotted dataclass is built twice, and the resume picker's module (on the way
# to the app's first frame) imports this one.
@dataclass(frozen=True)
class PriceSum:
    """Known prices summed, unknown ones counted."""

    known_usd: Decimal = Decimal(0)
    unknown: int = 0
    count: int = 0

    @classmethod
    def of(cls, amounts: Iterable[Decimal | None]) -> PriceSum:
        total = cls()
        for amount in amounts:
            total = total.add(amount)
        return total

    def add(self, amount: Decimal | None) -> PriceSum:
        """This sum with one more price (None: unknown)."""
        return PriceSum(
            self.known_usd + (amount if amount is not None else 0),
            self.unknown + (amount is None),
            self.count + 1,
        )

    def __add__(self, other: PriceSum) -> PriceSum:
        return PriceSum(
            self.known_usd + other.known_usd, self.unknown + other.unknown, self.count + other.count
        )

    @property
    def usd(self) -> Decimal | None:
        """The known part; None when there are prices and none of them is known."""
        if self.count and self.unknown == self.count:
            return None
        return self.known_usd


class CostAndBaseline:
    """What a total, a turn's spend and a session row share: the calls' cost and their
    frontier-only baseline, each a `PriceSum`, read as the money figures the surfaces show."""

    __slots__ = ()
    cost: PriceSum
    baseline: PriceSum

    @property
    def cost_usd(self) -> Decimal | None:
        """The known part of the cost; None when there are calls and none has a known price."""
        return self.cost.usd

    @property
    def baseline_usd(self) -> Decimal | None:
        return self.baseline.usd

    @property
    def unknown_price_calls(self) -> int:
        return self.cost.unknown

    @property
    def unknown_baseline_calls(self) -> int:
        return self.baseline.unknown
