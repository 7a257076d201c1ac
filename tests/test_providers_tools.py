"""Tool calls, prompt caching and reasoning effort: the shaping functions, and both providers
(the real SDKs) against the loopback fake server."""

from __future__ import annotations

import json
from types import SimpleNamespace as Piece
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.core.config import EndpointConfig
from tui_router.core.conversation import Conversation, Message, ToolCall
from tui_router.core.providers.anthropic_provider import AnthropicProvider
from tui_router.core.providers.base import (
    ErrorEvent,
    ProviderEvent,
    StopEvent,
    StreamRequest,
    TextDelta,
    ToolCallEvent,
    ToolSpec,
    UsageEvent,
)
from tui_router.core.providers.common import (
    anthropic_messages,
    anthropic_params,
    chat_messages,
    estimated_usage,
    openai_params,
    thinking_budget,
    tool_call_event,
)
from tui_router.core.providers.openai_provider import (
    OpenAIProvider,
    _add_tool_piece,
    _tool_call_events,
)
from tui_router.core.tokens import count_messages, count_tokens
from tui_router.core.usage import Usage

READ_FILE = ToolSpec(
    "read_file",
    "Read a file of the project.",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
SEARCH = ToolSpec(
    "search",
    "Search the project.",
    {"type": "object", "properties": {"pattern": {"type": "string"}}, "required": ["pattern"]},
)
EPHEMERAL = {"type": "ephemeral"}


def _agent_history() -> list[Message]:
    """A prompt, a step with text and two tool calls, their results (one an error), a prompt."""
    conversation = Conversation()
    conversation.add_user("Where is main defined?")
    conversation.add_assistant(
        "Looking.",
        model="m",
        tool_calls=(
            ToolCall("call_1", "search", {"pattern": "def main"}),
            ToolCall("call_2", "read_file", {"path": "app.py"}),
        ),
    )
    conversation.add_tool_result("call_1", "app.py:3: def main():")
    conversation.add_tool_result("call_2", "no such file", is_error=True)
    conversation.add_user("Also check cli.py")
    return conversation.for_provider()


# --- shaping: Anthropic -----------------------------------------------------------------------


def test_anthropic_tool_results_are_one_user_message_and_the_next_prompt_joins_it() -> None:
    assert anthropic_messages(_agent_history()) == [
        {"role": "user", "content": "Where is main defined?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Looking."},
                {
                    "type": "tool_use",
                    "id": "call_1",
                    "name": "search",
                    "input": {"pattern": "def main"},
                },
                {
                    "type": "tool_use",
                    "id": "call_2",
                    "name": "read_file",
                    "input": {"path": "app.py"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "call_1",
                    "content": "app.py:3: def main():",
                    "is_error": False,
                },
                {
                    "type": "tool_result",
                    "tool_use_id": "call_2",
                    "content": "no such file",
                    "is_error": True,
                },
                {"type": "text", "text": "Also check cli.py"},
            ],
        },
    ]


def test_anthropic_assistant_with_only_tool_calls_is_kept_without_a_text_block() -> None:
    history = [
        Message("user", "list"),
        Message("assistant", "", model="m", tool_calls=(ToolCall("t1", "search", {}),)),
        Message("tool", "", tool_call_id="t1"),
    ]
    messages = anthropic_messages(history)
    assert messages[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "t1", "name": "search", "input": {}}],
    }
    # an empty result has no content (an empty text is rejected); roles still alternate
    assert messages[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t1", "is_error": False}],
    }


def test_anthropic_plain_history_is_unchanged_without_tools_or_cache_key() -> None:
    history = [Message("user", "hi"), Message("assistant", "", model="x"), Message("user", "again")]
    params = anthropic_params(StreamRequest(model="m", messages=history, system="Be terse."))
    assert params == {
        "model": "m",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}],
        "stream": True,
        "system": "Be terse.",
    }


def _cache_controls(params: dict[str, Any]) -> int:
    return json.dumps(params).count('"cache_control"')


def test_anthropic_cache_key_puts_breakpoints_on_system_tools_and_latest_message() -> None:
    request = StreamRequest(
        model="m",
        messages=_agent_history(),
        system="You are a coding agent.",
        tools=(READ_FILE, SEARCH),
        cache_key="session-1",
    )
    params = anthropic_params(request)
    assert params["system"] == [
        {"type": "text", "text": "You are a coding agent.", "cache_control": EPHEMERAL}
    ]
    assert "cache_control" not in params["tools"][0]
    assert params["tools"][1]["cache_control"] == EPHEMERAL
    last = params["messages"][-1]["content"]
    assert last[-1] == {"type": "text", "text": "Also check cli.py", "cache_control": EPHEMERAL}
    assert _cache_controls(params) == 3  # of the 4 allowed
    assert "session-1" not in json.dumps(params)  # Anthropic caches by prefix, not by key

    plain = anthropic_params(StreamRequest(model="m", messages=[Message("user", "hi")]))
    assert _cache_controls(plain) == 0
    cached = anthropic_params(
        StreamRequest(model="m", messages=[Message("user", "hi")], cache_key="k")
    )
    # a string prompt becomes a block so it can carry the breakpoint
    assert cached["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": EPHEMERAL}]}
    ]
    assert "system" not in cached and "tools" not in cached


@pytest.mark.parametrize(
    ("effort", "max_tokens", "budget"),
    [
        ("low", 32000, 1024),
        ("medium", 32000, 4096),
        ("high", 32000, 16384),
        ("high", 8192, 7168),  # leaves 1,024 tokens to answer
        ("low", 2000, None),  # no room for the API's 1,024 minimum
        ("extreme", 32000, None),
        (None, 32000, None),
    ],
)
def test_thinking_budget_follows_effort_within_max_tokens(
    effort: str | None, max_tokens: int, budget: int | None
) -> None:
    assert thinking_budget(effort, max_tokens) == budget


def test_anthropic_thinking_only_before_any_tool_use_turn() -> None:
    first = StreamRequest(
        model="m", messages=[Message("user", "hi")], max_tokens=16000, effort="medium"
    )
    assert anthropic_params(first)["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    later = StreamRequest(model="m", messages=_agent_history(), max_tokens=16000, effort="medium")
    assert "thinking" not in anthropic_params(later)


# --- shaping: OpenAI --------------------------------------------------------------------------


def test_openai_tool_calls_and_results_wire_shape() -> None:
    request = StreamRequest(
        model="gpt-5-mini", messages=_agent_history(), system="Agent.", tools=(READ_FILE,)
    )
    params = openai_params(request, official=True)
    assert params["messages"] == [
        {"role": "system", "content": "Agent."},
        {"role": "user", "content": "Where is main defined?"},
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "search", "arguments": '{"pattern": "def main"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path": "app.py"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "app.py:3: def main():"},
        {"role": "tool", "tool_call_id": "call_2", "content": "error: no such file"},
        {"role": "user", "content": "Also check cli.py"},
    ]
    assert params["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read a file of the project.",
                "parameters": READ_FILE.input_schema,
            },
        }
    ]


def test_openai_assistant_with_only_tool_calls_has_null_content() -> None:
    history = [
        Message("user", "list"),
        Message("assistant", "", model="m", tool_calls=(ToolCall("c", "search", {"q": 1}),)),
    ]
    params = openai_params(StreamRequest(model="m", messages=history), official=False)
    assert params["messages"][1]["content"] is None
    assert params["messages"][1]["tool_calls"][0]["id"] == "c"


def test_openai_cache_key_and_effort_go_to_the_official_endpoint_only() -> None:
    request = StreamRequest(
        model="gpt-5", messages=[Message("user", "hi")], cache_key="s1", effort="low"
    )
    official = openai_params(request, official=True)
    assert official["prompt_cache_key"] == "s1" and official["reasoning_effort"] == "low"
    compatible = openai_params(request, official=False)
    assert "prompt_cache_key" not in compatible and "reasoning_effort" not in compatible
    bare = openai_params(StreamRequest(model="gpt-5", messages=[]), official=True)
    assert not {"prompt_cache_key", "reasoning_effort", "tools"} & set(bare)


# --- shaping: plain text, parsing, estimates --------------------------------------------------


def test_plain_chat_messages_write_tool_turns_as_text() -> None:
    _, messages = chat_messages(StreamRequest(model="local", messages=_agent_history()))
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "user", "user"]
    assert 'search {"pattern": "def main"}' in messages[1]["content"]
    assert messages[2]["content"].endswith("app.py:3: def main():")
    assert "error" in messages[3]["content"]


@pytest.mark.parametrize(
    ("raw", "arguments", "malformed"),
    [
        ('{"path": "a.py"}', {"path": "a.py"}, None),
        ("", {}, None),
        ('{"path": "a.py"', {}, '{"path": "a.py"'),
        ("[1, 2]", {}, "[1, 2]"),
    ],
)
def test_tool_call_event_parses_or_flags_the_input(
    raw: str, arguments: dict[str, Any], malformed: str | None
) -> None:
    event = tool_call_event("id1", "read_file", raw)
    assert event == ToolCallEvent(ToolCall("id1", "read_file", arguments), malformed=malformed)


def test_estimated_usage_counts_tool_calls_results_and_specs() -> None:
    history = _agent_history()
    request = StreamRequest(model="m", messages=history, tools=(READ_FILE,))
    call = ToolCall("c9", "read_file", {"path": "cli.py"})
    usage = estimated_usage(request, "", tool_calls=[call])
    assert usage.estimated
    assert usage.output_tokens == count_tokens("read_file") + count_tokens('{"path": "cli.py"}')
    assert usage.input_tokens > count_messages(history) + count_tokens('{"pattern": "def main"}')


# --- both providers against the fake server ---------------------------------------------------


def _anthropic(server: FakeServer) -> AnthropicProvider:
    endpoint = EndpointConfig(
        "anthropic", "anthropic", server.anthropic_base_url, "ANTHROPIC_API_KEY", (), "anthropic"
    )
    return AnthropicProvider(endpoint, max_retries=0)


def _openai(server: FakeServer, official: bool = True) -> OpenAIProvider:
    if official:
        endpoint = EndpointConfig(
            "openai", "openai", server.openai_base_url, "OPENAI_API_KEY", (), "openai"
        )
    else:
        endpoint = EndpointConfig("vllm", "openai", server.openai_base_url, None, ("qwen3",), None)
    return OpenAIProvider(endpoint, max_retries=0)


PROVIDERS = {"anthropic": (_anthropic, "tool_use"), "openai": (_openai, "tool_calls")}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


async def _collect(
    provider: AnthropicProvider | OpenAIProvider, request: StreamRequest
) -> list[ProviderEvent]:
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def _request(messages: list[Message] | None = None, **kwargs: Any) -> StreamRequest:
    return StreamRequest(
        model="claude-haiku-4-5",
        messages=messages or [Message("user", "Read app.py")],
        tools=(READ_FILE, SEARCH),
        **kwargs,
    )


def _calls(events: list[ProviderEvent]) -> list[ToolCallEvent]:
    return [e for e in events if isinstance(e, ToolCallEvent)]


@pytest.mark.parametrize("api", PROVIDERS)
async def test_a_streamed_tool_call_arrives_as_one_event_with_parsed_input(
    fake_server: FakeServer, api: str
) -> None:
    make, stop = PROVIDERS[api]
    arguments = {"path": "src/app.py", "lines": [1, 40], "note": "üñí"}
    fake_server.push(Script(tool_calls=[{"id": "call_A", "name": "read_file", "input": arguments}]))
    events = await _collect(make(fake_server), _request())

    assert _calls(events) == [ToolCallEvent(ToolCall("call_A", "read_file", arguments))]
    assert not [e for e in events if isinstance(e, TextDelta)]
    assert events[-1] == StopEvent(stop)
    assert events.index(_calls(events)[0]) < len(events) - 1
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage.output_tokens > 0


@pytest.mark.parametrize("api", PROVIDERS)
async def test_malformed_arguments_are_flagged_not_raised(
    fake_server: FakeServer, api: str
) -> None:
    make, _ = PROVIDERS[api]
    raw = '{"path": "src/app.py", "lines": [1,'
    fake_server.push(Script(tool_calls=[{"id": "bad", "name": "read_file", "arguments": raw}]))
    events = await _collect(make(fake_server), _request())
    assert _calls(events) == [ToolCallEvent(ToolCall("bad", "read_file", {}), malformed=raw)]
    assert not any(isinstance(e, ErrorEvent) for e in events)


@pytest.mark.parametrize("api", PROVIDERS)
async def test_text_then_two_tool_calls_in_order(fake_server: FakeServer, api: str) -> None:
    make, stop = PROVIDERS[api]
    fake_server.push(
        Script(
            chunks=["Let me ", "look."],
            tool_calls=[
                {"name": "search", "input": {"pattern": "def main"}},
                {"name": "read_file", "input": {"path": "app.py"}},
            ],
        )
    )
    events = await _collect(make(fake_server), _request())
    kinds = [type(e).__name__ for e in events if not isinstance(e, UsageEvent)]
    assert kinds == ["TextDelta", "TextDelta", "ToolCallEvent", "ToolCallEvent", "StopEvent"]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me look."
    calls = [e.call for e in _calls(events)]
    assert [(c.name, c.arguments) for c in calls] == [
        ("search", {"pattern": "def main"}),
        ("read_file", {"path": "app.py"}),
    ]
    assert len({c.id for c in calls}) == 2 and all(c.id for c in calls)
    assert events[-1] == StopEvent(stop)


async def _tool_round_trip(
    fake_server: FakeServer, provider: AnthropicProvider | OpenAIProvider
) -> dict[str, Any]:
    """Ask, get a tool call, answer it, ask again; return the second request's body."""
    fake_server.push(
        Script(text="Reading.", tool_calls=[{"name": "read_file", "input": {"path": "a.py"}}]),
        Script(text="a.py defines main."),
    )
    conversation = Conversation(system="You are a coding agent.")
    conversation.add_user("What does a.py define?")
    request = _request(conversation.for_provider(), system=conversation.system)
    events = await _collect(provider, request)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    conversation.add_assistant(text, "m", tuple(e.call for e in _calls(events)))
    for event in _calls(events):
        conversation.add_tool_result(event.call.id, "def main(): ...")
    follow_up = _request(conversation.for_provider(), system=conversation.system)
    events = await _collect(provider, follow_up)
    assert events[-1] == StopEvent(
        "end_turn" if isinstance(provider, AnthropicProvider) else "stop"
    )
    body = fake_server.last_request.body
    assert body is not None
    return body


async def test_anthropic_follow_up_sends_tool_use_and_tool_result_blocks(
    fake_server: FakeServer,
) -> None:
    body = await _tool_round_trip(fake_server, _anthropic(fake_server))
    assert body["messages"] == [
        {"role": "user", "content": "What does a.py define?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Reading."},
                {
                    "type": "tool_use",
                    "id": "toolu_fake_1_1",
                    "name": "read_file",
                    "input": {"path": "a.py"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_fake_1_1",
                    "content": "def main(): ...",
                    "is_error": False,
                }
            ],
        },
    ]
    assert [t["name"] for t in body["tools"]] == ["read_file", "search"]
    assert body["tools"][0]["input_schema"] == READ_FILE.input_schema


async def test_openai_follow_up_sends_tool_calls_and_tool_messages(
    fake_server: FakeServer,
) -> None:
    body = await _tool_round_trip(fake_server, _openai(fake_server))
    assert body["messages"][2:] == [
        {
            "role": "assistant",
            "content": "Reading.",
            "tool_calls": [
                {
                    "id": "call_fake_1_1",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path": "a.py"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_fake_1_1", "content": "def main(): ..."},
    ]
    assert [t["function"]["name"] for t in body["tools"]] == ["read_file", "search"]


async def test_anthropic_cache_breakpoints_on_the_wire_and_cache_usage(
    fake_server: FakeServer,
) -> None:
    fake_server.push(
        Script(
            text="ok",
            input_tokens=50,
            cache_read_tokens=3000,
            cache_write_tokens=400,
            output_tokens=9,
        ),
        Script(text="ok"),
    )
    provider = _anthropic(fake_server)
    events = await _collect(provider, _request(system="Agent.", cache_key="session-7"))
    body = fake_server.last_request.body
    assert body is not None
    assert body["system"][-1]["cache_control"] == EPHEMERAL
    assert body["tools"][-1]["cache_control"] == EPHEMERAL
    assert body["messages"][-1]["content"][-1]["cache_control"] == EPHEMERAL
    assert _cache_controls(body) == 3
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage == Usage(
        input_tokens=3450, cache_read_tokens=3000, cache_write_tokens=400, output_tokens=9
    )

    await _collect(provider, _request(system="Agent."))
    body = fake_server.last_request.body
    assert body is not None and _cache_controls(body) == 0
    assert body["system"] == "Agent." and body["messages"][-1]["content"] == "Read app.py"


async def test_openai_prompt_cache_key_official_only_and_cached_usage(
    fake_server: FakeServer,
) -> None:
    fake_server.push(
        Script(text="ok", input_tokens=4000, cache_read_tokens=3500, output_tokens=7),
        Script(text="ok"),
    )
    events = await _collect(_openai(fake_server), _request(cache_key="session-7"))
    body = fake_server.last_request.body
    assert body is not None and body["prompt_cache_key"] == "session-7"
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage == Usage(input_tokens=4000, cache_read_tokens=3500, output_tokens=7)

    await _collect(_openai(fake_server, official=False), _request(cache_key="session-7"))
    body = fake_server.last_request.body
    assert body is not None and "prompt_cache_key" not in body
    assert body["tools"][0]["function"]["name"] == "read_file"  # compatible servers get tools


async def test_anthropic_effort_sends_thinking_and_thinking_text_is_not_answer(
    fake_server: FakeServer,
) -> None:
    fake_server.push(
        Script(
            thinking="The user wants a.py; I should read it.",
            text="Reading.",
            tool_calls=[{"name": "read_file", "input": {"path": "a.py"}}],
            reasoning_tokens=12,
        )
    )
    events = await _collect(_anthropic(fake_server), _request(max_tokens=8000, effort="high"))
    body = fake_server.last_request.body
    assert body is not None
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 6976}
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Reading."
    assert [e.call.arguments for e in _calls(events)] == [{"path": "a.py"}]
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage.reasoning_tokens == 12


async def test_openai_effort_is_reasoning_effort_on_the_official_endpoint_only(
    fake_server: FakeServer,
) -> None:
    await _collect(_openai(fake_server), _request(effort="medium"))
    body = fake_server.last_request.body
    assert body is not None and body["reasoning_effort"] == "medium"
    await _collect(_openai(fake_server, official=False), _request(effort="medium"))
    body = fake_server.last_request.body
    assert body is not None and "reasoning_effort" not in body


async def test_openai_server_without_usage_estimates_the_tool_calls_too(
    fake_server: FakeServer,
) -> None:
    fake_server.push(
        Script(send_usage=False, tool_calls=[{"name": "read_file", "input": {"path": "a.py"}}])
    )
    events = await _collect(_openai(fake_server, official=False), _request())
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert usage.estimated
    assert usage.output_tokens == count_tokens("read_file") + count_tokens('{"path": "a.py"}')
    assert events[-1] == StopEvent("tool_calls")


def test_openai_tool_pieces_fold_by_index_and_repeated_names_count_once() -> None:
    def piece(index: int, arguments: str, **head: str) -> Piece:
        function = Piece(name=head.get("name"), arguments=arguments)
        return Piece(index=index, id=head.get("id"), function=function)

    pieces: dict[int, Any] = {}
    stream = [
        piece(1, "", id="b", name="search"),
        piece(0, '{"path": ', id="a", name="read_file"),
        piece(1, '{"pattern": "x"}', id="b", name="search"),  # a server repeating the head
        piece(0, '"a.py"}'),
    ]
    for position, part in enumerate(stream):
        _add_tool_piece(pieces, part, position)
    assert [e.call for e in _tool_call_events(pieces)] == [
        ToolCall("a", "read_file", {"path": "a.py"}),
        ToolCall("b", "search", {"pattern": "x"}),
    ]
