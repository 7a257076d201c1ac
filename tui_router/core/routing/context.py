"""What the router knows about the session around a prompt: attached files, conversation size,
the model in use, and the user's recent escalations, retries and rejections.

Built by the caller (TUI turn runner, `route` command, eval) and passed to `Router.decide`; all
fields have neutral defaults so a bare prompt can be routed too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file the user attached to the prompt, and its size in tokens (an estimate is fine)."""

    path: str
    tokens: int


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """The session state a decision may depend on.

    Attributes:
        attached_files: files sent with this prompt.
        conversation_tokens: tokens of the history that will be sent with the prompt.
        current_model: the model that answered the previous turn (None on the first turn).
        current_tier: its tier, if known (the router looks it up in the config otherwise).
        escalations: how many times this session already moved to a stronger tier.
        retries_stronger: how many times the user pressed "retry stronger" in this session.
        recent_rejections: kinds ("escalate" / "downgrade") of the suggestions the user
            rejected recently, newest last.
        available_models: restrict the choice to these ids (None: whatever the catalog says
            is available).
        turn_index: 0 for the first prompt of a session.
        warm_caches: models whose prompt cache holds this session's history now (called
            within the cache's lifetime, see `Session.warm_caches`): switching to one of them
            re-sends nothing, and staying on the current one keeps its cache.
    """

    attached_files: tuple[AttachedFile, ...] = ()
    conversation_tokens: int = 0
    current_model: str | None = None
    current_tier: str | None = None
    escalations: int = 0
    retries_stronger: int = 0
    recent_rejections: tuple[str, ...] = ()
    available_models: tuple[str, ...] | None = None
    turn_index: int = 0
    warm_caches: tuple[str, ...] = ()

    @property
    def attached_tokens(self) -> int:
        return sum(f.tokens for f in self.attached_files)

    @property
    def context_tokens(self) -> int:
        """History plus attachments: what must fit in the model's window besides the prompt."""
        return self.conversation_tokens + self.attached_tokens
