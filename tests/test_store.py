"""The SQLite history store: schema, round trips, permissions, migrations, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from tui_router.core import migrations
from tui_router.core.paths import get_paths
from tui_router.core.store import (
    CallRow,
    DecisionRow,
    Store,
    StoreError,
    UnknownSessionError,
    new_session_id,
    strategies_used,
)
from tui_router.core.usage import Usage


def _call(session_id: str, turn: int = 1, **overrides: object) -> CallRow:
    fields: dict[str, object] = {
        "session_id": session_id,
        "turn": turn,
        "model": "claude-haiku-4-5",
        "purpose": "chat",
        "usage": Usage(input_tokens=1200, cache_read_tokens=1000, output_tokens=50),
        "cost_usd": Decimal("0.00055"),
        "price_source": "genai-prices",
        "endpoint": "anthropic",
        "price_provider": "anthropic",
        "tier": "fast",
        "baseline_model": "claude-opus-4-6",
        "baseline_cost_usd": Decimal("0.00275"),
        "duration_ms": 812,
    }
    fields.update(overrides)
    return CallRow(**fields)  # type: ignore[arg-type]


def test_database_lives_in_the_data_dir_owner_only() -> None:
    with Store() as store:
        store.create_session(start_model="claude-haiku-4-5")
        path = store.path
    assert path == get_paths().database
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_wal_and_foreign_keys() -> None:
    with Store() as store:
        (mode,) = store._db.execute("PRAGMA journal_mode").fetchone()
        (fk,) = store._db.execute("PRAGMA foreign_keys").fetchone()
        assert mode == "wal" and fk == 1
        with pytest.raises(sqlite3.IntegrityError):
            store.record_call(_call("no-such-session"))


def test_call_round_trip_keeps_tokens_and_exact_decimal_prices() -> None:
    with Store() as store:
        sid = store.create_session(start_model="claude-haiku-4-5", frontier_model="claude-opus-4-6")
        usage = Usage(1500, 1000, 300, 100, 80, 20, estimated=True)
        call_id = store.record_call(
            _call(sid, usage=usage, cost_usd=Decimal("0.000123456789"), stop_reason="end_turn"),
            text="answer",
            prompt="question",
        )
        [row] = store.session_calls(sid)
    assert row.id == call_id
    assert row.usage == usage
    assert row.cost_usd == Decimal("0.000123456789")
    assert row.baseline_cost_usd == Decimal("0.00275")
    assert (row.stop_reason, row.tier, row.endpoint) == ("end_turn", "fast", "anthropic")


def test_unknown_price_is_stored_as_null_not_zero() -> None:
    with Store() as store:
        sid = store.create_session()
        store.record_call(_call(sid, cost_usd=None, price_source="unknown"))
        (cost,) = store._db.execute("SELECT cost_usd FROM calls").fetchone()
        [row] = store.session_calls(sid)
        [listed] = store.list_sessions()
    assert cost is None and row.cost_usd is None
    assert listed.unknown_price_calls == 1 and listed.savings_usd is None


def test_call_and_messages_written_together_prompt_once_per_turn() -> None:
    with Store() as store:
        sid = store.create_session()
        first = store.record_call(
            _call(sid, purpose="cascade", status="ok"), text="cheap try", prompt="fix it"
        )
        second = store.record_call(
            _call(sid, model="claude-sonnet-4-6", purpose="cascade"), text="better", prompt="fix it"
        )
        failed = store.record_call(
            _call(sid, turn=2, status="error", error="overloaded"), text="", prompt="again"
        )
        messages = store.session_messages(sid)
    assert [(m.seq, m.role, m.content, m.turn, m.call_id) for m in messages] == [
        (1, "user", "fix it", 1, None),
        (2, "assistant", "cheap try", 1, first),
        (3, "assistant", "better", 1, second),
        (4, "user", "again", 2, None),
    ]
    assert failed > second


def test_cancelled_call_keeps_partial_text() -> None:
    with Store() as store:
        sid = store.create_session()
        store.record_call(_call(sid, status="cancelled"), text="half an ans", prompt="q")
        [call] = store.session_calls(sid)
        assert call.status == "cancelled"
        assert store.session_messages(sid)[-1].content == "half an ans"


def test_list_sessions_totals_and_last_session() -> None:
    with Store() as store:
        old = store.create_session(session_id="01AAAAAAAAAAAAAAAAAAAAAAAA")
        new = store.create_session()
        store.record_call(_call(new))
        store.record_call(_call(new, model="gpt-5-mini", cost_usd=Decimal("0.001")))
        listed = store.list_sessions()
        assert store.last_session_id() == new
    assert [s.session.id for s in listed] == [new, old]
    top = listed[0]
    assert top.calls == 2 and top.models == ("claude-haiku-4-5", "gpt-5-mini")
    assert top.cost_usd == Decimal("0.00155")
    assert top.baseline_usd == Decimal("0.00550")
    assert top.savings_usd == Decimal("0.00395")
    assert listed[1].calls == 0 and listed[1].cost_usd == 0


def test_session_ids_sort_by_time_and_resolve_by_prefix() -> None:
    ids = [new_session_id() for _ in range(3)]
    assert all(len(i) == 26 for i in ids)
    with Store() as store:
        sid = store.create_session()
        assert store.resolve_session_id(sid[:20].lower()) == sid
        with pytest.raises(UnknownSessionError, match="no session 'nope'"):
            store.resolve_session_id("nope")


def test_decisions_and_their_answers() -> None:
    with Store() as store:
        sid = store.create_session()
        did = store.record_decision(
            DecisionRow(
                session_id=sid,
                turn=1,
                strategy="rules",
                suggested_model="claude-opus-4-6",
                suggested_tier="frontier",
                current_model="claude-haiku-4-5",
                current_tier="fast",
                reason="stack trace: debugging",
                rule="debugging",
                confidence=0.8,
                est_cost_usd=Decimal("0.02"),
                est_baseline_usd=Decimal("0.02"),
                lost_cache_usd=Decimal("0.001"),
            )
        )
        store.update_decision(did, "accepted")
        [decision] = store.session_decisions(sid)
    assert decision.outcome == "accepted" and decision.answered_at
    assert decision.lost_cache_usd == Decimal("0.001") and decision.rule == "debugging"


def test_summary_and_end_session() -> None:
    with Store() as store:
        sid = store.create_session()
        store.save_summary(sid, {"cost_usd": "0.01"})
        store.end_session(sid)
        session = store.get_session(sid)
    assert session is not None and session.ended_at and session.summary == {"cost_usd": "0.01"}


def test_a_session_records_every_strategy_it_used_in_order() -> None:
    with Store() as store:
        sid = store.create_session(strategy="learned")
        assert store.record_strategy(sid, "cascade") == "learned,cascade"
        assert store.record_strategy(sid, "cascade") == "learned,cascade"  # already in force
        assert store.record_strategy(sid, "learned") == "learned,cascade,learned"
        other = store.create_session()  # no strategy recorded at creation
        store.record_strategy(other, "rules")
        with pytest.raises(UnknownSessionError):
            store.record_strategy("01NOSUCHSESSION00000000000", "rules")
        with pytest.raises(ValueError):
            store.record_strategy(sid, "rules,cascade")
        stored = store.get_session(sid)
        listed = {s.session.id: s.session.strategy for s in store.list_sessions()}
    assert stored is not None and stored.strategy == "learned,cascade,learned"
    assert strategies_used(stored.strategy)[-1] == "learned"  # the one in force
    assert listed == {sid: "learned,cascade,learned", other: "rules"}
    assert strategies_used(None) == []


def test_old_database_is_upgraded_by_later_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, str(path), migrations=(migrations.m001_initial,))
    db.execute("INSERT INTO sessions (id, started_at) VALUES ('S1', '2026-01-01T00:00:00')")
    db.execute(
        "INSERT INTO calls (session_id, turn, model, purpose, price_source, status, started_at,"
        " cost_usd) VALUES ('S1', 1, 'gpt-5-mini', 'chat', 'genai-prices', 'ok', 'x', '0.5')"
    )
    db.close()
    with Store(path) as store:
        names = [r[0] for r in store._db.execute("SELECT name FROM schema_migrations")]
        [call] = store.session_calls("S1")
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    assert call.cost_usd == Decimal("0.5") and call.stop_reason is None


def test_a_message_kept_before_its_kinds_reads_as_the_conversation(tmp_path: Path) -> None:
    """m007_message_kinds: the rows written before it are the conversation (kind NULL)."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    migrations.migrate(db, str(path), migrations=migrations.MIGRATIONS[:6])
    db.execute("INSERT INTO sessions (id, started_at) VALUES ('S1', '2026-01-01T00:00:00')")
    db.execute(
        "INSERT INTO messages (session_id, seq, turn, role, content, created_at)"
        " VALUES ('S1', 1, 1, 'user', 'hello', 'x')"
    )
    db.close()
    with Store(path) as store:
        [row] = store.session_messages("S1")
        assert (row.role, row.content, row.kind) == ("user", "hello", None)
        with pytest.raises(ValueError, match="unknown message kind"):
            store.add_message("S1", "system", "x", kind="nonsense")


def test_a_huge_diff_is_kept_capped_for_the_chat() -> None:
    from tui_router.core.store import DIFF_CHARS

    diff = "".join(f"+line {i}\n" for i in range(40_000))
    with Store() as store:
        sid = store.create_session()
        store.add_tool_results(sid, 1, [("t1", "created big.txt (+40000)", False)], {"t1": diff})
        kept = store.session_messages(sid)[1].content
    assert kept.startswith("+line 0\n+line 1\n") and len(kept) <= DIFF_CHARS + 100
    assert kept.endswith("more characters of the diff not kept]")


def test_migrations_run_once() -> None:
    with Store() as store:
        path = store.path
    with Store(path) as store:
        count = store._db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert count == len(migrations.MIGRATIONS)


def test_database_from_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with Store(path) as store:
        store._db.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES ('m999_future', 'x')"
        )
    with pytest.raises(StoreError) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message and "m999_future" in message and "newer tui-router" in message


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open the history database"):
        Store(path)


def test_completed_turn_survives_sigkill(tmp_path: Path) -> None:
    """A process that wrote a turn and is killed mid-way through the next leaves the first intact."""
    path = tmp_path / "crash.sqlite3"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from decimal import Decimal
        from tui_router.core.store import CallRow, Store
        from tui_router.core.usage import Usage
        store = Store({str(path)!r})
        sid = store.create_session(session_id="CRASH")
        store.record_call(
            CallRow(session_id=sid, turn=1, model="gpt-5-mini", purpose="chat",
                    usage=Usage(input_tokens=10, output_tokens=5), cost_usd=Decimal("0.000012"),
                    price_source="genai-prices"),
            text="the whole answer", prompt="the question")
        store._db.execute("BEGIN IMMEDIATE")
        store._db.execute("INSERT INTO messages (session_id, seq, role, content, created_at)"
                          " VALUES ('CRASH', 99, 'user', 'torn', 'x')")
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.strip() == "written"
    with Store(path) as store:
        [call] = store.session_calls("CRASH")
        messages = store.session_messages("CRASH")
    assert call.cost_usd == Decimal("0.000012") and call.usage.output_tokens == 5
    assert [m.content for m in messages] == ["the question", "the whole answer"]
    assert os.path.exists(path)


def test_two_processes_worth_of_connections_share_the_file() -> None:
    """The TUI and a headless `ask` may write the same history at once (WAL, busy timeout)."""
    with Store() as tui, Store() as ask:
        first = tui.create_session()
        second = ask.create_session()
        ask.record_call(_call(second), text="a", prompt="q")
        tui.record_call(_call(first), text="b", prompt="q")
        assert {s.session.id for s in tui.list_sessions()} == {first, second}
        assert ask.session_calls(first)[0].model == "claude-haiku-4-5"


def test_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the history database"):
        Store(blocker / "history.sqlite3")
