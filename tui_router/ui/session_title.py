"""The session's title on the main screen (a collaborator of `screens.main.MainScreen`).

When the first prompt of a session goes out, its first line becomes the title at once (stored,
so `sessions` and the `--resume` picker have it); with `session_titles` on (the default) a
fast-tier model then writes a short title in the background (`core.background.make_title`:
one call, priced and recorded with purpose ``title``, held to the budget like any other). The
turn never waits for it; when it fails or no fast-tier model can be called, the first line stays
and a debug log line says why. A session that already has a title (a resumed one) keeps it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tui_router.core.resumable import first_line

if TYPE_CHECKING:
    from tui_router.ui.controller import SessionController
    from tui_router.ui.screens.main import MainScreen

log = logging.getLogger(__name__)


class SessionTitle:
    """The title of the session on screen, and the background call that writes it."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: the session the title belongs to (`/new` starts an untitled one)
        self._session_id: str | None = None
        self._title: str | None = None

    def current(self, controller: SessionController) -> str | None:
        """The title of the controller's session now, None while it has none."""
        return self._title if self._session_id == controller.session_id else None

    def session_opened(self, controller: SessionController) -> None:
        """A session was opened or resumed: the title it has in the store, if any."""
        row = controller.store.get_session(controller.session_id)
        self._session_id, self._title = controller.session_id, row.title if row else None

    def prompt_sent(self, controller: SessionController, prompt: str) -> None:
        """A prompt went out. The session's first one titles it: its first line now, and a
        model's title from the background call when that is on."""
        if self.current(controller) is not None:
            return
        # a resumed session without a title is titled from where it started, not from here
        first = next((e.text for e in controller.restored if e.role == "user"), prompt)
        title = first_line(first) or "untitled"
        session_id = controller.session_id
        self._session_id, self._title = session_id, title
        try:
            controller.store.set_title(session_id, title)
        except Exception:  # a title is not worth a turn: the history warns of its own failures
            log.debug("could not store the session title", exc_info=True)
        self.screen.refresh_status()
        if controller.config.session_titles:
            self.screen.run_worker(
                self._model_title(controller, first, session_id),
                group="title",
                name="session title",
                exit_on_error=False,
            )

    async def _model_title(
        self, controller: SessionController, prompt: str, session_id: str
    ) -> None:
        from tui_router.core.background import make_title

        try:
            title = await make_title(controller, prompt)
        except Exception:  # never on screen: the first line stays the title
            log.debug("the session title call failed", exc_info=True)
            return
        if title is None:
            log.debug("no session title: no fast-tier model, the budget, or the call failed")
            return
        if self._session_id == session_id:
            self._title = title
            self.screen.refresh_status()
