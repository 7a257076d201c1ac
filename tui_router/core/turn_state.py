"""What one running turn has done so far: its calls, tool calls, changed files and why it stopped.

`Session.run_turn` keeps one `TurnState` per turn; the tool step (`core.agent.tool_step`) writes
each tool call's record into it, and the turn's last event, `TurnDone`, is made from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_router.core.events import ToolRecord, TurnDone

if TYPE_CHECKING:
    from tui_router.core.agent.checkpoints import Checkpoint
    from tui_router.core.turn import TurnResult


@dataclass
class TurnState:
    """What one running turn has done so far."""

    results: list[TurnResult] = field(default_factory=list)
    tools: list[ToolRecord] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    text: str = ""
    model: str | None = None
    steps: int = 0
    stopped: str | None = None
    #: the same failing call (tool + input) and how often it failed this turn
    failures: dict[str, int] = field(default_factory=dict)
    #: why the turn should go to a stronger model (repeated tool errors), when it should
    escalation: str | None = None
    #: this step's tool results not yet in the store (written together, one sync per step)
    unsaved_results: list[tuple[str, str, bool]] = field(default_factory=list)
    #: the diffs the chat shows under this step's edits, by call id, not yet in the store
    unsaved_diffs: dict[str, str] = field(default_factory=dict)
    #: a budget lowered a call's output cap and the user was told (once a turn: an agent's
    #: every step may be capped, and the same line each step would say nothing new)
    capped_said: bool = False

    def cost(self) -> Decimal | None:
        known = [r.price.usd for r in self.results if r.price.usd is not None]
        return sum(known, Decimal(0)) if known else None

    def done(self, checkpoint: Checkpoint | None) -> TurnDone:
        return TurnDone(
            text=self.text,
            model=self.model,
            steps=self.steps,
            tools=tuple(self.tools),
            files_changed=tuple(self.files_changed),
            checkpoint_id=None if checkpoint is None else checkpoint.id,
            stopped=self.stopped,
            cost_usd=self.cost(),
            results=tuple(self.results),
            escalation=self.escalation,
        )
