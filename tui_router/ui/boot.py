"""Opening a session for the app: catalog, store, ledger, runner, router, start model and mode.

Runs in a worker thread after the first frame (the catalog reads genai-prices). Plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_router.core.config import ROUTING_MODES, STRATEGIES, AppConfig, check_frontier_price
from tui_router.core.errors import UserFacingError

if TYPE_CHECKING:  # loaded by open_session, in the worker, after the first frame
    from tui_router.ui.controller import SessionController


@dataclass(frozen=True)
class StartOptions:
    """What the command line asked for (`tui-router --resume/--model/--tier/--mode`)."""

    resume: str | None = None  # a full session id (resolved by the command before start)
    #: `--resume` without an id: the picker (`screens.resume_picker`) chooses `resume` first
    pick_session: bool = False
    model: str | None = None
    tier: str | None = None
    mode: str | None = None
    session_id: str | None = None  # a fixed id for a new session (tests, snapshots)
    #: check that the frontier model has a price while opening the session (the command loads
    #: the config without it: the check imports genai-prices, too slow for the first frame)
    check_prices: bool = False
    #: the command paused the garbage collector for start-up (see `startup_gc`): the app owns
    #: the process's collector — it resumes it after its first frame, freezes what the warm-up
    #: loaded and paces full passes (`stream_gc.pace`); an app inside a longer-lived process
    #: (tests) leaves the collector's process-wide settings alone
    gc_paused: bool = False


def open_session(
    config: AppConfig,
    options: StartOptions,
    provider_factory: Any | None = None,
    cwd: Path | None = None,
) -> SessionController:
    """The session for the app; its agent works in ``cwd`` (``--cwd``; None: not given, the
    current directory): the workspace boundary, the permissions of config.toml, the tools and
    the checkpoints. A resumed session without ``--cwd`` works in its own folder again while
    that is there (`core.resume_folder`), said by ``controller.folder``."""
    from tui_router.core.agent.agent import Agent, key_env_names
    from tui_router.core.catalog import build_catalog
    from tui_router.core.ledger import Ledger
    from tui_router.core.resume_folder import ResumeFolder, resume_folder
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnRunner
    from tui_router.ui.controller import SessionController
    from tui_router.ui.strategy import load_router

    if options.check_prices:
        check_frontier_price(config)  # ConfigError: the command prints it and exits 2
    catalog = build_catalog(config)
    catalog.warm()  # prices and context windows for the sidebar (imports genai-prices)
    root = (cwd or Path.cwd()).resolve()
    store = Store(key_env=key_env_names(config))
    try:
        ledger = Ledger()
        row = None
        folder = ResumeFolder(root)
        if options.resume:
            row = store.get_session(options.resume)
            if row is None:
                raise UserFacingError(f"no session {options.resume!r} to resume")
            calls = store.session_calls(row.id)
            ledger = Ledger.from_rows(calls)
            folder = resume_folder(store, row, cwd, Path.cwd())
            root = folder.root
        model_id = _start_model(catalog, config, options, row, ledger)
        mode = options.mode or (row.mode if row and row.mode else None) or config.routing_mode
        if mode not in ROUTING_MODES:
            mode = config.routing_mode
        if row is not None:
            session_id = row.id
        else:
            session_id = store.create_session(
                start_model=model_id,
                mode=mode,
                strategy=config.routing_strategy,
                frontier_model=config.frontier_model,
                session_id=options.session_id,
                project=root.name,
                workspace=str(root),
            )
        runner = TurnRunner(config, catalog, store, ledger, provider_factory=provider_factory)
        controller = SessionController(
            config,
            catalog,
            store,
            ledger,
            runner,
            load_router(config, catalog, _session_strategy(config, row)),
            session_id,
            model_id,
            mode,
            Agent.for_workspace(config, root),
        )
        controller.folder = folder
        if row is not None:
            controller.restore()
        return controller
    except BaseException:
        store.close()
        raise


def _start_model(
    catalog: Any, config: AppConfig, options: StartOptions, row: Any, ledger: Any
) -> str:
    if options.model:
        if catalog.get(options.model) is None:
            raise UserFacingError(
                f"--model {options.model!r} is not in the catalog; `tui-router models` lists them"
            )
        return options.model
    if options.tier:
        info = catalog.first_available(options.tier)
        if info is None:
            raise UserFacingError(f"--tier {options.tier}: no available model in that tier")
        return str(info.id)
    if row is not None:
        if ledger.records:
            return str(ledger.records[-1].model)
        if row.start_model:
            return str(row.start_model)
    try:
        return str(catalog.default_model().id)
    except UserFacingError:  # no key, no endpoint, no local model: the welcome screen says how
        if len(catalog):
            return str(catalog.models[0].id)
        raise


def _session_strategy(config: AppConfig, row: Any) -> str:
    """A resumed session routes as it last did (`/strategy` records it), else as configured."""
    from tui_router.core.store import strategies_used

    used = strategies_used(row.strategy) if row is not None else []
    return used[-1] if used and used[-1] in STRATEGIES else config.routing_strategy


#: endpoint kind -> the SDK module its provider imports on first use
SDK_MODULES = {"anthropic": "anthropic", "openai": "openai"}


def warm_up(controller: SessionController) -> list[str]:
    """Import the SDKs the session can use and the markdown renderer (a worker thread, after the
    first frame), so the first prompt does not stall the screen on a ~1 s import. The tokenizer is
    not loaded here: the live ticker estimates from characters, and only @file/paste checks (in a
    worker) need it."""
    import importlib

    kinds: list[str] = []
    current = controller.catalog.describe(controller.model_id)
    for info in [current, *controller.catalog]:
        kind = info.endpoint.kind
        if info.available and kind in SDK_MODULES and kind not in kinds:
            kinds.append(kind)
    for kind in kinds:
        importlib.import_module(SDK_MODULES[kind])
    importlib.import_module("textual.widgets.markdown")  # markdown-it + pygments, for replies
    from textual.highlight import highlight

    # compiles the lexer's regexes (~0.3 s) now, not in the middle of the first reply
    highlight("x = 1", language="python")
    return kinds


def any_model_available(catalog: Any) -> bool:
    return any(info.available for models in catalog.by_tier().values() for info in models)
