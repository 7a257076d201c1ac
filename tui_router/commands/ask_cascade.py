"""`tui-router ask` with the cascade strategy: cheap model first, quality gates, escalation.

Each answer is gated when it is complete, so nothing is streamed: stdout gets only the final
answer (or, with ``--json``, one object whose ``attempts`` list every call of the turn). stderr
gets one line per escalation ("escalated from X to Y: why"), so a script sees what it paid for.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tui_router.commands.ask_output import (
    Route,
    cost_line,
    decision_row,
    json_result,
    session_title,
)


async def ask_cascade(
    config: Any, catalog: Any, route: Route, prompt: str, args: argparse.Namespace
) -> int:
    from tui_router.core.cascade_turn import CascadeTurn, cascade_models, judge_model
    from tui_router.core.conversation import Conversation
    from tui_router.core.ledger import Ledger
    from tui_router.core.store import Store
    from tui_router.core.turn import TurnRunner

    models = cascade_models(route.decision, catalog)
    ledger = Ledger()
    with Store() as store:
        session_id = store.create_session(
            start_model=models[0],
            mode=route.mode,
            strategy="cascade",
            frontier_model=config.frontier_model,
            title=session_title(prompt),
        )
        store.record_decision(decision_row(session_id, route.decision))
        runner = TurnRunner(config, catalog, store, ledger)
        conversation = Conversation()
        conversation.add_user(prompt)
        judge = judge_model(catalog) if config.cascade_judge else None

        def escalated(step: Any) -> None:
            print(step.line(), file=sys.stderr, flush=True)

        try:
            outcome = await CascadeTurn(runner, judge_model=judge).run(
                conversation,
                models,
                session_id=session_id,
                turn_index=1,
                on_escalate=escalated,
                max_tokens=args.max_tokens,
            )
        finally:
            await runner.aclose()
            store.end_session(session_id)
    result = outcome.final
    if outcome.stopped:
        print(f"tui-router: {outcome.stopped}; kept {result.model}'s answer", file=sys.stderr)
    elif not outcome.passed and len(models) > 1:
        reason = outcome.attempts[-1].gate.reason
        print(
            f"tui-router: no model passed the quality gates; kept {result.model}'s answer "
            f"({reason})",
            file=sys.stderr,
        )
    if args.json:
        data = json_result(session_id, result, route)
        data["route"]["strategy"] = "cascade"
        data["attempts"] = outcome.to_json()
        data["total"] = _totals(ledger)
        print(json.dumps(data, ensure_ascii=False))
    else:
        from tui_router.core.redact import strip_control

        text = strip_control(result.text)  # never run a model's terminal escape sequences
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    if result.status != "ok":
        print(f"tui-router: {result.model}: {result.error}", file=sys.stderr)
        return 1
    if not args.json and sys.stderr.isatty():
        line = cost_line(result)
        if len(outcome.calls) > 1:
            line += f" [turn: {_totals_line(ledger)}]"
        print(line, file=sys.stderr)
    return 0


def _totals(ledger: Any) -> dict[str, Any]:
    """Every call of the turn (failed attempts and judge calls included) and its baseline."""
    totals = ledger.totals
    cost, baseline = totals.cost_usd, totals.baseline_usd
    return {
        "calls": totals.calls,
        "cost_usd": None if cost is None else str(cost),
        "baseline_usd": None if baseline is None else str(baseline),
    }


def _totals_line(ledger: Any) -> str:
    from tui_router.core.pricing import format_usd

    totals = ledger.totals
    return (
        f"{totals.calls} calls · {format_usd(totals.cost_usd, 6)}"
        f" · frontier-only {format_usd(totals.baseline_usd, 6)}"
    )
