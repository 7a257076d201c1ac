"""Loopback fake of the Anthropic Messages and OpenAI Chat Completions APIs, for the real SDKs.

A real HTTP server on 127.0.0.1 (ephemeral port) in a background thread. Replies come from a FIFO
of `Script` objects (text, usage, stop reason, chunk delay, faults); with the queue empty it gives
a deterministic markdown answer chunked per word. Every request is recorded for assertions.

In tests use the ``fake_server`` fixture::

    fake_server.push(Script(text="hello", input_tokens=12))
    client = anthropic.AsyncAnthropic(base_url=fake_server.anthropic_base_url, api_key="k")

Standalone (tmux end-to-end test, benchmarks)::

    python tests/fakeserver.py [--port N] [--script FILE.json] [--chunk-delay S]

prints ``PORT <n>`` as its first stdout line and serves until killed. FILE.json is a list of
`Script` fields objects, served in order before the default replies, e.g.
``[{"text": "Reading it.", "tool_calls": [{"name": "read_file", "input": {"path": "a.py"}}]},
{"text": "Done."}]`` (see `Script` for tool calls, cache usage and faults).
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import struct
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

import fakeserver_sse as wire
from fakeserver_sse import Script, split_words

__all__ = ["FakeServer", "RecordedRequest", "Script", "fake_server"]

DEFAULT_MODELS = ["claude-haiku-4-5", "claude-sonnet-4-6", "gpt-5-mini", "gpt-5-nano"]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def texts(self) -> list[str]:
        """Each message's text, whether its content is a string or a list of blocks (a prompt
        with a cache breakpoint is a one-block list)."""
        texts = []
        for message in self.messages:
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(b.get("text", "") for b in content if isinstance(b, dict))
            texts.append(content or "")
        return texts


class _ClientGone(Exception):
    """The client closed the connection while we were writing (cancelled stream)."""


class FakeServer:
    """The server object the ``fake_server`` fixture yields."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, chunk_delay: float = 0.0) -> None:
        self.chunk_delay = chunk_delay  # used by default replies
        self.requests: list[RecordedRequest] = []
        self.aborted_streams = 0  # streams the client closed before the end
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- addresses ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    # -- scripting ------------------------------------------------------------------------------
    def push(self, *scripts: Script) -> None:
        with self._lock:
            self._scripts.extend(scripts)

    def pending(self) -> int:
        with self._lock:
            return len(self._scripts)

    @property
    def last_request(self) -> RecordedRequest:
        return self.requests[-1]

    def next_script(self, body: dict[str, Any]) -> Script:
        with self._lock:
            if self._scripts:
                return self._scripts.popleft()
        prompt = wire.last_user_text(body)
        return Script(chunks=split_words(wire.default_answer(prompt)), delay=self.chunk_delay)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_id(self) -> int:
        return next(self._ids)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-llm-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def unanswered_tool_calls(body: dict[str, Any], anthropic: bool) -> str | None:
    """The error the real API gives a history with a tool call not answered right after it
    (Anthropic: the next message must start with a ``tool_result`` per ``tool_use``; OpenAI: the
    assistant's ``tool_calls`` must be followed by a ``tool`` message each), or None."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    for index, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        following = messages[index + 1 :]
        if anthropic:
            content = message.get("content")
            blocks = content if isinstance(content, list) else []
            uses = [
                b.get("id") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"
            ]
            after = following[0].get("content") if following else None
            answered = {
                b.get("tool_use_id")
                for b in (after if isinstance(after, list) else [])
                if isinstance(b, dict) and b.get("type") == "tool_result"
            }
            missing = [u for u in uses if u not in answered]
            if missing:
                return (
                    f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(map(str, missing))}. Each `tool_use` block must "
                    "have a corresponding `tool_result` block in the next message."
                )
        else:
            calls = [c.get("id") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
            answered = set()
            for later in following:
                if later.get("role") != "tool":
                    break
                answered.add(later.get("tool_call_id"))
            missing = [c for c in calls if c not in answered]
            if missing:
                return (
                    "An assistant message with 'tool_calls' must be followed by tool messages "
                    "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                    f"response messages: {', '.join(map(str, missing))}"
                )
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streams, so a dropped connection is detectable
    server_version = "FakeLLM/1.0"

    @property
    def fake(self) -> FakeServer:
        return self.server.fake  # type: ignore[attr-defined, no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing -------------------------------------------------------------------------------
    def _read_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def _record(self, body: dict[str, Any] | None) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake.record(RecordedRequest(self.command, self.path, headers, body))

    def _send_json(
        self, status: int, data: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _start_stream(self, extra: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except OSError as exc:  # BrokenPipe / ConnectionReset: the client went away
            raise _ClientGone from exc

    def _end_stream(self) -> None:
        self._chunk(b"")  # the zero-length chunk that ends a chunked body

    def _reset_connection(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), as a crashed proxy or a killed server does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _send_html(self, html: str) -> None:
        payload = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- routes ---------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._record(None)
        if self.path.rstrip("/").endswith("/v1/models"):
            anthropic = "anthropic-version" in {k.lower() for k in self.headers}
            self._send_json(200, wire.models_list(anthropic, DEFAULT_MODELS))
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def do_POST(self) -> None:
        body = self._read_body()
        self._record(body)
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/v1/messages"):
            anthropic = True
        elif path.endswith("/chat/completions"):
            anthropic = False
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )
            return
        if body is None:
            self._send_json(
                400, Script(status=400, error_message="body is not JSON").error_body(anthropic)
            )
            return
        problem = unanswered_tool_calls(body, anthropic)
        if problem is not None:  # as the real APIs do: refused before any reply is spent
            self._send_json(400, Script(status=400, error_message=problem).error_body(anthropic))
            return
        script = self.fake.next_script(body)
        self.fake.sleep(script.first_byte_delay)
        if script.status is not None:
            self._send_json(script.status, script.error_body(anthropic), script.headers)
            return
        if script.html is not None:
            self._send_html(script.html)
            return
        number = self.fake.next_id()
        if not body.get("stream"):
            if anthropic:
                data = wire.anthropic_message(
                    script, body, f"msg_fake_{number}", f"toolu_fake_{number}"
                )
            else:
                data = wire.openai_completion(
                    script, body, f"chatcmpl-fake-{number}", f"call_fake_{number}"
                )
            self._send_json(200, data, script.headers)
            return
        self._start_stream(script.headers)
        try:
            if anthropic:
                self._stream_anthropic(script, body, number)
            else:
                self._stream_openai(script, body, number)
        except _ClientGone:
            with self.fake._lock:
                self.fake.aborted_streams += 1
            self.close_connection = True

    def _text_frames(self, script: Script, frame: Any) -> bool:
        """Send the text chunks; True when a scripted fault stopped the stream early."""
        for index, piece in enumerate(script.text_chunks()):
            if index:  # the next chunk is due, or the fault that takes its place
                self.fake.sleep(script.delay)
            if script.inject is not None and index == script.inject_after:
                self._chunk(script.inject.encode())
            if self._fault_at(script, index):
                return True
            self._chunk(frame(piece))
        return self._fault_at(script, len(script.text_chunks()), end=True)

    def _fault_at(self, script: Script, index: int, end: bool = False) -> bool:
        """Apply a fault scheduled at text chunk ``index`` (or at the end); True if one fired."""

        def due(after: int | None) -> bool:
            return after is not None and (end or index >= after)

        if due(script.disconnect_after):
            self._drop_connection()
            return True
        if due(script.reset_after):
            self._reset_connection()
            return True
        if due(script.close_after):
            self._end_stream()
            return True
        return due(script.stream_error_after)

    def _stream_anthropic(self, script: Script, body: dict[str, Any], number: int) -> None:
        for frame in wire.anthropic_head(script, body, f"msg_fake_{number}"):
            self._chunk(frame)
        index = wire.anthropic_text_index(script)
        faulted = self._text_frames(script, lambda piece: wire.anthropic_delta(piece, index))
        if faulted:
            if script.stream_error_after is not None:
                self._chunk(wire.anthropic_frame("error", script.error_body(anthropic=True)))
                self._end_stream()
            return
        for frame in wire.anthropic_tail(script, f"toolu_fake_{number}"):
            self._chunk(frame)
        self._end_stream()

    def _stream_openai(self, script: Script, body: dict[str, Any], number: int) -> None:
        chunk_id = f"chatcmpl-fake-{number}"
        model = str(body.get("model", "fake"))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        usage_field: dict[str, Any] = {"usage": None} if include_usage else {}

        def frame(piece: str) -> bytes:
            return wire.openai_chunk(
                chunk_id, model, wire.openai_choice({"content": piece}), **usage_field
            )

        self._chunk(
            wire.openai_chunk(
                chunk_id,
                model,
                wire.openai_choice({"role": "assistant", "content": ""}),
                **usage_field,
            )
        )
        faulted = self._text_frames(script, frame)
        if faulted:
            if script.stream_error_after is not None:
                error = script.error_body(anthropic=False)
                self._chunk(f"data: {json.dumps(error)}\n\n".encode())
                self._end_stream()
            return
        for delta in wire.openai_tool_deltas(script, f"call_fake_{number}"):
            self._chunk(
                wire.openai_chunk(chunk_id, model, wire.openai_choice(delta), **usage_field)
            )
        if not script.omit_stop:
            finish = wire.openai_choice({}, script.default_stop(anthropic=False))
            self._chunk(wire.openai_chunk(chunk_id, model, finish, **usage_field))
        if include_usage and script.send_usage and not script.omit_usage:
            usage = wire.openai_usage(script, body, script.output_text())
            self._chunk(wire.openai_chunk(chunk_id, model, [], usage=usage))
        self._chunk(b"data: [DONE]\n\n")
        self._end_stream()


try:
    import pytest
except ImportError:  # standalone use without pytest installed
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_server() -> Any:
        """A started `FakeServer` on an ephemeral loopback port; stopped after the test."""
        server = FakeServer().start()
        try:
            yield server
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Loopback fake Anthropic/OpenAI streaming server.")
    parser.add_argument("--port", type=int, default=0, help="port (default: an ephemeral one)")
    parser.add_argument("--script", type=Path, help="JSON list of Script objects to serve first")
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="seconds between chunks of the default reply"
    )
    args = parser.parse_args(argv)
    server = FakeServer(port=args.port, chunk_delay=args.chunk_delay)
    if args.script:
        entries = json.loads(args.script.read_text(encoding="utf-8"))
        server.push(*(Script.from_dict(entry) for entry in entries))
    print(f"PORT {server.port}", flush=True)
    try:
        server._httpd.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
