"""Small text formatters shared by the widgets: tokens, money, percentages, meta lines, the
line a failed call leaves in the chat."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tui_router.core.money_text import format_usd, format_usd_short
from tui_router.core.plural import counted as counted  # (the UI's plural is the core's)

#: what the header and the ticker say while a turn waits for the person (an approval, a
#: question): the model is not streaming then
WAITING_FOR_ANSWER = "waiting for your answer"


def tokens(count: int) -> str:
    """1234 -> "1,234"; 123456 -> "123.5k"; 1234567 -> "1.23M" (compact for the ticker)."""
    if count < 100_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def usd(amount: Decimal | None, *, estimated: bool = False) -> str:
    """ "$0.0123", "~$0.0123" while estimated, "n/a" when the price is unknown (never $0).

    In the report's places (`money_text.display_places`), so a figure reads the same here and in
    `tui-router report`: four, more for a small one ("$0.000042"; four places read "$0.0000",
    as if it were free), "-$0.0012" for a negative one."""
    text = format_usd(amount, None)
    return f"~{text}" if estimated and amount is not None else text


def usd_limit(amount: Decimal | None) -> str:
    """A limit the person set (the session budget) as they wrote it: "$5.00", "$0.002" — the
    budget's own messages say it the same way (`money_text.format_usd_short`)."""
    return format_usd_short(amount)


def rate(amount: Decimal | None) -> str:
    """A $/MTok rate: "$3", "$0.25", "free" for zero, "n/a" when unknown."""
    if amount is None:
        return "n/a"
    if amount == 0:
        return "free"
    text = f"{amount.normalize():f}"
    return f"${text}"


def percent(part: Decimal, whole: Decimal) -> str:
    if whole == 0:
        return "0%"
    return f"{(part / whole * 100):.0f}%"


def context_window(size: int | None) -> str:
    if not size:
        return "ctx ?"
    if size >= 1_000_000:
        return f"{size / 1_000_000:g}M ctx"
    return f"{size // 1000}k ctx"


def failure_line(c: Any, model_id: str | None, message: str, *, partial: bool) -> str:
    """What a failed call says: what happened, what is kept (a partial answer only when there
    is one), and what to do. A rejected key or a rate limit fails the same way on a stronger
    tier of the same provider, so it offers the same tier on another provider instead."""
    who = f"{model_id}: " if model_id else ""
    refused = "rejected the API key" in message or "rate limit" in message
    if not refused:
        kept = " — the partial answer and its cost are kept" if partial else ""
        return f"{who}{message}{kept}; ctrl+r retries on a stronger tier"
    line = f"{who}{message} — nothing was answered"
    info = c.catalog.get(model_id) if model_id else None
    if info is None or info.tier is None:
        return line
    others = [
        m
        for m in c.catalog.by_tier().get(info.tier, [])
        if m.available and m.endpoint.name != info.endpoint.name
    ]
    if others:
        other = others[0]
        return f"{line}; /model {other.id} is the {info.tier} tier on {other.endpoint.name}"
    return f"{line}; no other provider serves the {info.tier} tier here"
