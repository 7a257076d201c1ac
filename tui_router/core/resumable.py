"""The sessions `tui-router --resume` offers: those with at least one prompt, newest first.

Each with what a person picks it by: its title (or, for a session without one, its first
prompt's first line), when it started, what it spent (Decimal; None when no call has a known
price) and the model it was last on. A session opened and left without a prompt is not offered:
every start of the app records one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tui_router.core.price_sum import PriceSum

if TYPE_CHECKING:
    from tui_router.core.store import Store

#: the most sessions the picker lists
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class ResumableSession:
    id: str
    started_at: str  # ISO 8601, UTC
    title: str  # the stored title, else the first prompt's first line
    model: str | None  # the model of the last call, else the one it started on
    calls: int
    cost_usd: Decimal | None  # None: no call of it has a known price
    unknown_price_calls: int
    turns: int


def resumable_sessions(store: Store, limit: int = DEFAULT_LIMIT) -> list[ResumableSession]:
    """The sessions with a prompt, newest first (by start, as `sessions` lists them)."""
    rows = store.query(
        "SELECT s.id, s.started_at, s.title, s.start_model,"
        " (SELECT m.content FROM messages m WHERE m.session_id = s.id AND m.role = 'user'"
        "  ORDER BY m.seq LIMIT 1),"
        " (SELECT max(m.turn) FROM messages m WHERE m.session_id = s.id AND m.role = 'user')"
        " FROM sessions s"
        " WHERE EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.role = 'user')"
        " ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
        (limit,),
    )
    ids = [row[0] for row in rows]
    calls: dict[str, list[tuple[str, str | None]]] = {session_id: [] for session_id in ids}
    if ids:  # every listed session's calls in one query, not one query per session
        marks = ",".join("?" * len(ids))
        for session_id, model, cost in store.query(
            f"SELECT session_id, model, cost_usd FROM calls WHERE session_id IN ({marks})"
            " ORDER BY id",
            tuple(ids),
        ):
            calls[session_id].append((model, cost))
    found: list[ResumableSession] = []
    for session_id, started_at, title, start_model, first_prompt, turns in rows:
        own = calls[session_id]
        spent = PriceSum.of(None if cost is None else Decimal(cost) for _model, cost in own)
        found.append(
            ResumableSession(
                id=session_id,
                started_at=started_at,
                title=title or first_line(first_prompt or ""),
                model=own[-1][0] if own else start_model,
                calls=len(own),
                cost_usd=spent.usd,
                unknown_price_calls=spent.unknown,
                turns=int(turns or 0),
            )
        )
    return found


def first_line(text: str, limit: int = 60) -> str:
    """The first non-empty line of ``text``, on one line, cut to ``limit`` characters."""
    # The cut is agent.tools.short_line's; importing it would put that module's imports (~25 ms)
    # on the first frame's path, which reaches this module through the session title.
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
