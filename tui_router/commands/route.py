"""`tui-router route [--strategy S] [--json] PROMPT`: the routing decision, without calling a model.

`tui-router route reset` forgets the feedback the learned router has collected from you
(accepted/rejected suggestions, "retry stronger"). To route the literal prompt "reset", pipe it:
``echo reset | tui-router route -``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tui_router.commands.arguments import model_id
from tui_router.core.errors import UserFacingError
from tui_router.core.routing import strategies


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Show which model would answer PROMPT, and why, without calling any model. "
        "`tui-router route reset` forgets your routing feedback."
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        metavar="PROMPT",
        help="the prompt (several words are joined; '-' or no prompt with piped input reads stdin)"
        "; the single word 'reset' forgets your routing feedback instead",
    )
    parser.add_argument(
        "--strategy",
        "-s",
        choices=strategies.names(),
        default=None,
        help="routing strategy (default: routing_strategy from config.toml)",
    )
    parser.add_argument("--json", action="store_true", help="print the decision as one JSON object")
    parser.add_argument(
        "--model",
        metavar="MODEL",
        default=None,
        type=model_id,
        help="the model in use (decides stay / escalate / downgrade and the lost prompt cache)",
    )
    parser.add_argument(
        "--context-tokens",
        type=int,
        default=0,
        metavar="N",
        help="tokens of conversation history sent with the prompt",
    )
    parser.add_argument(
        "--file",
        "-f",
        action="append",
        default=[],
        metavar="PATH",
        help="attach a file (repeatable); counted against each model's context window",
    )


def run(args: argparse.Namespace) -> int:
    words: list[str] = list(args.prompt)
    if words == ["reset"]:
        return _reset(args)
    if not words and not sys.stdin.isatty():  # `… | tui-router route`
        words = ["-"]
    from tui_router.commands.prompt_input import read_prompt

    prompt = read_prompt(words, usage='give a prompt: tui-router route "rename foo to bar"')
    if args.context_tokens < 0:
        raise UserFacingError("--context-tokens must be 0 or more")

    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import load_config
    from tui_router.core.paths import get_paths
    from tui_router.core.routing.context import AttachedFile, RoutingContext
    from tui_router.core.routing.router import Router

    config = load_config()
    catalog = build_catalog(config)
    router = Router(config, catalog, get_paths().feedback_file, strategy=args.strategy)
    files = tuple(_attach(Path(p)) for p in args.file)
    current = args.model
    if current is not None:
        catalog.require(current)
    context = RoutingContext(
        attached_files=tuple(AttachedFile(path, tokens) for path, tokens in files),
        conversation_tokens=args.context_tokens,
        current_model=current,
    )
    # Pay one-off costs (price data, the learned model's weights) before timing the decision.
    catalog.warm(price_engine=False)  # the estimates need the rates only
    if router.strategy == "learned":
        _ = router.learned
    decision = router.decide(prompt, context)
    if args.json:
        out = decision.to_dict()
        if router.learned_error and router.strategy == "learned":
            out["learned_error"] = router.learned_error
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _render(decision)
    return 0


def _attach(path: Path) -> tuple[str, int]:
    from tui_router.core.routing.features import estimate_tokens

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UserFacingError(f"--file {path}: cannot read it ({exc.strerror or exc})") from None
    return str(path), estimate_tokens(text)


def _reset(args: argparse.Namespace) -> int:
    from tui_router.core.paths import get_paths
    from tui_router.core.routing.learned import reset

    path = get_paths().feedback_file
    existed = reset(path)
    message = "forgot your routing feedback" if existed else "no routing feedback to forget"
    if args.json:
        print(json.dumps({"reset": existed, "feedback_file": str(path)}))
    else:
        print(f"{message} ({path})")
    return 0


def _render(decision: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    from tui_router.core.money_text import format_usd

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 120
    features = decision.features
    model = decision.model or "no model"
    head = f"[bold]{decision.tier or '-'}[/]  [bold cyan]{escape(model)}[/]"
    console.print(f"{head}  [dim]{decision.strategy}, confidence {decision.confidence:.2f}[/]")
    console.print(f"  {escape(decision.reason)}")
    if decision.kind != "stay" and decision.current_model:
        console.print(f"  {decision.kind} from {escape(decision.current_model)}")
    costs = [
        f"this turn ≈ {format_usd(decision.est_cost_usd)}",
        f"on the frontier model ≈ {format_usd(decision.est_baseline_usd)}",
    ]
    if decision.lost_cache_usd is not None:
        costs.append(f"switch loses prompt cache ≈ {format_usd(decision.lost_cache_usd)}")
    console.print("  " + " · ".join(costs))
    if decision.ladder:
        console.print(f"  if a quality gate fails: {' → '.join(decision.ladder)}")
    kinds = ", ".join(sorted(features.kinds)) or "none"
    console.print(
        f"  [dim]needs_reasoning {features.needs_reasoning:.2f} · mistake_cost "
        f"{features.mistake_cost:.2f} · cheap_task {features.cheap_task:.2f} · kinds: {kinds}[/]"
    )
    console.print(f"  [dim]decided in {decision.latency_ms:.3f} ms[/]")
