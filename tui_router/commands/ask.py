"""`tui-router ask`: one question, headless; streams the answer and records the session.

The model is ``--model`` (any id an endpoint serves), the first available model of ``--tier``, or
the catalog's default model. The call is priced, compared with the frontier-only baseline and
written to the history store, so `tui-router report --last` shows it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tui_router.core.config import TIERS
from tui_router.core.errors import UserFacingError

LOCAL_NOTICE = (
    "no API key set: answering with the bundled local model {model}; set ANTHROPIC_API_KEY or "
    "OPENAI_API_KEY for Claude or GPT models (see `tui-router models`)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--model", metavar="ID",
        help="model id, e.g. claude-haiku-4-5, gpt-5-mini, ollama/llama3.2 (any id its endpoint "
        "serves, also one outside `tui-router models`)",
    )
    choice.add_argument(
        "--tier", choices=TIERS, help="use the first available model of this tier"
    )
    parser.add_argument(
        "--json", action="store_true",
        help="print one JSON object (answer, usage, cost, baseline, route) instead of the text",
    )
    parser.add_argument(
        "--max-tokens", type=_positive_int, metavar="N",
        help="most output tokens for the answer (default: max_tokens from config.toml)",
    )
    parser.add_argument("prompt", metavar="PROMPT", help="the question; - reads it from stdin")


def run(args: argparse.Namespace) -> int:
    from tui_router.core.catalog import build_catalog
    from tui_router.core.config import load_config

    prompt = read_prompt(args.prompt)
    config = load_config()
    catalog = build_catalog(config)
    model, route_reason = _choose_model(catalog, args)
    if route_reason == "default model" and model.endpoint.kind == "local":
        print(LOCAL_NOTICE.format(model=model.api_model), file=sys.stderr)
    return asyncio.run(_ask(config, catalog, model, prompt, route_reason, args))


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


def _choose_model(catalog: Any, args: argparse.Namespace) -> tuple[Any, str]:
    if args.model:
        return catalog.describe(args.model), "--model"
    if args.tier:
        found = catalog.first_available(args.tier)
        if found is None:
            listed = catalog.by_tier().get(args.tier, [])
            how = "; ".join(sorted({m.availability for m in listed})) or "no model listed"
            raise UserFacingError(
                f"no available model in tier {args.tier!r} ({how}); "
                "`tui-router models` shows what each model needs"
            )
        return found, "--tier"
    # TODO(routing): with the routing engine's Router, route the prompt here instead.
    return catalog.default_model(), "default model"


async def _ask(
    config: Any, catalog: Any, model: Any, prompt: str, route_reason: str,
    args: argparse.Namespace,
) -> int:
    from tui_router.core.conversation import Conversation
    from tui_router.core.ledger import Ledger
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnRunner

    with Store() as store:
        session_id = store.create_session(
            start_model=model.id, mode="manual", strategy="manual",
            frontier_model=config.frontier_model, title=_title(prompt),
        )
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
                conversation, model.id, session_id=session_id, turn_index=1,
                on_delta=on_delta, max_tokens=args.max_tokens,
            )
        finally:
            await runner.aclose()
            store.end_session(session_id)
    if wrote_text and not result.text.endswith("\n"):
        sys.stdout.write("\n")
    if args.json:
        print(json.dumps(_json_result(session_id, result, route_reason), ensure_ascii=False))
    if result.status != "ok":
        print(f"tui-router: {model.id}: {result.error}", file=sys.stderr)
        return 1
    return 0


def _json_result(session_id: str, result: Any, route_reason: str) -> dict[str, Any]:
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
        "route": {"mode": "manual", "tier": result.tier, "reason": route_reason},
        "stop_reason": result.stop_reason,
        "duration_ms": result.duration_ms,
        "status": result.status,
        "error": result.error,
    }


def _title(prompt: str) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= 60 else line[:59] + "…"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value
