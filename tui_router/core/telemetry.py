"""Optional OpenTelemetry export of the ledger's calls: GenAI metrics and spans, plus cost.

Off unless ``TUI_ROUTER_TELEMETRY=1`` or ``[telemetry] enabled = true``; the destination comes from
the standard ``OTEL_EXPORTER_OTLP_*`` variables (OTLP over HTTP/protobuf, the `otel` extra). When
off, or when the extra is missing, `Telemetry.from_config` returns a no-op object and OpenTelemetry
is never imported, so start-up does not pay for it. Export failures never reach the caller: they
become one warning line. Prompt and answer text leave the machine only with ``log_content``.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import platform
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_router.core.config import AppConfig, ConfigError

if TYPE_CHECKING:
    from tui_router.core.ledger import CallRecord

ENABLE_ENV = "TUI_ROUTER_TELEMETRY"
TELEMETRY_KEYS: tuple[str, ...] = ("enabled", "project", "log_content", "user")
SERVICE_NAME = "tui-router"
SCOPE_NAME = "tui_router"

#: Bucket boundaries the GenAI semantic conventions advise for the two client histograms.
TOKEN_BUCKETS: tuple[float, ...] = tuple(float(4**n) for n in range(14))  # 1 .. 67,108,864
DURATION_BUCKETS: tuple[float, ...] = tuple(0.01 * 2**n for n in range(14))  # 0.01 .. 81.92 s

Warn = Callable[[str], None]


def _stderr_line(message: str) -> None:
    print(f"tui-router: {message}", file=sys.stderr)


@dataclass(frozen=True)
class TelemetrySettings:
    """The ``[telemetry]`` table, with the environment applied.

    Attributes:
        enabled: export at all (``TUI_ROUTER_TELEMETRY=1``/``0`` overrides the file).
        project: the ``tui_router.project`` resource attribute; default: the workspace folder name.
        log_content: also put prompt and answer text on the ``chat`` spans (off: never exported).
        user: who the spend belongs to; exported only as a hash (default: login name @ host).
    """

    enabled: bool = False
    project: str | None = None
    log_content: bool = False
    user: str | None = None


def telemetry_settings(
    config: AppConfig, environ: Mapping[str, str] | None = None
) -> TelemetrySettings:
    """Validate ``[telemetry]`` from ``config`` and apply ``TUI_ROUTER_TELEMETRY``."""
    environ = os.environ if environ is None else environ
    where = str(config.source) if config.source is not None else "config.toml"
    table = config.raw.get("telemetry", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [telemetry] must be a table")
    for key in table:
        if key not in TELEMETRY_KEYS:
            from tui_router.core.config import did_you_mean

            hint = did_you_mean(key, TELEMETRY_KEYS)
            raise ConfigError(
                f"{where}: unknown key telemetry.{key}"
                + (f" (did you mean telemetry.{hint}?)" if hint else "")
                + f"; valid keys: {', '.join(TELEMETRY_KEYS)}"
            )

    def flag(key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: telemetry.{key} must be true or false, not {value!r}")
        return value

    def text(key: str) -> str | None:
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{where}: telemetry.{key} must be a non-empty string")
        return value

    enabled = flag("enabled")
    env = environ.get(ENABLE_ENV, "").strip().lower()
    if env in ("1", "true", "yes", "on"):
        enabled = True
    elif env in ("0", "false", "no", "off"):
        enabled = False
    return TelemetrySettings(enabled, text("project"), flag("log_content"), text("user"))


def hashed_user(user: str | None = None) -> str:
    """A stable pseudonymous id for the person: sha256 of ``user`` (default login@host), 16 hex."""
    if user is None:
        try:
            login = getpass.getuser()
        except Exception:  # no login name (some containers): the host alone still groups
            login = "unknown"
        user = f"{login}@{platform.node()}"
    return hashlib.sha256(f"tui-router:{user}".encode()).hexdigest()[:16]


class Telemetry:
    """The no-op telemetry (off, or the extra is missing); `OtelTelemetry` does the exporting.

    Every method is safe to call at any time and never raises.
    """

    enabled = False

    @classmethod
    def from_config(
        cls,
        config: AppConfig,
        workspace: Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        warn: Warn = _stderr_line,
    ) -> Telemetry:
        """Telemetry as configured: a no-op object unless it is enabled and the extra installed.

        ``warn`` receives the one line said when something is wrong (default: stderr); the TUI
        passes a notification instead, as stderr would land on the screen.
        """
        settings = telemetry_settings(config, environ)
        if not settings.enabled:
            return cls()
        try:
            return OtelTelemetry(settings, workspace or Path.cwd(), environ=environ, warn=warn)
        except ImportError:
            from tui_router.core.extras import install_command

            warn(
                "telemetry is on but OpenTelemetry is not installed; install it with: "
                + install_command("otel")
            )
        except Exception as exc:  # a bad OTEL_* variable: say so, never stop the session
            warn(f"telemetry is off: {exc}")
        return cls()

    def record_call(
        self,
        record: CallRecord,
        *,
        strategy: str | None = None,
        duration_s: float | None = None,
        content: tuple[str, str] | None = None,
    ) -> None:
        """Export one priced call (after the ledger has it): tokens, duration, cost, a span.

        ``content`` is (prompt, answer); it is exported only with ``log_content = true``.
        """

    def record_tool(self, name: str, status: str, duration_s: float) -> None:
        """Count a tool call and export its ``execute_tool`` span."""

    def record_decision(
        self, strategy: str, from_tier: str | None, to_tier: str | None, outcome: str
    ) -> None:
        """Count a routing decision: outcome is accepted, rejected or auto."""

    @contextlib.contextmanager
    def turn_span(
        self, *, turn: int, session_id: str | None = None, model: str | None = None
    ) -> Iterator[None]:
        """A span around one turn; the calls and tool calls made inside it are its children."""
        yield

    def shutdown(self, timeout_s: float = 2.0) -> None:
        """Flush what is pending and stop, within ``timeout_s`` whatever the collector does."""


@dataclass
class _Money:
    """A running cost sum kept as `Decimal`, so the exported total equals the ledger's."""

    usd: Decimal = Decimal(0)
    baseline_usd: Decimal = Decimal(0)


class OtelTelemetry(Telemetry):
    """Exports over OTLP/HTTP (protobuf); built only when telemetry is on and the extra present."""

    enabled = True

    def __init__(
        self,
        settings: TelemetrySettings,
        workspace: Path,
        *,
        environ: Mapping[str, str] | None = None,
        warn: Warn = _stderr_line,
    ) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.metrics import CallbackOptions, Observation
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from tui_router import __version__

        environ = os.environ if environ is None else environ
        self.settings = settings
        self._warn = warn
        self._warned = False
        self._lock = threading.Lock()
        self._quiet_sdk_logs()
        protocol = environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf").strip()
        if protocol not in ("", "http/protobuf"):
            self._warn_once(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported; "
                "exporting with http/protobuf"
            )
        ours: dict[str, str] = {
            "service.name": SERVICE_NAME,
            "service.version": __version__,
            # one series per process: two sessions of one person must not overwrite each other
            "service.instance.id": uuid.uuid4().hex,
            "user.id": hashed_user(settings.user),
            "tui_router.project": settings.project or workspace.resolve().name or "/",
        }
        # OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME win over ours (a team may set user.id).
        resource = Resource.create(ours).merge(OTELResourceDetector().detect())
        service_name = environ.get("OTEL_SERVICE_NAME")
        if service_name:
            resource = resource.merge(Resource({"service.name": service_name}))
        self.resource_attributes = dict(resource.attributes)

        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        self._meter_provider = MeterProvider([reader], resource=resource, shutdown_on_exit=False)
        self._tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        self._tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        self._tracer = self._tracer_provider.get_tracer(SCOPE_NAME, __version__)
        meter = self._meter_provider.get_meter(SCOPE_NAME, __version__)

        self._token_usage = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used (billable)",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self._duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._cache_tokens = meter.create_counter(
            "tui_router.cache.tokens",
            unit="{token}",
            description="Prompt-cache tokens read/written",
        )
        self._decisions = meter.create_counter(
            "tui_router.routing.decisions", unit="{decision}", description="Routing decisions"
        )
        self._tool_calls = meter.create_counter(
            "tui_router.tool.calls", unit="{call}", description="Agent tool calls"
        )
        # Cost: the running Decimal sum per attribute set, reported as a cumulative counter at
        # each collection. Adding floats call by call would drift from the ledger's total.
        self._money: dict[tuple[tuple[str, str], ...], _Money] = {}

        def observe(baseline: bool) -> Callable[[CallbackOptions], list[Observation]]:
            def callback(_options: CallbackOptions) -> list[Observation]:
                with self._lock:
                    items = list(self._money.items())
                return [
                    Observation(float(m.baseline_usd if baseline else m.usd), dict(key))
                    for key, m in items
                ]

            return callback

        meter.create_observable_counter(
            "tui_router.cost.usage",
            callbacks=[observe(baseline=False)],
            unit="USD",
            description="Spend as the ledger records it (calls with an unknown price excluded)",
        )
        meter.create_observable_counter(
            "tui_router.cost.baseline",
            callbacks=[observe(baseline=True)],
            unit="USD",
            description="The same tokens priced at the frontier model (the frontier-only baseline)",
        )

    # -- the API ---------------------------------------------------------------------------

    def record_call(
        self,
        record: CallRecord,
        *,
        strategy: str | None = None,
        duration_s: float | None = None,
        content: tuple[str, str] | None = None,
    ) -> None:
        try:
            self._record_call(record, strategy, duration_s, content)
        except Exception as exc:
            self._warn_once(f"telemetry could not record a call ({exc}); continuing without it")

    def record_tool(self, name: str, status: str, duration_s: float) -> None:
        try:
            self._tool_calls.add(1, {"gen_ai.tool.name": name, "tui_router.tool.status": status})
            end_ns = time.time_ns()
            span = self._tracer.start_span(
                f"execute_tool {name}",
                start_time=end_ns - int(duration_s * 1e9),
                attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": name,
                    "tui_router.tool.status": status,
                },
            )
            if status != "ok":
                self._set_error(span, status)
            span.end(end_time=end_ns)
        except Exception as exc:
            self._warn_once(f"telemetry could not record a tool call ({exc})")

    def record_decision(
        self, strategy: str, from_tier: str | None, to_tier: str | None, outcome: str
    ) -> None:
        try:
            self._decisions.add(
                1,
                {
                    "tui_router.strategy": strategy,
                    "tui_router.from_tier": from_tier or "none",
                    "tui_router.to_tier": to_tier or "none",
                    "tui_router.outcome": outcome,
                },
            )
        except Exception as exc:
            self._warn_once(f"telemetry could not record a decision ({exc})")

    @contextlib.contextmanager
    def turn_span(
        self, *, turn: int, session_id: str | None = None, model: str | None = None
    ) -> Iterator[None]:
        from opentelemetry import trace

        attributes: dict[str, str | int] = {"tui_router.turn": turn}
        if session_id:
            attributes["gen_ai.conversation.id"] = session_id
        if model:
            attributes["gen_ai.request.model"] = model
        try:
            span = self._tracer.start_span("turn", attributes=attributes)
        except Exception:
            yield
            return
        with trace.use_span(span, end_on_exit=True, record_exception=True):
            yield

    def shutdown(self, timeout_s: float = 2.0) -> None:
        """Flush and stop both providers in a helper thread, waiting at most ``timeout_s``.

        The exporters retry with back-off for up to their own timeout (10 s by default) when the
        collector is down; `ask` must not wait that long, so the wait is cut here. Whatever is
        still unsent then is dropped (the helper thread is a daemon).
        """
        millis = max(1, int(timeout_s * 1000))

        def flush_and_stop() -> None:
            with contextlib.suppress(Exception):
                self._tracer_provider.force_flush(millis)
            with contextlib.suppress(Exception):
                self._tracer_provider.shutdown()
            with contextlib.suppress(Exception):  # its reader collects and exports once more
                self._meter_provider.shutdown(timeout_millis=millis)

        worker = threading.Thread(target=flush_and_stop, name="telemetry-flush", daemon=True)
        worker.start()
        worker.join(timeout_s)
        if worker.is_alive():
            self._warn_once(
                f"telemetry: the collector did not answer within {timeout_s:g} s; "
                "this session's last data was not exported"
            )

    # -- internals -------------------------------------------------------------------------

    def _record_call(
        self,
        record: CallRecord,
        strategy: str | None,
        duration_s: float | None,
        content: tuple[str, str] | None,
    ) -> None:
        usage = record.usage
        seconds = record.duration_ms / 1000 if duration_s is None else duration_s
        provider = record.endpoint or "unknown"
        genai = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": record.model,
            "gen_ai.response.model": record.model,
        }
        self._token_usage.record(usage.input_tokens, {**genai, "gen_ai.token.type": "input"})
        self._token_usage.record(usage.output_tokens, {**genai, "gen_ai.token.type": "output"})
        duration_attributes: dict[str, str] = dict(genai)
        if record.status != "ok":
            duration_attributes["error.type"] = record.status
        self._duration.record(seconds, duration_attributes)
        cache_attributes = {"gen_ai.request.model": record.model}
        if usage.cache_read_tokens:
            self._cache_tokens.add(
                usage.cache_read_tokens, {**cache_attributes, "tui_router.cache.type": "read"}
            )
        if usage.cache_write_tokens:
            self._cache_tokens.add(
                usage.cache_write_tokens, {**cache_attributes, "tui_router.cache.type": "write"}
            )
        money_key = tuple(
            sorted(
                {
                    "gen_ai.request.model": record.model,
                    "tui_router.tier": record.tier or "other",
                    "tui_router.purpose": record.purpose,
                    "tui_router.strategy": strategy or "none",
                    "tui_router.estimated": str(usage.estimated).lower(),
                }.items()
            )
        )
        with self._lock:
            money = self._money.setdefault(money_key, _Money())
            money.usd += record.price.usd or 0
            money.baseline_usd += record.baseline.usd or 0

        span_attributes: dict[str, Any] = {
            **genai,
            "gen_ai.usage.input_tokens": usage.input_tokens,
            "gen_ai.usage.output_tokens": usage.output_tokens,
            "gen_ai.usage.cache_read.input_tokens": usage.cache_read_tokens,
            "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
            "gen_ai.usage.cost.currency": "USD",
            "tui_router.tier": record.tier or "other",
            "tui_router.purpose": record.purpose,
            "tui_router.strategy": strategy or "none",
            "tui_router.estimated": usage.estimated,
            "tui_router.turn": record.turn,
            "tui_router.price_source": record.price.source,
        }
        if record.price.usd is not None:
            span_attributes["gen_ai.usage.cost.amount"] = float(record.price.usd)
            span_attributes["tui_router.cost.usd"] = str(record.price.usd)  # the exact decimal
        if record.baseline.usd is not None:
            span_attributes["tui_router.cost.baseline_usd"] = str(record.baseline.usd)
        if usage.reasoning_tokens:
            span_attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
        if content is not None and self.settings.log_content:
            prompt, answer = content
            span_attributes["gen_ai.input.messages"] = _messages_json("user", prompt)
            span_attributes["gen_ai.output.messages"] = _messages_json("assistant", answer)
        end_ns = time.time_ns()
        span = self._tracer.start_span(
            f"chat {record.model}",
            start_time=end_ns - int(seconds * 1e9),
            attributes=span_attributes,
        )
        if record.status != "ok":
            self._set_error(span, record.status)
        span.end(end_time=end_ns)

    @staticmethod
    def _set_error(span: Any, status: str) -> None:
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute("error.type", status)
        span.set_status(Status(StatusCode.ERROR, status))

    def _warn_once(self, message: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        with contextlib.suppress(Exception):
            self._warn(message)

    def _quiet_sdk_logs(self) -> None:
        """The SDK logs each failed export (with tracebacks) to stderr, which in the TUI lands on
        the screen: route its warnings to one line through ``warn`` instead."""
        telemetry = self

        class _OneLine(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if record.levelno >= logging.WARNING:
                    telemetry._warn_once(
                        "telemetry export failed; the session goes on without it "
                        f"({record.getMessage().splitlines()[0][:160]})"
                    )

        sdk_logger = logging.getLogger("opentelemetry")
        sdk_logger.handlers = [_OneLine()]
        sdk_logger.propagate = False


def _messages_json(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])
