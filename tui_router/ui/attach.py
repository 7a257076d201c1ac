"""`@path` attachments and oversized pastes: read, count tokens, decide whether they can be sent.

Plain Python (no textual), run off the UI thread: reading and counting a 1 MB text takes a moment.
Every refusal is one line naming the file, its size in tokens and what it would cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tui_router.ui import format as fmt

ATTACH_PATTERN = re.compile(r"(?<!\S)@(\S+)")
SNIFF_BYTES = 8192
#: Files above this size are refused before reading them whole (no model takes 2M tokens).
MAX_READ_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file (or a large paste) that will travel with the prompt."""

    label: str  # "src/app.py" or "paste #1"
    text: str
    tokens: int

    def as_prompt_block(self) -> str:
        return f'<file path="{self.label}">\n{self.text}\n</file>'

    def summary(self) -> str:
        return f"{self.label} · {self.tokens:,} tokens"


@dataclass(frozen=True)
class AttachResult:
    attachments: list[Attachment]
    problems: list[str]  # one line each; any problem means nothing is sent


#: (tokens) -> (estimated input cost on the current model or None, model id, context window)
CostEstimator = Callable[[int], tuple[Decimal | None, str, int | None]]
TokenCounter = Callable[[str], int]


def find_references(prompt: str) -> list[str]:
    return [m.group(1).rstrip(".,;:!?)") for m in ATTACH_PATTERN.finditer(prompt)]


def attach_files(
    prompt: str, cwd: Path, count: TokenCounter, estimate: CostEstimator
) -> AttachResult:
    """Read every ``@path`` in ``prompt`` relative to ``cwd``."""
    attachments: list[Attachment] = []
    problems: list[str] = []
    seen: set[str] = set()
    for ref in find_references(prompt):
        if ref in seen or not ref:
            continue
        seen.add(ref)
        path = (cwd / ref).expanduser()
        if not path.exists():
            problems.append(f"@{ref}: no such file in {cwd} — nothing was sent")
            continue
        if path.is_dir():
            problems.append(f"@{ref} is a folder; attach files one by one — nothing was sent")
            continue
        size = path.stat().st_size
        if size > MAX_READ_BYTES:
            approx = size // 4
            problems.append(_too_large(f"@{ref}", approx, estimate, approximate=True))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(f"@{ref}: cannot read it ({exc.strerror or exc}) — nothing was sent")
            continue
        text = _decode_text(data)
        if text is None:
            problems.append(
                f"@{ref} is a binary file ({size:,} bytes, ~{size // 4:,} tokens if sent as text, "
                f"est. {_cost(size // 4, estimate)}): only text files can be attached"
                " — nothing was sent"
            )
            continue
        tokens = count(text)
        problem = check_fits(f"@{ref}", tokens, estimate)
        if problem:
            problems.append(problem)
            continue
        attachments.append(Attachment(ref, text, tokens))
    return AttachResult(attachments, problems)


def check_fits(label: str, tokens: int, estimate: CostEstimator) -> str | None:
    """A refusal line when ``tokens`` exceed the current model's context window, else None."""
    _cost_usd, _model, window = estimate(tokens)
    if window and tokens > window:
        return _too_large(label, tokens, estimate)
    return None


def describe_paste(chars: int, tokens: int, estimate: CostEstimator) -> str:
    cost, model, _window = estimate(tokens)
    return (
        f"Large paste ({chars:,} characters) kept as an attachment: {tokens:,} tokens, "
        f"est. {fmt.usd(cost, estimated=True)} as input on {model}"
    )


def _too_large(label: str, tokens: int, estimate: CostEstimator, approximate: bool = False) -> str:
    _cost_usd, model, window = estimate(tokens)
    about = "~" if approximate else ""
    return (
        f"{label} is {about}{tokens:,} tokens "
        f"(est. {_cost(tokens, estimate)} as input on {model}), "
        f"more than its {fmt.context_window(window)} window — nothing was sent"
    )


def _cost(tokens: int, estimate: CostEstimator) -> str:
    cost, _model, _window = estimate(tokens)
    return fmt.usd(cost, estimated=True)


def _decode_text(data: bytes) -> str | None:
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
