"""`tui-router ask`: one turn, headless; streams the answer and records the session.

The turn runs on a core `Session` with the agent's tools (read, list, search, edit, write, run)
in the workspace (the current directory, or ``--cwd``). Reads inside the workspace need no yes;
edits, writes and commands are refused unless ``--yes`` (approve all) or ``--allow TOOLS``
names them — a refusal is a tool result the model sees, never a crash. One line per tool call
goes to stderr as it happens (``edit_file src/utils.py ✓``); ``--no-tools`` makes it a chat.

The model is ``--model`` (any id an endpoint serves), the first available model of ``--tier``, or,
without either, the router's choice (routing_mode suggest/auto, or ``--strategy``: applied, since
nobody is there to accept it) or the default model (routing_mode manual, a configured
default_model, or no router choice available). With the cascade strategy, or a check command
(``--check``, ``[agent] check``), the turn is a cascade (`core.verified_cascade`): the agent runs
on the cheapest model of the ladder, its work is verified — by the check when there is one, else
by the quality gates on its final answer — and a failure is undone and escalated a tier; stdout
gets only the answer kept, stderr a line per verdict and escalation. The call is priced, compared
with the frontier-only baseline and written to the history store with the routing decision, so
`tui-router report --last` shows it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_router.commands.arguments import model_id, positive_int
from tui_router.commands.ask_output import (
    Route,
    cost_line,
    decision_row,
    json_result,
    session_title,
)
from tui_router.core.agent.workspace import workspace_folder
from tui_router.core.errors import UserFacingError
from tui_router.core.plural import counted
from tui_router.core.routing import strategies
from tui_router.core.store_rows import money_text
from tui_router.core.tiers import TIERS

if TYPE_CHECKING:
    from tui_router.core.events import ToolCallRequested, ToolResult, TurnDone

LOCAL_NOTICE = (
    "no API key set: answering with the bundled local model {model}; set ANTHROPIC_API_KEY or "
    "OPENAI_API_KEY for Claude or GPT models (see `tui-router models`)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--model",
        metavar="ID",
        type=model_id,
        help="model id, e.g. claude-haiku-4-5, gpt-5-mini, ollama/llama3.2 (any id its endpoint "
        "serves, also one outside `tui-router models`)",
    )
    choice.add_argument("--tier", choices=TIERS, help="use the first available model of this tier")
    choice.add_argument(
        "--strategy",
        choices=strategies.names(),
        help="let the router choose with this strategy (default: routing_strategy from "
        "config.toml, when routing_mode is suggest or auto); cascade starts cheap, checks the "
        "answer with quality gates and escalates to the next tier if one fails",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (answer, usage, cost, baseline, route; for a cascade also "
        "attempts) instead of the text",
    )
    parser.add_argument(
        "--max-tokens",
        type=positive_int,
        metavar="N",
        help="most output tokens for the answer (default: max_tokens from config.toml)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="approve every tool call (edits, writes, commands) except what [permissions] deny",
    )
    parser.add_argument(
        "--allow",
        metavar="TOOLS",
        type=_tool_list,
        default=(),
        help="approve these tools without asking, comma-separated (e.g. edit_file,run_command)",
    )
    parser.add_argument(
        "--no-tools", action="store_true", help="offer the model no tools: a plain chat answer"
    )
    parser.add_argument(
        "--max-steps",
        type=positive_int,
        metavar="N",
        help="most model calls in the turn (default: [agent] max_steps, 40)",
    )
    parser.add_argument(
        "--max-cost",
        type=_usd,
        metavar="USD",
        help="most the turn may spend; a step whose worst case does not fit is not sent",
    )
    parser.add_argument(
        "--check",
        metavar="CMD",
        help="verify the work with this command (e.g. 'pytest -q'): the turn starts on the "
        "cheapest model the router allows and escalates a tier, with the failure in context, "
        "until the check passes (default: [agent] check in config.toml)",
    )
    parser.add_argument(
        "--cwd",
        metavar="DIR",
        help="the workspace: tools see only this folder (default: the current directory)",
    )
    parser.add_argument(
        "prompt",
        metavar="PROMPT",
        nargs="+",
        help="the request (quoting is optional); a - stands for stdin: ask review this -",
    )


def run(args: argparse.Namespace) -> int:
    from tui_router.commands.prompt_input import read_prompt
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import load_config

    prompt = read_prompt(list(args.prompt), usage="give the question to ask")
    config = load_config()
    catalog = build_catalog(config)
    route = _choose_model(config, catalog, args, prompt)
    chosen_by_user = route.reason in ("--model", "--tier")
    if not chosen_by_user and route.model.endpoint.kind == "local" and not _any_key(catalog):
        print(LOCAL_NOTICE.format(model=route.model.api_model), file=sys.stderr)
    check = None if args.no_tools else (args.check or config.agent_check)
    workspace = workspace_folder(args.cwd)
    # the cascade strategy climbs its ladder whether or not a check is set: without one the
    # quality gates judge the agent's final answer
    cascade = route.strategy == "cascade" and route.decision is not None
    ladder = _ladder(catalog, route) if check is not None or cascade else None
    return run_stoppable(_ask(config, catalog, route, prompt, args, workspace, check, ladder))


def run_stoppable(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)`` with SIGINT, SIGTERM and SIGHUP handled alike: the main task is
    cancelled, so the call in flight is recorded as cancelled (its partial text and tokens) and
    the session is ended by the usual ``finally``; then one line, and exit 128 + the signal.

    SIGINT is handled here too, not left to asyncio's own ctrl+c handling: that one cancels the
    task as well, but when the cancellation lands where the turn turns it into "cancelled" and
    returns normally, ``asyncio.run`` returns too, and ask exited 0 without a word."""
    received: list[signal.Signals] = []

    async def guarded() -> int:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()

        def stop(signum: signal.Signals) -> None:
            if not received and task is not None:  # a second signal must not cut the cleanup
                received.append(signum)
                task.cancel()

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # (no such loop API)
                loop.add_signal_handler(signum, stop, signum)
        return await main

    try:
        code = asyncio.run(guarded())
    except asyncio.CancelledError:
        if not received:
            raise
    if not received:
        return code
    what = "interrupted" if received[0] == signal.SIGINT else f"stopped by {received[0].name}"
    with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
        print(
            f"tui-router: {what}; what was done is recorded, a model call cut off as "
            "cancelled (`tui-router report --last`)",
            file=sys.stderr,
            flush=True,
        )
    return 128 + int(received[0])


def _ladder(catalog: Any, route: Route) -> tuple[str, ...]:
    """The models a verified cascade climbs: the cascade decision's ladder, else the chosen
    model and the first callable model of each stronger tier."""
    if route.strategy == "cascade" and route.decision is not None:
        from tui_router.core.verified_cascade import cascade_models

        return tuple(cascade_models(route.decision, catalog))
    models = [route.model.id]
    tier = route.model.tier
    while (tier := catalog.stronger_tier(tier)) is not None:
        found = catalog.first_available(tier, fallback_ok=False)
        if found is not None and found.id not in models:
            models.append(found.id)
    return tuple(models)


def _verifier(config: Any, catalog: Any, check: str | None) -> Any:
    """The check command when one is set, else the quality gates (with the judge when
    ``cascade_judge`` is on)."""
    from tui_router.core.cascade_verifiers import CheckCommand, QualityGates, judge_model

    if check is not None:
        return CheckCommand(check)
    return QualityGates(judge_model(catalog) if config.cascade_judge else None)


def _tool_list(text: str) -> tuple[str, ...]:
    from tui_router.core.agent.tools import TOOL_SPECS

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    known = {spec.name for spec in TOOL_SPECS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"no tool {unknown[0]!r}; tools are {', '.join(sorted(known))}"
        )
    return names


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text.lstrip("$"))
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in USD") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive amount in USD")
    return value


def _choose_model(config: Any, catalog: Any, args: argparse.Namespace, prompt: str) -> Route:
    if args.model:
        return Route(catalog.describe(args.model), "manual", "--model")
    if args.tier:
        found = catalog.first_available(args.tier)
        if found is None:
            listed = catalog.by_tier().get(args.tier, [])
            how = "; ".join(sorted({m.availability for m in listed})) or "no model listed"
            raise UserFacingError(
                f"no available model in tier {args.tier!r} ({how}); "
                "`tui-router models` shows what each model needs"
            )
        return Route(found, "manual", "--tier")
    default = catalog.default_model()
    strategy = getattr(args, "strategy", None)
    if strategy is None and (config.routing_mode == "manual" or config.default_model):
        return Route(default, "manual", "default model")
    if strategy == "manual":
        return Route(default, "manual", "default model")
    return _routed(config, catalog, prompt, default, strategy)


def _routed(
    config: Any, catalog: Any, prompt: str, default: Any, strategy: str | None = None
) -> Route:
    """Let the router pick (routing_mode suggest/auto or --strategy: headless, there is no one
    to ask); when it picks no callable model, the default model, and the router's reason said."""
    from tui_router.core.paths import get_paths
    from tui_router.core.routing.router import Router

    router = Router(config, catalog, get_paths().feedback_file, strategy=strategy)
    decision = router.decide(prompt)
    if decision.model is None or not decision.available:
        why = f"the router chose no callable model ({decision.reason})"
        print(f"tui-router: {why}; asking the default model, {default.id}", file=sys.stderr)
        return Route(default, "manual", f"default model: {why}")
    return Route(
        catalog.describe(decision.model), "auto", decision.reason, decision.strategy, decision
    )


def _any_key(catalog: Any) -> bool:
    return any(m.available and m.endpoint.kind != "local" for m in catalog)


async def _ask(
    config: Any,
    catalog: Any,
    route: Route,
    prompt: str,
    args: argparse.Namespace,
    workspace: Path,
    check: str | None = None,
    ladder: tuple[str, ...] | None = None,
) -> int:
    from tui_router.core.agent.agent import Agent, key_env_names
    from tui_router.core.events import (
        Notice,
        TextDelta,
        ToolCallRequested,
        ToolResult,
        TurnDone,
        TurnError,
    )
    from tui_router.core.ledger import Ledger
    from tui_router.core.redact import ControlStripper
    from tui_router.core.session import Session
    from tui_router.core.store import Store
    from tui_router.core.telemetry import Telemetry
    from tui_router.core.turn import TurnRunner
    from tui_router.core.verified_cascade import CascadeDone, run_verified_cascade

    verifier = None if ladder is None else _verifier(config, catalog, check)

    model = route.model
    agent = Agent.for_workspace(
        config,
        workspace,
        approve_all=args.yes,
        allow_tools=args.allow,
        tools_enabled=not args.no_tools,
        max_steps=args.max_steps,
    )
    # a model's output may hold terminal escape sequences (a title, a screen clear): never run them
    stripper = ControlStripper()
    done: TurnDone | None = None
    cascade: CascadeDone | None = None
    errors: list[str] = []
    capped: str | None = None  # a budget or --max-cost refused a call
    wrote_text = ended_line = False
    telemetry = Telemetry.from_config(config, workspace)
    # a check or the cascade strategy makes the turn a cascade, whatever chose its first model
    strategy = "cascade" if ladder is not None else route.strategy
    with Store(key_env=key_env_names(config)) as store:
        # a call the history cannot take now is kept in its journal: one line, the answer stands
        store.on_deferred = lambda warning: print(f"tui-router: {warning}", file=sys.stderr)
        session_id = store.create_session(
            start_model=model.id,
            mode=route.mode,
            strategy=strategy,
            frontier_model=config.frontier_model,
            title=session_title(prompt),
            project=workspace.name,
            workspace=str(workspace),
        )
        if route.decision is not None:
            store.record_decision(decision_row(session_id, route.decision))
            telemetry.record_decision(route.strategy, None, route.decision.tier, "auto")
        ledger = Ledger()
        runner = TurnRunner(config, catalog, store, ledger)
        session = Session(
            config,
            catalog,
            store,
            ledger,
            runner,
            None,
            session_id,
            model.id,
            route.mode,
            agent,
            telemetry=telemetry,
        )
        session.fixed_strategy = strategy
        events = (
            session.run_turn(prompt, max_cost_usd=args.max_cost, max_tokens=args.max_tokens)
            if ladder is None
            else run_verified_cascade(session, prompt, ladder, verifier, max_cost_usd=args.max_cost)
        )
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    # (--json escapes the text: nothing to strip there; a cascade prints only
                    # the answer it keeps, at the end: a rejected attempt's text is no answer)
                    if not args.json and ladder is None:
                        shown = stripper.feed(event.text)
                        if shown:
                            sys.stdout.write(shown)
                            sys.stdout.flush()
                            wrote_text = True
                            ended_line = shown.endswith("\n")
                elif isinstance(event, ToolCallRequested):
                    if wrote_text and not ended_line:
                        sys.stdout.write("\n")
                        ended_line = True
                    _answer_headless(event)
                elif isinstance(event, ToolResult):
                    print(_tool_line(event), file=sys.stderr, flush=True)
                elif isinstance(event, Notice):
                    print(f"tui-router: {event.text}", file=sys.stderr, flush=True)
                elif isinstance(event, TurnError):
                    if event.budget:  # a cap, not a failure: exit 3 (below)
                        capped = event.message
                    else:
                        who = f"{event.model}: " if event.model else ""
                        errors.append(f"{who}{event.message}")
                elif isinstance(event, TurnDone):
                    done = event
                elif isinstance(event, CascadeDone):
                    cascade, done = event, event.final
        except asyncio.CancelledError:
            if args.json:  # a signal: one object still, so a script reading it can parse it
                print(json.dumps(_interrupted_json(session_id, ledger, workspace)), flush=True)
            raise
        finally:
            await session.aclose()
            store.end_session(session_id)
            telemetry.shutdown(timeout_s=2.0)  # bounded: a dead collector costs ≤ 2 s
    if cascade is not None and not args.json and cascade.final.text:
        sys.stdout.write(stripper.feed(cascade.final.text))
        wrote_text, ended_line = True, cascade.final.text.endswith("\n")
    tail = stripper.flush()
    if tail and not args.json:
        sys.stdout.write(tail)
        ended_line = tail.endswith("\n")
    if wrote_text and not ended_line:
        sys.stdout.write("\n")
    if done is not None and not done.results and capped is not None:
        # a cap refused the first call: nothing was sent, and a cap exits 3 wherever it stops
        if args.json:
            unsent = _not_sent_json(session_id, route.model.id, done, ledger, workspace)
            print(json.dumps({**unsent, "stopped": capped}, ensure_ascii=False))
        print(f"tui-router: {capped}", file=sys.stderr)
        return 3
    if done is None or (not done.results and not done.stopped):
        # nothing was sent (no key, a prompt past the window): the reason, one line
        reason = errors[0] if errors else "the turn ended before any call"
        if args.json:  # and one object still, as every other way a turn ends gives
            unsent = _not_sent_json(session_id, route.model.id, done, ledger, workspace)
            print(json.dumps({**unsent, "error": reason}, ensure_ascii=False))
        raise UserFacingError(reason)
    if args.json:
        data: dict[str, Any] = {"session_id": session_id}
        if done.results:
            data = json_result(session_id, done.results[-1], route)
        data.update(_turn_json(done, ledger, workspace))
        if cascade is not None:
            data["route"]["strategy"] = "verified cascade" if check else "cascade"
            data["check"] = check
            data["verified_by"] = cascade.verifier
            data["attempts"] = [a.to_json() for a in cascade.attempts]
            data["passed"] = cascade.passed
        print(json.dumps(data, ensure_ascii=False))
    if errors and not (cascade is not None and cascade.passed):  # (a failover that passed)
        print(f"tui-router: {errors[-1]}", file=sys.stderr)
        return 1
    failed = cascade is not None and not cascade.passed and cascade.attempts[-1].check == "fail"
    if failed and check is not None and cascade is not None:  # mypy cannot narrow via `failed`
        print(
            f"tui-router: the check `{check}` still fails after "
            f"{counted(len(cascade.attempts), 'attempt')}; the last attempt's work is kept",
            file=sys.stderr,
        )
        return 4
    if cascade is not None and not cascade.passed and cascade.attempts[-1].verified_by == "gate":
        last_try = cascade.attempts[-1]
        print(
            f"tui-router: no model passed the quality gates; kept {last_try.model}'s answer "
            f"({last_try.reason})",
            file=sys.stderr,
        )
    if done.stopped:
        print(f"tui-router: stopped: {done.stopped}; the work so far is kept", file=sys.stderr)
        return 3
    if not args.json and sys.stderr.isatty():
        last = done.results[-1]
        print(cost_line(last, ledger if len(done.results) > 1 else None), file=sys.stderr)
    return 0


def _answer_headless(event: ToolCallRequested) -> None:
    """Nobody is there to ask: a call that needs a yes is refused (the flags grant them)."""
    from tui_router.core.events import Approval

    if event.approval is not None and not event.approval.done():
        if event.outside:  # no flag covers a read outside the workspace
            how = "list its folder in [permissions] extra_dirs and rerun with --yes"
        else:
            how = f"rerun with --allow {event.call.name} or --yes"
        note = f"nobody is at the keyboard (the user can {how})"
        event.approval.set_result(Approval("no", note=note))


def _tool_line(event: ToolResult) -> str:
    """``edit_file src/utils.py (+1 −1) ✓``, ``edit_file src/utils.py ✗ error: old_text not
    found …`` — one line per tool call, on stderr.

    A failure names what the call was about and then why, once: its summary is the reason
    itself, and a refusal's reason starts with the "refused" the mark already says.
    """
    outcome = event.outcome
    if event.status == "ok":
        what = outcome.summary or outcome.path or _call_subject(event.call.arguments)
        mark = "✗" if outcome.command_failed else "✓"  # "pytest -q → exit 1 ✗"
        return f"{event.call.name} {what} {mark}".replace("  ", " ")
    mark = "✗ refused" if event.status == "denied" else "✗ error"
    what = outcome.path or _call_subject(event.call.arguments)
    reason = " ".join(outcome.content.split())
    for said in ("refused by the user: ", "refused by the user", "refused: "):
        if event.status == "denied" and reason.startswith(said):
            reason = reason.removeprefix(said)
            break
    line = f"{event.call.name} {what} {mark}".replace("  ", " ")
    return f"{line}: {reason[:160]}" if reason else line


def _call_subject(arguments: dict[str, Any]) -> str:
    for key in ("path", "command", "pattern"):
        value = arguments.get(key)
        if isinstance(value, str):
            return value if len(value) <= 80 else value[:79] + "…"
    return ""


def _interrupted_json(session_id: str, ledger: Any, workspace: Path) -> dict[str, Any]:
    """``ask --json`` stopped by a signal: what was spent (the call in flight is recorded as
    cancelled), and where to read the rest."""
    return {
        "session_id": session_id,
        "status": "interrupted",
        "workspace": str(workspace),
        "total": _totals_json(ledger),
    }


def _not_sent_json(
    session_id: str, model: str, done: TurnDone | None, ledger: Any, workspace: Path
) -> dict[str, Any]:
    """``ask --json`` for a turn refused before its first call (a cap, no key, a prompt past the
    window): the keys a script reads, and the turn's (nothing done) when it has one."""
    turn = {} if done is None else _turn_json(done, ledger, workspace)
    return {
        "session_id": session_id,
        "model": model,
        "status": "not sent",
        "error": None,
        "cost_usd": None,
        **turn,
    }


def _turn_json(done: TurnDone, ledger: Any, workspace: Path) -> dict[str, Any]:
    """The agent's part of ``ask --json``: tools, files changed, checkpoint, steps, totals."""
    return {
        "text": done.text,
        "tools": [
            {
                "name": t.name,
                "status": t.status,
                **({"path": t.path} if t.path else {}),
                **({"exit_code": t.exit_code} if t.exit_code is not None else {}),
            }
            for t in done.tools
        ],
        "files_changed": list(done.files_changed),
        "checkpoint": done.checkpoint_id,
        "steps": done.steps,
        "stopped": done.stopped,
        "workspace": str(workspace),
        "total": _totals_json(ledger),
    }


def _totals_json(ledger: Any) -> dict[str, Any]:
    """What every call of the run used and cost, known prices summed (null: none known)."""
    totals = ledger.totals
    cost, baseline = totals.cost_usd, totals.baseline_usd
    usage = totals.usage
    return {
        "calls": totals.calls,
        "input_tokens": usage.input_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": money_text(cost),
        "baseline_usd": money_text(baseline),
    }
