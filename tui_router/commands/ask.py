"""`tui-router ask`: one question, headless; streams the answer and records the session.

The model is ``--model`` (any id an endpoint serves), the first available model of ``--tier``, or,
without either, the router's choice (routing_mode suggest/auto, or ``--strategy``: applied, since
nobody is there to accept it) or the default model (routing_mode manual, a configured
default_model, or no router choice available). With the cascade strategy the answer is gated and
may be escalated up the tier ladder (`ask_cascade`): only the final answer is printed. The call is
priced, compared with the frontier-only baseline and written to the history store with the
routing decision, so `tui-router report --last` shows it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

from tui_router.commands.arguments import positive_int
from tui_router.core.config import STRATEGIES, TIERS
from tui_router.core.errors import UserFacingError

LOCAL_NOTICE = (
    "no API key set: answering with the bundled local model {model}; set ANTHROPIC_API_KEY or "
    "OPENAI_API_KEY for Claude or GPT models (see `tui-router models`)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--model",
        metavar="ID",
        help="model id, e.g. claude-haiku-4-5, gpt-5-mini, ollama/llama3.2 (any id its endpoint "
        "serves, also one outside `tui-router models`)",
    )
    choice.add_argument("--tier", choices=TIERS, help="use the first available model of this tier")
    choice.add_argument(
        "--strategy",
        choices=(*STRATEGIES, "heuristic"),
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
    parser.add_argument("prompt", metavar="PROMPT", help="the question; - reads it from stdin")


def run(args: argparse.Namespace) -> int:
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import load_config

    prompt = read_prompt(args.prompt)
    config = load_config()
    catalog = build_catalog(config)
    route = _choose_model(config, catalog, args, prompt)
    chosen_by_user = route.reason in ("--model", "--tier")
    if not chosen_by_user and route.model.endpoint.kind == "local" and not _any_key(catalog):
        print(LOCAL_NOTICE.format(model=route.model.api_model), file=sys.stderr)
    if route.strategy == "cascade" and route.decision is not None:
        from tui_router.commands.ask_cascade import ask_cascade

        return asyncio.run(ask_cascade(config, catalog, route, prompt, args))
    return asyncio.run(_ask(config, catalog, route, prompt, args))


def read_prompt(value: str) -> str:
    """The prompt text; ``-`` reads stdin as UTF-8. Empty or binary input is a clear error."""
    if value == "-":
        data = sys.stdin.buffer.read()
        if b"\x00" in data:
            raise UserFacingError("stdin holds binary data (a NUL byte); ask takes a text prompt")
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserFacingError(
                f"stdin is not UTF-8 text (undecodable byte at offset {exc.start}); "
                "ask takes a text prompt"
            ) from None
        where = "stdin"
    else:
        where = "PROMPT"
    if not value.strip():
        raise UserFacingError(f"empty prompt ({where}): give the question to ask")
    return value


@dataclass(frozen=True)
class Route:
    """Which model answers and why; ``decision`` is the router's when it chose."""

    model: Any
    mode: str
    reason: str
    strategy: str = "manual"
    decision: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "tier": self.model.tier, "reason": self.reason}


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
    routed = _routed(config, catalog, prompt, strategy)
    return routed or Route(default, "manual", "default model")


def _routed(config: Any, catalog: Any, prompt: str, strategy: str | None = None) -> Route | None:
    """Let the router pick (routing_mode suggest/auto or --strategy: headless, there is no one
    to ask)."""
    try:
        from tui_router.core.paths import get_paths
        from tui_router.core.routing.router import Router
    except ImportError:
        return None
    router = Router(config, catalog, get_paths().feedback_file, strategy=strategy)
    decision = router.decide(prompt)
    if decision.model is None or not decision.available:
        return None
    return Route(
        catalog.describe(decision.model), "auto", decision.reason, decision.strategy, decision
    )


def _any_key(catalog: Any) -> bool:
    return any(m.available and m.endpoint.kind != "local" for m in catalog)


async def _ask(
    config: Any, catalog: Any, route: Route, prompt: str, args: argparse.Namespace
) -> int:
    from tui_router.core.conversation import Conversation
    from tui_router.core.ledger import Ledger
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnRunner

    model = route.model
    with Store() as store:
        session_id = store.create_session(
            start_model=model.id,
            mode=route.mode,
            strategy=route.strategy,
            frontier_model=config.frontier_model,
            title=_title(prompt),
        )
        if route.decision is not None:
            store.record_decision(_decision_row(session_id, route.decision))
        runner = TurnRunner(config, catalog, store, Ledger())
        conversation = Conversation()
        conversation.add_user(prompt)
        wrote_text = False

        def on_delta(text: str) -> None:
            nonlocal wrote_text
            if not args.json:
                sys.stdout.write(text)
                sys.stdout.flush()
                wrote_text = True

        try:
            result = await runner.run(
                conversation,
                model.id,
                session_id=session_id,
                turn_index=1,
                on_delta=on_delta,
                max_tokens=args.max_tokens,
            )
        finally:
            await runner.aclose()
            store.end_session(session_id)
    if wrote_text and not result.text.endswith("\n"):
        sys.stdout.write("\n")
    if args.json:
        print(json.dumps(_json_result(session_id, result, route), ensure_ascii=False))
    if result.status != "ok":
        print(f"tui-router: {model.id}: {result.error}", file=sys.stderr)
        return 1
    if not args.json and sys.stderr.isatty():
        print(_cost_line(result), file=sys.stderr)
    return 0


def _cost_line(result: Any) -> str:
    """One quiet line for a person at a terminal (scripts, with stderr redirected, never see it)."""
    from tui_router.core.pricing import format_usd

    usage = result.usage
    cache = usage.cache_read_tokens + usage.cache_write_tokens
    tokens = f"{usage.input_tokens:,} in" + (f" ({cache:,} cache)" if cache else "")
    tokens += f" / {usage.output_tokens:,} out"
    approx = "~" if usage.estimated else ""
    return (
        f"[{result.model} · {tokens} · {approx}{format_usd(result.price.usd, 6)}"
        f" · frontier-only {approx}{format_usd(result.baseline.usd, 6)}]"
    )


def _json_result(session_id: str, result: Any, route: Route) -> dict[str, Any]:
    usage = result.usage
    cost, baseline = result.price.usd, result.baseline.usd
    savings = None if cost is None or baseline is None else baseline - cost
    return {
        "session_id": session_id,
        "call_id": result.call_id,
        "model": result.model,
        "provider": result.endpoint,
        "tier": result.tier,
        "text": result.text,
        "usage": {
            "input_tokens": usage.input_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "output_tokens": usage.output_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "estimated": usage.estimated,
        },
        "cost_usd": None if cost is None else str(cost),
        "price_source": result.price.source,
        "baseline": {
            "model": result.baseline_model,
            "cost_usd": None if baseline is None else str(baseline),
            "assumption": "same token counts re-priced at the frontier model",
        },
        "savings_usd": None if savings is None else str(savings),
        "route": route.to_dict(),
        "stop_reason": result.stop_reason,
        "duration_ms": result.duration_ms,
        "status": result.status,
        "error": result.error,
    }


def _decision_row(session_id: str, decision: Any) -> Any:
    from tui_router.core.store import DecisionRow

    return DecisionRow(
        session_id=session_id,
        turn=1,
        strategy=decision.strategy,
        suggested_model=decision.model,
        suggested_tier=decision.tier,
        current_model=None,
        current_tier=None,
        reason=decision.reason,
        rule=decision.rule,
        score=decision.score,
        confidence=decision.confidence,
        est_cost_usd=decision.est_cost_usd,
        est_baseline_usd=decision.est_baseline_usd,
        lost_cache_usd=decision.lost_cache_usd,
        outcome="auto-applied",
    )


def _title(prompt: str) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= 60 else line[:59] + "…"
