"""--resume: a stored session back into the controller (the conversation as the models saw it,
tool calls and results included, see `core.stored_history`; the turn count; the last prompt and
the model that answered it, for ctrl+r) and into the rows the chat pane shows (prompts without
their attached file bodies, answers with meta, each tool call as the line the turn showed,
folded over what it showed: an edit's diff, else the stored result; and the notes the session
kept, where they were: routes, verdicts, how each turn ended, /undo, /compact). The session's
"always" answers hold again when it works in the same folder (`_restore_always`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui_router.core.agent.tools import list_subject, result_summary, search_subject, short_line
from tui_router.core.conversation import NO_RESULT

if TYPE_CHECKING:
    from tui_router.core.conversation import ToolCall
    from tui_router.ui.controller import SessionController
    from tui_router.ui.widgets.chat import NoteKind
    from tui_router.ui.widgets.tool_line import ToolLine, ToolLineState

_FILE_BLOCK = re.compile(r'\n*<file path="([^"]+)">\n.*?\n</file>', re.S)
#: the last line of a run_command result the model saw ("exit code 2 (0.3 s)")
_EXIT_CODE = re.compile(r"^exit code (-?\d+)\b", re.M)
#: the most characters of an error shown on a restored tool line (as the live line)
DETAIL_CHARS = 120
#: how many of a resumed session's turns `/undo N` can still reach
MAX_UNDO_TURNS = 200
_NOTE_STYLES = ("info", "route", "warn", "error")


@dataclass
class ShownTurn:
    """A turn restored from the store, for the chat pane on --resume."""

    role: str
    text: str
    model: str | None = None
    attachments: list[str] = field(default_factory=list)
    meta: str = ""


@dataclass
class ShownNote:
    """A line the chat showed between the turns, as a note of that ``kind``."""

    text: str
    kind: NoteKind = "info"
    role: str = "note"


@dataclass
class ShownTool:
    """A tool call restored from the store: the line the turn showed (✓/✗, the tool and what it
    was about), folded over what the live line showed under it (an edit's diff, else the
    result the model saw). The store keeps no duration, so none is shown; a call whose result
    never reached the store (the app stopped mid-call) says so."""

    call_id: str
    title: str
    state: ToolLineState = "error"
    output: str = ""
    detail: str = "no result recorded"
    role: str = "tool"

    def widget(self) -> ToolLine:
        from tui_router.ui.widgets.tool_line import ToolLine

        line = ToolLine(self.call_id, self.title)
        line.finish(self.state, self.output, detail=self.detail)
        return line


def restore(controller: SessionController) -> None:
    """Fill ``controller.conversation`` and ``controller.restored`` from the store."""
    from tui_router.core.stored_history import stored_conversation

    calls = {c.id: c for c in controller.store.session_calls(controller.session_id)}
    rows = controller.store.session_messages(controller.session_id)
    # what the models saw: every step's answer, tool calls and results (the last attempt of a
    # retried turn), under the system prompt the session built for its workspace
    controller.conversation.messages.extend(stored_conversation(rows))
    by_turn: dict[int, list[Any]] = {}
    tools: dict[str, tuple[ToolCall, ShownTool]] = {}
    always: list[str] = []
    for row in rows:
        if row.kind == "summary":  # for the model only: the chat's note says it compacted
            continue
        if row.kind == "attempt":  # what a retry sent in the typed prompt's place: not typed
            continue
        by_turn.setdefault(row.turn or 0, []).append(row)
        if row.role == "user":
            text, files = split_file_blocks(row.content)
            controller.restored.append(ShownTurn("user", text, attachments=files))
        elif row.role == "assistant":
            call = calls.get(row.call_id) if row.call_id is not None else None
            meta = controller.meta_line(_StoredResult(call)) if call is not None else ""
            controller.restored.append(ShownTurn("assistant", row.content, row.model, meta=meta))
            for tool_call in row.tool_calls:
                shown = ShownTool(tool_call.id, tool_title(tool_call))
                tools[tool_call.id] = (tool_call, shown)
                controller.restored.append(shown)
        elif row.kind == "note":
            note = _stored_note(row.content)
            if note is not None:
                controller.restored.append(note)
        elif row.kind == "always":
            always.append(row.content)
        elif row.kind == "diff" and row.tool_call_id in tools:
            tools[row.tool_call_id][1].output = row.content  # as the live line: the diff
        elif row.role == "tool" and row.tool_call_id in tools:
            asked, shown = tools[row.tool_call_id]
            shown.output, shown.detail = row.content, ""
            if not row.is_error:
                shown.state, shown.title = "ok", tool_title(asked, row.content)
                codes = _EXIT_CODE.findall(row.content) if asked.name == "run_command" else []
                if codes and codes[-1] != "0":  # as the live line: a failed command is no ✓
                    shown.state = "error"
            else:
                # a refusal (a rule, or the person) reads "refused…", as the live line said
                shown.state = "denied" if row.content.startswith("refused") else "error"
                shown.detail = short_line(row.content, DETAIL_CHARS)
                if row.content == NO_RESULT:  # the turn ended before it did: as the live line
                    shown.detail = "cancelled"
    for turn in sorted(by_turn):
        turn_rows = by_turn[turn]
        user = next((r for r in turn_rows if r.role == "user"), None)
        answers = [r for r in turn_rows if r.role == "assistant"]
        controller.turn_index = max(controller.turn_index, turn)
        if user is not None:  # ctrl+r after --resume resends the prompt with its files
            controller.last_prompt = user.content
            # ... and steps up from the model that answered it (None: from the current model)
            controller.last_answer_model = (answers[-1].model or None) if answers else None
    controller.always_note = _restore_always(controller, always)
    # `/undo` goes on where the session left off: its turns' changes not undone yet (one query;
    # the rows with their files are for `tui-router undo --list`)
    from tui_router.core.agent.checkpoints import undoable_checkpoint_ids

    undoable = undoable_checkpoint_ids(controller.store, controller.session_id, MAX_UNDO_TURNS)
    controller.checkpoints = undoable[::-1]  # oldest first, as the session keeps them


def _stored_note(content: str) -> ShownNote | None:
    """A note row (`SessionController.keep_note`) as the chat showed it; None if unreadable."""
    import json

    try:
        note = json.loads(content)
    except ValueError:
        return None
    if not isinstance(note, dict) or not isinstance(note.get("text"), str):
        return None
    style = note.get("style")
    return ShownNote(note["text"], style if style in _NOTE_STYLES else "info")


def _restore_always(controller: SessionController, stored: list[str]) -> ShownNote | None:
    """Hold the session's "always" answers again, and the line saying so; or, when the session
    now works in another folder than the one they were given in, the line saying they do not
    hold (a yes to every edit there is no yes to every edit here). None: there were none."""
    import json

    from tui_router.core.agent.permissions import Rule

    agent = controller.agent
    answers: list[dict[str, Any]] = []
    for content in stored:
        try:
            answer = json.loads(content)
        except ValueError:
            continue
        if isinstance(answer, dict):
            answers.append(answer)
    if agent is None or not answers:
        return None
    allowed = "; ".join(dict.fromkeys(str(a.get("allowed", "")) for a in answers))
    given_in = str(answers[-1].get("workspace", ""))
    if given_in != str(agent.workspace_root):
        return ShownNote(
            f'Not carried over: your "always" answers ({allowed}) were given in {given_in}; '
            "here those calls ask again",
            "warn",
        )
    rules = answers[-1].get("rules") or []  # each row holds every answer given so far
    agent.permissions.restore_always(Rule(str(r[0]), str(r[1]), r[2]) for r in rules)
    return ShownNote(
        f'Still allowed in this session (your "always" answers): {allowed}; /permissions lists them'
    )


@dataclass
class _StoredResult:
    """A stored call seen through the TurnResult attributes `meta_line` reads."""

    call: Any

    def __getattr__(self, name: str) -> Any:
        call = self.__dict__["call"]
        if name == "price":
            from tui_router.core.pricing import Price

            return Price(call.cost_usd, call.price_source)
        return getattr(call, name)


def tool_title(call: ToolCall, result: str | None = None) -> str:
    """The line a tool call showed: the tool and what it was about ("run_command pytest -q");
    with its (successful) ``result``, what it did, as the live line said it ("edit_file
    src/utils.py (+2 −2)", "run_command pytest -q → exit 0"). Never raises on odd input: the
    arguments are the model's."""
    args = call.arguments if isinstance(call.arguments, dict) else {}
    name = call.name

    def arg(key: str, default: str = "") -> str:
        value = args.get(key, default)
        return value if isinstance(value, str) else str(value)

    if name in ("edit_file", "write_file") and result:
        verb, _, what = result.partition(" ")  # "edited src/utils.py (+2 −2)"
        if verb in ("edited", "created") and what:
            return f"{name} {what}"
    if name == "run_command":
        title = f"run_command {short_line(arg('command'))}"
        codes = _EXIT_CODE.findall(result or "")
        return f"{title} → exit {codes[-1]}" if codes else title
    if name in ("read_file", "list_files", "search") and result:
        summary = result_summary(call, result)  # "/def main/ in src · 2 matches in 1 file"
        if summary:
            return f"{name} {summary}"
    if name == "search":
        return f"search {search_subject(args)}"
    if name == "list_files":
        return f"list_files {list_subject(args)}"
    if name == "delegate":
        return f"delegate {short_line(arg('task'))}"
    path = arg("path")
    return f"{name} {path}" if path else name


def split_file_blocks(content: str) -> tuple[str, list[str]]:
    """A stored prompt without its attached file bodies, and the attached paths."""
    files = _FILE_BLOCK.findall(content)
    return _FILE_BLOCK.sub("", content).strip(), files
