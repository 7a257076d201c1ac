"""Characters per token, learned per model family from the session's own exact usage.

The live ticker counts tokens from characters (no tokenizer while a reply streams). A fixed 4
characters per token ran ~30% high on some families and then dropped when the API's usage came;
every call that reports exact usage teaches its family's ratio here, and the next estimate uses it.
Plain Python; one `TokenCalibration` per session (its `TurnRunner` holds it).
"""

from __future__ import annotations

import math
import re
import threading

#: The ratio before a family has reported anything (and the tokenizer-less fallback's).
DEFAULT_CHARS_PER_TOKEN = 4.0
#: Tokens a family must have reported before its own ratio is used (a short reply says little).
MIN_TOKENS = 50
#: Ratios outside this range are measurement noise (a reply of tool calls, an odd provider).
RATIO_RANGE = (1.5, 8.0)

_FAMILY_PREFIXES = ("claude", "gpt", "gemini", "llama", "mistral", "qwen", "deepseek", "grok")


def family_of(model_id: str) -> str:
    """The model family a ratio is shared by: "claude-haiku-4-5" → "claude", "openai/gpt-5" →
    "gpt", "o3-mini" → "o", "local/smollm2-135m" → "smollm2"."""
    name = model_id.rsplit("/", 1)[-1].lower()
    for prefix in _FAMILY_PREFIXES:
        if name.startswith(prefix):
            return prefix
    match = re.match(r"[a-z]+", name)
    return match.group(0) if match else name


class TokenCalibration:
    """Sums of characters and exact tokens per family; thread-safe (workers report calls)."""

    def __init__(self) -> None:
        self._chars: dict[str, int] = {}
        self._tokens: dict[str, int] = {}
        self._lock = threading.Lock()

    def observe(self, model_id: str, chars: int, tokens: int) -> None:
        """``chars`` of text turned out to be ``tokens`` exact tokens on ``model_id``."""
        if chars <= 0 or tokens <= 0:
            return
        low, high = RATIO_RANGE
        if not low <= chars / tokens <= high:
            return
        family = family_of(model_id)
        with self._lock:
            self._chars[family] = self._chars.get(family, 0) + chars
            self._tokens[family] = self._tokens.get(family, 0) + tokens

    def chars_per_token(self, model_id: str | None) -> float:
        if model_id is None:
            return DEFAULT_CHARS_PER_TOKEN
        family = family_of(model_id)
        with self._lock:
            tokens = self._tokens.get(family, 0)
            chars = self._chars.get(family, 0)
        if tokens < MIN_TOKENS:
            return DEFAULT_CHARS_PER_TOKEN
        return chars / tokens

    def tokens_for_chars(self, model_id: str | None, chars: int) -> int:
        """The estimate for ``chars`` characters on ``model_id`` (rounded up, as the default)."""
        if chars <= 0:
            return 0
        return math.ceil(chars / self.chars_per_token(model_id))

    def clear(self) -> None:
        with self._lock:
            self._chars.clear()
            self._tokens.clear()
