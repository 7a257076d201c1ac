"""`tui-router [tui]`: the interactive app (the default command).

As in Claude Code: `--continue` (`-c`) continues the last session, `--resume` (`-r`) without an
id opens a picker of the sessions (newest first), `--resume SESSION_ID` (or a unique prefix)
continues that one. `--model`, `--tier` and `--mode` set the start state, `--cwd DIR` the agent's
workspace (default: the current directory; for a resumed session, the folder it was started in
while that folder is there). The session id is checked here, before the screen
takes over, so a wrong id — or no session at all to resume — is one line on stderr and exit
code 2. Textual is imported only when the app starts.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING

from tui_router.commands.arguments import model_id
from tui_router.core.agent.workspace import workspace_folder
from tui_router.core.config import ROUTING_MODES, TIERS, load_config
from tui_router.core.errors import UserFacingError

if TYPE_CHECKING:
    from tui_router.core.catalog import Catalog
    from tui_router.ui.app import TuiRouterApp


#: `--resume` given without an id: the picker chooses
PICK = "pick"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "-r",
        "--resume",
        nargs="?",
        const=PICK,
        default=None,
        metavar="SESSION_ID",
        help="continue a session, history and totals restored: without an id, pick it from a "
        "list (newest first); an id prefix is enough",
    )
    which.add_argument(
        "-c",
        "--continue",
        dest="continue_last",
        action="store_true",
        help="continue the last session (the last one with a prompt)",
    )
    parser.add_argument(
        "--model", type=model_id, help="start on this model (any id in `tui-router models`)"
    )
    parser.add_argument(
        "--tier", choices=TIERS, help="start on the first available model of a tier"
    )
    parser.add_argument(
        "--mode",
        choices=ROUTING_MODES,
        help="routing mode: manual, suggest (default from config) or auto",
    )
    parser.add_argument(
        "--cwd",
        metavar="DIR",
        help="the agent's workspace: tools read and write inside it, @files resolve in it "
        "(default: the current directory; a resumed session's own folder while it exists)",
    )


def resolve_resume(wanted: str | None) -> str | None:
    """The full id of the session to resume, or None; raises UserFacingError when there is none.

    ``"last"`` (`--continue`) is the newest session with a prompt, else the newest one started.
    """
    if wanted is None:
        return None
    from tui_router.core.resumable import resumable_sessions
    from tui_router.core.store import Store

    with Store() as store:
        if wanted == "last":
            talked = resumable_sessions(store, limit=1)
            last = talked[0].id if talked else store.last_session_id()
            if last is None:
                raise UserFacingError("--continue: there is no recorded session yet")
            return last
        return store.resolve_session_id(wanted)


def require_sessions_to_pick() -> None:
    """`--resume` without an id: one line instead of an empty picker when no session has a
    prompt yet."""
    from tui_router.core.resumable import resumable_sessions
    from tui_router.core.store import Store

    with Store(read_only=True) as store:
        if not resumable_sessions(store, limit=1):
            raise UserFacingError(
                "--resume: there is no recorded session yet to pick from; "
                "start one with `tui-router`"
            )


def _require_tier(catalog: Catalog, tier: str) -> None:
    """UserFacingError saying what each model of ``tier`` needs when none can be called now."""
    if catalog.first_available(tier) is not None:
        return
    listed = catalog.by_tier()[tier]
    needs = "; ".join(f"{m.id}: {m.availability}" for m in listed) or "config.toml lists none"
    raise UserFacingError(f"--tier {tier}: no model in that tier can be called ({needs})")


#: How long a thread may hold the GIL while another waits for it, while the app runs (Python's
#: default is 5 ms). Textual reads the keyboard and writes frames on threads of their own; while
#: an answer streams the main thread is busy most of the time, and a key's way to the screen has
#: two hops on those threads (read, then its frame written), each of which waited up to a whole
#: period: in tmux a key's read took up to 12-24 ms at the default, 3-9 ms at 1 ms
#: (benchmarks/RESULTS.md). The cost is more switches when two threads are busy, which is rare.
SWITCH_INTERVAL_S = 0.001


def run(args: argparse.Namespace) -> int:
    from tui_router.ui.startup_gc import pause_gc_for_start_up, resume_gc_after_start_up

    pause_gc_for_start_up()  # the app resumes it after its first frame
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        return _run(args)
    finally:
        sys.setswitchinterval(switch_interval)
        resume_gc_after_start_up()  # also when the app never reached its first frame


def _run(args: argparse.Namespace) -> int:
    # The frontier price check imports genai-prices (~0.2-0.5 s): the app runs it while opening
    # the session, after the first frame; a failure still ends here as one line and exit 2.
    config = load_config(check_prices=False)
    if args.model and args.tier:
        raise UserFacingError("give --model or --tier, not both")
    if args.model:  # a typo is one line here, not an error inside the app
        from tui_router.core.catalog import build_catalog

        build_catalog(config).require(args.model)
    if args.tier:  # a tier with no callable model (no key) is one line here, not a dead app
        from tui_router.core.catalog import build_catalog

        _require_tier(build_catalog(config), args.tier)
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions

    pick = args.resume == PICK
    if pick:
        require_sessions_to_pick()
    options = StartOptions(
        resume=resolve_resume("last" if args.continue_last else None if pick else args.resume),
        pick_session=pick,
        model=args.model,
        tier=args.tier,
        mode=args.mode,
        check_prices=True,
        gc_paused=True,
    )
    # without --cwd a resumed session works in its own folder again (`core.resume_folder`)
    app = TuiRouterApp(config, options, cwd=workspace_folder(args.cwd) if args.cwd else None)
    app.run()
    if app.exit_signal is not None:  # SIGTERM/SIGHUP: the reply cancelled, the session ended
        import signal

        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            name = signal.Signals(app.exit_signal).name
            print(f"tui-router: stopped by {name}; the session is saved", file=sys.stderr)
            line = exit_line(app)  # (how to resume it matters most after an exit like this)
            if line is not None:
                print(line)
        return 128 + app.exit_signal
    if app.boot_error:
        print(f"tui-router: {app.boot_error}", file=sys.stderr)
        return 2
    if app.return_code:  # an unhandled error (Textual printed it): the shell must see a failure
        return app.return_code
    line = exit_line(app)
    if line is not None:
        print(line)
    return 0


def exit_line(app: TuiRouterApp) -> str | None:
    """What the session spent, left in the terminal once the app is gone, whichever way it
    went (the summary's enter, a double ctrl+c): the summary screen leaves with the app, and a
    double ctrl+c never showed it. None when the session made no call."""
    from tui_router.core.plural import counted
    from tui_router.ui.screens.summary_view import savings_text

    c = app.controller
    if c is None or not c.ledger.totals.calls:
        return None
    totals, short = c.ledger.totals, c.session_id[:10]  # (a prefix names it: `sessions`)
    return (
        f"tui-router: {counted(totals.calls, 'call')} · spent {totals.cost_text()} · frontier-only "
        f"{totals.baseline_text()} · saved {savings_text(totals)}\n"
        f"  tui-router --resume {short} · tui-router report {short}"
    )
