"""The history store: one SQLite file in the data dir with sessions, messages, calls, decisions.

WAL journal, foreign keys on, schema through named append-only migrations (`migrations`). A call
and its messages are written in one transaction when the call ends (also when it failed or was
cancelled), so a completed turn is on disk before the next starts. Tokens and the price used are
stored as they were; history is never re-priced. Money is a decimal string (NULL = unknown).
The file and its WAL are owner-only (0600), the folder 0700. No API key is ever written here.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from tui_router.core.conversation import ToolCall
from tui_router.core.migrations import StoreError, migrate
from tui_router.core.paths import ensure_dir, get_paths
from tui_router.core.store_rows import (
    CALL_COLUMNS,
    DECISION_COLUMNS,
    SESSION_COLUMNS,
    CallRow,
    DecisionRow,
    MessageRow,
    SessionRow,
    SessionTotals,
    call_row_from_db,
    decision_row_from_db,
    message_row_from_db,
    money_text,
    new_session_id,
    now_iso,
    session_totals,
    strategies_used,
)

__all__ = [
    "CallRow",
    "DecisionRow",
    "MessageRow",
    "SessionRow",
    "SessionTotals",
    "Store",
    "StoreError",
    "UnknownSessionError",
    "new_session_id",
    "now_iso",
    "strategies_used",
]

PURPOSES = (
    "chat", "cascade", "judge", "background", "retry", "agent", "subagent", "title", "compact",
)  # fmt: skip
STATUSES = ("ok", "error", "cancelled")
OUTCOMES = ("shown", "accepted", "rejected", "auto-applied", "silent")


class UnknownSessionError(StoreError):
    """No recorded session has the id (or id prefix) the user gave."""


class Store:
    """A connection to the history database; use as a context manager or call `close`."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else get_paths().database
        try:
            ensure_dir(self.path.parent)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the history database ({exc})") from None
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=FULL")
            migrate(self._db, str(self.path))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the history database ({exc})") from None
        self._lock = threading.RLock()
        self._restrict_permissions()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _restrict_permissions(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{self.path}{suffix}")
            if candidate.exists():
                with contextlib.suppress(OSError):  # not ours (a shared home): leave it
                    candidate.chmod(0o600)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction for tables other modules own (the agent's checkpoints)."""
        return self._transaction()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read (for tables other modules own)."""
        with self._lock:
            return list(self._db.execute(sql, tuple(params)).fetchall())

    # -- sessions ----------------------------------------------------------------------------

    def create_session(
        self,
        *,
        start_model: str | None = None,
        mode: str | None = None,
        strategy: str | None = None,
        frontier_model: str | None = None,
        title: str | None = None,
        session_id: str | None = None,
        project: str | None = None,
    ) -> str:
        """A new session row; ``project`` is the workspace folder's name (`stats --by project`)."""
        session_id = session_id or new_session_id()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, started_at, title, start_model, mode, strategy,"
                " frontier_model, project) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    now_iso(),
                    title,
                    start_model,
                    mode,
                    strategy,
                    frontier_model,
                    project,
                ),
            )
        self._restrict_permissions()
        return session_id

    def end_session(self, session_id: str) -> None:
        self._set_session_column(session_id, "ended_at", now_iso())

    def set_title(self, session_id: str, title: str) -> None:
        self._set_session_column(session_id, "title", title)

    def set_mode(self, session_id: str, mode: str) -> None:
        """The routing mode in force now (ctrl+o, `/mode`): what `--resume` comes back to."""
        self._set_session_column(session_id, "mode", mode)

    def save_summary(self, session_id: str, summary: Mapping[str, Any]) -> None:
        text = json.dumps(summary, default=str, sort_keys=True)
        self._set_session_column(session_id, "summary_json", text)

    def _set_session_column(self, session_id: str, column: str, value: str) -> None:
        # ``column`` is always one of the literal names above, never user input.
        with self._transaction() as db:
            db.execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", (value, session_id))

    def record_strategy(self, session_id: str, strategy: str) -> str:
        """The session routes with ``strategy`` from now on (`/strategy` in the app).

        The row keeps every strategy the session used, in order ("learned,cascade";
        `strategies_used` splits it): its costs came from all of them, so a report names them
        all. The last one is in force (--resume restores it). Returns the stored text.
        """
        if not strategy or "," in strategy:
            raise ValueError(f"not a strategy name: {strategy!r}")
        with self._transaction() as db:
            row = db.execute("SELECT strategy FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise UnknownSessionError(f"no session {session_id!r} in {self.path}")
            used = strategies_used(row[0])
            if used[-1:] != [strategy]:  # a switch to the strategy in force changes nothing
                used.append(strategy)
                db.execute(
                    "UPDATE sessions SET strategy = ? WHERE id = ?", (",".join(used), session_id)
                )
        return ",".join(used)

    def get_session(self, session_id: str) -> SessionRow | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return SessionRow(*row) if row else None

    def resolve_session_id(self, id_or_prefix: str) -> str:
        """The full id of the one session whose id is, or starts with, ``id_or_prefix``."""
        wanted = id_or_prefix.strip().upper()
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM sessions WHERE upper(id) = ? OR upper(id) LIKE ? ESCAPE '\\'"
                " ORDER BY started_at DESC LIMIT 3",
                (wanted, _like_prefix(wanted)),
            ).fetchall()
        exact = [r[0] for r in rows if r[0].upper() == wanted]
        if exact:
            return str(exact[0])
        if not rows or not wanted:
            raise UnknownSessionError(
                f"no session {id_or_prefix!r} in {self.path}; `tui-router sessions` lists them"
            )
        if len(rows) > 1:
            raise UnknownSessionError(
                f"session id {id_or_prefix!r} is ambiguous (matches {rows[0][0]}, {rows[1][0]}, "
                "...); give more characters"
            )
        return str(rows[0][0])

    def last_session_id(self) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def list_sessions(self, limit: int | None = 20) -> list[SessionTotals]:
        """Most recent first, each with its call count, models, cost and baseline."""
        with self._lock:
            sessions = [
                SessionRow(*row)
                for row in self._db.execute(
                    f"SELECT {SESSION_COLUMNS} FROM sessions"
                    " ORDER BY started_at DESC, id DESC LIMIT ?",
                    (-1 if limit is None else limit,),
                )
            ]
            per_session: dict[str, list[tuple[str, str | None, str | None]]] = {}
            for session in sessions:
                per_session[session.id] = self._db.execute(
                    "SELECT model, cost_usd, baseline_cost_usd FROM calls"
                    " WHERE session_id = ? ORDER BY id",
                    (session.id,),
                ).fetchall()
        return [session_totals(session, per_session[session.id]) for session in sessions]

    # -- calls and messages ------------------------------------------------------------------

    def record_call(
        self,
        call: CallRow,
        *,
        text: str | None = None,
        prompt: str | None = None,
        tool_calls: Sequence[ToolCall] = (),
    ) -> int:
        """Write a finished (or failed, or cancelled) call and its messages in one transaction.

        ``text`` is the assistant's answer, partial if the call did not finish; the message is
        stored when it has text or ``tool_calls`` (an agent step). ``prompt`` is the user message
        of the turn, stored if this turn has none yet (a cascade or a retry reuses the turn's
        prompt). One transaction, so one sync to disk per call. Returns the call id.
        """
        if call.purpose not in PURPOSES:
            raise ValueError(f"unknown call purpose {call.purpose!r}")
        if call.status not in STATUSES:
            raise ValueError(f"unknown call status {call.status!r}")
        usage = call.usage
        with self._transaction() as db:
            if (
                prompt is not None
                and not db.execute(
                    "SELECT 1 FROM messages WHERE session_id = ? AND turn = ? AND role = 'user'",
                    (call.session_id, call.turn),
                ).fetchone()
            ):
                self._insert_message(db, call.session_id, "user", prompt, call.turn, None, None)
            cursor = db.execute(
                "INSERT INTO calls (session_id, turn, model, endpoint, price_provider, tier,"
                " purpose, input_tokens, cache_read_tokens, cache_write_tokens,"
                " cache_write_1h_tokens, output_tokens, reasoning_tokens, estimated, cost_usd,"
                " price_source, baseline_model, baseline_cost_usd, duration_ms, status, error,"
                " started_at, stop_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.session_id,
                    call.turn,
                    call.model,
                    call.endpoint,
                    call.price_provider,
                    call.tier,
                    call.purpose,
                    usage.input_tokens,
                    usage.cache_read_tokens,
                    usage.cache_write_tokens,
                    usage.cache_write_1h_tokens,
                    usage.output_tokens,
                    usage.reasoning_tokens,
                    int(usage.estimated),
                    money_text(call.cost_usd),
                    call.price_source,
                    call.baseline_model,
                    money_text(call.baseline_cost_usd),
                    call.duration_ms,
                    call.status,
                    call.error,
                    call.started_at,
                    call.stop_reason,
                ),
            )
            call_id = int(cursor.lastrowid or 0)
            if text or tool_calls:
                self._insert_message(
                    db,
                    call.session_id,
                    "assistant",
                    text or "",
                    call.turn,
                    call.model,
                    call_id,
                    tool_calls=tool_calls,
                )
        return call_id

    def add_tool_results(
        self, session_id: str, turn: int, results: Sequence[tuple[str, str, bool]]
    ) -> None:
        """Store a step's tool results, (tool_call_id, content, is_error) each, in one
        transaction: one sync to disk per agent step, not one per tool call."""
        if not results:
            return
        with self._transaction() as db:
            for call_id, content, is_error in results:
                self._insert_message(
                    db,
                    session_id,
                    "tool",
                    content,
                    turn,
                    None,
                    None,
                    tool_call_id=call_id,
                    is_error=is_error,
                )

    def add_message(
        self,
        session_id: str,
        role: str,
        content: str,
        *,
        turn: int | None = None,
        model: str | None = None,
        call_id: int | None = None,
        tool_calls: Sequence[ToolCall] = (),
        tool_call_id: str | None = None,
        is_error: bool = False,
    ) -> int:
        """Append a message; returns its seq.

        A system prompt or a note belongs to no call. An agent turn stores the assistant's
        ``tool_calls`` (as JSON) and each result as a ``"tool"`` message naming its
        ``tool_call_id`` (``is_error``: the model was told the call failed).
        """
        with self._transaction() as db:
            return self._insert_message(
                db,
                session_id,
                role,
                content,
                turn,
                model,
                call_id,
                tool_calls=tool_calls,
                tool_call_id=tool_call_id,
                is_error=is_error,
            )

    @staticmethod
    def _insert_message(
        db: sqlite3.Connection,
        session_id: str,
        role: str,
        content: str,
        turn: int | None,
        model: str | None,
        call_id: int | None,
        *,
        tool_calls: Sequence[ToolCall] = (),
        tool_call_id: str | None = None,
        is_error: bool = False,
    ) -> int:
        (seq,) = db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?", (session_id,)
        ).fetchone()
        calls_json = (
            json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in tool_calls])
            if tool_calls
            else None
        )
        db.execute(
            "INSERT INTO messages (session_id, seq, turn, role, content, model, created_at,"
            " call_id, tool_calls_json, tool_call_id, is_error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                seq,
                turn,
                role,
                content,
                model,
                now_iso(),
                call_id,
                calls_json,
                tool_call_id,
                int(is_error),
            ),
        )
        return int(seq)

    def session_messages(self, session_id: str) -> list[MessageRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, role, content, turn, model, created_at, call_id, tool_calls_json,"
                " tool_call_id, is_error FROM messages WHERE session_id = ? ORDER BY seq",
                (session_id,),
            ).fetchall()
        return [message_row_from_db(row) for row in rows]

    def spent_since(self, started_at: str) -> Decimal:
        """What every session spent on calls started at or after ``started_at`` (UTC ISO),
        known prices only: the daily and monthly budgets count across processes from here."""
        with self._lock:
            rows = self._db.execute(
                "SELECT cost_usd FROM calls WHERE started_at >= ? AND cost_usd IS NOT NULL",
                (started_at,),
            ).fetchall()
        return sum((Decimal(row[0]) for row in rows), Decimal(0))

    def session_calls(self, session_id: str) -> list[CallRow]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {CALL_COLUMNS} FROM calls WHERE session_id = ? ORDER BY id",
                (session_id,),
            ).fetchall()
        return [call_row_from_db(row) for row in rows]

    # -- routing decisions -------------------------------------------------------------------

    def record_decision(self, decision: DecisionRow) -> int:
        if decision.outcome not in OUTCOMES:
            raise ValueError(f"unknown decision outcome {decision.outcome!r}")
        d = decision
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO decisions (session_id, turn, strategy, suggested_model,"
                " suggested_tier, current_model, current_tier, reason, rule, score, confidence,"
                " est_cost_usd, est_baseline_usd, lost_cache_usd, outcome, created_at,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    d.session_id,
                    d.turn,
                    d.strategy,
                    d.suggested_model,
                    d.suggested_tier,
                    d.current_model,
                    d.current_tier,
                    d.reason,
                    d.rule,
                    d.score,
                    d.confidence,
                    money_text(d.est_cost_usd),
                    money_text(d.est_baseline_usd),
                    money_text(d.lost_cache_usd),
                    d.outcome,
                    d.created_at,
                    d.answered_at,
                ),
            )
            return int(cursor.lastrowid or 0)

    def update_decision(self, decision_id: int, outcome: str) -> None:
        """Record the user's answer (accepted / rejected) or that auto mode applied it."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown decision outcome {outcome!r}")
        with self._transaction() as db:
            db.execute(
                "UPDATE decisions SET outcome = ?, answered_at = ? WHERE id = ?",
                (outcome, now_iso(), decision_id),
            )

    def session_decisions(self, session_id: str) -> list[DecisionRow]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {DECISION_COLUMNS} FROM decisions WHERE session_id = ? ORDER BY id",
                (session_id,),
            ).fetchall()
        return [decision_row_from_db(row) for row in rows]


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
