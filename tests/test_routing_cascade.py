"""A cascade decision's models: its model first, then the ladder above it."""

from __future__ import annotations

from tui_router.core.routing.decision import Decision
from tui_router.core.routing.strategies.cascade import cascade_models


def test_cascade_models_come_from_the_decision() -> None:
    decision = Decision(
        model="fast", tier="fast", strategy="cascade", reason="r", ladder=("mid", "top")
    )
    assert cascade_models(decision) == ("fast", "mid", "top")
    assert cascade_models(Decision(model=None, tier=None, strategy="cascade", reason="r")) == ()
