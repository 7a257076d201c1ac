"""Budgets checked before a call is sent (`core.budget.Budget.clamp`), on their own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tui_router.core.budget import Budget, BudgetExceeded
from tui_router.core.config import AppConfig
from tui_router.core.pricing import Rates


def _rates(input_usd: str, output_usd: str) -> Rates:
    return Rates(Decimal(input_usd), Decimal(output_usd), None, None, None, "genai-prices")


def test_a_spent_day_stops_a_priced_call_but_not_a_free_one() -> None:
    # the day's budget was spent: the bundled local model, which costs nothing, was refused too
    # ("could cost up to $0.00 … has $0.00 left"), just when it is the way to go on
    budget = Budget(
        AppConfig(budget_day_usd=Decimal("0.05")),
        session_spent=lambda: Decimal(0),
        store_spent_since=lambda _since: Decimal("0.06"),
    )
    with pytest.raises(BudgetExceeded, match=r"daily budget has \$0.00 left of \$0.05"):
        budget.clamp("claude-haiku-4-5", _rates("1", "5"), 1_000, 4_096)
    assert budget.clamp("local/smollm2-135m", _rates("0", "0"), 1_000, 4_096) == 4_096


def test_a_refusal_says_its_figures_as_the_report_does_and_the_limit_as_it_was_set() -> None:
    """The budget had its own rule (up to six places): the worst case read "$0.02173" where
    the report and the app say "$0.0217"; the limit still reads as it was written."""
    budget = Budget(AppConfig(budget_usd=Decimal("0.01")), session_spent=lambda: Decimal("0.0099"))
    # 1,000 prompt tokens (+25% spare) at $1/MTok and 4,096 out at $5/MTok: $0.02173
    with pytest.raises(BudgetExceeded) as refused:
        budget.clamp("claude-haiku-4-5", _rates("1", "5"), 1_000, 4_096)
    assert "could cost up to $0.0217 and the session budget has $0.0001 left of $0.01" in str(
        refused.value
    )
