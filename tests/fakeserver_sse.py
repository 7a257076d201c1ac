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

    Faults: ``status`` answers with that HTTP status and an error body at once;
    ``stream_error_after`` sends an in-stream error after that many text chunks;
    ``disconnect_after`` drops the connection after that many text chunks (no clean end).
    """

    text: str | None = None
    chunks: list[str] | None = None
    n_chunks: int = 3
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Script:
        return cls(**data)

    def text_chunks(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return split_text(self.text or "", self.n_chunks)

    def error_body(self, anthropic: bool) -> dict[str, Any]:
        status = self.status or 500
        kind = self.error_type or ERROR_TYPES.get(status, "api_error")
        suffix = f" (HTTP {self.status})" if self.status is not None else ""
        message = self.error_message or f"fake {kind}{suffix}"
        if anthropic:
            return {"type": "error", "error": {"type": kind, "message": message}}
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


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
    parts = [body.get("system") if isinstance(body.get("system"), str) else ""]
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
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": script.cache_write_5m_tokens + script.cache_write_1h_tokens,
        "cache_read_input_tokens": script.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": script.cache_write_5m_tokens,
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
    return [
        anthropic_frame("message_start", {"type": "message_start", "message": message}),
        anthropic_frame("ping", {"type": "ping"}),
        anthropic_frame(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]


def anthropic_delta(text: str) -> bytes:
    return anthropic_frame(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": text},
        },
    )


def anthropic_tail(script: Script, text: str) -> list[bytes]:
    usage: dict[str, Any] = {"output_tokens": output_tokens(script, text)}
    if script.reasoning_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": script.reasoning_tokens}
    return [
        anthropic_frame("content_block_stop", {"type": "content_block_stop", "index": 0}),
        anthropic_frame(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": script.stop_reason or "end_turn", "stop_sequence": None},
                "usage": usage,
            },
        ),
        anthropic_frame("message_stop", {"type": "message_stop"}),
    ]


def anthropic_message(script: Script, body: dict[str, Any], msg_id: str) -> dict[str, Any]:
    """The non-streaming reply."""
    text = "".join(script.text_chunks())
    usage = anthropic_usage_start(script, body)
    usage["output_tokens"] = output_tokens(script, text)
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": [{"type": "text", "text": text}],
        "stop_reason": script.stop_reason or "end_turn",
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


def openai_completion(script: Script, body: dict[str, Any], chunk_id: str) -> dict[str, Any]:
    """The non-streaming reply."""
    text = "".join(script.text_chunks())
    return {
        "id": chunk_id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": script.stop_reason or "stop",
            }
        ],
        "usage": openai_usage(script, body, text),
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
