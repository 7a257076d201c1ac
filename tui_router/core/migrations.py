"""The store's schema, as named, append-only migrations.

Each migration is a function ``mNNN_what(db)`` listed in `MIGRATIONS` in order; the name of every
applied one is recorded in ``schema_migrations``. An applied migration is never edited: a change to
the schema is a new function at the end of the list. A database that records a migration this
version does not know was written by a newer tui-router; it is refused with a clear message rather
than opened, because older code could break the newer schema's assumptions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from tui_router.core.errors import UserFacingError

Migration = Callable[[sqlite3.Connection], None]


class StoreError(UserFacingError):
    """The history database cannot be used; the message names the file and what to do."""


def m001_initial(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            title TEXT,
            start_model TEXT,
            mode TEXT,
            strategy TEXT,
            frontier_model TEXT,
            summary_json TEXT
        );
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            model TEXT NOT NULL,
            endpoint TEXT,
            price_provider TEXT,
            tier TEXT,
            purpose TEXT NOT NULL
                CHECK (purpose IN ('chat', 'cascade', 'judge', 'background', 'retry')),
            input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            estimated INTEGER NOT NULL DEFAULT 0,
            cost_usd TEXT,
            price_source TEXT NOT NULL,
            baseline_model TEXT,
            baseline_cost_usd TEXT,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
            error TEXT,
            started_at TEXT NOT NULL
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            turn INTEGER,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL,
            model TEXT,
            created_at TEXT NOT NULL,
            call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL,
            UNIQUE (session_id, seq)
        );
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            strategy TEXT NOT NULL,
            suggested_model TEXT,
            suggested_tier TEXT,
            current_model TEXT,
            current_tier TEXT,
            reason TEXT,
            rule TEXT,
            score REAL,
            confidence REAL,
            est_cost_usd TEXT,
            est_baseline_usd TEXT,
            lost_cache_usd TEXT,
            outcome TEXT NOT NULL DEFAULT 'shown'
                CHECK (outcome IN ('shown', 'accepted', 'rejected', 'auto-applied', 'silent')),
            created_at TEXT NOT NULL,
            answered_at TEXT
        );
        """,
    )


def m002_stop_reason_and_indexes(db: sqlite3.Connection) -> None:
    """Keep the provider's stop reason (gates read "max_tokens"); index per-session reads."""
    run_script(
        db,
        """
        ALTER TABLE calls ADD COLUMN stop_reason TEXT;
        CREATE INDEX calls_by_session ON calls (session_id, turn);
        CREATE INDEX messages_by_session ON messages (session_id, seq);
        CREATE INDEX decisions_by_session ON decisions (session_id, turn);
        CREATE INDEX sessions_by_start ON sessions (started_at);
        """,
    )


def m003_agent(db: sqlite3.Connection) -> None:
    """The agent: more call purposes, tool messages, checkpoints of the files a turn changed.

    SQLite cannot change a CHECK constraint, so ``calls`` and ``messages`` are rebuilt: new
    tables under temporary names, every row copied with its id, the old tables dropped, the new
    ones renamed. The order matters with foreign keys on (they cannot be switched off inside
    this transaction): dropping a table that another table references would run its ON DELETE
    actions (``messages.call_id`` would become NULL), so the new messages table references the
    new calls table from the start, and the old ``calls`` is dropped only once nothing refers to
    it. Renaming ``calls_new`` to ``calls`` then rewrites that reference (SQLite >= 3.26).
    """
    (old_calls_seq,) = db.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'calls'"
    ).fetchone()
    (old_messages_seq,) = db.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'messages'"
    ).fetchone()
    run_script(
        db,
        """
        CREATE TABLE calls_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            model TEXT NOT NULL,
            endpoint TEXT,
            price_provider TEXT,
            tier TEXT,
            purpose TEXT NOT NULL
                CHECK (purpose IN ('chat', 'cascade', 'judge', 'background', 'retry', 'agent',
                                   'subagent', 'title', 'compact')),
            input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            estimated INTEGER NOT NULL DEFAULT 0,
            cost_usd TEXT,
            price_source TEXT NOT NULL,
            baseline_model TEXT,
            baseline_cost_usd TEXT,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
            error TEXT,
            started_at TEXT NOT NULL,
            stop_reason TEXT
        );
        INSERT INTO calls_new (id, session_id, turn, model, endpoint, price_provider, tier,
            purpose, input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
            output_tokens, reasoning_tokens, estimated, cost_usd, price_source, baseline_model,
            baseline_cost_usd, duration_ms, status, error, started_at, stop_reason)
        SELECT id, session_id, turn, model, endpoint, price_provider, tier,
            purpose, input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
            output_tokens, reasoning_tokens, estimated, cost_usd, price_source, baseline_model,
            baseline_cost_usd, duration_ms, status, error, started_at, stop_reason
        FROM calls;
        CREATE TABLE messages_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            turn INTEGER,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
            content TEXT NOT NULL,
            model TEXT,
            created_at TEXT NOT NULL,
            call_id INTEGER REFERENCES calls_new(id) ON DELETE SET NULL,
            tool_calls_json TEXT,
            tool_call_id TEXT,
            is_error INTEGER NOT NULL DEFAULT 0,
            UNIQUE (session_id, seq)
        );
        INSERT INTO messages_new (id, session_id, seq, turn, role, content, model, created_at,
            call_id)
        SELECT id, session_id, seq, turn, role, content, model, created_at, call_id
        FROM messages;
        DROP TABLE messages;
        DROP TABLE calls;
        ALTER TABLE calls_new RENAME TO calls;
        ALTER TABLE messages_new RENAME TO messages;
        CREATE INDEX calls_by_session ON calls (session_id, turn);
        CREATE INDEX messages_by_session ON messages (session_id, seq);
        CREATE TABLE checkpoints (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            workspace TEXT NOT NULL,
            created_at TEXT NOT NULL,
            restored_at TEXT
        );
        CREATE INDEX checkpoints_by_session ON checkpoints (session_id, id);
        CREATE TABLE checkpoint_files (
            checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            existed INTEGER NOT NULL,
            content BLOB,
            mode INTEGER,
            after_sha256 TEXT,
            PRIMARY KEY (checkpoint_id, path)
        );
        """,
    )
    # ids are never reused: the AUTOINCREMENT counters carry over (a dropped table loses its)
    for table, seq in (("calls", old_calls_seq), ("messages", old_messages_seq)):
        db.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (seq, table))
        db.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE ? > 0 AND NOT EXISTS"
            " (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
            (table, seq, seq, table),
        )
    problems = db.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise StoreError(f"m003_agent: foreign keys broken by the rebuild: {problems[:3]}")


def m004_session_project(db: sqlite3.Connection) -> None:
    """The workspace (project) a session ran in, for `stats --by project`; NULL before this."""
    run_script(db, "ALTER TABLE sessions ADD COLUMN project TEXT;")


def m005_session_workspace(db: sqlite3.Connection) -> None:
    """The workspace folder a session ran in (its absolute path), so `--resume` works there
    again; NULL before this (a session that changed files has it on its checkpoints)."""
    run_script(db, "ALTER TABLE sessions ADD COLUMN workspace TEXT;")


def m006_checkpoint_folders(db: sqlite3.Connection) -> None:
    """The folders a checkpoint's new file needed that did not exist before the turn (a JSON
    list, outermost first), so undo removes them again when they are empty; NULL: none, or
    saved before this."""
    run_script(db, "ALTER TABLE checkpoint_files ADD COLUMN made_folders TEXT;")


def m007_message_kinds(db: sqlite3.Connection) -> None:
    """What a message is besides its role (``messages.kind``), for `--resume`: NULL for the
    conversation as it was typed and answered (every row before this), else one of
    `store.MESSAGE_KINDS` (`/compact`'s summary, the prompt a retried attempt was sent instead
    of the turn's own, ...). No CHECK on it: a new kind must not cost a table rebuild (see
    m003_agent); `Store` writes only the kinds it knows."""
    run_script(db, "ALTER TABLE messages ADD COLUMN kind TEXT;")


MIGRATIONS: tuple[Migration, ...] = (
    m001_initial,
    m002_stop_reason_and_indexes,
    m003_agent,
    m004_session_project,
    m005_session_workspace,
    m006_checkpoint_folders,
    m007_message_kinds,
)


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in db.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def migrate(
    db: sqlite3.Connection,
    where: str,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names.

    Raises `StoreError` when the database records a migration this version does not know.
    """
    known = [m.__name__ for m in migrations]
    applied = applied_migrations(db)
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StoreError(
            f"{where}: this history database was written by a newer tui-router "
            f"(unknown migration {unknown[0]!r}); upgrade tui-router, or point TUI_ROUTER_HOME "
            "at another folder"
        )
    done: list[str] = []
    for migration in migrations:
        if migration.__name__ in applied:
            continue
        db.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
        try:
            if db.execute(
                "SELECT 1 FROM schema_migrations WHERE name = ?", (migration.__name__,)
            ).fetchone():
                db.execute("COMMIT")
                continue
            migration(db)
            db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (migration.__name__, datetime.now(UTC).isoformat()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        done.append(migration.__name__)
    return done


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Execute ``script`` statement by statement (``executescript`` would commit mid-migration)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        db.execute(buffer)
