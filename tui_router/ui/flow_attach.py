"""A prompt's attachments, and the questions they raise before it is sent (a collaborator of
`flow.TurnFlow`).

``@path`` files are read off the UI thread (`attach.attach_files`). One outside the workspace and
its extra folders is read only after a yes: "read /etc/hosts (outside the workspace)?" — ``y``
yes (that file, for the rest of the session), ``n`` or esc no (the prompt comes back, nothing is
sent), enter does nothing. Special files are refused without asking. A large paste the current
model cannot hold gets an offer: ``f`` attach it as a file (saved in the session's data folder,
the agent reads it in parts), ``m`` send it to the cheapest model that holds it, esc keep it for
the next send. Nothing typed or pasted is lost whatever the answer.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from tui_router.core.errors import UserFacingError
from tui_router.ui import format as fmt
from tui_router.ui.attach import (
    Attachment,
    attach_files,
    check_fits,
    save_paste,
    session_pastes,
    window_holders,
)
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.question import Choice, QuestionPanel

if TYPE_CHECKING:
    from tui_router.ui.controller import SessionController
    from tui_router.ui.screens.main import MainScreen

NOTHING_SENT = " — nothing was sent"


class AttachFlow:
    """Gathers a prompt's attachments; remembers this session's yes to outside files."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: the question on screen now (esc answers it through `MainScreen`)
        self.question: QuestionPanel | None = None
        #: session id -> real paths read outside the workspace after a yes
        self._outside_yes: dict[str, set[Path]] = {}

    async def gather(self, text: str) -> list[Attachment] | None:
        """The attachments of ``text`` (files, then pastes), or None when nothing is to be
        sent: the reason is in the chat and the prompt (and any paste) is given back."""
        screen, app = self.screen, self.screen.router_app
        c = screen.controller
        assert c is not None
        self.allow_session_pastes(c)
        approved = self._outside_yes.setdefault(c.session_id, set())
        read = functools.partial(
            attach_files,
            text,
            app.cwd,
            c.count_tokens,
            c.estimate_input,
            extra_dirs=c.config.permissions.extra_dirs,
        )
        found = await asyncio.to_thread(read, approved=frozenset(approved))
        if found.outside and not found.problems:
            for ref, path in found.outside:
                if not await self._ask_outside(path):
                    await screen.note(
                        f"@{ref} not attached: you answered no to reading {path}{NOTHING_SENT}",
                        "warn",
                    )
                    self._give_back(text)
                    return None
                approved.add(path)
            found = await asyncio.to_thread(read, approved=frozenset(approved))
        if found.problems:
            for problem in found.problems:
                await screen.note(problem, "error")
            self._give_back(text)
            return None
        pastes = await self._fit_pastes(c, text, screen.commands.take_pastes())
        return None if pastes is None else found.attachments + pastes

    def allow_session_pastes(self, c: SessionController) -> None:
        """The agent may read this session's saved pastes (and only those): set before each
        turn, so a resumed session reads its own and a /new session none of the old ones."""
        if c.agent is not None:
            c.agent.workspace.allow_reading(session_pastes(c.session_id))

    # -- the questions ----------------------------------------------------------------------
    async def ask(self, panel: QuestionPanel) -> str:
        """Show ``panel`` above the prompt until it is answered; return the answer."""
        screen = self.screen
        await screen.query_one("#main").mount(panel, before=screen.query_one(PromptInput))
        panel.focus()
        self.question = panel
        try:
            return await panel.answer
        finally:
            self.question = None
            refocus = panel.has_focus_within or screen.focused is None
            await panel.remove()
            if refocus:
                screen.query_one(PromptInput).focus()

    async def _ask_outside(self, path: Path) -> bool:
        panel = QuestionPanel(
            f"read {path} (outside the workspace)?",
            [Choice("y", "yes", "yes, attach it (this file, for the rest of the session)")],
            cancel=Choice("n", "no", "no"),
            title="Outside the workspace",
        )
        return await self.ask(panel) == "yes"

    async def _fit_pastes(
        self, c: SessionController, text: str, pastes: list[Attachment]
    ) -> list[Attachment] | None:
        """``pastes`` as they will travel: whole when the model holds them, else as the
        person chooses (a file, another model); None when they keep them for later."""
        screen = self.screen
        too_large = {
            id(p): refusal
            for p in pastes
            if (refusal := check_fits(f"[{p.label}]", p.tokens, c.estimate_input))
        }
        if not too_large:
            return pastes
        largest = max(p.tokens for p in pastes if id(p) in too_large)
        holders = window_holders(c, largest)
        choices = []
        if c.agent is not None and c.agent.tools_enabled:
            choices.append(Choice("f", "file", "attach it as a file (the agent reads it in parts)"))
        if holders:
            model, cost, window = holders[0]
            choices.append(
                Choice(
                    "m",
                    "model",
                    f"send it to {model} ({fmt.context_window(window)}, "
                    f"est. {fmt.usd(cost, estimated=True)} as input)",
                )
            )
        why = "; ".join(r.removesuffix(NOTHING_SENT) for r in too_large.values())
        if not choices:  # no tools and no model holds it: only a smaller part can go
            await screen.note(
                f"{why}; no available model's window holds it and this session has no tools "
                "to read it as a file: send a part of it (the paste is kept)",
                "error",
            )
            self._give_back(text, pastes)
            return None
        panel = QuestionPanel(
            why, choices, cancel=Choice("escape", "keep", "keep it for later"), title="Too large"
        )
        answer = await self.ask(panel)
        if answer == "keep":
            await screen.note("The paste is kept in the prompt; nothing was sent")
            self._give_back(text, pastes)
            return None
        if answer == "model":
            try:
                info = c.switch(holders[0][0])
            except UserFacingError as exc:
                await screen.note(f"{exc}{NOTHING_SENT}; the paste is kept", "error")
                self._give_back(text, pastes)
                return None
            screen.refresh_status()
            tier = info.tier or "no tier"
            await screen.note(
                f"Model: {info.id} ({tier}), which holds the paste", "route", keep=True
            )
            return pastes
        return await self._save_as_files(c, text, pastes, set(too_large))

    async def _save_as_files(
        self, c: SessionController, text: str, pastes: list[Attachment], large: set[int]
    ) -> list[Attachment] | None:
        screen = self.screen
        saved: list[Attachment] = []
        for paste in pastes:
            if id(paste) not in large:
                saved.append(paste)
                continue
            try:
                file = await asyncio.to_thread(save_paste, paste, c.session_id, c.count_tokens)
            except OSError as exc:
                await screen.note(
                    f"[{paste.label}] could not be saved as a file ({exc.strerror or exc})"
                    f"{NOTHING_SENT}; the paste is kept",
                    "error",
                )
                self._give_back(text, pastes)
                return None
            saved.append(file)
            await screen.note(
                f"[{paste.label}] saved as {file.path} ({file.lines:,} lines, "
                f"{file.paste_tokens:,} tokens); the prompt carries a note, the agent reads "
                "the file in parts",
                keep=True,
            )
        self.allow_session_pastes(c)
        return saved

    def _give_back(self, text: str, pastes: list[Attachment] | None = None) -> None:
        if pastes:
            self.screen.commands.pending_pastes[:0] = pastes  # kept for the next send
        self.screen.query_one(PromptInput).restore(text)
