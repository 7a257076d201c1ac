"""The interactive app: config, themes, the keymap, start-up, help and the summary on quit.

The session's screen is `screens.main.MainScreen` (the default screen; it owns the turn,
suggestion and command flows); the session logic is `controller.SessionController`. Start-up
shows the first frame at once and opens the session (catalog, prices, store) in a worker; a
prompt sent before that waits for `ready`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from tui_router.core.config import DEFAULT_KEYS, AppConfig, ConfigError
from tui_router.core.errors import UserFacingError
from tui_router.ui import key_activity
from tui_router.ui.boot import StartOptions, any_model_available, open_session, warm_up
from tui_router.ui.screens.main import MainScreen, notify_failure
from tui_router.ui.startup_gc import freeze_after_warm_up, resume_gc_after_start_up
from tui_router.ui.widgets import stream_gc
from tui_router.ui.widgets.chat import ChatPane

if TYPE_CHECKING:  # the session's modules load after the first frame (see boot)
    from collections.abc import Iterable

    from textual.driver import Driver
    from textual.screen import Screen

    from tui_router.ui.controller import SessionController
    from tui_router.ui.terminal_driver import TerminalGone

#: Fallbacks for the theme variables the app's CSS uses (a theme file may override them).
THEME_VARIABLE_DEFAULTS = {"cost-ok": "#98c379", "cost-warn": "#e5a550"}


def _router_commands() -> Any:
    from tui_router.ui.palette import RouterCommands

    return RouterCommands


def _theme_commands() -> Any:
    from tui_router.ui.themes import ThemeProvider

    return ThemeProvider


class TuiRouterApp(App[None]):
    """tui-router: the app-wide part; the session's screen is `MainScreen`."""

    CSS_PATH = MainScreen.CSS_PATH  # see there; absolute: subclasses live elsewhere
    TITLE = "tui-router"
    AUTO_FOCUS = "#prompt"
    #: providers as factories, so textual.command loads when the palette opens, not at start-up
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {_router_commands, _theme_commands}
    #: ids and default keys are config's `DEFAULT_KEYS` (config.toml [keys]; the one default
    #: keymap); `set_keymap` applies the user's choices. One list, the
    #: footer's order: "screen." actions are the main screen's (`MainScreen.action_*`), bound here
    #: because a screen's own binding for tab would replace Screen's (focus next) and the keymap
    #: re-binds a key of one node wholesale. Over any other screen they find no action there and
    #: the key goes on as usual.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(DEFAULT_KEYS["model_picker"], "screen.model_picker", "Models", id="model_picker"),
        Binding(DEFAULT_KEYS["next_model"], "screen.next_model", "Next model", id="next_model"),
        Binding(
            DEFAULT_KEYS["previous_model"],
            "screen.previous_model",
            "Prev model",
            id="previous_model",
            show=False,
        ),
        Binding(
            DEFAULT_KEYS["accept_suggestion"],
            "screen.accept_suggestion",
            "Accept",
            id="accept_suggestion",
            priority=True,
            show=False,
        ),
        Binding(
            DEFAULT_KEYS["reject_suggestion"],
            "screen.reject_suggestion",
            "Reject/cancel",
            id="reject_suggestion",
            priority=True,
            show=False,
        ),
        Binding(
            DEFAULT_KEYS["retry_stronger"],
            "screen.retry_stronger",
            "Retry stronger",
            id="retry_stronger",
        ),
        Binding(DEFAULT_KEYS["cycle_mode"], "screen.cycle_mode", "Mode", id="cycle_mode"),
        Binding(
            DEFAULT_KEYS["toggle_sidebar"], "screen.toggle_sidebar", "Sidebar", id="toggle_sidebar"
        ),
        Binding(DEFAULT_KEYS["help"], "help", "Help", id="help"),
        Binding(DEFAULT_KEYS["quit"], "quit", "Quit", id="quit", priority=True),
        # Not Textual's "press ctrl+q to quit": cancel a reply, else clear the prompt; twice quits.
        Binding("ctrl+c", "screen.interrupt", "Cancel", priority=True, show=False),
    ]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, less its "Theme" picker: that one set the theme without saving
        it; the palette's "Theme: NAME" entries (`ui/themes.py`) save the choice."""
        for command in super().get_system_commands(screen):
            if command.title != "Theme":
                yield command

    def run(self, *, headless: bool = False, **kwargs: Any) -> None:
        """Run in this terminal; without one (stdin or stdout redirected, a cron job, a pipe)
        one line says so: Textual would draw its frames into the pipe and wait for keys that
        never come."""
        import sys

        if not headless and not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserFacingError(
                "the interactive app needs a terminal (stdin and stdout are not one); for one "
                'question without it: tui-router ask "…"'
            )
        return super().run(headless=headless, **kwargs)  # (a snapshot exits with its picture)

    def __init__(
        self,
        config: AppConfig | None = None,
        options: StartOptions | None = None,
        *,
        provider_factory: Any | None = None,
        cwd: Path | None = None,
        max_mounted: int = 100,
        show_welcome: bool = True,
    ) -> None:
        super().__init__()
        self.config = config or AppConfig()
        self.options = options or StartOptions()
        self.provider_factory = provider_factory
        #: the workspace: ``cwd`` (``--cwd``), else the current directory — or, once a resumed
        #: session has opened, the folder it works in (its own, see `core.resume_folder`)
        self.cwd = cwd or Path.cwd()
        self._cwd_given = cwd is not None
        self.max_mounted = max_mounted
        self.show_welcome = show_welcome
        self.controller: SessionController | None = None
        self.ready = asyncio.Event()
        self.boot_error: str | None = None
        #: the signal (SIGTERM, SIGHUP) that closed the app, if one did
        self.exit_signal: int | None = None
        self._main_screen: MainScreen | None = None
        # Before the first compose, so the footer is built with the user's keys (set in
        # on_mount, the changed bindings would rebuild the footer before the first frame).
        self.set_keymap(dict(self.config.keys))
        # Themes are set before the stylesheet is first parsed: switching theme in on_mount
        # re-parses and re-applies all CSS (~40 ms) before the first frame.
        self._theme_problems = self._apply_themes()

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver, but one that lets go of a terminal that has gone away
        (`terminal_driver`); Windows' and one named by TEXTUAL_DRIVER as they are."""
        driver_class = super().get_driver_class()
        if sys.platform == "win32":
            return driver_class
        from textual.drivers.linux_driver import LinuxDriver

        if driver_class is not LinuxDriver:
            return driver_class
        from tui_router.ui.terminal_driver import TerminalDriver

        return TerminalDriver

    # -- the main screen ------------------------------------------------------------------
    def get_default_screen(self) -> MainScreen:
        self._main_screen = MainScreen(self.config, self.options, max_mounted=self.max_mounted)
        return self._main_screen

    @property
    def main_screen(self) -> MainScreen:
        if self._main_screen is None:
            raise RuntimeError("the main screen is created when the app starts")
        return self._main_screen

    # Thin views of the main screen, for the tests, the benchmarks and the palette.
    @property
    def chat(self) -> ChatPane:
        return self.main_screen.chat

    @property
    def streaming(self) -> bool:
        return self.main_screen.streaming

    def refresh_status(self) -> None:
        self.main_screen.refresh_status()

    def switch_model(self, model_id: str, source: str) -> None:
        self.main_screen.commands.switch_model(model_id, source)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        from tui_router.ui.themes import APP_VARIABLE_DEFAULTS

        return {**THEME_VARIABLE_DEFAULTS, **APP_VARIABLE_DEFAULTS}

    def on_mount(self) -> None:
        key_activity.watch_the_terminal(self)
        for problem, timeout in self._theme_problems:
            self.notify(problem, severity="warning", timeout=timeout)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            # (not the main thread, or a loop without signal handlers: the default stays)
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.stop_on_signal, signum)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:  # (not one bubbling back)
            if not self._message_queue.empty():
                # Keys queued behind this one (a paste typed out key by key: thousands, each an
                # edit of the prompt): Textual handles a queue's messages without letting the
                # event loop run, so a SIGTERM, a hangup, a frame waited for all of them. One
                # turn of the loop per key, only while keys queue up (a typed key never waits).
                await asyncio.sleep(0)
            if self.exit_signal is not None:
                return  # leaving: keys still queued are dropped, not typed
            if self._main_screen is not None:
                self._main_screen.take_typing(event)  # before the key goes to the focused widget
            # Keys go first: a streaming answer's next step waits for the frame showing this.
            with key_activity.note_key(self):
                await super().on_event(event)
            return
        await super().on_event(event)

    # -- SIGTERM / SIGHUP: leave as ctrl+c leaves a reply, then exit cleanly -----------------
    def stop_on_signal(self, signum: int) -> None:
        """Cancel the reply in flight (recorded as cancelled, partial text and tokens kept),
        then `exit`: Textual restores the terminal and `on_unmount` ends the session."""
        if self.exit_signal is None:
            self.exit_signal = signum
            self.run_worker(self._exit_after_cancel(), group="signal", name="stop on signal")

    def on_terminal_gone(self, _: TerminalGone) -> None:
        """The terminal went away (its writes fail): leave as on SIGHUP, which the hangup sends
        only to some processes (the session's leader, the foreground group)."""
        self.stop_on_signal(signal.SIGHUP)

    async def _exit_after_cancel(self) -> None:
        screen = self._main_screen
        task = screen.turns.turn_task if screen is not None else None
        if screen is not None and task is not None:
            screen.turns.cancel_reply("signal")
            with contextlib.suppress(BaseException):  # bounded: the exit must not hang
                await asyncio.wait_for(asyncio.shield(task), timeout=5.0)
        self.exit()

    def on_ready(self) -> None:
        if self.options.gc_paused:
            resume_gc_after_start_up()
            stream_gc.pace()
        # After the first frame, not in on_mount: the session worker's imports (genai-prices,
        # sqlite, the router) would hold the GIL while the first frame is being composed.
        if self.options.pick_session:  # `--resume` without an id: the picker answers first
            from tui_router.ui.screens.resume_picker import pick_then_boot

            pick_then_boot(self)
            return
        self.boot()

    def _apply_themes(self) -> list[tuple[str, int]]:
        """Register the theme files and switch to the configured theme; return what to say
        about broken files or an unknown theme (notifications wait for the screen)."""
        from tui_router.ui.themes import apply_theme, register_app_themes, theme_errors_message

        errors = register_app_themes(self)
        problem = apply_theme(self, self.config.theme, before_run=True)
        problems: list[tuple[str, int]] = []
        if errors:
            problems.append((theme_errors_message(errors), 8))
        if problem:
            problems.append((problem, 6))
        return problems

    @work(exclusive=True, group="boot", name="open session", exit_on_error=False)
    async def boot(self) -> None:
        screen = self.main_screen
        try:
            controller = await asyncio.to_thread(
                open_session,
                self.config,
                self.options,
                self.provider_factory,
                self.cwd if self._cwd_given else None,
            )
        except UserFacingError as exc:
            self.boot_error = str(exc)
            self.ready.set()
            if isinstance(exc, ConfigError):  # a broken config: one line on stderr, exit 2
                self.exit()
                return
            await screen.note(f"Cannot start the session: {exc}", "error")
            return
        self.controller = controller
        if controller.agent is not None:  # @files and completion resolve where the agent works
            self.cwd = controller.agent.workspace_root
        await screen.show_session(controller)
        # the warm-up's worker is listed before `ready` is set, so whoever waits for the session
        # can wait for the warm-up too (benchmarks do: its imports hold the GIL for ~1 s)
        self.warm_up()
        self.ready.set()
        await screen.session_ready(controller)
        if self.show_welcome and not any_model_available(controller.catalog):
            self.push_welcome()

    @work(thread=True, group="warm", name="warm up", exit_on_error=False)
    def warm_up(self) -> None:
        if self.controller is not None:
            warm_up(self.controller)
        if self.options.gc_paused:  # started by the command, which owns the process
            freeze_after_warm_up()

    def push_welcome(self) -> None:
        from tui_router.ui.screens.welcome import WelcomeScreen

        def done(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(WelcomeScreen(), done)

    # -- app-wide state ----------------------------------------------------------------------
    def key_names(self) -> dict[str, str]:
        """Action -> key as configured (config.toml [keys] over the defaults)."""
        return dict(self.config.keys)

    def on_main_screen(self) -> bool:
        return self.screen is self._main_screen

    # -- worker failures (the main screen's workers report to the screen) -------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            notify_failure(self, event.worker)

    # -- keys -------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not self.on_main_screen():
            raise SkipAction()
        from tui_router.ui.screens.help import HelpScreen

        self.push_screen(
            HelpScreen(
                self.key_names(),
                extra_keys=[
                    ("ctrl+j / shift+enter", "insert a newline in the prompt"),
                    ("tab (no suggestion)", "complete an @path or /command, else move focus"),
                ],
            )
        )

    async def action_quit(self) -> None:
        """Show the session summary; enter or q on it exits (esc returns to the session)."""
        from tui_router.ui.screens.summary import SummaryScreen

        if isinstance(self.screen, SummaryScreen):
            self.exit()
            return
        await self.show_summary(quitting=True)

    def action_quit_app(self) -> None:
        self.run_worker(self.action_quit(), group="summary")

    def action_summary(self) -> None:
        self.run_worker(self.show_summary(quitting=False), group="summary")

    async def show_summary(self, quitting: bool) -> None:
        from tui_router.ui.screens.summary import SummaryScreen

        controller = self.controller
        if controller is None:
            self.exit()
            return
        from tui_router.core.report import build_report

        # A running turn goes on while the summary is up: esc comes back to it as it was. Only
        # a confirmed quit cancels it (its call is recorded as cancelled, then the summary saved).
        turns = self.main_screen.turns
        running = self.main_screen.streaming
        report = await asyncio.to_thread(build_report, controller.store, controller.session_id)

        async def quit_now() -> None:
            final = report
            task = turns.turn_task
            if task is not None and not task.done():
                turns.cancel_reply("quit")
                await asyncio.wait([task], timeout=5.0)
                final = await asyncio.to_thread(
                    build_report, controller.store, controller.session_id
                )
            # "It is saved with the session": the summary travels with the history.
            controller.store.save_summary(controller.session_id, final.to_dict())
            self.exit()

        def done(confirmed: bool | None) -> None:
            if confirmed and quitting:
                self.run_worker(quit_now(), group="quit")

        screen = SummaryScreen(report, quitting=quitting, turn_running=running and quitting)
        await self.push_screen(screen, done)

    async def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
        controller = self.controller
        if controller is not None:
            await controller.runner.aclose()
            controller.close()
