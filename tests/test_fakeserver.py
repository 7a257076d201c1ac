"""The loopback fake server itself: fixture, scripted replies, recording, standalone mode."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

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
