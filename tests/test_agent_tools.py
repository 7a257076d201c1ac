"""The agent's six tools through `ToolBox`: results, errors, refusals, capping, secrets."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tui_router.core.agent import commands, search
from tui_router.core.agent.tools import (
    READ_ONLY_TOOLS,
    TOOL_SPECS,
    WRITE_TOOLS,
    ToolBox,
    result_summary,
    scrubbed_env,
)
from tui_router.core.agent.workspace import Workspace
from tui_router.core.conversation import ToolCall

FAKE_KEY = "sk-ant-fake-0123456789abcdef"


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(id=f"call-{name}", name=name, arguments=arguments)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "utils.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "README.md").write_text("# Demo\nhello world\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text("hello from build\n")
    (root / "debug.log").write_text("hello log\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("hello git\n")
    return root


@pytest.fixture
def box(project: Path) -> ToolBox:
    env = scrubbed_env(os.environ, ())
    return ToolBox(Workspace(project), env=env, secrets=[FAKE_KEY])


def test_specs_are_the_six_tools_with_object_schemas() -> None:
    names = [spec.name for spec in TOOL_SPECS]
    assert names == ["read_file", "list_files", "search", "edit_file", "write_file", "run_command"]
    for spec in TOOL_SPECS:
        assert spec.input_schema["type"] == "object"
        assert set(spec.input_schema["required"]) <= set(spec.input_schema["properties"])
    assert {"read_file", "list_files", "search"} == READ_ONLY_TOOLS
    assert {"edit_file", "write_file"} == WRITE_TOOLS


# -- read_file ------------------------------------------------------------------------------


async def test_read_file_numbers_lines(box: ToolBox) -> None:
    outcome = await box.run(call("read_file", path="src/utils.py"))
    assert not outcome.is_error
    assert outcome.content == "    1\tdef add(a, b):\n    2\t    return a + b"
    assert outcome.path == "src/utils.py"


async def test_read_file_pages_with_offset_and_limit(box: ToolBox, project: Path) -> None:
    (project / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 101)))
    outcome = await box.run(call("read_file", path="long.txt", offset=10, limit=5))
    lines = outcome.content.splitlines()
    assert lines[0] == "   10\tline 10" and lines[4] == "   14\tline 14"
    assert "offset=15" in lines[-1] and "of 100" in lines[-1]
    past = await box.run(call("read_file", path="long.txt", offset=500))
    assert past.is_error and "100 lines" in past.content


async def test_read_file_caps_long_output_and_says_how_to_page(box: ToolBox, project: Path) -> None:
    (project / "wide.txt").write_text(("x" * 1500 + "\n") * 300)
    outcome = await box.run(call("read_file", path="wide.txt"))
    assert len(outcome.content) < 70_000
    assert "call read_file with offset=" in outcome.content.splitlines()[-1]


async def test_read_file_binary_and_huge_files_are_clear_errors(
    box: ToolBox, project: Path
) -> None:
    (project / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (project / "huge.txt").write_text("a" * 1_200_000)
    binary = await box.run(call("read_file", path="image.png"))
    assert binary.is_error and "binary file" in binary.content
    huge = await box.run(call("read_file", path="huge.txt"))
    assert huge.is_error and "1 MB" in huge.content and "search" in huge.content


async def test_a_saved_paste_outside_is_read_in_pages_and_never_written(
    box: ToolBox, tmp_path: Path
) -> None:
    paste = tmp_path / "data" / "pastes" / "paste-1.txt"
    paste.parent.mkdir(parents=True)
    lines = [f"log line {i} {FAKE_KEY if i == 70_000 else ''}" for i in range(1, 80_001)]
    paste.write_text("\n".join(lines) + "\n")  # ~1.9 MB: over read_file's 1 MB for others
    refused = await box.run(call("read_file", path=str(paste)))
    assert refused.is_error and "outside the workspace" in refused.content
    box.workspace.allow_reading([paste])
    page = await box.run(call("read_file", path=str(paste), offset=69_999, limit=3))
    assert not page.is_error
    assert page.content.splitlines()[:3] == [
        "69999\tlog line 69999 ",
        "70000\tlog line 70000 [redacted]",  # no key reaches the model from a paste either
        "70001\tlog line 70001 ",
    ]
    assert "of 80000" in page.content
    found = await box.run(call("search", pattern="line 79999 ", path=str(paste)))
    assert f"{paste}:79999: log line 79999" in found.content
    write = await box.run(call("write_file", path=str(paste), content="x"))
    edit = await box.run(call("edit_file", path=str(paste), old_text="log", new_text="x"))
    assert write.is_error and edit.is_error and "read-only" in write.content
    assert paste.stat().st_size > 1_000_000


async def test_read_file_missing_suggests_a_near_name(box: ToolBox) -> None:
    outcome = await box.run(call("read_file", path="src/util.py"))
    assert outcome.is_error and "file not found: src/util.py" in outcome.content
    assert "did you mean src/utils.py?" in outcome.content


async def test_refusals_are_errors_with_the_reason(
    box: ToolBox, project: Path, tmp_path: Path
) -> None:
    (tmp_path / "outside.txt").write_text("nope")
    (project / "escape").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(project / "fifo")
    cases = [
        call("read_file", path="../outside.txt"),
        call("read_file", path=str(tmp_path / "outside.txt")),
        call("read_file", path="escape"),
        call("write_file", path=".git/hooks/post-checkout", content="evil"),
        call("edit_file", path=".git/HEAD", old_text="hello", new_text="bye"),
        call("read_file", path="fifo"),
        call("list_files", path=".."),
        call("search", pattern="x", path="/etc"),
    ]
    for bad in cases:
        outcome = await box.run(bad)
        assert outcome.is_error, bad
        assert outcome.content.startswith("refused: "), outcome.content
    assert (project / ".git" / "HEAD").read_text() == "hello git\n"
    assert not (project / ".git" / "hooks").exists()


async def test_bad_input_is_a_tool_error_not_an_exception(box: ToolBox) -> None:
    unknown = await box.run(call("delete_everything", path="."))
    assert unknown.is_error and "unknown tool" in unknown.content
    missing = await box.run(call("edit_file", path="src/utils.py", old_text="x"))
    assert missing.is_error and "missing required argument 'new_text'" in missing.content
    wrong = await box.run(call("read_file", path=3))
    assert wrong.is_error and "must be a string" in wrong.content
    extra = await box.run(call("read_file", path="README.md", bogus=1))
    assert extra.is_error and "unknown argument 'bogus'" in extra.content


# -- list_files and search -------------------------------------------------------------------


@pytest.mark.parametrize("use_rg", [True, False])
async def test_list_files_honours_gitignore_and_skips_git(
    box: ToolBox, monkeypatch: pytest.MonkeyPatch, use_rg: bool
) -> None:
    if use_rg and search.ripgrep() is None:
        pytest.skip("no rg binary")
    if not use_rg:
        monkeypatch.setattr(search, "ripgrep", lambda: None)
    outcome = await box.run(call("list_files"))
    assert outcome.content.splitlines() == [".gitignore", "README.md", "src/utils.py"]
    py = await box.run(call("list_files", pattern="*.py"))
    assert py.content.splitlines() == ["src/utils.py"]
    sub = await box.run(call("list_files", path="src"))
    assert sub.content.splitlines() == ["src/utils.py"]
    # the tool line's words: what was listed, then how many (it said only "3 files")
    assert (outcome.summary, sub.summary) == (". · 3 files", "src · 1 file")
    assert py.summary == ". (*.py) · 1 file"


async def test_list_files_caps_at_a_thousand(box: ToolBox, project: Path) -> None:
    many = project / "many"
    many.mkdir()
    for i in range(1200):
        (many / f"f{i:04}.txt").write_text("")
    outcome = await box.run(call("list_files", path="many"))
    lines = outcome.content.splitlines()
    assert len(lines) == 1001 and lines[0] == "many/f0000.txt"
    assert "200 more files" in lines[-1]
    assert outcome.summary == "many · 1,200 files"


@pytest.mark.parametrize("use_rg", [True, False])
async def test_search_finds_lines_honouring_gitignore(
    box: ToolBox, project: Path, monkeypatch: pytest.MonkeyPatch, use_rg: bool
) -> None:
    if use_rg and search.ripgrep() is None:
        pytest.skip("no rg binary")
    if not use_rg:
        monkeypatch.setattr(search, "ripgrep", lambda: None)
    (project / ".env").write_text("HELLO_TOKEN=abc\n")
    outcome = await box.run(call("search", pattern=r"hel+o"))
    assert outcome.content.splitlines() == ["README.md:2: hello world"]
    one = await box.run(call("search", pattern="return", path="src/utils.py"))
    assert one.content == "src/utils.py:2:     return a + b"
    # what was searched, then what was found (it said "1 matches in 1 files", then only
    # "1 match in 1 file")
    assert one.summary == "/return/ in src/utils.py · 1 match in 1 file"
    none = await box.run(call("search", pattern="zebra"))
    assert not none.is_error and "no matches" in none.content
    assert none.summary == "/zebra/ in . · 0 matches"
    bad = await box.run(call("search", pattern="(unclosed"))
    assert bad.is_error and "invalid regex" in bad.content


async def test_search_caps_matches(box: ToolBox, project: Path) -> None:
    (project / "big.txt").write_text("needle\n" * 500)
    outcome = await box.run(call("search", pattern="needle"))
    lines = outcome.content.splitlines()
    assert len(lines) == 201 and "300 more matches" in lines[-1]


async def test_a_stored_result_gives_back_the_summary_the_tool_line_said(
    box: ToolBox, project: Path
) -> None:
    """A resumed session keeps each read's result, not its summary: the line it shows is
    rebuilt from the result, and says what the live line said."""
    (project / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 3001)))
    (project / "empty.txt").write_text("")
    many = project / "many"
    many.mkdir()
    for i in range(1200):
        (many / f"f{i:04}.txt").write_text("")
    calls = [
        call("read_file", path="src/utils.py"),
        call("read_file", path="long.txt"),
        call("read_file", path="long.txt", offset=2990),
        call("read_file", path="empty.txt"),
        call("list_files"),
        call("list_files", path="src", pattern="*.py"),
        call("list_files", path="many"),
        call("list_files", path="src", pattern="*.rs"),
        call("search", pattern=r"hel+o"),
        call("search", pattern="zebra", path="src"),
        call("search", pattern="def|return"),
    ]
    for asked in calls:
        outcome = await box.run(asked)
        assert not outcome.is_error, outcome.content
        assert result_summary(asked, outcome.content) == outcome.summary
    # a search cut short says how many matches, no longer in how many files
    (project / "big.txt").write_text("needle\n" * 500)
    capped = await box.run(call("search", pattern="needle"))
    assert capped.summary == "/needle/ in . · 500 matches in 1 file"
    assert result_summary(call("search", pattern="needle"), capped.content) == (
        "/needle/ in . · 500 matches"
    )
    assert result_summary(call("run_command", command="ls"), "x\nexit code 0") is None


def test_gitignore_fallback_handles_negation_anchors_and_globstar(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.tmp\n!keep.tmp\n/root_only.txt\ndocs/**/draft*\n")
    for rel in ("a.tmp", "keep.tmp", "root_only.txt", "sub/root_only.txt", "docs/x/y/draft1.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "sub" / ".gitignore").write_text("local.txt\n")
    (tmp_path / "sub" / "local.txt").write_text("x")
    (tmp_path / "docs" / "final.md").write_text("x")
    listed = search.list_files(tmp_path, use_rg=False)
    assert listed == [
        ".gitignore",
        "docs/final.md",
        "keep.tmp",
        "sub/.gitignore",
        "sub/root_only.txt",
    ]
    if search.ripgrep() is not None:
        assert search.list_files(tmp_path, use_rg=True) == listed


# -- edit_file and write_file ----------------------------------------------------------------


async def test_edit_file_replaces_one_occurrence_with_a_diff(box: ToolBox, project: Path) -> None:
    outcome = await box.run(
        call("edit_file", path="src/utils.py", old_text="return a + b", new_text="return a - b")
    )
    assert not outcome.is_error, outcome.content
    assert (project / "src" / "utils.py").read_text() == "def add(a, b):\n    return a - b\n"
    assert outcome.files_changed == ("src/utils.py",)
    assert outcome.summary == "src/utils.py (+1 −1)"
    assert outcome.diff is not None
    assert "--- a/src/utils.py\n+++ b/src/utils.py" in outcome.diff
    assert "-    return a + b\n+    return a - b" in outcome.diff


async def test_edit_file_not_found_and_not_unique_are_errors_with_hints(
    box: ToolBox, project: Path
) -> None:
    (project / "dup.py").write_text("x = 1\ny = 2\nx = 1\n")
    twice = await box.run(call("edit_file", path="dup.py", old_text="x = 1", new_text="x = 3"))
    assert twice.is_error and "occurs 2 times" in twice.content and "lines 1, 3" in twice.content
    assert (project / "dup.py").read_text() == "x = 1\ny = 2\nx = 1\n"
    spaced = await box.run(
        call("edit_file", path="src/utils.py", old_text="return  a + b", new_text="pass")
    )
    assert spaced.is_error and "whitespace" in spaced.content
    numbered = await box.run(
        call("edit_file", path="src/utils.py", old_text="    2\t    return a + b", new_text="")
    )
    assert numbered.is_error and "line numbers" in numbered.content
    missing = await box.run(call("edit_file", path="nope.py", old_text="a", new_text="b"))
    assert missing.is_error and "file not found" in missing.content


async def test_edit_file_keeps_windows_line_endings(box: ToolBox, project: Path) -> None:
    (project / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    outcome = await box.run(
        call("edit_file", path="win.txt", old_text="one\ntwo", new_text="one\n2")
    )
    assert not outcome.is_error, outcome.content
    assert (project / "win.txt").read_bytes() == b"one\r\n2\r\nthree\r\n"


async def test_write_file_creates_parents_and_overwrites(box: ToolBox, project: Path) -> None:
    created = await box.run(call("write_file", path="pkg/sub/new.py", content="a\nb\n"))
    assert not created.is_error
    assert (project / "pkg" / "sub" / "new.py").read_text() == "a\nb\n"
    assert created.summary == "pkg/sub/new.py (new, +2)"
    assert created.diff is not None and created.diff.startswith(
        "--- /dev/null\n+++ b/pkg/sub/new.py"
    )
    again = await box.run(call("write_file", path="pkg/sub/new.py", content="a\nc\n"))
    assert again.summary == "pkg/sub/new.py (+1 −1)"
    assert (project / "pkg" / "sub" / "new.py").read_text() == "a\nc\n"


def test_preview_shows_the_diff_without_writing(box: ToolBox, project: Path) -> None:
    preview = box.preview(
        call("edit_file", path="src/utils.py", old_text="a + b", new_text="a * b")
    )
    assert preview.title == "edit_file src/utils.py"
    assert preview.diff is not None and "+    return a * b" in preview.diff
    assert (project / "src" / "utils.py").read_text().endswith("a + b\n")
    cmd = box.preview(call("run_command", command="pytest -q"))
    assert cmd.command == "pytest -q" and cmd.cwd == str(project)
    assert preview.settled is None  # it can apply: the person is asked
    # what cannot apply is settled, in the words a run would answer with
    bad = box.preview(call("edit_file", path="src/utils.py"))
    assert bad.title == "edit_file" and bad.settled is not None and bad.settled.is_error
    assert "old_text" in bad.settled.content
    refused = box.preview(call("write_file", path="../x", content=""))
    assert refused.title == "write_file ../x" and refused.settled is not None
    assert refused.settled.content.startswith("refused: ")
    missing = box.preview(
        call("edit_file", path="src/utils.py", old_text="not there", new_text="x")
    )
    assert missing.title == "edit_file src/utils.py" and missing.settled is not None
    assert missing.settled.content.startswith("old_text not found in src/utils.py")


# -- run_command -----------------------------------------------------------------------------


async def test_run_command_reports_output_and_exit_code(box: ToolBox, project: Path) -> None:
    ok = await box.run(call("run_command", command="echo hi; echo err >&2; pwd"))
    assert not ok.is_error
    assert ok.content.startswith(f"hi\nerr\n{project}\nexit code 0")
    failing = await box.run(call("run_command", command="echo nope; exit 3"))
    assert not failing.is_error
    assert "exit code 3" in failing.content and failing.summary == "echo nope; exit 3 → exit 3"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); its /proc state says Z
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_run_command_timeout_kills_the_whole_group(box: ToolBox, project: Path) -> None:
    started = time.monotonic()
    outcome = await box.run(
        call("run_command", command="sleep 60 & echo $! > child.pid; wait", timeout_s=1)
    )
    assert time.monotonic() - started < 10
    assert outcome.is_error and "timed out after 1 s" in outcome.content
    child = int((project / "child.pid").read_text())
    for _ in range(600):  # bounded: 30 s
        if not _alive(child):
            break
        await asyncio.sleep(0.05)
    assert not _alive(child)


async def test_run_command_cancel_kills_the_group(box: ToolBox, project: Path) -> None:
    task = asyncio.create_task(
        box.run(call("run_command", command="sleep 60 & echo $! > child.pid; wait"))
    )
    for _ in range(1500):  # bounded: 30 s (a loaded machine may take seconds to start a shell)
        if (project / "child.pid").exists() and (project / "child.pid").read_text().strip():
            break
        await asyncio.sleep(0.02)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5
    child = int((project / "child.pid").read_text())
    for _ in range(600):  # bounded: 30 s
        if not _alive(child):
            break
        await asyncio.sleep(0.05)
    assert not _alive(child)


async def test_run_command_caps_output_keeping_head_and_tail(box: ToolBox) -> None:
    outcome = await box.run(call("run_command", command="seq 1 100000"))
    lines = outcome.content.splitlines()
    assert lines[0] == "1" and lines[1] == "2"
    assert lines[-2] == "100000" and lines[-1].startswith("exit code 0")
    cut = next(line for line in lines if "cut from the middle" in line)
    kept_numbers = [line for line in lines if line.isdigit()]
    assert f"{100000 - len(kept_numbers)} lines" in cut
    assert len(outcome.content) < 30_000


def test_capped_output_counts_what_was_cut() -> None:
    capped = commands._CappedOutput(10, 10)
    for i in range(100):
        capped.add(f"{i:03}\n".encode())
    text, lines, size = capped.text()
    assert text.startswith("000\n001\n") and text.endswith("098\n099\n")
    assert lines + text.count("\n") - 2 == 100 and size == 400 - len(text.split("\n[")[0]) - 8


async def test_run_command_env_has_no_keys_and_secrets_are_redacted(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-123456789")
    monkeypatch.setenv("OPENROUTER_KEY", "or-123456789")
    monkeypatch.setenv("HARMLESS", "visible")
    env = scrubbed_env(os.environ, ["OPENROUTER_KEY"])
    assert "ANTHROPIC_API_KEY" not in env and "MY_SERVICE_TOKEN" not in env
    assert "OPENROUTER_KEY" not in env and env["HARMLESS"] == "visible"
    box = ToolBox(Workspace(project), env=env, secrets=[FAKE_KEY])
    listed = await box.run(call("run_command", command="env"))
    assert "HARMLESS=visible" in listed.content
    for name in ("ANTHROPIC_API_KEY", "MY_SERVICE_TOKEN", "OPENROUTER_KEY"):
        assert name not in listed.content
    echoed = await box.run(call("run_command", command=f"echo key={FAKE_KEY}"))
    assert FAKE_KEY not in echoed.content and "key=[redacted]" in echoed.content
    (project / "leak.txt").write_text(f"the key is {FAKE_KEY}\n")
    read = await box.run(call("read_file", path="leak.txt"))
    assert FAKE_KEY not in read.content and "[redacted]" in read.content


async def test_a_sub_task_on_a_model_without_a_price_costs_na_never_zero() -> None:
    """The delegate line added an unknown price as $0 ("· 1 step · $0.0000")."""
    from decimal import Decimal
    from types import SimpleNamespace

    from tui_router.core.agent.delegate import SubTask, SubtaskEnd, run_subtask
    from tui_router.core.pricing import Price
    from tui_router.core.turn import TurnResult
    from tui_router.core.usage import Usage

    prices = [Decimal("0.00002"), None]

    class Runner:  # stands in for the TurnRunner: one answered call, at the next price
        async def run(self, conversation: Any, model: str, **_: Any) -> TurnResult:
            usd = prices.pop(0)
            return TurnResult(
                text="in src/utils.py",
                usage=Usage(input_tokens=10, output_tokens=2),
                price=Price(usd, "genai-prices" if usd is not None else "unknown"),
                baseline=Price(Decimal("0.0001"), "genai-prices"),
                status="ok",
                error=None,
                call_id=1,
                model=model,
                tier="fast",
                duration_ms=1,
            )

    async def end_of(model: str) -> SubtaskEnd:
        agent: Any = SimpleNamespace(workspace_root=Path("."))
        task = SubTask("find add", "fast")
        steps = run_subtask(Runner(), agent, task, model, session_id="s", turn_index=1)
        (end,) = [step async for step in steps if isinstance(step, SubtaskEnd)]
        return end

    priced = await end_of("claude-haiku-4-5")
    assert priced.summary == "→ claude-haiku-4-5: find add · 1 step · $0.000020"
    unpriced = await end_of("my-model")
    assert unpriced.cost_usd is None
    assert unpriced.summary == "→ my-model: find add · 1 step · n/a"
