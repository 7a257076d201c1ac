"""How an amount of money reads, wherever it is shown: the app, the report, the budget's
messages. One rule (`display_places`), so one figure reads the same everywhere.

Kept apart from `pricing` (what a call costs), which the app imports only once its first
frame is drawn: the first frame shows money too, and needs no more than this.
"""

from __future__ import annotations

from decimal import Decimal

#: the places of a figure wherever it is shown (`format_usd`, `display_places`)
DISPLAY_PLACES = 4


def display_places(amount: Decimal) -> int:
    """`DISPLAY_PLACES`, or more for a small figure: enough for two significant digits, so a
    price that is not zero never reads "$0.0000" ($0.00042). One figure, one text, wherever it
    is shown: the rule looks at the figure only, never at the others in the table."""
    if not amount or amount.is_nan() or amount.is_infinite():
        return DISPLAY_PLACES
    first_digit = -amount.copy_abs().adjusted()  # 0.00042 -> 4: the first significant place
    return max(DISPLAY_PLACES, first_digit + 1)


def format_usd(amount: Decimal | None, places: int | None = None) -> str:
    """ "$0.0123" or "n/a"; never prints an unknown price as zero. In the display rule's places
    (`display_places`) unless ``places`` fixes them: a default of four had the callers that
    forgot to ask for the rule print a real $0.00002 as "$0.0000"."""
    if amount is None:
        return "n/a"
    if places is None:
        places = display_places(amount)
    shown = amount.quantize(Decimal(1).scaleb(-places))
    # the sign before the dollar ("-$0.0012", a saving that is negative: routing cost more);
    # "$-0.0012" read as a typo. A figure that rounds to zero has no sign ("-$0.0000").
    sign = "-" if shown < 0 else ""
    return f"{sign}${abs(shown):,}"


def format_usd_short(amount: Decimal | None) -> str:
    """The display rule's figure without its trailing zeros, to the cent at least: "$5.00",
    "$0.05", "$0.002", "$0.1235". For a limit the person set, as they wrote it (a $0.002 budget
    read "$0.00", a $5 one would read "$5.0000"), and for the figures said beside it (what is
    left, what a call could cost): one rule for the budget's figures, the report's places."""
    text = format_usd(amount, None)
    whole, dot, fraction = text.partition(".")
    if not dot:  # "n/a"
        return text
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
