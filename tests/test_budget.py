"""Budgets checked before a call is sent (`core.budget.Budget.cap`), on their own."""

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
        budget.cap("claude-haiku-4-5", _rates("1", "5"), 1_000, 4_096)[0]
    assert budget.cap("local/smollm2-135m", _rates("0", "0"), 1_000, 4_096)[0] == 4_096


def test_a_refusal_says_its_figures_as_the_report_does_and_the_limit_as_it_was_set() -> None:
    """The budget had its own rule (up to six places): the worst case read "$0.02173" where
    the report and the app say "$0.0217"; the limit still reads as it was written."""
    budget = Budget(AppConfig(budget_usd=Decimal("0.01")), session_spent=lambda: Decimal("0.0099"))
    # 1,000 prompt tokens (+25% spare) at $1/MTok and 4,096 out at $5/MTok: $0.02173
    with pytest.raises(BudgetExceeded) as refused:
        budget.cap("claude-haiku-4-5", _rates("1", "5"), 1_000, 4_096)[0]
    assert "could cost up to $0.0217 and the session budget has $0.0001 left of $0.01" in str(
        refused.value
    )


def test_the_worst_case_is_priced_within_the_models_window() -> None:
    """A prompt estimated at 190,000 tokens for a 200,000-token window: with the 25% spare it was
    priced at 237,500 input tokens, more than the API bills for (it refuses a longer prompt). The
    check refused what fits, and the refusal quoted a call that cannot happen."""
    haiku = _rates("1", "5")

    def session(budget: str) -> Budget:
        return Budget(AppConfig(budget_usd=Decimal(budget)), session_spent=lambda: Decimal(0))

    # at most 200,000 in ($0.20) and 8,192 out ($0.04096): "$0.241", it read "$0.2785"
    with pytest.raises(BudgetExceeded, match=r"could cost up to \$0\.241 and the session budget"):
        session("0.20").cap("claude-haiku-4-5", haiku, 190_000, 8_192, 200_000)[0]
    # $0.038 is left after a full window of input: 7,600 output tokens (it was refused)
    assert session("0.238").cap("claude-haiku-4-5", haiku, 190_000, 8_192, 200_000)[0] == 7_600
    # an output cap above the window is priced at the window: 3,750 in and 4,000 out, $0.02375
    # (8,192 out read "$0.0447")
    with pytest.raises(BudgetExceeded, match=r"could cost up to \$0\.0238 "):
        session("0.004").cap("small", haiku, 3_000, 8_192, 4_000)[0]


def test_a_call_that_asks_for_fewer_tokens_than_the_minimum_needs_only_those() -> None:
    """A judge's verdict asks for 200 output tokens: with $0.0024 left it was refused ("could
    cost up to $0.0022 and the session budget has $0.0024 left"), as if it needed the 256 an
    answer needs. A refusal's worst case is now always more than what is left."""
    haiku = _rates("1", "5")

    def session(spent: str) -> Budget:
        return Budget(AppConfig(budget_usd=Decimal("0.01")), session_spent=lambda: Decimal(spent))

    # 1,250 prompt tokens with the spare ($0.00125) and 200 out ($0.001): $0.00225 at most
    assert session("0.0076").cap("claude-haiku-4-5", haiku, 1_000, 200)[0] == 200
    with pytest.raises(BudgetExceeded) as refused:
        session("0.008").cap("claude-haiku-4-5", haiku, 1_000, 200)[0]
    assert "could cost up to $0.0022 and the session budget has $0.002 left" in str(refused.value)


def test_cap_names_the_limit_that_lowered_the_output_cap() -> None:
    """The chat says which limit shortened an answer's room ("output capped at 263 tokens to
    stay within the session budget"); a cap no limit lowered names none."""
    budget = Budget(AppConfig(budget_usd=Decimal("0.02")), session_spent=lambda: Decimal(0))
    tokens, limit = budget.cap("claude-opus-4-6", _rates("5", "25"), 2_148, 32_000)
    assert limit is not None and limit.name == "session budget"
    assert tokens == 263 == budget.cap("claude-opus-4-6", _rates("5", "25"), 2_148, 32_000)[0]
    assert budget.cap("claude-opus-4-6", _rates("5", "25"), 2_148, 200) == (200, None)
