"""`tui-router ask` end to end: the real CLI, the real SDKs, the loopback fake server.

Costs are checked against genai-prices' own `calc_price` for the same tokens (Decimal equality),
and `report --last --json` must show the same call. The CLI runs in-process (`cli`, see
tests/cli_runner.py); one test runs `ask` and then `report` as two real processes, so what the
first wrote to disk is what the second reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import genai_prices
import pytest
from cli_runner import Cli, CliResult
from fakeserver import FakeServer, Script

from tui_router.core.endpoints import local_model_installed
from tui_router.core.paths import get_paths
from tui_router.core.store import Store

FAKE_ANTHROPIC_KEY = "sk-ant-test-DO-NOT-STORE-4f1c9e"
FAKE_OPENAI_KEY = "sk-openai-test-DO-NOT-STORE-77ab2d"
WAL = "Write-ahead logging keeps readers and a writer apart."


def _env(fake: FakeServer | None) -> dict[str, str | None]:
    """The provider variables for a run: the fake server's, or none at all."""
    if fake is None:
        return {}  # conftest removed every provider variable from the test's environment
    return {
        "ANTHROPIC_BASE_URL": fake.anthropic_base_url,
        "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY,
        "OPENAI_BASE_URL": fake.openai_base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_KEY,
    }


def _spawn(*args: str, env: dict[str, str | None]) -> CliResult:
    """``python -m tui_router ARGS`` as a real process (the test's environment plus ``env``)."""
    full = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    proc = subprocess.run(
        [sys.executable, "-m", "tui_router", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _genai(usage: dict[str, Any], model: str, provider: str) -> Decimal:
    price = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=usage["input_tokens"],
            cache_read_tokens=usage["cache_read_tokens"] or None,
            cache_write_tokens=usage["cache_write_tokens"] or None,
            output_tokens=usage["output_tokens"],
        ),
        model,
        provider_id=provider,
    )
    return Decimal(price.total_price)


def _ask_then_report(
    fake: FakeServer, model: str, provider: str, run: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``ask --json`` then ``report --last --json`` (without keys), each through ``run``."""
    asked = run("ask", "--json", "--model", model, "explain the WAL in one line", env=_env(fake))
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)  # exactly one JSON object on stdout
    assert answer["status"] == "ok" and answer["error"] is None
    assert answer["model"] == model and answer["provider"] == provider
    assert answer["text"] == WAL
    expected = _genai(answer["usage"], model, provider)
    assert Decimal(answer["cost_usd"]) == expected
    assert answer["baseline"]["model"] == "claude-opus-4-6"
    opus = _genai(answer["usage"], "claude-opus-4-6", "anthropic")
    assert Decimal(answer["baseline"]["cost_usd"]) == opus
    assert Decimal(answer["savings_usd"]) == opus - expected
    assert answer["route"] == {"mode": "manual", "tier": "fast", "reason": "--model"}
    # the answer was asked of the fake server with the dummy key, and only once
    assert len(fake.requests) == 1
    reported = run("report", "--last", "--json", env=_env(None))
    assert reported.returncode == 0, reported.stderr
    report = json.loads(reported.stdout)
    assert report["session_id"] == answer["session_id"]
    return answer, report


def test_ask_json_anthropic_usage_and_cost_match_genai_prices_in_real_processes(
    fake_server: FakeServer,
) -> None:
    """The smoke test of the whole path: `python -m tui_router ask`, then `report` in a new
    process reads the call from disk."""
    fake_server.push(
        Script(
            text=WAL,
            input_tokens=300,
            cache_read_tokens=1_000,
            cache_write_5m_tokens=200,
            output_tokens=80,
        )
    )
    answer, report = _ask_then_report(fake_server, "claude-haiku-4-5", "anthropic", _spawn)
    assert answer["usage"] == {
        "input_tokens": 1_500,
        "cache_read_tokens": 1_000,
        "cache_write_tokens": 200,
        "output_tokens": 80,
        "reasoning_tokens": 0,
        "estimated": False,
    }
    [call] = report["calls"]
    assert call["model"] == "claude-haiku-4-5" and call["status"] == "ok"
    assert call["usage"] == answer["usage"]
    assert call["cost_usd"] == answer["cost_usd"] == report["total"]["cost_usd"]
    assert report["baseline"]["cost_usd"] == answer["baseline"]["cost_usd"]
    assert report["models"][0]["model"] == "claude-haiku-4-5"


def test_ask_json_openai_usage_and_cost_match_genai_prices(
    fake_server: FakeServer, cli: Cli
) -> None:
    fake_server.push(
        Script(
            text=WAL,
            input_tokens=2_000,
            cache_read_tokens=1_500,
            output_tokens=300,
            reasoning_tokens=120,
        )
    )
    answer, report = _ask_then_report(fake_server, "gpt-5-mini", "openai", cli)
    assert answer["usage"] == {
        "input_tokens": 2_000,
        "cache_read_tokens": 1_500,
        "cache_write_tokens": 0,
        "output_tokens": 300,
        "reasoning_tokens": 120,
        "estimated": False,
    }
    assert fake_server.requests[0].body["stream_options"] == {"include_usage": True}
    [call] = report["calls"]
    assert call["usage"] == answer["usage"] and call["cost_usd"] == answer["cost_usd"]
    assert report["savings_usd"] == answer["savings_usd"]


def test_api_error_exits_1_with_one_line_and_the_call_recorded(
    fake_server: FakeServer, cli: Cli
) -> None:
    overloaded = Script(status=529, headers={"x-should-retry": "false", "retry-after-ms": "1"})
    fake_server.push(overloaded, overloaded, overloaded)
    proc = cli("ask", "--model", "claude-haiku-4-5", "hello", env=_env(fake_server))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "claude-haiku-4-5" in lines[0] and "overloaded" in lines[0].lower()
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    with Store() as store:
        [call] = store.session_calls(store.last_session_id() or "")
    assert call.status == "error" and call.error and "overloaded" in call.error.lower()


def test_api_error_with_json_still_prints_the_object(fake_server: FakeServer, cli: Cli) -> None:
    fake_server.push(*[Script(status=401, headers={"x-should-retry": "false"})] * 3)
    proc = cli("ask", "--json", "--model", "gpt-5-mini", "hello", env=_env(fake_server))
    assert proc.returncode == 1
    answer = json.loads(proc.stdout)
    assert answer["status"] == "error" and answer["error"]
    assert Decimal(answer["cost_usd"]) == 0  # nothing billed: a known $0, not n/a


def test_no_api_key_is_ever_written_to_the_store(fake_server: FakeServer, cli: Cli) -> None:
    fake_server.push(Script(text=WAL))
    _ask_then_report(fake_server, "claude-haiku-4-5", "anthropic", cli)
    fake_server.push(Script(text=WAL))
    assert cli("ask", "--model", "gpt-5-mini", "q", env=_env(fake_server)).returncode == 0
    assert fake_server.requests[0].headers.get("x-api-key") == FAKE_ANTHROPIC_KEY or (
        FAKE_ANTHROPIC_KEY in fake_server.requests[0].headers.get("authorization", "")
    )
    assert FAKE_OPENAI_KEY in fake_server.requests[1].headers.get("authorization", "")
    data_dir = get_paths().data_dir
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the run wrote nothing?"
    for path in files:
        blob = path.read_bytes()
        for secret in (FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY, "DO-NOT-STORE"):
            assert secret.encode() not in blob, f"{secret} found in {path}"


def test_tier_picks_the_first_available_model_of_that_tier(
    fake_server: FakeServer, cli: Cli
) -> None:
    fake_server.push(Script(text=WAL))
    env = _env(fake_server)
    env["ANTHROPIC_API_KEY"] = None  # fast tier: claude-haiku-4-5 (no key) is skipped
    proc = cli("ask", "--json", "--tier", "fast", "hi", env=env)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["model"] == "gpt-5-mini"
    assert answer["route"] == {"mode": "manual", "tier": "fast", "reason": "--tier"}


def test_plain_output_streams_the_text_and_reads_stdin(fake_server: FakeServer, cli: Cli) -> None:
    fake_server.push(Script(chunks=["Write-ahead ", "logging ", "is a journal."]))
    proc = cli(
        "ask", "--model", "claude-haiku-4-5", "-", env=_env(fake_server), stdin=b"what is WAL?\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Write-ahead logging is a journal.\n"
    assert fake_server.requests[0].texts[-1] in (
        "what is WAL?\n",
        [{"type": "text", "text": "what is WAL?\n"}],
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00", "binary"), (b"\xff\xfe\xfa", "not UTF-8"), (b"  \n", "empty")],
)
def test_bad_stdin_is_one_clear_line(stdin: bytes, message: str, cli: Cli) -> None:
    proc = cli("ask", "--model", "claude-haiku-4-5", "-", env=_env(None), stdin=stdin)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_model_and_missing_key_are_clear(cli: Cli) -> None:
    proc = cli("ask", "--model", "no-such-model-x", "hi", env=_env(None))
    assert proc.returncode == 2 and "unknown model" in proc.stderr
    proc = cli("ask", "--model", " ", "hi", env=_env(None))  # not "let the router choose"
    assert proc.returncode == 2 and "--model: empty" in proc.stderr
    proc = cli("ask", "--model", "claude-haiku-4-5", "hi", env=_env(None))
    assert proc.returncode == 2 and "ANTHROPIC_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not local_model_installed(), reason="the local extra is not installed")
def test_no_key_answers_with_the_local_model_and_says_so() -> None:
    # A real process: the model loads into it (and a build for another CPU dies of a signal,
    # which only a child can report).
    proc = _spawn("ask", "--json", "--max-tokens", "8", "Say hi.", env=_env(None))
    assert "no API key set: answering with the bundled local model smollm2-135m" in proc.stderr
    # it has no tool calling: an answer about files it never read is said to be one
    assert "local/smollm2-135m cannot call tools: it answers without reading" in proc.stderr
    if proc.returncode < 0:
        pytest.fail(
            f"the local model crashed (signal {-proc.returncode}): llama-cpp-python was probably "
            "compiled for another CPU; reinstall it with CMAKE_ARGS='-DGGML_NATIVE=OFF'"
        )
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    # The offline fallback is the only model that can be called, so the router takes it (the
    # reason is the router's own); what matters is who answered, for free, and that stderr said so.
    assert (answer["model"], answer["provider"]) == ("local/smollm2-135m", "local")
    assert answer["tier"] == "local" and answer["route"]["tier"] == "local"
    assert answer["status"] == "ok" and Decimal(answer["cost_usd"]) == 0


def test_sessions_lists_the_recorded_session(fake_server: FakeServer, cli: Cli) -> None:
    fake_server.push(Script(text=WAL))
    answer, _ = _ask_then_report(fake_server, "claude-haiku-4-5", "anthropic", cli)
    proc = cli("sessions", "--json", env=_env(None))
    assert proc.returncode == 0, proc.stderr
    [listed] = json.loads(proc.stdout)
    assert listed["session_id"] == answer["session_id"]
    assert listed["models"] == ["claude-haiku-4-5"] and listed["calls"] == 1
    assert listed["cost_usd"] == answer["cost_usd"]
    assert listed["baseline_usd"] == answer["baseline"]["cost_usd"]
    table = cli("sessions", env=_env(None))
    assert table.returncode == 0, table.stderr
    assert answer["session_id"] in table.stdout and "claude-haiku-4-5" in table.stdout


def test_without_flags_the_router_picks_and_the_decision_is_recorded(
    fake_server: FakeServer, cli: Cli
) -> None:
    fake_server.push(Script(text=WAL))
    proc = cli("ask", "--json", "rename the variable foo to bar", env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    route = answer["route"]
    assert route["mode"] == "auto" and route["reason"] and route["tier"] == answer["tier"]
    with Store() as store:
        [decision] = store.session_decisions(answer["session_id"])
        session = store.get_session(answer["session_id"])
    assert decision.outcome == "auto-applied" and decision.suggested_model == answer["model"]
    assert decision.reason == route["reason"]
    assert session is not None and session.mode == "auto"
    report = json.loads(cli("report", "--last", "--json", env=_env(None)).stdout)
    assert report["suggestions"]["auto_applied"] == 1


def test_manual_routing_mode_uses_the_default_model(fake_server: FakeServer, cli: Cli) -> None:
    get_paths().config_dir.mkdir(parents=True, exist_ok=True)
    get_paths().config_file.write_text('routing_mode = "manual"\n', encoding="utf-8")
    fake_server.push(Script(text=WAL))
    proc = cli("ask", "--json", "rename the variable foo to bar", env=_env(fake_server))
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["route"] == {"mode": "manual", "tier": "fast", "reason": "default model"}
    assert answer["model"] == "claude-haiku-4-5"


def test_terminal_cost_line() -> None:
    from tui_router.commands.ask_output import cost_line as _cost_line
    from tui_router.core.pricing import Price
    from tui_router.core.turn import TurnResult
    from tui_router.core.usage import Usage

    result = TurnResult(
        text="x",
        usage=Usage(input_tokens=1_500, cache_read_tokens=1_000, output_tokens=80),
        price=Price(Decimal("0.00097"), "genai-prices"),
        baseline=Price(Decimal("0.00485"), "genai-prices"),
        status="ok",
        error=None,
        call_id=1,
        model="claude-haiku-4-5",
        tier="fast",
        duration_ms=5,
    )
    assert _cost_line(result) == (
        "[claude-haiku-4-5 · 1,500 in (1,000 cache) / 80 out · $0.000970 · frontier-only $0.004850]"
    )


def test_model_outside_the_catalog_priced_if_known_else_na(
    fake_server: FakeServer, cli: Cli
) -> None:
    fake_server.push(
        Script(text=WAL, input_tokens=900, output_tokens=60),
        Script(text=WAL, input_tokens=900, output_tokens=60),
    )
    env = _env(fake_server)
    known = json.loads(cli("ask", "--json", "--model", "gpt-4.1-nano", "q", env=env).stdout)
    assert known["tier"] is None and known["provider"] == "openai"
    assert Decimal(known["cost_usd"]) == _genai(known["usage"], "gpt-4.1-nano", "openai")
    proc = cli("ask", "--json", "--model", "openai/acme-finetune-7", "q", env=env)
    assert proc.returncode == 0, proc.stderr
    unknown = json.loads(proc.stdout)
    assert fake_server.requests[-1].body["model"] == "acme-finetune-7"
    assert unknown["cost_usd"] is None and unknown["savings_usd"] is None
    assert unknown["baseline"]["cost_usd"] is not None  # the usage is known, so is the baseline
    report = json.loads(cli("report", "--last", "--json", env=_env(None)).stdout)
    assert report["total"]["cost_usd"] is None and report["total"]["unknown_price_calls"] == 1


def test_a_dash_among_the_words_puts_stdin_in_its_place(fake_server: FakeServer, cli: Cli) -> None:
    # `git diff | tui-router ask "review this" -`: the words frame the piped text
    fake_server.push(Script(text="Looks fine."))
    proc = cli(
        "ask",
        "--model",
        "claude-haiku-4-5",
        "review this diff:",
        "-",
        "and be brief",
        env=_env(fake_server),
        stdin=b"+def f(): pass\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        fake_server.requests[0].texts[-1] == "review this diff:\n\n+def f(): pass\n\nand be brief"
    )
    proc = cli("ask", "--model", "claude-haiku-4-5", "-", "-", env=_env(None), stdin=b"x")
    assert proc.returncode == 2 and "only once" in proc.stderr


def test_a_prompt_far_past_every_window_is_refused_before_it_is_sent(
    fake_server: FakeServer, cli: Cli
) -> None:
    # ~2M tokens (8.5 MB): no model of the catalog has a window for it. The router said so,
    # but ask fell back to the default model without a word and sent it.
    huge = ("word " * 1_700_000).encode()
    env = _env(fake_server)
    config = get_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('routing_mode = "auto"\nsession_titles = false\n')
    proc = cli("ask", "-", env=env, stdin=huge)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("tui-router: the router chose no callable model (")
    assert "context window holds 200,000; shorten it" in lines[-1] and "not sent" in lines[-1]
    assert [r for r in fake_server.requests if r.method == "POST"] == []
    proc = cli("ask", "--json", "--model", "claude-haiku-4-5", "-", env=env, stdin=huge)
    assert proc.returncode == 2 and "not sent: the prompt is ~" in proc.stderr
    assert [r for r in fake_server.requests if r.method == "POST"] == []
    answer = json.loads(proc.stdout)  # --json is one object however the turn ends
    assert answer["status"] == "not sent" and "not sent: the prompt is ~" in answer["error"]
