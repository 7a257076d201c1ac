"""What the HTTP providers share: key and base-URL resolution, request shaping, usage fallbacks.

Keys are read from the environment variable the endpoint names, when a stream starts; only the
variable's *name* ever appears in a message. Base URLs follow the endpoint's config, then the
SDK's env var (``ANTHROPIC_BASE_URL`` / ``OPENAI_BASE_URL``), then the SDK default.
Each wire format has one pure request-shaping function (`anthropic_params`, `openai_params`,
`chat_messages` for plain-text models), and `parse_tool_input` reads a streamed tool input.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Message, ToolCall
from tui_router.core.endpoints import BASE_URL_ENV
from tui_router.core.providers.base import (
    ProviderConfigError,
    StreamRequest,
    ToolCallEvent,
    ToolSpec,
)
from tui_router.core.providers.errors import ErrorContext
from tui_router.core.tokens import count_messages, count_tokens
from tui_router.core.usage import Usage

#: Retries for real use (429/5xx/connection errors, with backoff): ``[network] retries``.
DEFAULT_MAX_RETRIES = 2
DEFAULT_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
DEFAULT_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
#: What keyless OpenAI-compatible servers (Ollama, llama.cpp, LM Studio) get: the SDK needs a key.
KEYLESS_PLACEHOLDER = "not-needed"


@dataclass(frozen=True, slots=True)
class Connection:
    """A resolved endpoint: where to send requests, with which key, and how to explain failures."""

    base_url: str
    api_key: str
    context: ErrorContext


def resolve_connection(
    endpoint: EndpointConfig,
    protocol: str,
    timeout: float | None = None,
    connect_timeout: float | None = None,
) -> Connection:
    """Key and base URL for ``endpoint`` (``protocol`` is "anthropic" or "openai").

    Raises `ProviderConfigError` naming the env var when a needed key is missing.
    """
    url_env = BASE_URL_ENV[protocol]
    if endpoint.base_url:
        base_url = endpoint.base_url
        url_hint = f"the base_url of endpoint '{endpoint.name}' in config.toml"
    elif os.environ.get(url_env):
        base_url = os.environ[url_env]
        url_hint = f"${url_env}"
    else:
        base_url = DEFAULT_URLS[protocol]
        url_hint = f"your network connection (or ${url_env})"
    key_env = endpoint.api_key_env
    if key_env is None and (protocol == "anthropic" or not endpoint.base_url):
        key_env = DEFAULT_KEY_ENV[protocol]
    if key_env is None:
        api_key = KEYLESS_PLACEHOLDER
    else:
        api_key = os.environ.get(key_env, "").strip()
        if not api_key:
            raise ProviderConfigError(
                f"no API key for {endpoint.name}: set {key_env} "
                "(or choose another model: tui-router models)"
            )
    context = ErrorContext(
        endpoint=endpoint.name,
        url=base_url,
        key_env=key_env,
        url_hint=url_hint,
        secret=api_key if key_env else None,
        timeout=timeout,
        connect_timeout=connect_timeout,
    )
    return Connection(base_url, api_key, context)


def _system_and_history(request: StreamRequest) -> tuple[str | None, list[Message]]:
    """System messages inside the history join the system prompt; the rest stay in order."""
    system_parts = [request.system] if request.system else []
    history: list[Message] = []
    for message in request.messages:
        if message.role == "system":
            if message.content:
                system_parts.append(message.content)
        else:
            history.append(message)
    return ("\n\n".join(system_parts) if system_parts else None), history


def _arguments_json(call: ToolCall) -> str:
    return json.dumps(call.arguments, ensure_ascii=False)


def chat_messages(request: StreamRequest) -> tuple[str | None, list[dict[str, str]]]:
    """(system prompt, plain role/content messages) for a model without tool calling.

    System messages inside the history join the system prompt; empty messages (an answer
    cancelled before its first token) are left out, since the APIs reject empty content.
    Tool calls and tool results are written out as text (results as user messages), so the
    model still sees what happened in an agent turn.
    """
    system, history = _system_and_history(request)
    messages: list[dict[str, str]] = []
    for message in history:
        if message.role == "tool":
            label = "error from tool call" if message.is_error else "result of tool call"
            content = f"[{label} {message.tool_call_id}]\n{message.content}"
            messages.append({"role": "user", "content": content})
            continue
        lines = [message.content] if message.content else []
        lines += [f"[tool call {c.id}: {c.name} {_arguments_json(c)}]" for c in message.tool_calls]
        if lines:
            messages.append({"role": message.role, "content": "\n".join(lines)})
    return system, messages


# --- Anthropic Messages ---------------------------------------------------------------------

#: Anthropic extended-thinking budgets per effort; the API's minimum budget is 1,024 tokens.
THINKING_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}
MIN_THINKING_BUDGET = 1024
#: Output kept for the answer itself when thinking shares ``max_tokens`` with it.
MIN_ANSWER_TOKENS = 1024
_EPHEMERAL = {"type": "ephemeral"}


def thinking_budget(effort: str | None, max_tokens: int) -> int | None:
    """Thinking tokens for ``effort``, leaving `MIN_ANSWER_TOKENS` of ``max_tokens`` to answer;
    None when there is no (known) effort or ``max_tokens`` leaves no room for the minimum."""
    wanted = THINKING_BUDGETS.get(effort or "")
    if wanted is None:
        return None
    budget = min(wanted, max_tokens - MIN_ANSWER_TOKENS)
    return budget if budget >= MIN_THINKING_BUDGET else None


def _anthropic_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, list):
        return content
    return [{"type": "text", "text": content}] if content else []


def _has_tool_result(message: dict[str, Any]) -> bool:
    content = message["content"]
    return isinstance(content, list) and any(b.get("type") == "tool_result" for b in content)


def anthropic_messages(history: Sequence[Message]) -> list[dict[str, Any]]:
    """The Messages API ``messages`` for a history (system messages already taken out).

    An assistant message with tool calls becomes ``text`` (if any) and ``tool_use`` blocks;
    tool results become ``tool_result`` blocks of one user message, and a user prompt right
    after them joins that message as a text block (roles must alternate, and all results of
    one assistant turn belong in the next user message). Empty messages are left out.
    """
    messages: list[dict[str, Any]] = []
    for message in history:
        content: str | list[dict[str, Any]]
        if message.role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "is_error": message.is_error,
            }
            if message.content:  # content is optional; an empty text block is rejected
                block["content"] = message.content
            content, role = [block], "user"
        elif message.role == "assistant" and message.tool_calls:
            content = _anthropic_blocks(message.content) + [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in message.tool_calls
            ]
            role = "assistant"
        elif message.content:
            content, role = message.content, message.role
        else:
            continue
        previous = messages[-1] if messages else None
        if (
            previous is not None
            and role == "user"
            and previous["role"] == "user"
            and (message.role == "tool" or _has_tool_result(previous))
        ):
            previous["content"] = _anthropic_blocks(previous["content"]) + _anthropic_blocks(
                content
            )
        else:
            messages.append({"role": role, "content": content})
    return messages


def anthropic_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema}
        for t in tools
    ]


def anthropic_params(request: StreamRequest) -> dict[str, Any]:
    """The ``messages.create`` arguments for ``request`` (streamed).

    With ``request.cache_key`` set, three cache breakpoints (of the four allowed) are placed:
    on the system prompt (sent as a text block), on the last tool definition and on the last
    content block of the latest message, so each step of an agent turn reads the previous
    step's prefix from the cache. The key itself is not sent: Anthropic caches by prefix.

    ``request.effort`` turns extended thinking on (`thinking_budget`), but only while the
    history holds no assistant ``tool_use`` turn: with thinking on, the API wants every earlier
    tool-use turn to start with its signed thinking block, which the provider-neutral history
    does not keep. Later steps of an agent turn therefore run without thinking.
    """
    system, history = _system_and_history(request)
    messages = anthropic_messages(history)
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": messages,
        "stream": True,
    }
    tools = anthropic_tools(request.tools)
    cache = request.cache_key is not None
    if system:
        params["system"] = (
            [{"type": "text", "text": system, "cache_control": dict(_EPHEMERAL)}]
            if cache
            else system
        )
    if tools:
        if cache:
            tools[-1]["cache_control"] = dict(_EPHEMERAL)
        params["tools"] = tools
    if cache and messages:
        blocks = _anthropic_blocks(messages[-1]["content"])
        if blocks:
            blocks[-1] = {**blocks[-1], "cache_control": dict(_EPHEMERAL)}
            messages[-1]["content"] = blocks
    used_tools = any(m.role == "assistant" and m.tool_calls for m in history)
    budget = None if used_tools else thinking_budget(request.effort, request.max_tokens)
    if budget is not None:
        params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    return params


# --- OpenAI Chat Completions ----------------------------------------------------------------


def openai_messages(system: str | None, history: Sequence[Message]) -> list[dict[str, Any]]:
    """Chat Completions ``messages``: the system prompt first, tool calls as ``tool_calls``,
    results as ``role: tool`` messages (an error result is prefixed ``error:``, the API has no
    flag for it). Empty messages are left out unless they carry tool calls."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in history:
        if message.role == "tool":
            content = f"error: {message.content}" if message.is_error else message.content
            messages.append(
                {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": content}
            )
        elif message.role == "assistant" and message.tool_calls:
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": _arguments_json(c)},
                        }
                        for c in message.tool_calls
                    ],
                }
            )
        elif message.content:
            messages.append({"role": message.role, "content": message.content})
    return messages


def openai_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.input_schema,
            },
        }
        for t in tools
    ]


def openai_params(request: StreamRequest, *, official: bool) -> dict[str, Any]:
    """The ``chat.completions.create`` arguments for ``request`` (streamed, usage included).

    ``official`` is api.openai.com itself: it gets ``max_completion_tokens`` (its reasoning
    models take nothing else), ``prompt_cache_key`` and ``reasoning_effort``; compatible servers
    get ``max_tokens`` and neither option, which they may reject.
    """
    system, history = _system_and_history(request)
    params: dict[str, Any] = {
        "model": request.model,
        "messages": openai_messages(system, history),
        "stream": True,
        "stream_options": {"include_usage": True},
        ("max_completion_tokens" if official else "max_tokens"): request.max_tokens,
    }
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.tools:
        params["tools"] = openai_tools(request.tools)
    if official and request.cache_key is not None:
        params["prompt_cache_key"] = request.cache_key
    if official and request.effort:
        params["reasoning_effort"] = request.effort
    return params


# --- Streamed tool calls and usage ----------------------------------------------------------


def tool_call_event(call_id: str, name: str, raw: str) -> ToolCallEvent:
    """A finished tool call from its streamed input text; input that is not a JSON object
    arrives as ``{}`` with the raw text in ``malformed``. No input at all is ``{}``."""
    if not raw.strip():
        return ToolCallEvent(ToolCall(call_id, name, {}))
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return ToolCallEvent(ToolCall(call_id, name, {}), malformed=raw)
    return ToolCallEvent(ToolCall(call_id, name, parsed))


def _prompt_tokens(request: StreamRequest) -> int:
    """Estimated prompt: messages (tool results included), tool calls' inputs, tool specs."""
    total = count_messages(request.messages, system=request.system)
    for message in request.messages:
        for call in message.tool_calls:
            total += count_tokens(call.name) + count_tokens(_arguments_json(call))
    for tool in request.tools:
        spec = json.dumps(tool.input_schema, ensure_ascii=False)
        total += count_tokens(f"{tool.name} {tool.description} {spec}")
    return total


def estimated_usage(
    request: StreamRequest,
    text: str,
    known: Usage | None = None,
    tool_calls: Sequence[ToolCall] = (),
) -> Usage:
    """Usage counted locally (tiktoken), for calls whose API sent none or stopped part-way.

    ``text`` and ``tool_calls`` are what the model produced. Whatever the API did report
    (``known``) is kept; the result is marked estimated.
    """
    output = count_tokens(text) + sum(
        count_tokens(c.name) + count_tokens(_arguments_json(c)) for c in tool_calls
    )
    if known is None:
        return Usage(input_tokens=_prompt_tokens(request), output_tokens=output, estimated=True)
    if not known.input_tokens:
        known = replace(known, input_tokens=_prompt_tokens(request))
    return replace(known, output_tokens=max(known.output_tokens, output), estimated=True)
