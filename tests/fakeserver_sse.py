"""Wire bodies of the fake server: the scripted reply, and Anthropic / OpenAI frames built from it.

Kept apart from the HTTP plumbing in ``fakeserver.py``. Everything here is plain data in, bytes
or dicts out, so it is easy to read against the providers' documented wire formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: HTTP status -> Anthropic error type (the OpenAI shape reuses the same words).
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


@dataclass
class Script:
    """One scripted reply. Unset usage fields get plausible values computed from text length.

    Usage fields are *wire* values, as each API reports them:
    ``input_tokens`` is Anthropic's uncached input, or OpenAI's ``prompt_tokens`` (cache included);
    ``output_tokens`` includes ``reasoning_tokens`` (Anthropic thinking / OpenAI reasoning).

    ``cache_write_tokens`` is shorthand for 5-minute cache writes (added to
    ``cache_write_5m_tokens``); OpenAI reports cache reads only.

    ``tool_calls`` are streamed natively after the text, each a dict
    ``{"name": str, "input": dict, "id": str (optional), "arguments": str (optional)}``:
    ``arguments`` is sent verbatim instead of ``json.dumps(input)`` (malformed input); the id
    defaults to ``toolu_fake_<reply>_<n>`` (Anthropic) / ``call_fake_<reply>_<n>`` (OpenAI),
    ``n`` counting from 1 within the reply. The input JSON always streams in two or more pieces.
    With tool calls the default stop reason is ``tool_use`` / ``tool_calls``.
    ``thinking`` (Anthropic only) streams a thinking block (``thinking_delta`` pieces and a
    ``signature_delta``) before the text, which then is content block 1.

    Faults: ``status`` answers with that HTTP status and an error body at once;
    ``stream_error_after`` sends an in-stream error after that many text chunks;
    ``disconnect_after`` drops the connection after that many text chunks (no clean end);
    ``reset_after`` resets it (TCP RST) after that many text chunks (a fault comes when the
    next chunk would, ``delay`` after the last: a reset throws away what the client's socket
    holds unread, so a script that needs its chunks read first gives them that time);
    ``close_after`` ends the body cleanly after that many text chunks, with no stop event and
    no ``[DONE]``; ``inject`` sends those raw bytes after ``inject_after`` text chunks (garbage
    or truncated SSE lines) and carries on; ``omit_stop`` leaves out Anthropic's
    ``message_stop`` / OpenAI's ``finish_reason``; ``omit_usage`` sends no usage at all;
    ``usage_patch`` overrides wire usage fields (junk counts) in every usage object sent;
    ``html`` answers 200 with that text/html body (a proxy's login page).
    """

    text: str | None = None
    chunks: list[str] | None = None
    n_chunks: int = 3
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_write_tokens: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    thinking: str | None = None
    reasoning_tokens: int | None = None
    null_details: bool = False  # OpenAI: send prompt/completion_tokens_details as null
    send_usage: bool = True  # OpenAI: False mimics servers that ignore include_usage
    stop_reason: str | None = None  # default end_turn (Anthropic) / stop (OpenAI)
    delay: float = 0.0  # seconds between chunks
    first_byte_delay: float = 0.0  # seconds before the response starts (timeouts)
    status: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    stream_error_after: int | None = None
    disconnect_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reset_after: int | None = None
    close_after: int | None = None
    inject: str | None = None
    inject_after: int = 1
    omit_stop: bool = False
    omit_usage: bool = False
    usage_patch: dict[str, Any] = field(default_factory=dict)
    html: str | None = None

    def __post_init__(self) -> None:
        for call in self.tool_calls:
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise ValueError(f"a scripted tool call needs a 'name': {call!r}")
            unknown = set(call) - {"id", "name", "input", "arguments"}
            if unknown:
                raise ValueError(f"unknown tool call fields {sorted(unknown)} in {call!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Script:
        return cls(**data)

    def text_chunks(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return split_text(self.text or "", self.n_chunks)

    @property
    def cache_write_short_tokens(self) -> int:
        """5-minute cache writes, the shorthand ``cache_write_tokens`` included."""
        return self.cache_write_5m_tokens + self.cache_write_tokens

    def tool_call_items(self, id_prefix: str) -> list[tuple[str, str, str]]:
        """(id, name, raw JSON input) of each scripted tool call, in order."""
        items = []
        for number, call in enumerate(self.tool_calls, start=1):
            raw = call.get("arguments")
            if raw is None:
                raw = json.dumps(call.get("input") or {})
            items.append((str(call.get("id") or f"{id_prefix}_{number}"), call["name"], raw))
        return items

    def output_text(self) -> str:
        """Everything the reply produces (text and tool inputs), for plausible output usage."""
        calls = "".join(name + raw for _, name, raw in self.tool_call_items("x"))
        return "".join(self.text_chunks()) + calls

    def default_stop(self, anthropic: bool) -> str:
        if self.stop_reason:
            return self.stop_reason
        if self.tool_calls:
            return "tool_use" if anthropic else "tool_calls"
        return "end_turn" if anthropic else "stop"

    def error_body(self, anthropic: bool) -> dict[str, Any]:
        status = self.status or 500
        kind = self.error_type or ERROR_TYPES.get(status, "api_error")
        suffix = f" (HTTP {self.status})" if self.status is not None else ""
        message = self.error_message or f"fake {kind}{suffix}"
        if anthropic:
            return {"type": "error", "error": {"type": kind, "message": message}}
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def json_pieces(raw: str) -> list[str]:
    """A tool input's JSON in 2-4 pieces, split mid-token as real streams do."""
    return split_text(raw, max(2, min(4, len(raw) // 8)))


def parsed_input(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def split_text(text: str, n_chunks: int) -> list[str]:
    """``text`` in ``n_chunks`` nearly equal consecutive pieces (joined, they give ``text``)."""
    if not text:
        return []
    n_chunks = max(1, min(n_chunks, len(text)))
    size, extra = divmod(len(text), n_chunks)
    pieces, start = [], 0
    for i in range(n_chunks):
        end = start + size + (1 if i < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


def split_words(text: str) -> list[str]:
    """One chunk per word, each keeping the whitespace that follows it."""
    chunks: list[str] = []
    current = ""
    for ch in text:
        if current and not current[-1].isspace() and ch.isspace():
            current += ch
            continue
        if current and current[-1].isspace() and not ch.isspace():
            chunks.append(current)
            current = ""
        current += ch
    if current:
        chunks.append(current)
    return chunks


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):  # content blocks
                return " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def prompt_text(body: dict[str, Any]) -> str:
    """All the text a request sends (system + every message), for plausible default usage."""
    system = body.get("system")
    parts = [system if isinstance(system, str) else json.dumps(system) if system else ""]
    if body.get("tools"):
        parts.append(json.dumps(body["tools"]))
    for message in body.get("messages") or []:
        content = message.get("content")
        parts.append(content if isinstance(content, str) else json.dumps(content))
    return "\n".join(p for p in parts if p)


def default_answer(prompt: str) -> str:
    """The deterministic markdown reply used when no script is queued."""
    first_line = (prompt.strip().splitlines() or [""])[0][:80]
    return (
        f"Here is a short answer to: *{first_line}*\n\n"
        "```python\n"
        "def answer() -> int:\n"
        '    """The answer, computed slowly."""\n'
        "    return sum(range(10)) - 3\n"
        "```\n\n"
        "Call `answer()` and it returns **42**.\n"
    )


# --- Anthropic Messages ---------------------------------------------------------------------


def anthropic_usage_start(script: Script, body: dict[str, Any]) -> dict[str, Any]:
    uncached = script.input_tokens
    if uncached is None:
        uncached = estimate_tokens(prompt_text(body))
    return {**_anthropic_usage_start(script, uncached), **script.usage_patch}


def _anthropic_usage_start(script: Script, uncached: int) -> dict[str, Any]:
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": script.cache_write_short_tokens
        + script.cache_write_1h_tokens,
        "cache_read_input_tokens": script.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": script.cache_write_short_tokens,
            "ephemeral_1h_input_tokens": script.cache_write_1h_tokens,
        },
        "output_tokens": 1,
        "service_tier": "standard",
    }


def output_tokens(script: Script, text: str) -> int:
    if script.output_tokens is not None:
        return script.output_tokens
    return estimate_tokens(text) + (script.reasoning_tokens or 0)


def anthropic_frame(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def anthropic_head(script: Script, body: dict[str, Any], msg_id: str) -> list[bytes]:
    message = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": anthropic_usage_start(script, body),
    }
    if script.omit_usage:
        del message["usage"]
    frames = [
        anthropic_frame("message_start", {"type": "message_start", "message": message}),
        anthropic_frame("ping", {"type": "ping"}),
    ]
    if script.thinking:
        frames += anthropic_thinking_frames(script.thinking)
    if anthropic_has_text_block(script):
        frames.append(
            anthropic_frame(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": anthropic_text_index(script),
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
    return frames


def anthropic_thinking_frames(thinking: str) -> list[bytes]:
    """A thinking block at index 0: its text in pieces, then its signature."""
    block = {"type": "thinking", "thinking": "", "signature": ""}
    deltas = [{"type": "thinking_delta", "thinking": piece} for piece in split_text(thinking, 2)]
    deltas.append({"type": "signature_delta", "signature": "c2lnbmF0dXJl"})
    return [
        anthropic_frame(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": block},
        ),
        *(
            anthropic_frame(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
            for delta in deltas
        ),
        anthropic_frame("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ]


def anthropic_text_index(script: Script) -> int:
    return 1 if script.thinking else 0


def anthropic_has_text_block(script: Script) -> bool:
    """A reply of tool calls only has no text block (a plain reply always has one)."""
    return bool(script.text_chunks()) or not script.tool_calls


def anthropic_tool_frames(script: Script, id_prefix: str) -> list[bytes]:
    """Each tool call as a ``tool_use`` block: start, ``input_json_delta`` pieces, stop."""
    first = anthropic_text_index(script) + (1 if anthropic_has_text_block(script) else 0)
    frames = []
    for index, (call_id, name, raw) in enumerate(script.tool_call_items(id_prefix), start=first):
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        frames.append(
            anthropic_frame(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        for piece in json_pieces(raw):
            delta = {"type": "input_json_delta", "partial_json": piece}
            frames.append(
                anthropic_frame(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        frames.append(
            anthropic_frame("content_block_stop", {"type": "content_block_stop", "index": index})
        )
    return frames


def anthropic_delta(text: str, index: int = 0) -> bytes:
    return anthropic_frame(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "text_delta", "text": text},
        },
    )


def anthropic_tail(script: Script, id_prefix: str) -> list[bytes]:
    """After the text deltas: the text block's stop, the tool calls, the stop reason, usage."""
    usage: dict[str, Any] = {"output_tokens": output_tokens(script, script.output_text())}
    if script.reasoning_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": script.reasoning_tokens}
    usage.update(script.usage_patch)
    frames = []
    if anthropic_has_text_block(script):
        stop = {"type": "content_block_stop", "index": anthropic_text_index(script)}
        frames.append(anthropic_frame("content_block_stop", stop))
    frames += anthropic_tool_frames(script, id_prefix)
    stop = {"stop_reason": script.default_stop(anthropic=True), "stop_sequence": None}
    delta: dict[str, Any] = {"type": "message_delta", "delta": stop, "usage": usage}
    if script.omit_usage:
        del delta["usage"]
    frames.append(anthropic_frame("message_delta", delta))
    if not script.omit_stop:
        frames.append(anthropic_frame("message_stop", {"type": "message_stop"}))
    return frames


def anthropic_message(
    script: Script, body: dict[str, Any], msg_id: str, id_prefix: str = "toolu_fake"
) -> dict[str, Any]:
    """The non-streaming reply."""
    text = "".join(script.text_chunks())
    usage = anthropic_usage_start(script, body)
    usage["output_tokens"] = output_tokens(script, script.output_text())
    content: list[dict[str, Any]] = []
    if script.thinking:
        content.append({"type": "thinking", "thinking": script.thinking, "signature": "c2ln"})
    if anthropic_has_text_block(script):
        content.append({"type": "text", "text": text})
    content += [
        {"type": "tool_use", "id": call_id, "name": name, "input": parsed_input(raw)}
        for call_id, name, raw in script.tool_call_items(id_prefix)
    ]
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": content,
        "stop_reason": script.default_stop(anthropic=True),
        "stop_sequence": None,
        "usage": usage,
    }


# --- OpenAI Chat Completions ----------------------------------------------------------------


def openai_usage(script: Script, body: dict[str, Any], text: str) -> dict[str, Any]:
    prompt = script.input_tokens
    if prompt is None:
        prompt = estimate_tokens(prompt_text(body)) + script.cache_read_tokens
    completion = output_tokens(script, text)
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }
    if not script.null_details:
        usage["prompt_tokens_details"] = {
            "cached_tokens": script.cache_read_tokens,
            "audio_tokens": 0,
        }
        usage["completion_tokens_details"] = {
            "reasoning_tokens": script.reasoning_tokens or 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        }
    usage.update(script.usage_patch)
    return usage


def openai_chunk(chunk_id: str, model: str, choices: list[dict[str, Any]], **extra: Any) -> bytes:
    data = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": choices,
        **extra,
    }
    return f"data: {json.dumps(data)}\n\n".encode()


def openai_choice(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
    return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]


def openai_tool_deltas(script: Script, id_prefix: str) -> list[dict[str, Any]]:
    """``delta`` objects streaming the tool calls: id and name first, then argument pieces."""
    deltas: list[dict[str, Any]] = []
    for index, (call_id, name, raw) in enumerate(script.tool_call_items(id_prefix)):
        head = {"index": index, "id": call_id, "type": "function"}
        deltas.append({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            for piece in json_pieces(raw)
        ]
    return deltas


def openai_completion(
    script: Script, body: dict[str, Any], chunk_id: str, id_prefix: str = "call_fake"
) -> dict[str, Any]:
    """The non-streaming reply."""
    text = "".join(script.text_chunks())
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if script.tool_calls:
        message["content"] = text or None
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}
            for call_id, name, raw in script.tool_call_items(id_prefix)
        ]
    return {
        "id": chunk_id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": script.default_stop(anthropic=False),
            }
        ],
        "usage": openai_usage(script, body, script.output_text()),
    }


def models_list(anthropic: bool, ids: list[str]) -> dict[str, Any]:
    if anthropic:
        data = [
            {"type": "model", "id": i, "display_name": i, "created_at": "2026-01-01T00:00:00Z"}
            for i in ids
        ]
        return {"data": data, "has_more": False, "first_id": ids[0], "last_id": ids[-1]}
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 0, "owned_by": "fake"} for i in ids],
    }
