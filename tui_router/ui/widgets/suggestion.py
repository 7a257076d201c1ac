"""The suggestion bar: the router's "escalate to X" / "downgrade to Y", reason and cost difference.

Hidden unless a suggestion is pending; tab accepts, esc rejects (the keys are shown in the bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from tui_router.ui import format as fmt


@dataclass(frozen=True)
class SuggestionView:
    kind: str  # "escalate" | "downgrade"
    model: str
    tier: str
    reason: str
    est_cost: Decimal | None  # this turn on the suggested model
    current_cost: Decimal | None  # this turn on the current model
    lost_cache: Decimal | None = None
    #: what the switch pays to send the history to a cold cache (0: the target's cache is warm);
    #: None when the router did not weigh the caches
    recache: Decimal | None = None
    #: for a cheaper model, the turns its lower price needs to pay ``recache`` back
    break_even_turns: int | None = None
    #: the suggested model's cache holds this session's history now (it answered lately)
    target_warm: bool = False


class SuggestionBar(Static):
    DEFAULT_CSS = """
    SuggestionBar {
        height: auto;
        padding: 0 1;
        background: $accent 20%;
        color: $text;
        display: none;
    }
    SuggestionBar.-visible { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.suggestion: SuggestionView | None = None
        self.accept_key = "tab"
        self.reject_key = "esc"

    @property
    def showing(self) -> bool:
        return self.suggestion is not None

    def show(self, suggestion: SuggestionView) -> None:
        self.suggestion = suggestion
        text = self.describe(suggestion, self.accept_key, self.reject_key)
        self.update(text)
        self.tooltip = text  # all of it, where a very small window cuts the bar
        self.add_class("-visible")

    def hide(self) -> None:
        self.suggestion = None
        self.update("")
        self.tooltip = None
        self.remove_class("-visible")

    @staticmethod
    def describe(s: SuggestionView, accept_key: str = "tab", reject_key: str = "esc") -> Text:
        arrow = "▲ escalate" if s.kind == "escalate" else "▼ downgrade"
        text = Text()
        text.append(f"{arrow} to {s.model} ({s.tier})", style="bold")
        # the keys, then why, then what it costs: the bar wraps, and what a very small window
        # cuts (the screen caps the bar's height) is the end
        text.append(f"  [{accept_key}] accept  [{reject_key}] reject", style="dim")
        text.append(f" — {s.reason}")
        text.append(f"  ·  {cost_difference(s)}", style="italic")
        return text


def cost_difference(s: SuggestionView) -> str:
    """ "this turn ~$0.0040 vs ~$0.00090 (+$0.0031, incl. $0.00020 lost cache)", a saving as
    "(-$0.0121)"; with the router's warm-cache figures "…, incl. $0.0120 to re-cache the
    history, paid back in 2 turns)" or "…); switching back to X while its cache is warm costs
    nothing extra"."""
    if s.est_cost is None or s.current_cost is None:
        text = f"this turn {fmt.usd(s.est_cost, estimated=True)} (difference n/a)"
        return text + _free_switch_back(s)
    # money's one rule (`fmt.usd`: "-$0.0121", as the ticker, /cost and the report write it);
    # a rise keeps its "+", so the bar says which way the switch moves the cost
    diff = fmt.usd(s.est_cost - s.current_cost)
    sign = "" if diff.startswith("-") else "+"
    new, old = fmt.usd(s.est_cost, estimated=True), fmt.usd(s.current_cost, estimated=True)
    text = f"this turn {new} vs {old} ({sign}{diff}"
    if s.recache:
        text += f", incl. {fmt.usd(s.recache)} to re-cache the history"
        turns = s.break_even_turns
        if turns:
            text += f", paid back in {fmt.counted(turns, 'turn')}"
    elif s.recache is None and s.lost_cache:
        text += f", incl. {fmt.usd(s.lost_cache)} lost cache"
    return text + ")" + _free_switch_back(s)


def _free_switch_back(s: SuggestionView) -> str:
    # (a re-cache of 0 on a cold model is an empty history, not a warm cache: said of a model
    # the session had never called, on its first prompt)
    if not s.target_warm or s.recache is None or s.recache != 0:
        return ""
    return f"; switching back to {s.model} while its cache is warm costs nothing extra"
