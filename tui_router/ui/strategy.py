"""The routing strategy of a running session: `/strategy NAME` and the palette's "Strategy: NAME".

What a user gets:
- `/strategy` alone shows the strategy in force and the choices; nothing changes.
- `/strategy NAME` (any case) switches: the conversation, the model and the mode stay. The
  session's router is rebuilt with the new strategy around the same rules and the same learned
  model, so the learned model's online feedback (accepts, rejects, retries) keeps going to the
  same feedback file. The next prompt is routed the new way: with `cascade` in auto or suggest
  mode a turn on the cascade's start model climbs the ladder; switching away stops that.
- An unknown name gets one line with "did you mean" and the choices; nothing changes.
- The store records every strategy the session used, in order ("learned,cascade"), on the
  session row (`Store.record_strategy`): `tui-router report` describes money that all of them
  spent, so it names them all; the last one is in force, and --resume and /new keep it.

Plain Python (no textual): the app's command flow calls it and shows the lines it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui_router.core.config import STRATEGIES, did_you_mean
from tui_router.core.errors import UserFacingError
from tui_router.core.routing import strategies

if TYPE_CHECKING:  # imported when the session opens, after the first frame
    from tui_router.core.config import AppConfig
    from tui_router.core.routing.router import Router
    from tui_router.ui.controller import SessionController

#: strategy -> what it does, in the words the chat, the palette and /strategy show: from the
#: strategy registry, where each strategy is registered with its description.
STRATEGY_HELP: dict[str, str] = strategies.descriptions()


def current(controller: SessionController) -> str:
    """The strategy in force: the session router's, else the config's (no routing engine)."""
    strategy = getattr(controller.router, "strategy", None)
    return str(strategy or controller.config.routing_strategy)


def choices() -> str:
    return ", ".join(STRATEGIES)


def resolve(name: str) -> str:
    """``name`` as a strategy (case-insensitive); `UserFacingError` with a hint otherwise."""
    wanted = name.strip().lower()
    if wanted in STRATEGIES:
        return wanted
    close = did_you_mean(name.strip(), STRATEGIES)
    hint = f"did you mean {close}? " if close else ""
    raise UserFacingError(
        f"No routing strategy {name.strip()!r} — {hint}Strategies: {choices()}; nothing changed"
    )


def describe(controller: SessionController) -> str:
    """The line `/strategy` alone shows."""
    name = current(controller)
    return (
        f"Routing strategy: {name} — {STRATEGY_HELP.get(name, name)}. "
        f"Choices: {choices()} (/strategy NAME switches; the conversation is kept)"
    )


def switch(controller: SessionController, name: str) -> None:
    """Route the session with strategy ``name`` from the next prompt on (``name`` is resolved).

    Rebuilds the router (loading the learned model if the old router never did, so this runs
    in a worker thread) and records the strategy on the session row.
    """
    old = controller.router
    router = (
        None
        if old is None
        else load_router(controller.config, controller.catalog, name, previous=old)
    )
    if router is None:
        raise UserFacingError(
            "The routing engine is not installed: strategies need it (the model you pick stands)"
        )
    controller.store.record_strategy(controller.session_id, name)
    controller.router = router


def load_router(
    config: AppConfig, catalog: Any, strategy: str | None = None, *, previous: Any | None = None
) -> Router:
    """The session's routing engine (opening a session, or a `/strategy` switch).

    ``previous``: the router being replaced (a `/strategy` switch); its rules, learned model and
    feedback file carry over, so the online feedback keeps accumulating in one place.
    """
    from tui_router.core.paths import get_paths
    from tui_router.core.routing.router import Router

    feedback = getattr(previous, "feedback_path", None) or get_paths().feedback_file
    reused: dict[str, Any] = {}
    if previous is not None:
        reused = {
            "rules": getattr(previous, "rules", None),
            "learned": getattr(previous, "learned", None),
        }
    router = Router(config, catalog, feedback, strategy=strategy, **reused)
    _ = router.learned  # load the learned weights now, in the start-up worker, not on a keystroke
    return router


def switched_line(controller: SessionController, before: str) -> str:
    """What the chat says after a switch: the new strategy, what it does, and when it acts."""
    name = current(controller)
    line = f"Routing strategy: {name} — {STRATEGY_HELP[name]} (was {before}; conversation kept)"
    router: Any = controller.router
    if name == "learned" and getattr(router, "learned", True) is None:
        why = getattr(router, "learned_error", None) or "unavailable"
        line += f"; the learned model is unavailable ({why}): the rules stand in"
    if controller.mode == "manual" and name != "manual":
        line += "; routing mode is manual, so the router stays silent until /mode suggest or auto"
    return line
