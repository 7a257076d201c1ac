"""`tui-router [tui]`: the interactive app (the default command).

`--resume [SESSION_ID]` continues a session (the last one without an id), `--model`, `--tier` and
`--mode` set the start state, `--cwd DIR` the agent's workspace (default: the current
directory). The session id is checked here, before the screen takes over, so a wrong id is one
line on stderr and exit code 2. Textual is imported only when the app starts.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING

from tui_router.core.agent.workspace import workspace_folder
from tui_router.core.config import ROUTING_MODES, TIERS, load_config
from tui_router.core.errors import UserFacingError

if TYPE_CHECKING:
    from tui_router.core.catalog import Catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume",
        nargs="?",
        const="last",
        default=None,
        metavar="SESSION_ID",
        help="continue a session: history and totals restored (default: the last one; an id "
        "prefix is enough)",
    )
    parser.add_argument("--model", help="start on this model (any id in `tui-router models`)")
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
        "(default: the current directory)",
    )


def resolve_resume(wanted: str | None) -> str | None:
    """The full id of the session to resume, or None; raises UserFacingError when there is none."""
    if wanted is None:
        return None
    from tui_router.core.store import Store

    with Store() as store:
        if wanted == "last":
            last = store.last_session_id()
            if last is None:
                raise UserFacingError("--resume: there is no recorded session yet")
            return last
        return store.resolve_session_id(wanted)


def _require_tier(catalog: Catalog, tier: str) -> None:
    """UserFacingError saying what each model of ``tier`` needs when none can be called now."""
    if catalog.first_available(tier) is not None:
        return
    listed = catalog.by_tier()[tier]
    needs = "; ".join(f"{m.id}: {m.availability}" for m in listed) or "config.toml lists none"
    raise UserFacingError(f"--tier {tier}: no model in that tier can be called ({needs})")


def run(args: argparse.Namespace) -> int:
    from tui_router.ui.startup_gc import pause_gc_for_start_up, resume_gc_after_start_up

    pause_gc_for_start_up()  # the app resumes it after its first frame
    try:
        return _run(args)
    finally:
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

    options = StartOptions(
        resume=resolve_resume(args.resume),
        model=args.model,
        tier=args.tier,
        mode=args.mode,
        check_prices=True,
        gc_paused=True,
    )
    app = TuiRouterApp(config, options, cwd=workspace_folder(args.cwd))
    app.run()
    if app.exit_signal is not None:  # SIGTERM/SIGHUP: the reply cancelled, the session ended
        import signal

        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            name = signal.Signals(app.exit_signal).name
            print(f"tui-router: stopped by {name}; the session is saved", file=sys.stderr)
        return 128 + app.exit_signal
    if app.boot_error:
        print(f"tui-router: {app.boot_error}", file=sys.stderr)
        return 2
    if app.return_code:  # an unhandled error (Textual printed it): the shell must see a failure
        return app.return_code
    return 0
