"""Provider-neutral conversation: the messages of a session, independent of any model.

A conversation can change model between turns and keep its history: messages carry the model that
produced them for display and accounting only, and every provider receives the same plain history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass
class Message:
    """One message. ``model`` is set on assistant messages (which model wrote it)."""

    role: Role
    content: str
    model: str | None = None


@dataclass
class Conversation:
    """The history sent to whichever model answers the next turn."""

    system: str | None = None
    messages: list[Message] = field(default_factory=list)

    def add_user(self, text: str) -> Message:
        message = Message("user", text)
        self.messages.append(message)
        return message

    def add_assistant(self, text: str, model: str) -> Message:
        message = Message("assistant", text, model=model)
        self.messages.append(message)
        return message

    def pop_last_turn(self) -> tuple[Message | None, Message | None]:
        """Remove and return the last (user, assistant) pair, for "retry stronger"."""
        assistant = (
            self.messages.pop() if self.messages and self.messages[-1].role == "assistant" else None
        )
        user = self.messages.pop() if self.messages and self.messages[-1].role == "user" else None
        return user, assistant

    def for_provider(self) -> list[Message]:
        """The history as providers receive it (system prompt travels separately)."""
        return [m for m in self.messages if m.role != "system"]
