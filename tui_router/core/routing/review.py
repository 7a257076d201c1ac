"""The routing review (`tui-router report --routing`) as data, built from the store.

Per turn it finds the call that answered (the last successful call that answers the prompt:
chat, agent step, cascade attempt or retry; `store.ANSWER_PURPOSES`), then reports: the share of
turns per tier; suggestions shown/accepted/rejected grouped by the rule or reason behind them;
turns retried stronger (regret) and what the discarded answers cost; and what each strategy would
have cost on the same turns — every stored prompt is re-decided with each strategy and the
answer's recorded token counts (every step of an agent's answer) are re-priced on the model it
picks (the same assumption as the frontier-only baseline: same input, cache and output token
counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tui_router.core.catalog import Catalog
from tui_router.core.price_sum import PriceSum
from tui_router.core.report import count_escalations
from tui_router.core.routing import strategies
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.features import estimate_tokens
from tui_router.core.routing.router import Router
from tui_router.core.store import ANSWER_PURPOSES, Store
from tui_router.core.store_rows import CallRow, DecisionRow, money_text
from tui_router.core.tiers import TIERS, tier_rank
from tui_router.core.usage import Usage

ASSUMPTION = (
    "other strategies: each stored prompt re-decided, the answer's token counts (every step of "
    "an agent's answer) re-priced on the model chosen (cascade: its first attempt only)"
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One answered turn: its prompt, the call that answered, and what was spent on it."""

    session_id: str
    turn: int
    prompt: str
    answer: CallRow
    spent: PriceSum  # every call of the turn (cascade attempts, judge, retries)
    retried_from: str | None  # the model whose answer "retry stronger" replaced
    #: the answer's calls: the answering call, and before it the earlier steps of the same agent
    #: loop (same purpose and model); one call for a turn without tools
    steps: tuple[CallRow, ...] = ()

    @property
    def usage(self) -> Usage:
        """The token counts of the answer (all its steps)."""
        total = Usage()
        for step in self.steps or (self.answer,):
            total = total + step.usage
        return total

    @property
    def context_tokens(self) -> int:
        """What the answer's first step was sent (the conversation and the prompt)."""
        return (self.steps or (self.answer,))[0].usage.input_tokens


@dataclass(frozen=True, slots=True)
class SuggestionStats:
    """Suggestions that came from one rule or reason, by what the user did with them."""

    reason: str
    shown: int = 0
    accepted: int = 0
    rejected: int = 0
    auto_applied: int = 0
    escalations: int = 0
    downgrades: int = 0


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The same turns under another strategy."""

    strategy: str
    cost_usd: Decimal | None  # None when some turn's price is unknown (see unknown_turns)
    unknown_turns: int
    turns_per_tier: dict[str, int]
    changed_turns: int  # turns where it picks another model than the one that answered


@dataclass(frozen=True, slots=True)
class RoutingReview:
    sessions: int
    turns: int
    turns_per_tier: dict[str, int]
    actual_cost: PriceSum  # every call of the answered turns; unknown prices counted apart
    suggestions: tuple[SuggestionStats, ...]
    retried_stronger: int
    regret_usd: Decimal | None  # spend on answers that were then retried stronger
    regret_turns: tuple[tuple[str, int, str, str], ...]  # (session, turn, from, to)
    cascade_escalations: int
    what_if: tuple[WhatIf, ...]
    assumption: str = ASSUMPTION
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def actual_cost_usd(self) -> Decimal | None:
        """The known part of what the turns cost; None when none of their prices is known."""
        return self.actual_cost.usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "turns": self.turns,
            "turns_per_tier": self.turns_per_tier,
            "actual_cost_usd": money_text(self.actual_cost_usd),
            "unknown_price_calls": self.actual_cost.unknown,
            "suggestions": [
                {
                    "reason": s.reason,
                    "shown": s.shown,
                    "accepted": s.accepted,
                    "rejected": s.rejected,
                    "auto_applied": s.auto_applied,
                    "escalations": s.escalations,
                    "downgrades": s.downgrades,
                }
                for s in self.suggestions
            ],
            "retried_stronger": self.retried_stronger,
            "regret_usd": money_text(self.regret_usd),
            "regret_turns": [
                {"session_id": s, "turn": t, "from_model": a, "to_model": b}
                for s, t, a, b in self.regret_turns
            ],
            "cascade_escalations": self.cascade_escalations,
            "what_if": [
                {
                    "strategy": w.strategy,
                    "cost_usd": money_text(w.cost_usd),
                    "unknown_turns": w.unknown_turns,
                    "turns_per_tier": w.turns_per_tier,
                    "changed_turns": w.changed_turns,
                }
                for w in self.what_if
            ],
            "assumption": self.assumption,
            "notes": list(self.notes),
        }


def build_review(
    store: Store, catalog: Catalog, router: Router, session_ids: Sequence[str] | None = None
) -> RoutingReview:
    """The review of ``session_ids`` (default: every recorded session)."""
    if session_ids is None:
        session_ids = [t.session.id for t in store.list_sessions(limit=None)]
    turns: list[Turn] = []
    decisions: list[DecisionRow] = []
    cascade_escalations = 0
    for session_id in session_ids:
        calls = store.session_calls(session_id)
        prompts = {
            m.turn: m.content
            for m in store.session_messages(session_id)
            # the prompt as typed, not what a retry or /compact sent in its place
            if m.role == "user" and m.turn is not None and m.kind is None
        }
        turns.extend(_turns(session_id, calls, prompts))
        decisions.extend(store.session_decisions(session_id))
        cascade_escalations += count_escalations(calls)
    tier_of = _tier_lookup(catalog)
    per_tier = Counter(c.answer.tier or tier_of(c.answer.model) for c in turns)
    regret = [t for t in turns if t.retried_from is not None]
    return RoutingReview(
        sessions=len(session_ids),
        turns=len(turns),
        turns_per_tier=dict(per_tier),
        actual_cost=sum((t.spent for t in turns), PriceSum()),
        suggestions=_suggestions(decisions),
        retried_stronger=len(regret),
        regret_usd=_sum(_discarded_cost(store, t) for t in regret),
        regret_turns=tuple(
            (t.session_id, t.turn, t.retried_from or "?", t.answer.model) for t in regret
        ),
        cascade_escalations=cascade_escalations,
        what_if=tuple(_what_if(s, turns, catalog, router, tier_of) for s in strategies.names()),
        notes=(f"learned model unavailable: {router.learned_error}",)
        if router.learned_error
        else (),
    )


def _turns(session_id: str, calls: list[CallRow], prompts: dict[int, str]) -> list[Turn]:
    by_turn: dict[int, list[CallRow]] = {}
    for call in calls:
        by_turn.setdefault(call.turn, []).append(call)
    out: list[Turn] = []
    for turn, turn_calls in sorted(by_turn.items()):
        answering = [c for c in turn_calls if c.purpose in ANSWER_PURPOSES and c.status == "ok"]
        if not answering or turn not in prompts:
            continue
        answer = answering[-1]
        steps = [answer]
        for call in reversed(answering[:-1]):
            if (call.purpose, call.model) != (answer.purpose, answer.model):
                break
            steps.insert(0, call)
        retried_from = None
        if answer.purpose == "retry":
            earlier = [c for c in answering[:-1] if c.purpose != "retry"] or answering[:-1]
            retried_from = earlier[-1].model if earlier else None
        out.append(
            Turn(
                session_id,
                turn,
                prompts[turn],
                answer,
                PriceSum.of(c.cost_usd for c in turn_calls),
                retried_from,
                tuple(steps),
            )
        )
    return out


def _discarded_cost(store: Store, turn: Turn) -> Decimal | None:
    calls = [c for c in store.session_calls(turn.session_id) if c.turn == turn.turn]
    kept = {step.id for step in turn.steps or (turn.answer,)}
    discarded = [c for c in calls if c.id not in kept and c.purpose != "judge"]
    return _sum(c.cost_usd for c in discarded)


def _suggestions(decisions: Iterable[DecisionRow]) -> tuple[SuggestionStats, ...]:
    groups: dict[str, Counter[str]] = {}
    for d in decisions:
        if d.outcome == "silent":
            continue
        key = d.rule or (d.reason or d.strategy).split(";")[0].split(" (")[0][:60]
        counts = groups.setdefault(key, Counter())
        counts["shown"] += 1
        counts[d.outcome] += 1
        kind = _kind(d.suggested_tier, d.current_tier)
        if kind:
            counts[kind] += 1
    return tuple(
        SuggestionStats(
            reason,
            c["shown"],
            c["accepted"],
            c["rejected"],
            c["auto-applied"],
            c["escalate"],
            c["downgrade"],
        )
        for reason, c in sorted(groups.items(), key=lambda item: -item[1]["shown"])
    )


def _kind(new: str | None, old: str | None) -> str | None:
    if new not in TIERS or old not in TIERS:
        return None
    if tier_rank(new) > tier_rank(old):
        return "escalate"
    if tier_rank(new) < tier_rank(old):
        return "downgrade"
    return None


def _what_if(
    strategy: str,
    turns: list[Turn],
    catalog: Catalog,
    router: Router,
    tier_of: Callable[[str], str],
) -> WhatIf:
    total = Decimal(0)
    unknown = 0
    per_tier: Counter[str] = Counter()
    changed = 0
    previous: dict[str, str] = {}
    for turn in turns:
        usage = turn.usage
        current = previous.get(turn.session_id)
        context = RoutingContext(
            conversation_tokens=max(0, turn.context_tokens - estimate_tokens(turn.prompt)),
            current_model=current or turn.answer.model,
            turn_index=turn.turn,
        )
        decision = router.decide(turn.prompt, context, strategy=strategy)
        model = decision.model or turn.answer.model
        previous[turn.session_id] = model
        per_tier[decision.tier or tier_of(model)] += 1
        changed += model != turn.answer.model
        price = _price(catalog, model, usage)
        if price is None:
            unknown += 1
        else:
            total += price
    return WhatIf(strategy, None if unknown else total, unknown, dict(per_tier), changed)


def _price(catalog: Catalog, model: str, usage: Usage) -> Decimal | None:
    info = catalog.get(model)
    if info is None:
        try:
            info = catalog.describe(model)
        except Exception:  # a model no endpoint serves any more: its price is unknown
            return None
    return info.price(usage).usd


def _tier_lookup(catalog: Catalog) -> Callable[[str], str]:
    def tier_of(model: str) -> str:
        info = catalog.get(model)
        tier = info.tier if info is not None else catalog.config.tier_of(model)
        return tier or "untiered"

    return tier_of


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total
