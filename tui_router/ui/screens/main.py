"""The main screen: header, chat, suggestion bar, prompt, sidebar, ticker and footer.

It owns the conversation on screen: the turn flow (`flow.TurnFlow`), the router's suggestions
(`flow_suggest.SuggestionFlow`) and the commands (`flow_commands.CommandFlow`), plain objects it
holds and calls from its `@on` handlers and key actions. The app opens the session after the
first frame and hands it over (`show_session`); a prompt sent before that waits for `app.ready`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import TextArea
from textual.worker import Worker, WorkerState

from tui_router.ui import key_activity
from tui_router.ui.attach import complete_path
from tui_router.ui.commands import SLASH_COMMANDS
from tui_router.ui.compositor import Compositor
from tui_router.ui.flow import TurnFlow
from tui_router.ui.flow_commands import CommandFlow
from tui_router.ui.flow_suggest import SuggestionFlow
from tui_router.ui.format import WAITING_FOR_ANSWER, counted
from tui_router.ui.session_title import SessionTitle
from tui_router.ui.strategy import current as current_strategy
from tui_router.ui.widgets.chat import ChatPane, NoteKind
from tui_router.ui.widgets.key_footer import KeyFooter
from tui_router.ui.widgets.prompt import PromptInput
from tui_router.ui.widgets.sidebar import ModelSidebar
from tui_router.ui.widgets.status import StatusHeader
from tui_router.ui.widgets.suggestion import SuggestionBar
from tui_router.ui.widgets.ticker import CostTicker

if TYPE_CHECKING:  # the session's modules load after the first frame (see boot)
    from tui_router.core.config import AppConfig
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions
    from tui_router.ui.controller import SessionController
    from tui_router.ui.widgets.approval import ApprovalPanel


#: Below this many columns the sidebar starts hidden (ctrl+b shows it, at most half the width).
SIDEBAR_BELOW = 90
#: Below this many rows the prompt takes fewer lines.
SHORT_BELOW = 24
#: Seconds without tokens after which a streaming reply says it stalled (and how to cancel).
STALL_NOTICE_AFTER = 20.0
#: Seconds within which a second ctrl+c on an empty prompt quits.
QUIT_AGAIN_WITHIN = 2.0


def _key_label(key: str) -> str:
    return key.replace("escape", "esc")


def notify_failure(node: App[Any] | Screen[Any], worker: Worker[Any]) -> None:
    """The one way a worker's failure reaches the user: a notification naming the worker."""
    error = worker.error
    node.notify(
        f"{worker.name} failed: {type(error).__name__}: {error}",
        title="Something went wrong",
        severity="error",
        timeout=10,
    )


class MainScreen(Screen[None]):
    """The session's screen; the app pushes nothing under it (it is the default screen)."""

    #: Read by the app with its own stylesheet: Textual loads the CSS of a pushed screen, not of
    #: the default one, and a second parse after the first frame would re-style every widget.
    CSS_PATH = Path(__file__).with_name("main.tcss")

    #: Textual repaints the whole screen when the focus moves (a full frame: ~20 ms at 120x40,
    #: on top of the frame of whatever moved it, such as an approval panel opening). The widgets
    #: a move restyles (the one focused, the one left, their `:focus-within` ancestors) repaint
    #: themselves; nothing else on this screen draws the focus (tests/test_ui_repaint.py).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    #: A reply (or a retry) is on its way: claimed before its worker starts, so a second enter
    #: cannot start another turn.
    streaming: var[bool] = var(False)

    def __init__(self, config: AppConfig, options: StartOptions, *, max_mounted: int) -> None:
        super().__init__()
        self._compositor = Compositor()
        self.config = config
        self.options = options
        self.max_mounted = max_mounted
        self.suggestions = SuggestionFlow(self)
        self.turns = TurnFlow(self)
        self.commands = CommandFlow(self)
        self.session_title = SessionTitle(self)
        self._interrupted_at = 0.0  # the last ctrl+c that did nothing but warn (monotonic)
        self._prompt: PromptInput | None = None  # (composed with the screen)
        self._chat: ChatPane | None = None
        self._reply_clock: Timer | None = None
        self._reply_started = 0.0
        self._approval: ApprovalPanel | None = None

    # -- frames: a key on its way goes first ------------------------------------------------
    def _on_timer_update(self) -> None:
        if self._layout_required and key_activity.keys_go_first(self, self._on_timer_update):
            self._update_timer.pause()
            return
        super()._on_timer_update()

    def _compositor_refresh(self) -> None:
        # Every frame ends here (a layout's too). A key read during the layout before it could
        # not move (however long that took): the render waits for it; and what runs after the
        # render (the answer's paint of its sealed parts) lets it go first too.
        if self is not self.app.screen:
            super()._compositor_refresh()
            return
        activity = key_activity.of(self.app)
        activity.loop_was_held()
        if key_activity.keys_go_first(self, self._compositor_refresh):
            self._update_timer.pause()
            return
        super()._compositor_refresh()
        activity.loop_was_held()

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Drawn before the session opens: what is known is shown, the rest not guessed (the
        # model's tier is the catalog's; a resumed session comes back to its own mode and
        # strategy: the config's read "mode suggest" for seconds on a manual one).
        options, config = self.options, self.config
        if options.resume is not None or options.pick_session:
            model, mode, strategy = options.model or "…", options.mode, None
        else:
            model = options.model or config.default_model or "…"
            mode, strategy = options.mode or config.routing_mode, config.routing_strategy
        header = StatusHeader.describe(model, None, mode, None, False, strategy, opening=True)
        yield StatusHeader(header, id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                self._chat = ChatPane(id="chat", max_mounted=self.max_mounted)
                yield self._chat
                yield SuggestionBar(id="suggestion")
                self._prompt = PromptInput(id="prompt")
                yield self._prompt
            yield ModelSidebar(id="sidebar")
        yield CostTicker(id="ticker")
        yield KeyFooter(keep=("quit", "help"))  # shown first when not all keys fit

    def on_mount(self) -> None:
        self.fit_to(*self.app.size)  # before the first frame: a Resize comes after it
        bar = self.query_one(SuggestionBar)
        keys = self.router_app.key_names()
        bar.accept_key = _key_label(keys.get("accept_suggestion", "tab"))
        bar.reject_key = _key_label(keys.get("reject_suggestion", "escape"))
        prompt = self.query_one(PromptInput)
        app = self.router_app  # its cwd follows a resumed session to that session's folder
        prompt.complete_path = lambda fragment: complete_path(fragment, app.cwd)
        prompt.slash_names = list(SLASH_COMMANDS)

    def watch_streaming(self, streaming: bool) -> None:
        """While a reply is on its way the ticker shows for how long, and when it stalls."""
        if streaming and self._reply_clock is None:
            now = asyncio.get_running_loop().time()
            self._reply_started = self.turns.last_token_at = now
            self._reply_clock = self.set_interval(1.0, self.show_reply_clock)
        elif not streaming and self._reply_clock is not None:
            self._reply_clock.stop()
            self._reply_clock = None
            self.query_one(CostTicker).set_activity(None)

    def show_reply_clock(self) -> None:
        now = asyncio.get_running_loop().time()
        view = self.turns.agent_view
        waiting = view is not None and view.panel is not None
        if waiting or self.turns.attach.question is not None:  # the user's turn, not the model's
            self.turns.last_token_at = now
            self.query_one(CostTicker).set_activity(WAITING_FOR_ANSWER)
            return
        tool = view.running_tool() if view is not None else None
        if tool is not None:
            # No token is due while a tool runs (a test suite can take minutes): said as it is,
            # and the stall clock starts again when the model has the result.
            self.turns.last_token_at = now
            self.query_one(CostTicker).set_activity(f"running {tool.tool_name}")
            return
        silent = now - self.turns.last_token_at
        activity = f"streaming {now - self._reply_started:.0f} s"
        if silent >= STALL_NOTICE_AFTER:
            activity += f" · no tokens for {silent:.0f} s — esc to cancel"
        self.query_one(CostTicker).set_activity(activity)

    def on_resize(self, event: events.Resize) -> None:
        self.fit_to(event.size.width, event.size.height)

    def fit_to(self, width: int, height: int) -> None:
        """Small windows stay usable: no sidebar below `SIDEBAR_BELOW` columns unless ctrl+b
        asks for it (in full at 60 it left the chat 22 and the prompt nothing at 38), compact
        chrome below `SHORT_BELOW` rows."""
        self.set_class(width < SIDEBAR_BELOW, "-narrow")
        self.set_class(height < SHORT_BELOW, "-short")

    # -- what the app provides --------------------------------------------------------------
    @property
    def router_app(self) -> TuiRouterApp:
        return cast("TuiRouterApp", self.app)

    @property
    def controller(self) -> SessionController | None:
        return self.router_app.controller

    @property
    def chat(self) -> ChatPane:
        # kept from compose: a query walks every entry before it (each key asks, `take_typing`)
        return self._chat if self._chat is not None else self.query_one(ChatPane)

    def on_top(self) -> bool:
        """No other screen (picker, help, summary, palette) is over this one."""
        return self.app.screen is self

    async def note(self, text: str, kind: NoteKind = "info", *, keep: bool = False) -> None:
        """A line in the chat; ``keep``: it tells what happened in the session (a route, a
        verdict, how a turn ended), so the store keeps it and `--resume` draws it again."""
        await self.chat.add_note(text, kind)
        controller = self.controller
        if keep and controller is not None:
            controller.keep_note(text, kind)

    def note_later(self, text: str, kind: NoteKind = "info") -> None:
        """A note from a key action (not async): written by a worker."""
        self.run_worker(self.note(text, kind), group="chat")

    # -- the session ------------------------------------------------------------------------
    async def show_session(self, controller: SessionController) -> None:
        """The session just opened: its models, the turns of a resumed session, the chrome."""
        self.query_one(ModelSidebar).set_models(controller.model_rows(), controller.model_id)
        for entry in controller.restored:
            if entry.role == "user":
                await self.chat.add_user(entry.text, entry.attachments)
            elif entry.role == "tool":  # its ✓/✗ line between the prompt and the answer
                await self.chat.add_entry(entry.widget())
            elif entry.role == "note":
                await self.chat.add_note(entry.text, entry.kind)
            else:
                message = await self.chat.add_assistant(entry.model or "?", None)
                await message.set_text(entry.text)
                message.set_meta(entry.meta)
        self.session_title.session_opened(controller)
        self.refresh_status()

    async def approval_panel(self) -> ApprovalPanel:
        """The panel a tool call asks for a yes in, above the prompt: mounted hidden when the
        session opens (not for the first frame), then shown and hidden for each call."""
        if self._approval is None:
            from tui_router.ui.widgets.approval import ApprovalPanel

            self._approval = ApprovalPanel()
            await self.query_one("#main").mount(self._approval, before=self.query_one(PromptInput))
        return self._approval

    async def session_ready(self, controller: SessionController) -> None:
        """After `app.ready`: route what was typed while the session opened; say it resumed."""
        await self.approval_panel()
        # a call the history could not take is kept in the journal: say so, once per write
        controller.store.on_deferred = lambda warning: self.note_later(str(warning), "warn")
        typed = self.query_one(PromptInput).text
        if typed.strip() and controller.mode == "suggest" and controller.router is not None:
            self.suggestions.route_typing(typed)
        if controller.restored:
            await self.note(
                f"Resumed session {controller.session_id}: "
                f"{counted(controller.turn_index, 'turn')}, spent "
                f"{controller.ledger.totals.cost_text()}"
            )
        folder = controller.folder
        if folder is not None and folder.note:  # where it works, when that is news
            await self.note(folder.note, "warn" if folder.gone else "info")
        always = controller.always_note
        if always is not None:  # calls that will run without asking, or ask again
            await self.note(always.text, always.kind)

    # -- state shown in the chrome ----------------------------------------------------------
    def refresh_status(self) -> None:
        c = self.controller
        if c is None:
            return
        tier = c.tier
        info = c.catalog.get(c.model_id)
        if info is not None and not info.available:  # as the welcome screen and the sidebar say
            tier = f"{tier or 'no tier'}, not available"
        self.query_one(StatusHeader).show(
            model=c.model_id,
            tier=tier,
            mode=c.mode,
            session=c.session_id,
            streaming=self.streaming,
            strategy=current_strategy(c),
            title=self.session_title.current(c),
        )
        self.query_one(ModelSidebar).set_current(c.model_id)
        self.refresh_ticker()

    def refresh_ticker(self) -> None:
        if self.controller is not None:
            self.query_one(CostTicker).show(self.controller.ticker_state())

    # -- messages ---------------------------------------------------------------------------
    @on(TextArea.Changed, "#prompt")
    def prompt_changed(self, event: TextArea.Changed) -> None:
        self.suggestions.prompt_changed(event.text_area.text)

    @on(PromptInput.Submitted)
    async def prompt_submitted(self, message: PromptInput.Submitted) -> None:
        await self.turns.submit(message.text)

    @on(PromptInput.ScrollChat)
    def scroll_chat(self, message: PromptInput.ScrollChat) -> None:
        chat = self.chat
        {
            "pageup": chat.scroll_page_up,
            "pagedown": chat.scroll_page_down,
            "home": chat.scroll_home,
            "end": chat.scroll_end,
        }[message.key](animate=False)

    def take_typing(self, event: events.Key) -> None:
        """A printable key with the chat (or nothing) focused goes to the prompt: typing after a
        click in the chat or a tab was silently lost.

        The app calls this before it hands the key to the focused widget, and the focus moves at
        once (`set_focus`, not `focus()`, which waits a turn): keys read in one go are all queued
        before the first is handled, and the enter behind them went to the chat, not the prompt.
        """
        prompt = self._typing_target(event)
        focused = self.focused
        if prompt is None or (
            focused is not None and focused is not self.chat and self.chat not in focused.ancestors
        ):
            return
        self.set_focus(prompt)

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the screen (nothing focused: the app had not composed
        the prompt when `take_typing` saw it) goes into the prompt, not lost."""
        prompt = self._typing_target(event)
        if prompt is None or self.focused is not None:
            return
        event.stop()
        event.prevent_default()
        self.set_focus(prompt)
        prompt.insert(event.character or "")

    def _typing_target(self, event: events.Key) -> PromptInput | None:
        """The prompt, for a printable key while this screen is on top; None before the prompt
        is composed (a key the terminal sends while the app starts)."""
        prompt = self._prompt
        if not event.is_printable or event.character is None:
            return None
        if prompt is None or not prompt.is_mounted or not self.on_top():
            return None
        return prompt

    @on(PromptInput.LargePaste)
    def large_paste(self, message: PromptInput.LargePaste) -> None:
        self.commands.handle_paste(message.text)

    @on(ModelSidebar.Selected)
    def sidebar_selected(self, message: ModelSidebar.Selected) -> None:
        self.commands.switch_model(message.model_id, "sidebar")

    async def on_approval_panel_answered(self, message: ApprovalPanel.Answered) -> None:
        """y / n / a / esc on a tool call's approval panel (see `flow_agent`)."""
        view = self.turns.agent_view
        if view is not None:
            await view.answer(message.call_id, message.decision, message.note)

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            notify_failure(self, event.worker)
            self.streaming = False
            self.refresh_status()

    # -- keys (bound in `TuiRouterApp.BINDINGS`) and the palette's entries of the same names --
    def action_model_picker(self) -> None:
        c = self.controller
        if c is None or not self.on_top():
            return
        from tui_router.ui.screens.model_picker import ModelPicker

        def picked(model_id: str | None) -> None:
            if model_id:
                self.commands.switch_model(model_id, "picker")

        self.app.push_screen(ModelPicker(c.model_rows(), c.model_id), picked)

    def action_next_model(self) -> None:
        self.commands.step_model(1)

    def action_previous_model(self) -> None:
        self.commands.step_model(-1)

    def action_accept_suggestion(self) -> None:
        if self.suggestions.pending is None or not self.on_top():
            raise SkipAction()  # tab keeps its usual meaning: move focus
        self.suggestions.take_answer(True)

    def action_reject_suggestion(self) -> None:
        if not self.on_top():
            raise SkipAction()
        view = self.turns.agent_view
        if self.suggestions.pending is not None:
            self.suggestions.take_answer(False)
        elif view is not None and view.panel is not None:
            view.panel.action_answer("no")  # esc on a tool call's approval: refuse it
        elif self.turns.attach.question is not None:
            self.turns.attach.question.cancel_question()  # esc on a question: no / keep
        elif self.streaming:
            self.turns.cancel_reply("esc")
        else:
            raise SkipAction()

    def action_cancel_reply(self) -> None:
        self.turns.cancel_reply("esc")

    def action_interrupt(self) -> None:
        """ctrl+c: cancel the reply (as esc does); else copy the prompt's selection, or clear the
        prompt; on an empty prompt twice in a row quits."""
        if not self.on_top():
            raise SkipAction()
        now = time.monotonic()
        twice = now - self._interrupted_at < QUIT_AGAIN_WITHIN
        self._interrupted_at = now
        prompt = self.query_one(PromptInput)
        if self.streaming:
            self.turns.cancel_reply("ctrl+c")
            self._interrupted_at = 0.0
        elif prompt.selected_text:  # the prompt's own ctrl+c: copy what is selected
            self.app.copy_to_clipboard(prompt.selected_text)
            self._interrupted_at = 0.0
        elif prompt.text:
            prompt.clear()
            self._interrupted_at = 0.0
        elif twice:
            self.app.exit()
        else:
            self.notify("Press ctrl+c again to quit", timeout=QUIT_AGAIN_WITHIN)

    def action_retry_stronger(self) -> None:
        self.turns.retry_stronger()

    def action_cycle_mode(self) -> None:
        self.commands.cycle_mode()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the sidebar; on a narrow window (hidden there unless asked for) it is shown
        or hidden there only, and a wide one keeps its own choice."""
        sidebar = self.query_one(ModelSidebar)
        sidebar.toggle_class("-shown" if self.has_class("-narrow") else "-hidden")

    async def action_cost(self) -> None:
        await self.commands.show_cost()

    async def action_new_session(self) -> None:
        await self.commands.new_session()
