"""--resume: a stored session back into the controller (conversation, turn count; the last prompt
and the model that answered it, for ctrl+r) and into the rows the chat pane shows (prompts without
their attached file bodies, answers with meta)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_router.ui.controller import SessionController

_FILE_BLOCK = re.compile(r'\n*<file path="([^"]+)">\n.*?\n</file>', re.S)


@dataclass
class ShownTurn:
    """A turn restored from the store, for the chat pane on --resume."""

    role: str
    text: str
    model: str | None = None
    attachments: list[str] = field(default_factory=list)
    meta: str = ""


def restore(controller: SessionController) -> None:
    """Fill ``controller.conversation`` and ``controller.restored`` from the store."""
    calls = {c.id: c for c in controller.store.session_calls(controller.session_id)}
    by_turn: dict[int, list[Any]] = {}
    for row in controller.store.session_messages(controller.session_id):
        by_turn.setdefault(row.turn or 0, []).append(row)
        if row.role == "user":
            text, files = split_file_blocks(row.content)
            controller.restored.append(ShownTurn("user", text, attachments=files))
        elif row.role == "assistant":
            call = calls.get(row.call_id) if row.call_id is not None else None
            meta = controller.meta_line(_StoredResult(call)) if call is not None else ""
            controller.restored.append(ShownTurn("assistant", row.content, row.model, meta=meta))
    for turn in sorted(by_turn):
        rows = by_turn[turn]
        user = next((r for r in rows if r.role == "user"), None)
        answers = [r for r in rows if r.role == "assistant"]
        if user is not None:
            controller.conversation.add_user(user.content)
            if answers:  # after a retry the last answer is the one the model saw
                controller.conversation.add_assistant(answers[-1].content, answers[-1].model or "")
        controller.turn_index = max(controller.turn_index, turn)
        if user is not None:  # ctrl+r after --resume resends the prompt with its files
            controller.last_prompt = user.content
            # ... and steps up from the model that answered it (None: from the current model)
            controller.last_answer_model = (answers[-1].model or None) if answers else None


@dataclass
class _StoredResult:
    """A stored call seen through the TurnResult attributes `meta_line` reads."""

    call: Any

    def __getattr__(self, name: str) -> Any:
        call = self.__dict__["call"]
        if name == "price":
            from tui_router.core.pricing import Price

            return Price(call.cost_usd, call.price_source)
        return getattr(call, name)


def split_file_blocks(content: str) -> tuple[str, list[str]]:
    """A stored prompt without its attached file bodies, and the attached paths."""
    files = _FILE_BLOCK.findall(content)
    return _FILE_BLOCK.sub("", content).strip(), files
