"""`tui-router stats`: totals over all sessions equal the sum of `sessions`; grouping, --since, CSV."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tui_router.cli import main
from tui_router.core.store import CallRow, Store
from tui_router.core.usage import Usage

OPUS = "claude-opus-4-6"


def _call(
    sid: str,
    turn: int,
    model: str,
    tier: str | None,
    cost: str | None,
    base: str | None,
    purpose: str = "chat",
    started_at: str | None = None,
    inp: int = 1000,
    cache_read: int = 250,
    out: int = 100,
) -> CallRow:
    extra = {} if started_at is None else {"started_at": started_at}
    return CallRow(
        session_id=sid,
        turn=turn,
        model=model,
        tier=tier,
        purpose=purpose,
        usage=Usage(input_tokens=inp, cache_read_tokens=cache_read, output_tokens=out),
        cost_usd=None if cost is None else Decimal(cost),
        price_source="unknown" if cost is None else "genai-prices",
        baseline_model=OPUS,
        baseline_cost_usd=None if base is None else Decimal(base),
        **extra,
    )


def _history(store: Store) -> list[str]:
    a = store.create_session(strategy="cascade", frontier_model=OPUS)
    store.record_call(
        _call(
            a,
            1,
            "claude-haiku-4-5",
            "fast",
            "0.001",
            "0.005",
            "cascade",
            "2026-11-20T10:00:00.000+00:00",
        )
    )
    store.record_call(
        _call(
            a,
            1,
            "claude-sonnet-4-6",
            "balanced",
            "0.003",
            "0.005",
            "cascade",
            "2026-11-20T10:00:05.000+00:00",
        )
    )
    store.record_call(
        _call(
            a,
            2,
            "claude-haiku-4-5",
            "fast",
            "0.0005",
            "0.0025",
            started_at="2026-11-22T09:00:00.000+00:00",
        )
    )
    b = store.create_session(strategy="learned", frontier_model=OPUS)
    store.record_call(_call(b, 1, OPUS, "frontier", "0.02", "0.02", "retry"))
    store.record_call(_call(b, 2, "ollama/llama3.2", None, None, "0.004", cache_read=0))
    store.create_session(strategy="rules")  # no calls
    return [a, b]


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_totals_equal_the_sum_of_sessions(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        _history(store)
    sessions = _json(capsys, "sessions", "--json", "--limit", "100")
    stats = _json(capsys, "stats", "--json", "--by", "model")
    assert isinstance(sessions, list) and isinstance(stats, dict)
    total = stats["total"]
    assert Decimal(total["cost_usd"]) == sum(Decimal(s["cost_usd"]) for s in sessions)
    assert Decimal(total["baseline_usd"]) == sum(Decimal(s["baseline_usd"]) for s in sessions)
    assert total["calls"] == sum(s["calls"] for s in sessions) == 5
    assert total["unknown_price_calls"] == sum(s["unknown_price_calls"] for s in sessions) == 1
    assert total["cost_usd"] == "0.0245"
    assert total["baseline_usd"] == "0.0365"
    # savings over calls with both prices known: (0.0325 - 0.0245)
    assert total["savings_usd"] == "0.0080"
    assert total["escalations"] == 2  # one extra cascade attempt + one retry stronger
    assert total["input_tokens"] == 5000 and total["cache_read_tokens"] == 1000
    assert total["cache_hit_ratio"] == 0.2
    by_model = {g["model"]: g for g in stats["groups"]}
    assert by_model["claude-haiku-4-5"]["calls"] == 2
    assert by_model["claude-haiku-4-5"]["cost_usd"] == "0.0015"
    assert by_model["ollama/llama3.2"]["cost_usd"] is None  # unknown, never $0
    assert stats["groups"][0]["model"] == OPUS  # most expensive first


def test_stats_by_tier_strategy_day_and_since(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        _history(store)
    tiers = {
        g["tier"]: g["cost_usd"] for g in _json(capsys, "stats", "--json", "--by", "tier")["groups"]
    }
    assert tiers == {"frontier": "0.02", "balanced": "0.003", "fast": "0.0015", "other": None}
    strategies = {
        g["strategy"]: g["calls"]
        for g in _json(capsys, "stats", "--json", "--by", "strategy")["groups"]
    }
    assert strategies == {"learned": 2, "cascade": 3}
    days = [g["day"] for g in _json(capsys, "stats", "--json", "--by", "day")["groups"]]
    assert days[:2] == sorted(days[:2]) and len(days) == 3
    recent = _json(capsys, "stats", "--json", "--since", "7d")
    assert recent["total"]["calls"] == 2  # the two calls made today
    since_date = _json(capsys, "stats", "--json", "--since", "2026-11-21")
    assert since_date["total"]["calls"] == 3


def test_stats_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        _history(store)
    capsys.readouterr()
    assert main(["stats", "--csv", "--by", "tier"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["tier"] for r in rows} == {"frontier", "balanced", "fast", "other"}
    assert next(r for r in rows if r["tier"] == "other")["cost_usd"] == ""
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Spend by day" in out and "total" in out and "Spend per day" in out


def test_stats_empty_history_and_bad_since(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    assert "No calls recorded" in capsys.readouterr().out
    assert _json(capsys, "stats", "--json")["total"]["calls"] == 0
    with pytest.raises(SystemExit) as exc:
        main(["stats", "--since", "last week"])
    assert exc.value.code == 2
    assert "not a number of days" in capsys.readouterr().err


def test_sessions_record_their_project_and_stats_group_by_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Store() as store:
        a = store.create_session(project="billing-api", frontier_model=OPUS)
        store.record_call(_call(a, 1, "claude-haiku-4-5", "fast", "0.001", "0.005"))
        b = store.create_session(frontier_model=OPUS)  # recorded before projects were kept
        store.record_call(_call(b, 1, "claude-haiku-4-5", "fast", "0.002", "0.005"))
        assert store.get_session(a).project == "billing-api"  # type: ignore[union-attr]
    groups = _json(capsys, "stats", "--json", "--by", "project")["groups"]
    assert {g["project"]: g["cost_usd"] for g in groups} == {"billing-api": "0.001", "n/a": "0.002"}


def test_stats_spend_per_day_with_no_known_price_is_na_never_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every call unpriced over two days: the sum by the spend-per-day bars read "$0.000000"."""
    with Store() as store:
        sid = store.create_session(frontier_model=OPUS)
        for turn, day in ((1, "2026-11-20"), (2, "2026-11-21")):
            when = f"{day}T10:00:00.000+00:00"
            store.record_call(_call(sid, turn, "claude-foo-1", None, None, "0.0075", "chat", when))
    capsys.readouterr()
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    actual = next(line for line in out.splitlines() if line.startswith("  actual"))
    assert actual.endswith("n/a") and "$0" not in actual
    baseline = next(line for line in out.splitlines() if line.startswith("  baseline"))
    assert baseline.endswith("$0.0150")


def test_stats_in_an_80_column_terminal_cuts_no_value() -> None:
    """In a terminal 80 columns wide the table squeezed every column: "6,0…" for 6,000 input
    tokens, "baseli…", and the model column gone."""
    from rich.console import Console

    from tui_router.commands.stats import collect, load, render

    with Store() as store:
        _history(store)
        stats = collect(load(store), "model", None)
    out = io.StringIO()
    render(stats, Console(file=out, width=80, force_terminal=True, color_system=None))
    text = out.getvalue()
    assert "…" not in text
    assert all(len(line.rstrip()) <= 80 for line in text.splitlines())
    for whole in ("baseline", "savings", "cost", "≥ $0.0245 (1 n/a)", "$0.0365"):
        assert whole in text, whole


def test_an_agent_cascade_is_one_escalation_however_many_steps_each_attempt_took() -> None:
    # haiku took two steps, then sonnet two: "Cascade escalations: 2" (every cascade call past
    # the turn's first), and per-model rows that did not add up to the total
    from types import SimpleNamespace

    from tui_router.commands.stats import collect
    from tui_router.core.report import count_escalations
    from tui_router.core.store_rows import CallRow
    from tui_router.core.usage import Usage

    def call(model: str, tier: str, turn: int = 1, purpose: str = "cascade") -> CallRow:
        return CallRow(
            session_id="s1",
            turn=turn,
            model=model,
            purpose=purpose,
            usage=Usage(input_tokens=1_000, output_tokens=100),
            cost_usd=Decimal("0.001"),
            price_source="genai-prices",
            tier=tier,
            started_at="2026-12-04T10:00:00+00:00",
        )

    calls = [
        call("claude-haiku-4-5", "fast"),
        call("claude-haiku-4-5", "fast"),
        call("claude-sonnet-4-6", "balanced"),
        call("claude-sonnet-4-6", "balanced"),
        call("claude-haiku-4-5", "fast", turn=2),  # a turn the cheap model passed
        call("claude-haiku-4-5", "fast", turn=2),
    ]
    assert count_escalations(calls) == 1
    stats = collect([(SimpleNamespace(id="s1"), calls)], "model", None)
    assert stats.total.escalations == 1
    assert {g.key: g.escalations for g in stats.groups} == {
        "claude-haiku-4-5": 0,
        "claude-sonnet-4-6": 1,  # the attempt it began
    }
