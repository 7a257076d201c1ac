"""The session report: data built from the store (hand-computed), its rendering, and the command."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import types
from decimal import Decimal

import pytest
from rich.console import Console

from tui_router.cli import main
from tui_router.commands.report import render
from tui_router.core.report import build_report, sparkline
from tui_router.core.store import CallRow, DecisionRow, Store, UnknownSessionError
from tui_router.core.usage import Usage

OPUS = "claude-opus-4-6"


def _call(
    sid: str,
    turn: int,
    model: str,
    tier: str | None,
    cost: str | None,
    base: str,
    purpose: str = "chat",
    status: str = "ok",
    inp: int = 1000,
    out: int = 100,
) -> CallRow:
    return CallRow(
        session_id=sid,
        turn=turn,
        model=model,
        tier=tier,
        purpose=purpose,
        status=status,
        usage=Usage(input_tokens=inp, cache_read_tokens=inp // 2, output_tokens=out),
        cost_usd=None if cost is None else Decimal(cost),
        price_source="unknown" if cost is None else "genai-prices",
        baseline_model=OPUS,
        baseline_cost_usd=Decimal(base),
    )


def _session(store: Store) -> str:
    """Four turns: a cascade that escalated, a retry stronger, an unpriced model, an error."""
    sid = store.create_session(
        start_model="claude-haiku-4-5", mode="suggest", strategy="cascade", frontier_model=OPUS
    )
    store.record_call(
        _call(sid, 1, "claude-haiku-4-5", "fast", "0.0010", "0.0050", "cascade"),
        text="meh",
        prompt="refactor the parser",
    )
    store.record_call(
        _call(sid, 1, "claude-sonnet-4-6", "balanced", "0.0030", "0.0050", "cascade"),
        text="good",
        prompt="refactor the parser",
    )
    store.record_call(
        _call(sid, 2, "claude-haiku-4-5", "fast", "0.0005", "0.0025"),
        text="short",
        prompt="why does this deadlock?",
    )
    store.record_call(
        _call(sid, 2, OPUS, "frontier", "0.0200", "0.0200", "retry"),
        text="because…",
        prompt="why does this deadlock?",
    )
    store.record_call(
        _call(sid, 3, "ollama/llama3.2", None, None, "0.0040"), text="x", prompt="rename foo"
    )
    store.record_call(
        _call(sid, 4, "claude-haiku-4-5", "fast", "0", "0", status="error", inp=0, out=0),
        prompt="again",
    )
    for outcome in ("accepted", "rejected", "rejected", "auto-applied", "shown", "silent"):
        did = store.record_decision(
            DecisionRow(
                session_id=sid,
                turn=1,
                strategy="rules",
                suggested_tier="frontier",
                current_tier="fast",
            )
        )
        store.update_decision(did, outcome)
    return sid


def test_report_data_hand_computed() -> None:
    with Store() as store:
        report = build_report(store, _session(store))
    totals = report.totals
    assert totals.calls == 6
    assert totals.cost_usd == Decimal("0.0245")  # 0.001 + 0.003 + 0.0005 + 0.02 (+ n/a + 0)
    assert totals.has_unknown_price and totals.unknown_price_calls == 1
    assert totals.cost_text() == "≥ $0.0245 (n/a for 1 call)"
    assert totals.baseline_usd == Decimal("0.0365")
    # savings leave out the unpriced call: 0.0325 - 0.0245
    assert totals.savings_usd == Decimal("0.0080")
    assert totals.savings_pct == pytest.approx(24.615, abs=1e-3)
    assert [(m.model, m.tier, m.totals.calls) for m in report.models] == [
        ("claude-haiku-4-5", "fast", 3),
        ("claude-sonnet-4-6", "balanced", 1),
        (OPUS, "frontier", 1),
        ("ollama/llama3.2", None, 1),
    ]
    assert report.models[0].totals.cost_usd == Decimal("0.0015")
    assert report.models[3].totals.cost_usd is None
    s = report.suggestions
    assert (s.shown, s.accepted, s.rejected, s.auto_applied, s.unanswered) == (5, 1, 2, 1, 1)
    assert (report.escalations, report.retries, report.errors) == (1, 1, 1)
    top = report.most_expensive_turn
    assert top is not None and top.turn == 2 and top.cost_usd == Decimal("0.0205")
    assert top.models == ("claude-haiku-4-5", OPUS) and top.prompt == "why does this deadlock?"
    assert [(t.turn, t.cost_usd, t.baseline_usd) for t in report.per_turn] == [
        (1, Decimal("0.0040"), Decimal("0.0100")),
        (2, Decimal("0.0205"), Decimal("0.0225")),
        (3, None, Decimal("0.0040")),  # its one call is unpriced: unknown, never $0
        (4, Decimal("0"), Decimal("0")),
    ]
    assert report.baseline_assumption == f"baseline = same token counts re-priced at {OPUS}"


def test_report_json_money_is_strings_and_unknown_is_null() -> None:
    with Store() as store:
        data = build_report(store, _session(store)).to_dict()
    json.dumps(data)  # serialisable as is
    assert data["total"]["cost_usd"] == "0.0245" and data["total"]["unknown_price_calls"] == 1
    assert data["models"][3]["cost_usd"] is None
    assert data["baseline"] == {
        "model": OPUS,
        "cost_usd": "0.0365",
        "unknown_price_calls": 0,
        "assumption": f"baseline = same token counts re-priced at {OPUS}",
    }
    assert data["savings_usd"] == "0.0080" and data["savings_excluded_calls"] == 1
    assert len(data["calls"]) == 6 and data["calls"][5]["status"] == "error"
    assert data["most_expensive_turn"]["turn"] == 2


def test_render_shows_table_assumption_and_sparklines() -> None:
    with Store() as store:
        report = build_report(store, _session(store))
    out = io.StringIO()
    render(report, Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    for expected in (
        "claude-sonnet-4-6",
        "ollama/llama3.2",
        "n/a",
        "≥ $0.0245 (n/a for 1 call)",
        f"re-priced at {OPUS}",
        "Savings: $0.0080 (24.6%) · 1 call with an unknown price left out",
        "1 accepted · 2 rejected",
        "Cascade escalations: 1 · retries on a stronger tier: 1",
        "Most expensive turn: #2",
        "actual   ",
        "baseline ",
        "· mode suggest · strategy cascade",
    ):
        assert expected in text, expected


def test_render_names_every_strategy_the_session_used_in_order() -> None:
    with Store() as store:
        sid = _session(store)
        store.record_strategy(sid, "learned")
        report = build_report(store, sid)
    out = io.StringIO()
    render(report, Console(file=out, width=120, color_system=None))
    assert "· strategy cascade → learned" in out.getvalue()


def test_sparkline_shares_a_scale() -> None:
    assert sparkline([]) == ""
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([Decimal(1), Decimal(2)], scale_max=Decimal(4)) == "▃▅"  # 1.75, 3.5 of 7
    assert sparkline([0, 0]) == "▁▁"


def test_unknown_session_is_exit_2_with_a_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        _session(store)
    assert main(["report", "NO-SUCH-ID"]) == 2
    err = capsys.readouterr().err
    assert "no session 'NO-SUCH-ID'" in err and "tui-router sessions" in err
    with Store() as store, pytest.raises(UnknownSessionError):
        build_report(store, "NO-SUCH-ID")


def test_report_without_sessions_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--last"]) == 2
    assert "no sessions recorded yet" in capsys.readouterr().err


def test_report_by_id_prefix_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        sid = _session(store)
        store.create_session()  # a later, empty session: --last would pick it
    assert main(["report", sid[:22], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session_id"] == sid and data["total"]["calls"] == 6


def test_report_last_skips_a_later_session_that_made_no_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`/new` then quit, or a start without a prompt: `report --last` showed that empty session
    ($0.000000 everywhere) instead of the one that spent."""
    with Store() as store:
        sid = _session(store)
        store.create_session()
    assert main(["report", "--last", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session_id"] == sid and data["total"]["calls"] == 6


def test_routing_flag_dispatches_to_the_routing_review(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    fake = types.ModuleType("tui_router.commands.report_routing")
    fake.run_routing_report = lambda args: seen.append(args.routing) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui_router.commands.report_routing", fake)
    assert main(["report", "--routing"]) == 0 and seen == [True]


def test_sessions_table_and_json_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions"]) == 0
    assert "No sessions yet" in capsys.readouterr().out
    with Store() as store:
        sid = _session(store)
        empty = store.create_session()  # opened and left, or left empty by /new
    # a session that made no call is not listed (it crowded the list with $0.0000 rows) ...
    assert main(["sessions", "--json", "--limit", "1"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    # ... unless asked for
    assert main(["sessions", "--json", "--all"]) == 0
    assert [s["session_id"] for s in json.loads(capsys.readouterr().out)] == [empty, sid]
    assert listed["session_id"] == sid and listed["calls"] == 6
    assert listed["cost_usd"] == "0.0245" and listed["unknown_price_calls"] == 1
    assert listed["savings_usd"] is None  # a total with an unknown price has no exact savings


def test_long_session_sparkline_shows_the_last_turns() -> None:
    with Store() as store:
        sid = store.create_session(frontier_model=OPUS)
        for turn in range(1, 101):
            store.record_call(_call(sid, turn, "claude-haiku-4-5", "fast", "0.001", "0.005"))
        report = build_report(store, sid)
    out = io.StringIO()
    render(report, Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    assert "Spend per turn (last 60 of 100 turns, same scale):" in text
    actual = next(line for line in text.splitlines() if line.startswith("  actual"))
    assert actual.split()[1] == "▂" * 60  # 0.001 of a 0.005 scale


def test_report_and_sessions_csv(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        sid = _session(store)
    capsys.readouterr()
    assert main(["report", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 6 and {r["session_id"] for r in rows} == {sid}
    assert rows[0]["model"] == "claude-haiku-4-5" and rows[0]["cost_usd"] == "0.0010"
    assert rows[4]["cost_usd"] == ""  # unknown price: empty, never 0
    assert rows[0]["input_tokens"] == "1000" and rows[0]["purpose"] == "cascade"
    assert main(["report", "--json"]) == 0  # --json keeps its keys
    data = json.loads(capsys.readouterr().out)
    assert {"session_id", "models", "total", "baseline", "calls", "turns"} <= set(data)
    assert main(["sessions", "--csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["session_id"] == sid and row["calls"] == "6"
    assert row["models"] == "claude-haiku-4-5;claude-sonnet-4-6;claude-opus-4-6;ollama/llama3.2"
    assert row["cost_usd"] == "0.0245"


def test_report_states_the_prompt_cache_hit_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        sid = _session(store)
    # every priced call read half its input from the cache: 2,500 of 5,000 input tokens
    assert main(["report", sid]) == 0
    assert (
        "Prompt cache: 50% of input read from cache (2,500 of 5,000 tokens)"
        in capsys.readouterr().out
    )
    assert main(["report", sid, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cache_hit_ratio"] == 0.5


def _unpriced_session(store: Store) -> str:
    """One turn on a model with no known price; a second turn priced on one call of two."""
    sid = store.create_session(start_model="claude-foo-1", mode="manual", frontier_model=OPUS)
    store.record_call(_call(sid, 1, "claude-foo-1", None, None, "0.0075"), text="ok", prompt="hi")
    return sid


def test_nothing_priced_is_na_on_every_surface_never_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A session whose one call has no known price showed "≥ $0.000000 (n/a for 1 call)" as its
    most expensive turn and its spend per turn, "0" in `sessions --json` and `--csv`, and "0" for
    its turns in `report --json` while the total there was null."""
    with Store() as store:
        sid = _unpriced_session(store)
    capsys.readouterr()
    assert main(["report", sid]) == 0
    text = capsys.readouterr().out
    assert "$0.0000" not in text and "n/a for" not in text
    assert "Most expensive turn: #1 on claude-foo-1: n/a" in text
    actual = next(line for line in text.splitlines() if line.startswith("  actual"))
    assert actual.endswith("n/a")
    assert main(["report", sid, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["cost_usd"] is None
    assert data["most_expensive_turn"]["cost_usd"] is None
    assert [t["cost_usd"] for t in data["turns"]] == [None]
    assert main(["sessions"]) == 0
    text = capsys.readouterr().out
    assert "$0.0000" not in text and " n/a " in text
    assert main(["sessions", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["cost_usd"] is None and listed["unknown_price_calls"] == 1
    assert listed["baseline_usd"] == "0.0075"
    assert main(["sessions", "--csv"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["cost_usd"] == "" and row["baseline_usd"] == "0.0075"


def test_a_partly_priced_turn_keeps_the_known_part_and_says_what_is_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Store() as store:
        sid = _unpriced_session(store)
        store.record_call(_call(sid, 2, "claude-haiku-4-5", "fast", "0.0010", "0.0050"))
        store.record_call(_call(sid, 2, "claude-foo-1", None, None, "0.0050"))
    capsys.readouterr()
    assert main(["report", sid]) == 0
    text = capsys.readouterr().out
    expensive = "Most expensive turn: #2 on claude-haiku-4-5, claude-foo-1: ≥ $0.0010 (n/a for"
    assert expensive in " ".join(text.split())
    actual = next(line for line in text.splitlines() if line.startswith("  actual"))
    assert actual.endswith("≥ $0.0010 (n/a for 2 calls)")
    assert main(["report", sid, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(t["cost_usd"], t["unknown_price_calls"]) for t in data["turns"]] == [
        (None, 1),
        ("0.0010", 1),
    ]


def _small_sessions(store: Store) -> tuple[str, str]:
    """Sub-cent sessions: one priced ($0.007872), one estimated and partly unpriced."""
    priced = store.create_session(start_model="claude-haiku-4-5", frontier_model=OPUS)
    store.record_call(
        _call(priced, 1, "claude-haiku-4-5", "fast", "0.007872", "0.039360"), prompt="wal"
    )
    mixed = store.create_session(
        start_model="claude-haiku-4-5", mode="suggest", strategy="rules", frontier_model=OPUS
    )
    estimated = _call(mixed, 1, "claude-haiku-4-5", "fast", "0.001270", "0.006350")
    usage = Usage(input_tokens=1000, output_tokens=100, estimated=True)
    store.record_call(dataclasses.replace(estimated, usage=usage), prompt="hi")
    store.record_call(_call(mixed, 2, "claude-foo-1", None, None, "0.006350"), prompt="again")
    return priced, mixed


def test_at_80_columns_sessions_and_report_cut_no_value_and_break_no_fact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns (piped, or a terminal that wide) `sessions` cut its savings column to "$"
    under an empty header, `report` lost its model column and broke facts across lines
    ("cancelled: ⏎0", "mode manual · ⏎strategy manual")."""
    monkeypatch.setenv("COLUMNS", "80")
    with Store() as store:
        priced, mixed = _small_sessions(store)
    capsys.readouterr()
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert all(len(line.rstrip()) <= 80 for line in out.splitlines())
    assert "savings" in out and "$0.0315" in out  # 0.039360 - 0.007872, whole
    assert "≥ $0.0013 (1 n/a)" in out and "$0.0079" in out
    assert main(["report", mixed]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert "claude-haiku-4-5" in out and "claude-foo-1" in out
    assert any(line.startswith("cancelled: 0") or "· cancelled: 0" in line for line in lines)
    assert any("mode suggest" in line for line in lines)
    assert any(line.startswith("strategy rules") or "· strategy rules" in line for line in lines)
    # the total of estimated figures keeps the estimate's marker, as its rows do
    assert "Total: ~≥ $0.0013 (n/a for 1 call)" in lines
    assert main(["report", priced]) == 0
    assert "Total: $0.0079" in capsys.readouterr().out  # the same figure as in `sessions`


def test_fact_lines_break_only_between_facts() -> None:
    from tui_router.commands.fit import fact_lines

    facts = ["Cascade escalations: 0", "retries on a stronger tier: 0", "errors: 0", "cancelled: 0"]
    assert fact_lines(facts, 80) == [
        "Cascade escalations: 0 · retries on a stronger tier: 0 · errors: 0",
        "cancelled: 0",
    ]
    assert fact_lines(["a" * 90, "b"], 80) == ["a" * 90, "b"]  # too long: a line of its own
