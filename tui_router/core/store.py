"""The history store: one SQLite file in the data dir with sessions, messages, calls, decisions.

WAL journal, foreign keys on, schema through named append-only migrations (`migrations`). A call
and its messages are written in one transaction when the call ends (also when it failed or was
cancelled), so a completed turn is on disk before the next starts. Tokens and the price used are
stored as they were; history is never re-priced. Money is a decimal string (NULL = unknown).
The file and its WAL are owner-only (0600), the folder 0700. No API key is ever written here.
A call the database will not take (a lock held past the store's patience, a full disk) is kept in
the journal beside it (`journal`) and replayed on the next open; reading commands open a store they
cannot write read-only (``read_only=True``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, replace
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from tui_router.core.conversation import ToolCall
from tui_router.core.journal import Journal, journal_path
from tui_router.core.migrations import MIGRATIONS, StoreError, applied_migrations, migrate
from tui_router.core.paths import ensure_dir, get_paths
from tui_router.core.redact import key_values, redact_values
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
from tui_router.core.usage import Usage

__all__ = [
    "ANSWER_PURPOSES",
    "MESSAGE_KINDS",
    "CallRow",
    "DecisionRow",
    "MessageRow",
    "SessionRow",
    "SessionTotals",
    "Store",
    "StoreError",
    "StoreWriteDeferred",
    "StoreWriteError",
    "UnknownSessionError",
    "new_session_id",
    "now_iso",
    "strategies_used",
]

#: the sessions that made a call (`/new`, or a start left without a prompt, leave one that did
#: not: nothing to list or report)
_MADE_A_CALL = " WHERE EXISTS (SELECT 1 FROM calls c WHERE c.session_id = sessions.id)"

PURPOSES = (
    "chat", "cascade", "judge", "background", "retry", "agent", "subagent", "title", "compact",
)  # fmt: skip
#: the purposes of the calls that answer the user's prompt (an agent turn's steps are "agent",
#: a "retry stronger" turn's "retry"; the others work for the app: cascade judges, subtasks,
#: titles, compaction)
ANSWER_PURPOSES = ("chat", "cascade", "retry", "agent")
STATUSES = ("ok", "error", "cancelled")
#: what a message is besides its role (``messages.kind``; None: the conversation as typed and
#: answered): ``summary``, the user message `/compact` put in place of the history before it
#: and the reply after it (the history sent to models restarts there, `stored_history`);
#: ``attempt``, the prompt a later attempt of a turn was sent instead of the turn's own;
#: ``diff`` (a system row after an edit's result), the diff the chat showed under its line;
#: ``always`` (a system row, JSON), the session's "always" answers after one more was given;
#: ``note`` (a system row, JSON), a line the chat showed between the messages
MESSAGE_KINDS = ("summary", "attempt", "diff", "always", "note")
#: the most characters of an edit's diff kept for the chat (a whole new file is one diff): the
#: line shows the first 40 lines when folded open
DIFF_CHARS = 100_000
OUTCOMES = ("shown", "accepted", "rejected", "auto-applied", "silent")
#: how long one write waits for another process's lock (SQLite's busy handler)
BUSY_TIMEOUT_S = 10.0
#: after a write that still found the database locked: pause, then try again (each retry waits
#: at most `RETRY_BUSY_TIMEOUT_S` for the lock); then the record goes to the journal
WRITE_RETRY_DELAYS_S = (0.25, 0.5, 1.0)
RETRY_BUSY_TIMEOUT_S = 1.0
#: what SQLite says when the file, not the SQL, is the problem (the write may be deferred)
_STORAGE_PROBLEMS = (
    "locked", "busy", "full", "readonly", "read-only", "disk i/o", "unable to open", "malformed",
    "not a database",
)  # fmt: skip
_WHERE_TO_LOOK = "check the folder's permissions and free space, or set TUI_ROUTER_HOME elsewhere"


class UnknownSessionError(StoreError):
    """No recorded session has the id (or id prefix) the user gave."""


class StoreWriteError(StoreError):
    """The database would not take a write: locked by another process past the busy timeout,
    a full disk, a read-only file. ``busy`` says whether waiting longer could help."""

    def __init__(self, message: str, *, busy: bool) -> None:
        super().__init__(message)
        self.busy = busy


class StoreWriteDeferred(UserWarning):
    """A record the database did not take is kept in the journal (replayed on the next open),
    or, if even that failed, only in this process's ledger. ``str()`` is the one line to show."""


class _Unwritable(StoreError):
    """Opening for writing failed for a reason a read-only open may get around."""


class Store:
    """A connection to the history database; use as a context manager or call `close`."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        read_only: bool = False,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
        key_env: Collection[str] = (),
    ) -> None:
        """Open (creating and migrating) the database; ``read_only`` (the reading commands):
        when it cannot be written, open it ``mode=ro`` instead of failing. ``key_env``: more
        variables that hold keys than the usual names (the config's endpoints' ``api_key_env``),
        whose values never reach the store either."""
        self.path = Path(path) if path is not None else get_paths().database
        self.busy_timeout_s = busy_timeout_s
        self.retry_delays_s: tuple[float, ...] = WRITE_RETRY_DELAYS_S
        self.journal = Journal(journal_path(self.path))
        #: every write deferred to the journal by this process, in order
        self.deferred: list[StoreWriteDeferred] = []
        #: told of each deferred write (``ask`` prints it on stderr)
        self.on_deferred: Callable[[StoreWriteDeferred], None] | None = None
        self.read_only = False
        #: the API keys of this process's environment: blanked out of every text stored (a key
        #: pasted into a prompt, echoed in a command's input, put in a title)
        self.secrets = key_values(os.environ, {name.upper() for name in key_env})
        self._lock = threading.RLock()
        try:
            self._db = self._open_for_writing()
        except _Unwritable as problem:
            if not read_only:
                raise StoreError(str(problem)) from None
            self._db = self._open_read_only(problem)
            self.read_only = True
            return
        self._restrict_permissions()
        self.replay_journal()

    def _open_for_writing(self) -> sqlite3.Connection:
        try:
            ensure_dir(self.path.parent)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise _Unwritable(
                f"{self.path}: cannot create the history database ({exc.strerror or exc}); "
                f"{_WHERE_TO_LOOK}"
            ) from None
        try:
            db = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self.busy_timeout_s,
            )
        except sqlite3.DatabaseError as exc:
            raise _Unwritable(self._open_problem(exc)) from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=FULL")
            migrate(db, str(self.path))
        except sqlite3.DatabaseError as exc:
            db.close()
            message = self._open_problem(exc)
            if _is_storage_problem(exc) and "malformed" not in str(exc):
                raise _Unwritable(message) from None
            raise StoreError(message) from None
        except BaseException:
            db.close()
            raise
        return db

    def _open_problem(self, exc: sqlite3.Error) -> str:
        if _is_busy(exc):
            return (
                f"{self.path}: the history database is locked by another process (waited "
                f"{self.busy_timeout_s:g} s); try again when it has finished"
            )
        if _is_storage_problem(exc) and "not a database" not in str(exc):
            return f"{self.path}: cannot open the history database ({exc}); {_WHERE_TO_LOOK}"
        return f"{self.path}: cannot open the history database ({exc})"

    def _open_read_only(self, problem: StoreError) -> sqlite3.Connection:
        """The database as it is, read-only: ``mode=ro``, then ``immutable=1`` (a folder where
        not even SQLite's shared-memory file can be made)."""
        if not self.path.is_file():
            raise StoreError(str(problem)) from None
        failure: sqlite3.Error | None = None
        for query in ("mode=ro", "immutable=1"):
            try:
                db = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?{query}",
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=self.busy_timeout_s,
                )
            except sqlite3.Error as exc:
                failure = exc
                continue
            try:
                applied = set(applied_migrations(db))
            except sqlite3.Error as exc:
                db.close()
                failure = exc
                continue
            missing = [m.__name__ for m in MIGRATIONS if m.__name__ not in applied]
            if missing:
                db.close()
                raise StoreError(
                    f"{problem}; it can only be read, and it needs an upgrade "
                    f"({missing[0]}) that must write: run tui-router once with write access"
                ) from None
            return db
        raise StoreError(
            f"{self.path}: cannot read the history database ({failure}); {_WHERE_TO_LOOK}"
        ) from None

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
            if self.read_only:
                raise StoreWriteError(
                    f"{self.path}: the history database was opened read-only", busy=False
                )
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:  # a failed COMMIT (a full disk) leaves it open
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError) and _is_storage_problem(exc):
                    raise self._write_error(exc) from None
                raise

    def _write_error(self, exc: sqlite3.Error) -> StoreWriteError:
        if _is_busy(exc):
            return StoreWriteError(
                f"{self.path}: the history database is locked by another process",
                busy=True,
            )
        if not _is_storage_problem(exc):
            raise exc
        return StoreWriteError(
            f"{self.path}: cannot write the history database ({exc})", busy=False
        )

    def _write_with_retries(self, write: Callable[[sqlite3.Connection], Any]) -> Any:
        """``write`` in one transaction; a busy database is tried again after a pause."""
        delays = iter(self.retry_delays_s)
        shortened = False
        try:
            while True:
                try:
                    with self._transaction() as db:
                        return write(db)
                except StoreWriteError as exc:
                    delay = next(delays, None) if exc.busy else None
                    if delay is None:
                        raise
                time.sleep(delay)
                if not shortened:
                    shortened = True
                    wait_ms = int(min(self.busy_timeout_s, RETRY_BUSY_TIMEOUT_S) * 1000)
                    self._db.execute(f"PRAGMA busy_timeout = {wait_ms}")
        finally:
            if shortened:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")

    def _defer(self, record: dict[str, Any], problem: StoreWriteError, what: str) -> None:
        """Keep ``record`` in the journal and tell the caller (one line)."""
        try:
            self.journal.append(record)
        except OSError as exc:
            warning = StoreWriteDeferred(
                f"{problem}; {what} could not be kept in {self.journal.path} either "
                f"({exc.strerror or exc}): it counts in this session's totals only"
            )
        else:
            waited = " after retrying" if problem.busy else ""
            warning = StoreWriteDeferred(
                f"{problem}{waited}; {what} is kept in {self.journal.path} and added to the "
                "history the next time tui-router opens it"
            )
        self.deferred.append(warning)
        if self.on_deferred is not None:
            self.on_deferred(warning)

    def replay_journal(self) -> int:
        """Write the journal's records into the database (idempotent: a record already there is
        skipped); those that still cannot be written stay. Returns how many were applied."""
        if self.read_only or not self.journal.pending():
            return 0
        try:
            return self.journal.replay(self._apply_journal)
        except (OSError, StoreWriteError):
            return 0  # still unwritable: the records stay for the next open

    def _apply_journal(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept: list[dict[str, Any]] = []
        with self._transaction() as db:
            for record in records:
                db.execute("SAVEPOINT journal_record")
                try:
                    _replay_record(self, db, record)
                except (sqlite3.IntegrityError, KeyError, TypeError, ValueError):
                    db.execute("ROLLBACK TO journal_record")
                    kept.append(record)  # e.g. its session is not in this database
                db.execute("RELEASE journal_record")
        return kept

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
        workspace: str | None = None,
    ) -> str:
        """A new session row; ``project`` is the workspace folder's name (`stats --by project`),
        ``workspace`` its absolute path (where `--resume` works again)."""
        session_id = session_id or new_session_id()
        title = self.redact(title)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, started_at, title, start_model, mode, strategy,"
                " frontier_model, project, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    now_iso(),
                    title,
                    start_model,
                    mode,
                    strategy,
                    frontier_model,
                    project,
                    workspace,
                ),
            )
        self._restrict_permissions()
        return session_id

    def end_session(self, session_id: str) -> None:
        """Mark the session ended; a database that will not take it gets it from the journal."""
        ended_at = now_iso()
        try:
            self._write_with_retries(
                lambda db: db.execute(
                    "UPDATE sessions SET ended_at = ? WHERE id = ?", (ended_at, session_id)
                )
            )
        except StoreWriteError as problem:
            record = {"kind": "end_session", "session_id": session_id, "ended_at": ended_at}
            self._defer(record, problem, "the session's end")

    def set_title(self, session_id: str, title: str) -> None:
        self._set_session_column(session_id, "title", self.redact(title) or "")

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

    def last_session_id(self, *, with_calls: bool = False) -> str | None:
        """The newest session; with ``with_calls``, the newest that made a call (the one
        `/new` or a start without a prompt left empty has nothing to report)."""
        with self._lock:
            row = self._db.execute(
                f"SELECT id FROM sessions{_MADE_A_CALL if with_calls else ''}"
                " ORDER BY started_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def list_sessions(
        self, limit: int | None = 20, *, with_calls: bool = False
    ) -> list[SessionTotals]:
        """Most recent first, each with its call count, models, cost and baseline; with
        ``with_calls``, only the sessions that made a call (``limit`` counts those)."""
        with self._lock:
            sessions = [
                SessionRow(*row)
                for row in self._db.execute(
                    f"SELECT {SESSION_COLUMNS} FROM sessions{_MADE_A_CALL if with_calls else ''}"
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
        the call answers, stored if this turn has none yet; a retry of the turn that was sent
        another prompt (a cascade's escalation) stores that one too, as kind ``attempt``. One
        transaction, so one sync to disk per call. Returns the call id.
        """
        if call.purpose not in PURPOSES:
            raise ValueError(f"unknown call purpose {call.purpose!r}")
        if call.status not in STATUSES:
            raise ValueError(f"unknown call status {call.status!r}")
        if self.secrets:
            text, prompt = self.redact(text), self.redact(prompt)
            tool_calls = self._redact_calls(tool_calls)
            call = replace(call, error=self.redact(call.error))
        if self.deferred:  # this process deferred a write: keep the history in order if we can
            self.replay_journal()
        try:
            return int(
                self._write_with_retries(
                    lambda db: self._insert_call(db, call, text, prompt, tool_calls)
                )
            )
        except StoreWriteError as problem:
            record = {
                "kind": "call",
                "call": _call_json(call),
                "text": text,
                "prompt": prompt,
                "tool_calls": _tool_calls_json(tool_calls),
            }
            self._defer(record, problem, f"the {call.model} call ({call.status})")
            return 0

    def _insert_call(
        self,
        db: sqlite3.Connection,
        call: CallRow,
        text: str | None,
        prompt: str | None,
        tool_calls: Sequence[ToolCall],
    ) -> int:
        usage = call.usage
        if prompt is not None:
            latest = db.execute(
                "SELECT content FROM messages WHERE session_id = ? AND turn = ? AND role = 'user'"
                " ORDER BY seq DESC LIMIT 1",
                (call.session_id, call.turn),
            ).fetchone()
            if latest is None:  # the turn's first call: the prompt as it was typed
                self._insert_message(db, call.session_id, "user", prompt, call.turn, None, None)
            elif latest[0] != prompt:
                # a later attempt sent in its place (a cascade's escalation carries the failed
                # attempt's diff): the history a resume rebuilds must hold what was sent
                self._insert_message(
                    db, call.session_id, "user", prompt, call.turn, None, None, kind="attempt"
                )
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
        self,
        session_id: str,
        turn: int,
        results: Sequence[tuple[str, str, bool]],
        diffs: Mapping[str, str] | None = None,
    ) -> None:
        """Store a step's tool results, (tool_call_id, content, is_error) each, in one
        transaction: one sync to disk per agent step, not one per tool call. ``diffs``: what
        the chat showed under an edit's line, by call id (the model read only a summary of it),
        each kept after its result (kind ``diff``, capped at `DIFF_CHARS`) for `--resume`."""
        if not results:
            return
        results = [(call_id, self.redact(text) or "", error) for call_id, text, error in results]
        diffs = {
            call_id: self.redact(_capped(diff)) or "" for call_id, diff in (diffs or {}).items()
        }

        def write(db: sqlite3.Connection) -> None:
            self._insert_tool_results(db, session_id, turn, results, diffs)

        try:
            self._write_with_retries(write)
        except StoreWriteError as problem:
            record = {
                "kind": "tool_results",
                "session_id": session_id,
                "turn": turn,
                "results": [list(result) for result in results],
                "diffs": diffs,
            }
            self._defer(record, problem, "the step's tool results")

    def _insert_tool_results(
        self,
        db: sqlite3.Connection,
        session_id: str,
        turn: int,
        results: Sequence[tuple[str, str, bool]],
        diffs: Mapping[str, str],
    ) -> None:
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
            if call_id in diffs:  # for the chat only: no model reads a system row
                self._insert_message(
                    db,
                    session_id,
                    "system",
                    diffs[call_id],
                    turn,
                    None,
                    None,
                    tool_call_id=call_id,
                    kind="diff",
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
        kind: str | None = None,
    ) -> int:
        """Append a message; returns its seq.

        A system prompt or a note belongs to no call. An agent turn stores the assistant's
        ``tool_calls`` (as JSON) and each result as a ``"tool"`` message naming its
        ``tool_call_id`` (``is_error``: the model was told the call failed). ``kind``: one of
        `MESSAGE_KINDS`, or None for the conversation as typed and answered.
        """
        _check_kind(kind)
        with self._transaction() as db:
            return self._insert_message(
                db,
                session_id,
                role,
                self.redact(content) or "",
                turn,
                model,
                call_id,
                tool_calls=self._redact_calls(tool_calls),
                tool_call_id=tool_call_id,
                is_error=is_error,
                kind=kind,
            )

    def add_messages(self, session_id: str, messages: Sequence[MessageRow]) -> None:
        """Append ``messages`` in one transaction, in order (their ``seq`` and ``created_at``
        are the store's to set): what the session did to its history or its chat besides a
        call, such as `/compact`'s summary. A database that will not take them gets them from
        the journal on its next open, so the history a resume rebuilds still has them."""
        if not messages:
            return
        for message in messages:
            _check_kind(message.kind)
        created_at = now_iso()
        rows = [
            replace(
                m,
                content=self.redact(m.content) or "",
                tool_calls=tuple(self._redact_calls(m.tool_calls)),
                created_at=created_at,
            )
            for m in messages
        ]
        try:
            self._write_with_retries(lambda db: self._insert_rows(db, session_id, rows))
        except StoreWriteError as problem:
            record = {
                "kind": "messages",
                "session_id": session_id,
                "messages": [_message_json(row) for row in rows],
            }
            self._defer(record, problem, "the session's messages")

    def _insert_rows(
        self, db: sqlite3.Connection, session_id: str, rows: Sequence[MessageRow]
    ) -> None:
        for row in rows:
            self._insert_message(
                db,
                session_id,
                row.role,
                row.content,
                row.turn,
                row.model,
                row.call_id,
                tool_calls=row.tool_calls,
                tool_call_id=row.tool_call_id,
                is_error=row.is_error,
                kind=row.kind,
                created_at=row.created_at or None,
            )

    def redact(self, text: str | None) -> str | None:
        """``text`` without this process's API keys (see `secrets`)."""
        return text if text is None or not self.secrets else redact_values(text, self.secrets)

    def _redact_calls(self, calls: Sequence[ToolCall]) -> Sequence[ToolCall]:
        if not self.secrets or not calls:
            return calls
        # a key is letters, digits, - and _: the same characters in the JSON of the input
        return [
            replace(c, arguments=json.loads(self.redact(json.dumps(c.arguments)) or "{}"))
            for c in calls
        ]

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
        kind: str | None = None,
        created_at: str | None = None,
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
            " call_id, tool_calls_json, tool_call_id, is_error, kind)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                seq,
                turn,
                role,
                content,
                model,
                created_at or now_iso(),
                call_id,
                calls_json,
                tool_call_id,
                int(is_error),
                kind,
            ),
        )
        return int(seq)

    def session_messages(self, session_id: str) -> list[MessageRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, role, content, turn, model, created_at, call_id, tool_calls_json,"
                " tool_call_id, is_error, kind FROM messages WHERE session_id = ? ORDER BY seq",
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


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _is_storage_problem(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(problem in text for problem in _STORAGE_PROBLEMS)


def _call_json(call: CallRow) -> dict[str, Any]:
    data = asdict(call)
    for key in ("cost_usd", "baseline_cost_usd"):
        data[key] = money_text(data[key])
    return data


def _tool_calls_json(tool_calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in tool_calls]


def _capped(diff: str) -> str:
    if len(diff) <= DIFF_CHARS:
        return diff
    kept = diff[:DIFF_CHARS].rsplit("\n", 1)[0]
    return f"{kept}\n[… {len(diff) - len(kept):,} more characters of the diff not kept]"


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}")


def _message_json(row: MessageRow) -> dict[str, Any]:
    data = asdict(row)
    data["tool_calls"] = _tool_calls_json(row.tool_calls)
    return data


def _message_from_json(data: Mapping[str, Any]) -> MessageRow:
    calls = tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in data["tool_calls"])
    return MessageRow(**{**data, "tool_calls": calls})


def _replay_record(store: Store, db: sqlite3.Connection, record: Mapping[str, Any]) -> None:
    """Write one journal record unless it is already in the database (a replay that committed
    but crashed before the journal was emptied)."""
    kind = record["kind"]
    if kind == "call":
        data = dict(record["call"])
        usage = Usage(**data.pop("usage"))
        call = CallRow(
            **{
                **data,
                "usage": usage,
                "cost_usd": _decimal(data["cost_usd"]),
                "baseline_cost_usd": _decimal(data["baseline_cost_usd"]),
            }
        )
        if db.execute(
            "SELECT 1 FROM calls WHERE session_id = ? AND turn = ? AND model = ? AND purpose = ?"
            " AND started_at = ? AND duration_ms = ?",
            (
                call.session_id,
                call.turn,
                call.model,
                call.purpose,
                call.started_at,
                call.duration_ms,
            ),
        ).fetchone():
            return
        tool_calls = [ToolCall(c["id"], c["name"], c["arguments"]) for c in record["tool_calls"]]
        store._insert_call(db, call, record["text"], record["prompt"], tool_calls)
    elif kind == "tool_results":
        results = [(str(r[0]), str(r[1]), bool(r[2])) for r in record["results"]]
        if (
            results
            and db.execute(
                "SELECT 1 FROM messages WHERE session_id = ? AND role = 'tool'"
                " AND tool_call_id = ?",
                (record["session_id"], results[0][0]),
            ).fetchone()
        ):
            return
        diffs = {str(k): str(v) for k, v in (record.get("diffs") or {}).items()}
        store._insert_tool_results(db, record["session_id"], int(record["turn"]), results, diffs)
    elif kind == "messages":
        rows = [_message_from_json(m) for m in record["messages"]]
        if (
            not rows
            or db.execute(
                "SELECT 1 FROM messages WHERE session_id = ? AND created_at = ? AND role = ?"
                " AND content = ?",
                (record["session_id"], rows[0].created_at, rows[0].role, rows[0].content),
            ).fetchone()
        ):
            return
        store._insert_rows(db, record["session_id"], rows)
    elif kind == "end_session":
        db.execute(
            "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            (record["ended_at"], record["session_id"]),
        )
    else:
        raise ValueError(f"unknown journal record {kind!r}")


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
