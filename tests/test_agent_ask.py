"""The agent end to end through `tui-router ask`: the real CLI (in-process), the real SDKs, the
loopback fake server scripting native tool calls, the real store, a throwaway git repository.

The "done when" of the agent: a variable renamed through read → edit → run, a file outside the
workspace refused, the API key kept out of a command's output, cache breakpoints marked, every
step's call recorded with its cost, `undo --last` putting the file back; without --yes nothing
changes; the OpenAI path the same.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeServer, Script

from tui_router.cli import main
from tui_router.core.paths import get_paths
from tui_router.core.store import Store

ANTHROPIC_KEY = "sk-ant-test-SECRET-never-in-output-81c2"
OPENAI_KEY = "sk-openai-test-SECRET-never-in-output-5d0e"
ORIGINAL = "def add(a, b):\n    tmp = a + b\n    return tmp\n"
RENAMED = "def add(a, b):\n    total = a + b\n    return total\n"
SHOW_KEY = "python3 -c \"import os; print('key:', os.environ.get('ANTHROPIC_API_KEY', 'none'), os.environ.get('OPENAI_API_KEY', 'none'))\""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "utils.py").write_text(ORIGINAL)
    (tmp_path / "outside.txt").write_text("private notes\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / "AGENTS.md").write_text("Run tests with: python -m pytest -q\n")
    return root


@pytest.fixture
def keys(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    return fake_server


def _rename_scripts() -> list[Script]:
    return [
        Script(
            text="Let me look.",
            tool_calls=[{"name": "read_file", "input": {"path": "src/utils.py"}}],
        ),
        Script(tool_calls=[{"name": "read_file", "input": {"path": "../outside.txt"}}]),
        Script(
            tool_calls=[
                {
                    "name": "edit_file",
                    "input": {
                        "path": "src/utils.py",
                        "old_text": "    tmp = a + b\n    return tmp",
                        "new_text": "    total = a + b\n    return total",
                    },
                }
            ]
        ),
        Script(tool_calls=[{"name": "run_command", "input": {"command": SHOW_KEY}}]),
        Script(text="Renamed tmp to total in src/utils.py."),
    ]


def _ask(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["ask", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _tool_results(fake: FakeServer) -> list[str]:
    """Every tool result the model was sent, in order (either wire format): the last request
    carries the whole history."""
    seen: list[str] = []
    for request in fake.requests[-1:]:
        for message in request.messages:
            content = message.get("content")
            if message.get("role") == "tool":
                seen.append(str(content))
            elif isinstance(content, list):
                seen.extend(
                    str(b.get("content")) for b in content if b.get("type") == "tool_result"
                )
    return seen


@pytest.mark.parametrize(
    ("model", "provider"), [("claude-haiku-4-5", "anthropic"), ("gpt-5-mini", "openai")]
)
def test_ask_yes_renames_through_read_edit_run_and_undo_puts_it_back(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str], model: str, provider: str
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    code, answer, err = _ask(
        capsys, "--yes", "--model", model, "--cwd", str(repo), "rename tmp to total in src/utils.py"
    )
    assert code == 0, err
    assert (repo / "src" / "utils.py").read_text() == RENAMED
    assert answer["text"] == "Renamed tmp to total in src/utils.py."
    assert [(t["name"], t["status"]) for t in answer["tools"]] == [
        ("read_file", "ok"),
        ("read_file", "denied"),
        ("edit_file", "ok"),
        ("run_command", "ok"),
    ]
    assert answer["files_changed"] == ["src/utils.py"]
    assert answer["steps"] == 5
    assert isinstance(answer["checkpoint"], int)
    # one stderr line per tool call, as it happened
    lines = [
        line
        for line in err.splitlines()
        if line.split(" ")[0] in ("read_file", "edit_file", "run_command")
    ]
    assert len(lines) == 4 and lines[2].startswith("edit_file src/utils.py") and "✓" in lines[2]
    results = _tool_results(keys)
    assert "tmp = a + b" in results[0]  # the file, with line numbers
    assert "outside the workspace" in results[1] and "private notes" not in "".join(results)
    assert "key: none none" in results[3]
    everything = json.dumps([r.body for r in keys.requests])
    assert ANTHROPIC_KEY not in everything and OPENAI_KEY not in everything
    # the system prompt knows where it is and what the project says
    first = keys.requests[0].body
    system = json.dumps(first.get("system") or first["messages"][0])
    assert str(repo) in system and "AGENTS.md" in system and "Git branch: main" in system
    if provider == "anthropic":
        assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        last = keys.requests[-1].body["messages"][-1]["content"][-1]
        assert last["cache_control"] == {"type": "ephemeral"}
    else:
        assert {r.body["prompt_cache_key"] for r in keys.requests} == {answer["session_id"]}
    assert {t["function"]["name"] if "function" in t else t["name"] for t in first["tools"]} == {
        "read_file",
        "list_files",
        "search",
        "edit_file",
        "write_file",
        "run_command",
        "delegate",
    }
    # every step's call is in the store with purpose agent and a price
    code = main(["report", "--last", "--json"])
    report = json.loads(capsys.readouterr().out)
    calls = report["calls"]
    assert [c["purpose"] for c in calls] == ["agent"] * 5
    assert all(c["cost_usd"] is not None for c in calls)
    assert answer["total"]["calls"] == 5
    with Store() as store:
        secrets = json.dumps([m.content for m in store.session_messages(answer["session_id"])])
    assert ANTHROPIC_KEY not in secrets and OPENAI_KEY not in secrets
    # undo puts the file back
    assert main(["undo", "--last"]) == 0
    assert (repo / "src" / "utils.py").read_text() == ORIGINAL
    assert "src/utils.py" in capsys.readouterr().out


def test_ask_without_yes_changes_nothing_and_the_model_is_told(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    code, answer, err = _ask(
        capsys, "--model", "claude-haiku-4-5", "--cwd", str(repo), "rename tmp to total"
    )
    assert code == 0, err  # refused tools are a finished turn
    assert (repo / "src" / "utils.py").read_text() == ORIGINAL
    statuses = [(t["name"], t["status"]) for t in answer["tools"]]
    assert ("edit_file", "denied") in statuses and ("run_command", "denied") in statuses
    assert answer["files_changed"] == []
    assert answer["checkpoint"] is None
    results = _tool_results(keys)
    assert any("--allow edit_file" in r for r in results)
    # stderr says what was refused and why, once ("refused: refused by the user: not approved:")
    [line] = [x for x in err.splitlines() if x.startswith("edit_file ")]
    assert line == (
        "edit_file src/utils.py ✗ refused: nobody is at the keyboard "
        "(the user can rerun with --allow edit_file or --yes)"
    )


def test_ask_says_a_failed_edit_once_with_its_file(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit = {"path": "src/utils.py", "old_text": "not in the file", "new_text": "x"}
    keys.push(
        Script(text="Editing.", tool_calls=[{"name": "edit_file", "input": edit}]),
        Script(text="It was not there."),
    )
    code, answer, err = _ask(
        capsys, "--yes", "--model", "claude-haiku-4-5", "--cwd", str(repo), "x"
    )
    assert code == 0 and [(t["name"], t["status"]) for t in answer["tools"]] == [
        ("edit_file", "error")
    ]
    [line] = [x for x in err.splitlines() if x.startswith("edit_file ")]
    assert line.startswith("edit_file src/utils.py ✗ error: old_text not found in src/utils.py")
    assert line.count("old_text not found") == 1


def test_ask_marks_a_command_that_exits_non_zero_with_a_cross(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = {"name": "run_command", "input": {"command": "exit 4"}}
    keys.push(Script(text="Testing.", tool_calls=[run]), Script(text="It fails."))
    code, _, err = _ask(capsys, "--yes", "--model", "claude-haiku-4-5", "--cwd", str(repo), "x")
    assert code == 0
    [line] = [x for x in err.splitlines() if x.startswith("run_command ")]
    assert line == "run_command exit 4 → exit 4 ✗"


def test_allow_grants_only_the_named_tools(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    code, answer, _ = _ask(
        capsys, "--allow", "edit_file", "--model", "claude-haiku-4-5", "--cwd", str(repo), "go"
    )
    assert code == 0
    assert (repo / "src" / "utils.py").read_text() == RENAMED
    statuses = dict((t["name"], t["status"]) for t in answer["tools"] if t["name"] != "read_file")
    assert statuses == {"edit_file": "ok", "run_command": "denied"}


def test_max_steps_stops_the_turn_and_keeps_the_work(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    code, answer, err = _ask(
        capsys, "--yes", "--max-steps", "3", "--model", "claude-haiku-4-5", "--cwd", str(repo), "go"
    )
    assert code != 0
    assert "max steps (3) reached" in err
    assert answer["steps"] == 3
    assert (repo / "src" / "utils.py").read_text() == RENAMED  # step 3 edited: kept
    assert len(keys.requests) == 3


def test_cost_cap_is_checked_before_a_step_is_sent(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    # claude-opus at $5/$25 per MTok: the system prompt and tools alone are ~$0.005 of input
    code = main(
        [
            "ask",
            "--json",
            "--yes",
            "--max-cost",
            "0.001",
            "--model",
            "claude-opus-4-6",
            "--cwd",
            str(repo),
            "go",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 3  # a cap exits 3, before the first step as after it
    assert "not sent: a call to claude-opus-4-6 could cost up to $" in err
    assert "the turn's cost cap has $0.001 left of $0.001 — raise --max-cost\n" in err
    assert "/new" not in err  # a new session is no way round a turn's cap
    assert keys.requests == []  # nothing was sent that could have gone over
    # --json is one object with the keys a script reads, and no step that was never sent
    answer = json.loads(out)
    assert (answer["status"], answer["model"], answer["cost_usd"]) == (
        "not sent",
        "claude-opus-4-6",
        None,
    )
    assert answer["steps"] == 0 and answer["stopped"].startswith("not sent: a call to")


def test_a_cap_reached_mid_turn_keeps_the_work_and_stops(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for script in _rename_scripts():
        keys.push(script)
    # haiku at $1/$5: each step is ~$0.0015 of input; a cap of $0.005 pays for a few steps only
    code, answer, err = _ask(
        capsys,
        "--yes",
        "--max-cost",
        "0.005",
        "--model",
        "claude-haiku-4-5",
        "--cwd",
        str(repo),
        "go",
    )
    assert code == 3 and "turn's cost cap" in err  # a cap, not a failure (that exits 1)
    assert answer["stopped"].startswith("not sent: a call to claude-haiku-4-5")
    assert 1 <= answer["steps"] < 5
    assert answer["steps"] == len(keys.requests)  # the step the cap stopped was not sent
    assert Decimal(answer["total"]["cost_usd"]) <= Decimal("0.005")
    # every request asked for no more output than the cap had left
    assert all(r.body["max_tokens"] <= 4096 for r in keys.requests)


def test_the_session_budget_stops_a_call_before_it_is_sent(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("[budget]\nsession_usd = 0.002\n")
    keys.push(Script(text="never"))
    code = main(["ask", "--model", "claude-haiku-4-5", "--cwd", str(repo), "hi"])
    err = capsys.readouterr().err
    assert code == 3 and "session budget has $0.002 left of $0.002" in err
    assert "raise [budget] session_usd or start a /new session" in err and keys.requests == []


def test_the_daily_budget_counts_every_session_in_the_store(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("[budget]\nday_usd = 0.002\n")
    keys.push(Script(text="ok", input_tokens=1000, output_tokens=100))
    args = ["ask", "--no-tools", "--model", "claude-haiku-4-5", "--cwd", str(repo)]
    assert main([*args, "one"]) == 0  # worst case fits once the answer is clamped
    assert 256 <= keys.requests[0].body["max_tokens"] < 4096
    capsys.readouterr()
    # another process, another session: the $0.0015 the first spent counts against the day
    assert main([*args, "two"]) != 0
    err = capsys.readouterr().err
    assert "the daily budget has $0.0005 left of $0.002 — raise [budget] day_usd" in err
    assert len(keys.requests) == 1


def test_no_tools_is_a_plain_chat(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(Script(text="just text"))
    code, answer, _ = _ask(
        capsys, "--no-tools", "--model", "claude-haiku-4-5", "--cwd", str(repo), "hi"
    )
    assert code == 0 and answer["text"] == "just text" and answer["tools"] == []
    assert "tools" not in keys.requests[0].body


def test_an_unquoted_prompt_is_joined(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(Script(text="a haiku"))
    code, _, _ = _ask(
        capsys, "--model", "claude-haiku-4-5", "--cwd", str(repo), "write", "a", "haiku"
    )
    assert code == 0
    assert keys.requests[0].texts[-1] == "write a haiku"


def test_escape_sequences_in_the_answer_never_reach_the_terminal(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(Script(chunks=["\x1b]0;pwned\x07he", "llo\x1b[2", "J world\n"]))
    assert main(["ask", "--model", "claude-haiku-4-5", "--cwd", str(repo), "hi"]) == 0
    assert capsys.readouterr().out == "hello world\n"


def test_a_retry_is_said_as_it_happens_and_noted_on_the_call(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(Script(status=429, headers={"retry-after": "0.1"}), Script(text="after the wait"))
    code, answer, err = _ask(
        capsys, "--no-tools", "--model", "claude-haiku-4-5", "--cwd", str(repo), "hi"
    )
    assert code == 0 and answer["text"] == "after the wait"
    assert "tui-router: rate limited, retrying in 0.1 s (2/3)" in err  # attempt 2 of 3
    with Store() as store:
        (call,) = store.session_calls(answer["session_id"])
    assert call.status == "ok" and call.error is not None and "after 1 retry" in call.error


def test_ask_without_a_keyboard_refuses_a_read_outside_and_says_what_would_allow_it(
    repo: Path, keys: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(
        Script(
            text="Reading.", tool_calls=[{"name": "read_file", "input": {"path": "../outside.txt"}}]
        ),
        Script(text="I could not read it."),
    )
    code, answer, _ = _ask(capsys, "--model", "claude-haiku-4-5", "--cwd", str(repo), "notes?")
    assert code == 0 and [(t["name"], t["status"]) for t in answer["tools"]] == [
        ("read_file", "denied")
    ]
    [result] = _tool_results(keys)
    assert "nobody is at the keyboard" in result and "extra_dirs" in result
    assert "--allow read_file" not in result and "private notes" not in result


def test_json_says_a_commands_exit_code_and_keeps_a_broken_off_answer(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.push(
        Script(tool_calls=[{"name": "run_command", "input": {"command": "exit 3"}}]),
        Script(text="It failed because the exit", n_chunks=6, stream_error_after=3),
    )
    code, answer, err = _ask(
        capsys, "--yes", "--model", "claude-haiku-4-5", "--cwd", str(repo), "go"
    )
    assert code == 1 and "→ exit 3 ✗" in err
    # the tool worked (status ok); the command did not, and the JSON says so
    assert answer["tools"] == [{"name": "run_command", "status": "ok", "exit_code": 3}]
    # the part of the answer that streamed before the error is the text, as it is in the store
    assert answer["text"] and "It failed because the exit".startswith(answer["text"])


def test_a_key_pasted_into_the_prompt_never_reaches_the_store(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the prompt (and the title made of it), a tool call's input, the answer, an error: every
    # text the store keeps is written without the keys of the environment
    keys.push(
        Script(
            text=f"Checking {ANTHROPIC_KEY}.",
            tool_calls=[{"name": "run_command", "input": {"command": f"echo {OPENAI_KEY}"}}],
        ),
        Script(text="It is set.", status=500, error_message=f"bad key {ANTHROPIC_KEY}"),
    )
    prompt = f"my key {ANTHROPIC_KEY} fails, why"
    _, answer, _ = _ask(capsys, "--yes", "--model", "claude-haiku-4-5", "--cwd", str(repo), prompt)
    assert answer["session_id"]
    stored = b"".join(p.read_bytes() for p in get_paths().database.parent.glob("*"))
    assert ANTHROPIC_KEY.encode() not in stored and OPENAI_KEY.encode() not in stored
    with Store() as store:
        row = store.get_session(answer["session_id"])
        assert row is not None and row.title is not None and "[redacted]" in row.title
        texts = [m.content for m in store.session_messages(row.id)]
        assert "my key [redacted] fails, why" in texts


@pytest.mark.parametrize("command", [["ask"], []])
def test_cwd_naming_a_file_says_it_is_a_file(
    keys: FakeServer, repo: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """It said "no such folder" for a file that is there."""
    notes = repo / "AGENTS.md"
    missing = repo / "gone"
    assert main([*command, "--cwd", str(notes), *(["hi"] if command else [])]) == 2
    err = capsys.readouterr().err
    assert err == f"tui-router: --cwd {notes}: {notes} is a file, not a folder\n"
    assert main([*command, "--cwd", str(missing), *(["hi"] if command else [])]) == 2
    assert capsys.readouterr().err == f"tui-router: --cwd {missing}: no such folder\n"
    assert keys.requests == []


def test_an_endpoints_own_key_variable_is_kept_out_of_the_store_too(
    keys: FakeServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `api_key_env = "MYVLLM_KEY"` matches no key-variable suffix: only the config names it
    endpoint_key = "vllm-local-SECRET-0123456789abcdef"
    monkeypatch.setenv("MYVLLM_KEY", endpoint_key)
    paths = get_paths()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        '[endpoints.myvllm]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'api_key_env = "MYVLLM_KEY"\nmodels = ["qwen-coder-7b"]\n'
    )
    keys.push(Script(text="ok"))
    prompt = f"why does {endpoint_key} fail"
    code, answer, _ = _ask(capsys, "--model", "claude-haiku-4-5", "--cwd", str(repo), prompt)
    assert code == 0 and answer["session_id"]
    stored = b"".join(p.read_bytes() for p in paths.database.parent.glob("*"))
    assert endpoint_key.encode() not in stored
