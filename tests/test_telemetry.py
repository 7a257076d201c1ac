"""OpenTelemetry export: what a loopback OTLP/HTTP receiver gets, decoded with opentelemetry-proto.

The calls are real `CallRecord`s priced the way the ledger prices them; the receiver is an HTTP
server on 127.0.0.1 started by the test (nothing reaches the network).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tui_router.core.config import AppConfig, ConfigError
from tui_router.core.ledger import CallRecord, Ledger
from tui_router.core.pricing import price_call
from tui_router.core.telemetry import (
    OtelTelemetry,
    Telemetry,
    hashed_user,
    telemetry_settings,
)
from tui_router.core.usage import Usage

PROMPT = "SECRET-PROMPT-TEXT rename tmp to total"
ANSWER = "SECRET-ANSWER-TEXT done"


@dataclass
class Receiver:
    """A loopback OTLP/HTTP collector: keeps every request body by path."""

    url: str
    bodies: dict[str, list[bytes]] = field(default_factory=dict)

    def metrics(self) -> list[ExportMetricsServiceRequest]:
        return [
            ExportMetricsServiceRequest.FromString(b) for b in self.bodies.get("/v1/metrics", [])
        ]

    def traces(self) -> list[ExportTraceServiceRequest]:
        return [ExportTraceServiceRequest.FromString(b) for b in self.bodies.get("/v1/traces", [])]

    def raw(self) -> bytes:
        return b"".join(b for bodies in self.bodies.values() for b in bodies)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    received: dict[str, list[bytes]] = {}
    headers_seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.setdefault(self.path, []).append(body)
            headers_seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team-token=abc123")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("TUI_ROUTER_TELEMETRY", raising=False)
    rec = Receiver(url, received)
    rec.headers = headers_seen  # type: ignore[attr-defined]
    yield rec
    server.shutdown()
    server.server_close()


def haiku_call(turn: int = 1, input_tokens: int = 1234, output_tokens: int = 567) -> CallRecord:
    usage = Usage(input_tokens=input_tokens, cache_read_tokens=200, output_tokens=output_tokens)
    return CallRecord(
        model="claude-haiku-4-5",
        usage=usage,
        price=price_call(usage, "claude-haiku-4-5", "anthropic"),
        baseline=price_call(usage, "claude-opus-4-6", "anthropic"),
        tier="fast",
        endpoint="anthropic",
        purpose="chat",
        duration_ms=850,
        turn=turn,
        baseline_model="claude-opus-4-6",
    )


def enabled_config(**telemetry: Any) -> AppConfig:
    return AppConfig(raw={"telemetry": {"enabled": True, **telemetry}})


def attributes(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        value = kv.value
        out[kv.key] = getattr(value, value.WhichOneof("value"))
    return out


def metric_points(requests: list[ExportMetricsServiceRequest], name: str) -> list[Any]:
    points = []
    for request in requests:
        for rm in request.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == name:
                        data = getattr(metric, metric.WhichOneof("data"))
                        points.extend(data.data_points)
    return points


def last_points(requests: list[ExportMetricsServiceRequest], name: str) -> list[Any]:
    """The data points of the last export that has the metric (cumulative counters)."""
    for request in reversed(requests):
        points = metric_points([request], name)
        if points:
            return points
    return []


def spans(requests: list[ExportTraceServiceRequest]) -> list[Any]:
    return [
        span
        for request in requests
        for rs in request.resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]


def run_one_turn(telemetry: Telemetry, records: list[CallRecord]) -> None:
    with telemetry.turn_span(turn=1, session_id="01TESTSESSION", model="claude-haiku-4-5"):
        for record in records:
            telemetry.record_call(record, strategy="learned", content=(PROMPT, ANSWER))
        telemetry.record_tool("read_file", "ok", 0.01)
    telemetry.record_decision("learned", "fast", "frontier", "rejected")
    telemetry.shutdown(timeout_s=2.0)


def test_one_turn_exports_genai_metrics_cost_equal_to_the_ledger_and_a_chat_span(
    receiver: Receiver, tmp_path: Path
) -> None:
    workspace = tmp_path / "acme-api"
    workspace.mkdir()
    telemetry = Telemetry.from_config(enabled_config(), workspace)
    assert isinstance(telemetry, OtelTelemetry)
    record = haiku_call()
    assert record.price.usd is not None and record.baseline.usd is not None
    run_one_turn(telemetry, [record])

    metrics = receiver.metrics()
    assert metrics, "no metrics were exported"
    resource = attributes(metrics[0].resource_metrics[0].resource.attributes)
    assert resource["service.name"] == "tui-router"
    assert resource["tui_router.project"] == "acme-api"
    assert resource["user.id"] == hashed_user()
    assert resource["deployment.environment"] == "test"  # OTEL_RESOURCE_ATTRIBUTES
    assert "service.version" in resource

    tokens = last_points(metrics, "gen_ai.client.token.usage")
    by_type = {attributes(p.attributes)["gen_ai.token.type"]: p for p in tokens}
    assert set(by_type) == {"input", "output"}
    assert by_type["input"].sum == 1234 and by_type["output"].sum == 567
    point_attributes = attributes(by_type["input"].attributes)
    assert point_attributes["gen_ai.operation.name"] == "chat"
    assert point_attributes["gen_ai.provider.name"] == "anthropic"
    assert point_attributes["gen_ai.request.model"] == "claude-haiku-4-5"
    assert point_attributes["gen_ai.response.model"] == "claude-haiku-4-5"
    duration = last_points(metrics, "gen_ai.client.operation.duration")
    assert duration and duration[0].sum == pytest.approx(0.85)

    (cost,) = last_points(metrics, "tui_router.cost.usage")
    assert Decimal(repr(cost.as_double)) == record.price.usd  # the ledger's figure, every digit
    cost_attributes = attributes(cost.attributes)
    assert cost_attributes == {
        "gen_ai.request.model": "claude-haiku-4-5",
        "tui_router.tier": "fast",
        "tui_router.purpose": "chat",
        "tui_router.strategy": "learned",
        "tui_router.estimated": "false",
    }
    (baseline,) = last_points(metrics, "tui_router.cost.baseline")
    assert Decimal(repr(baseline.as_double)) == record.baseline.usd
    (cache_read,) = last_points(metrics, "tui_router.cache.tokens")
    assert cache_read.as_int == 200
    assert attributes(cache_read.attributes)["tui_router.cache.type"] == "read"
    (decision,) = last_points(metrics, "tui_router.routing.decisions")
    assert attributes(decision.attributes) == {
        "tui_router.strategy": "learned",
        "tui_router.from_tier": "fast",
        "tui_router.to_tier": "frontier",
        "tui_router.outcome": "rejected",
    }
    (tool,) = last_points(metrics, "tui_router.tool.calls")
    assert attributes(tool.attributes)["gen_ai.tool.name"] == "read_file"

    exported = {span.name: span for span in spans(receiver.traces())}
    assert set(exported) == {"turn", "chat claude-haiku-4-5", "execute_tool read_file"}
    chat = exported["chat claude-haiku-4-5"]
    chat_attributes = attributes(chat.attributes)
    assert chat_attributes["gen_ai.usage.input_tokens"] == 1234
    assert chat_attributes["gen_ai.usage.output_tokens"] == 567
    assert chat_attributes["gen_ai.usage.cache_read.input_tokens"] == 200
    assert chat_attributes["gen_ai.usage.cache_creation.input_tokens"] == 0
    assert Decimal(repr(chat_attributes["gen_ai.usage.cost.amount"])) == record.price.usd
    assert chat_attributes["gen_ai.usage.cost.currency"] == "USD"
    assert Decimal(chat_attributes["tui_router.cost.usd"]) == record.price.usd
    assert chat.end_time_unix_nano - chat.start_time_unix_nano == pytest.approx(850e6, rel=0.01)
    turn = exported["turn"]
    assert chat.parent_span_id == turn.span_id
    assert exported["execute_tool read_file"].parent_span_id == turn.span_id
    assert chat.trace_id == turn.trace_id

    # the prompt and the answer never leave the machine by default
    assert b"SECRET-PROMPT-TEXT" not in receiver.raw()
    assert b"SECRET-ANSWER-TEXT" not in receiver.raw()
    # OTEL_EXPORTER_OTLP_HEADERS reached the collector
    assert any(h.get("x-team-token") == "abc123" for h in receiver.headers)  # type: ignore[attr-defined]


def test_cost_counter_sums_many_calls_to_the_ledgers_total_exactly(
    receiver: Receiver, tmp_path: Path
) -> None:
    records = [
        haiku_call(turn=n, input_tokens=1000 + 37 * n, output_tokens=11 * n) for n in range(1, 40)
    ]
    telemetry = Telemetry.from_config(enabled_config(), tmp_path)
    run_one_turn(telemetry, records)
    (cost,) = last_points(receiver.metrics(), "tui_router.cost.usage")
    ledger = Ledger(records)
    assert ledger.cost_usd is not None
    assert Decimal(repr(cost.as_double)) == ledger.cost_usd
    (baseline,) = last_points(receiver.metrics(), "tui_router.cost.baseline")
    assert Decimal(repr(baseline.as_double)) == ledger.baseline_usd


def test_log_content_puts_the_prompt_and_answer_on_the_chat_span(
    receiver: Receiver, tmp_path: Path
) -> None:
    telemetry = Telemetry.from_config(enabled_config(log_content=True, project="billing"), tmp_path)
    run_one_turn(telemetry, [haiku_call()])
    (chat,) = [s for s in spans(receiver.traces()) if s.name.startswith("chat ")]
    chat_attributes = attributes(chat.attributes)
    assert json.loads(chat_attributes["gen_ai.input.messages"])[0]["parts"][0]["content"] == PROMPT
    assert json.loads(chat_attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == ANSWER
    resource = attributes(receiver.metrics()[0].resource_metrics[0].resource.attributes)
    assert resource["tui_router.project"] == "billing"


def test_off_by_default_and_environment_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUI_ROUTER_TELEMETRY", raising=False)
    assert not telemetry_settings(AppConfig()).enabled
    assert telemetry_settings(AppConfig(), {"TUI_ROUTER_TELEMETRY": "1"}).enabled
    assert not telemetry_settings(enabled_config(), {"TUI_ROUTER_TELEMETRY": "0"}).enabled
    telemetry = Telemetry.from_config(AppConfig(), environ={})
    assert type(telemetry) is Telemetry and not telemetry.enabled
    # the no-op object takes the whole API
    with telemetry.turn_span(turn=1):
        telemetry.record_call(haiku_call())
        telemetry.record_tool("read_file", "ok", 0.1)
    telemetry.record_decision("rules", "fast", "balanced", "accepted")
    telemetry.shutdown()


def test_disabled_telemetry_never_imports_opentelemetry() -> None:
    code = (
        "import sys\n"
        "from tui_router.core.config import AppConfig\n"
        "from tui_router.core.telemetry import Telemetry\n"
        "t = Telemetry.from_config(AppConfig(), environ={})\n"
        "t.shutdown()\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_without_the_extra_enabling_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http.metric_exporter", None)
    lines: list[str] = []
    telemetry = Telemetry.from_config(
        AppConfig(), tmp_path, environ={"TUI_ROUTER_TELEMETRY": "1"}, warn=lines.append
    )
    assert type(telemetry) is Telemetry
    assert len(lines) == 1
    assert "--extra otel" in lines[0] or "tui-router[otel]" in lines[0]


def test_collector_down_costs_at_most_two_seconds_and_one_warning_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    lines: list[str] = []
    telemetry = Telemetry.from_config(enabled_config(), tmp_path, warn=lines.append)
    with telemetry.turn_span(turn=1):
        telemetry.record_call(haiku_call(), strategy="rules")
    # No clock in the assertion (a loaded machine stretches any wall time): the exporter is
    # still retrying when shutdown returns, so shutdown did not wait for it; one line is said.
    telemetry.shutdown(timeout_s=0.2)
    flushing = [t for t in threading.enumerate() if t.name == "telemetry-flush"]
    assert flushing and flushing[-1].is_alive()
    assert len(lines) == 1 and lines[0].startswith("telemetry")  # one line, whichever came first


def test_unknown_telemetry_key_is_one_clear_error() -> None:
    config = AppConfig(raw={"telemetry": {"enable": True}}, source=Path("/x/config.toml"))
    with pytest.raises(ConfigError, match=r"telemetry\.enable .*did you mean telemetry\.enabled"):
        telemetry_settings(config, {})
    with pytest.raises(ConfigError, match="true or false"):
        telemetry_settings(AppConfig(raw={"telemetry": {"log_content": "yes"}}), {})


def test_one_ask_exports_its_call_with_the_cost_ask_json_prints(
    receiver: Receiver,
    fake_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's "done when": TUI_ROUTER_TELEMETRY=1 and an OTLP endpoint, one `ask`."""
    from fakeserver import Script

    from tui_router.cli import main

    monkeypatch.setenv("TUI_ROUTER_TELEMETRY", "1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    workspace = tmp_path / "acme-api"
    workspace.mkdir()
    fake_server.push(Script(text=ANSWER, input_tokens=1500, output_tokens=40))
    assert (
        main(
            [
                "ask",
                "--json",
                "--no-tools",
                "--model",
                "claude-haiku-4-5",
                "--cwd",
                str(workspace),
                PROMPT,
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    metrics = receiver.metrics()
    tokens = last_points(metrics, "gen_ai.client.token.usage")
    by_type = {attributes(p.attributes)["gen_ai.token.type"]: p.sum for p in tokens}
    assert by_type == {"input": answer["usage"]["input_tokens"], "output": 40}
    (cost,) = last_points(metrics, "tui_router.cost.usage")
    assert Decimal(repr(cost.as_double)) == Decimal(answer["cost_usd"])
    (baseline,) = last_points(metrics, "tui_router.cost.baseline")
    assert Decimal(repr(baseline.as_double)) == Decimal(answer["baseline"]["cost_usd"])
    (chat,) = [s for s in spans(receiver.traces()) if s.name == "chat claude-haiku-4-5"]
    span_attributes = attributes(chat.attributes)
    assert span_attributes["gen_ai.usage.output_tokens"] == 40
    assert "gen_ai.usage.input_tokens" in span_attributes
    assert PROMPT.encode() not in receiver.raw() and ANSWER.encode() not in receiver.raw()
