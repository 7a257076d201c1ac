"""The loopback fake server itself: fixture, scripted replies, recording, standalone mode."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from fakeserver import FakeServer, Script


def _post(url: str, body: dict) -> bytes:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def test_fixture_serves_scripts_in_order_then_default_and_records(fake_server: FakeServer) -> None:
    fake_server.push(Script(text="first"), Script(text="second"))
    body = {"model": "m", "messages": [{"role": "user", "content": "ping"}]}
    url = fake_server.openai_base_url + "/chat/completions"
    texts = [json.loads(_post(url, body))["choices"][0]["message"]["content"] for _ in range(3)]
    assert texts[:2] == ["first", "second"]
    assert "ping" in texts[2] and "```python" in texts[2]
    assert [r.path for r in fake_server.requests] == ["/v1/chat/completions"] * 3
    assert fake_server.last_request.messages == body["messages"]


def test_anthropic_stream_frames_all_have_event_lines(fake_server: FakeServer) -> None:
    fake_server.push(Script(text="abc", n_chunks=3))
    raw = _post(
        fake_server.anthropic_base_url + "/v1/messages",
        {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
    ).decode()
    frames = [f for f in raw.split("\n\n") if f.strip()]
    assert all(f.startswith("event: ") for f in frames)
    names = [f.splitlines()[0].removeprefix("event: ") for f in frames]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert names.count("content_block_delta") == 3


def test_standalone_prints_port_and_serves(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"text": "scripted"}]), encoding="utf-8")
    server = Path(__file__).with_name("fakeserver.py")
    proc = subprocess.Popen(
        [sys.executable, str(server), "--script", str(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[0] == "PORT"
        url = f"http://127.0.0.1:{first[1]}/v1/chat/completions"
        reply = json.loads(_post(url, {"model": "m", "messages": []}))
        assert reply["choices"][0]["message"]["content"] == "scripted"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _sse_data(raw: str) -> list[dict]:
    return [
        json.loads(line.removeprefix("data: "))
        for line in raw.splitlines()
        if line.startswith("data: {")
    ]


def test_anthropic_tool_calls_stream_as_tool_use_blocks_in_pieces(fake_server: FakeServer) -> None:
    fake_server.push(
        Script(text="Hi", tool_calls=[{"name": "read_file", "input": {"path": "a.py"}}])
    )
    raw = _post(
        fake_server.anthropic_base_url + "/v1/messages",
        {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
    ).decode()
    events = _sse_data(raw)
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert starts[0]["type"] == "text"
    assert starts[1] == {
        "type": "tool_use",
        "id": "toolu_fake_1_1",
        "name": "read_file",
        "input": {},
    }
    pieces = [
        e["delta"]["partial_json"]
        for e in events
        if e["type"] == "content_block_delta" and e["index"] == 1
    ]
    assert len(pieces) >= 2 and json.loads("".join(pieces)) == {"path": "a.py"}
    stop = next(e for e in events if e["type"] == "message_delta")
    assert stop["delta"]["stop_reason"] == "tool_use"


def test_openai_tool_calls_stream_as_delta_pieces(fake_server: FakeServer) -> None:
    fake_server.push(Script(tool_calls=[{"id": "c1", "name": "search", "input": {"q": "main"}}]))
    raw = _post(
        fake_server.openai_base_url + "/chat/completions",
        {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
    ).decode()
    deltas = [c["choices"][0] for c in _sse_data(raw) if c["choices"]]
    parts = [d["delta"]["tool_calls"][0] for d in deltas if d["delta"].get("tool_calls")]
    assert parts[0]["id"] == "c1" and parts[0]["function"]["name"] == "search"
    arguments = [p["function"]["arguments"] for p in parts[1:]]
    assert len(arguments) >= 2 and json.loads("".join(arguments)) == {"q": "main"}
    assert deltas[-1]["finish_reason"] == "tool_calls"


def test_standalone_serves_scripted_tool_calls_and_cache_usage(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    entries = [
        {
            "text": "Reading.",
            "tool_calls": [{"name": "read_file", "input": {"path": "a.py"}}],
            "cache_read_tokens": 100,
            "cache_write_tokens": 20,
        }
    ]
    script.write_text(json.dumps(entries), encoding="utf-8")
    server = Path(__file__).with_name("fakeserver.py")
    proc = subprocess.Popen(
        [sys.executable, str(server), "--script", str(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().split()[1]
        url = f"http://127.0.0.1:{port}/v1/messages"
        reply = json.loads(_post(url, {"model": "m", "messages": []}))
        assert [b["type"] for b in reply["content"]] == ["text", "tool_use"]
        assert reply["content"][1]["input"] == {"path": "a.py"}
        assert reply["stop_reason"] == "tool_use"
        assert reply["usage"]["cache_read_input_tokens"] == 100
        assert reply["usage"]["cache_creation_input_tokens"] == 20
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_scripted_tool_call_without_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        Script(tool_calls=[{"input": {}}])
