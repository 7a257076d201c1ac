"""Where the learned router keeps a user's feedback: an append-only JSON-lines file, plus a small
state file holding what that feedback changed in the model, so a load does not replay it all.

The JSONL file is the record (one example per line: prompt, features, label, weight, time); the
state file (``<feedback>.state.json``) holds the weight changes and how many bytes of the record
they cover. A state that does not match the record, or was written by another version of the
update rule (`STATE_VERSION`), is ignored and the record is replayed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Example = tuple[str, dict[str, float], float, float]  # prompt, features, label, weight

#: Version of the online update rule that a state's weight changes came from. Bump it when the
#: rule changes: an older state is then ignored and the record replayed under the new rule.
#: 2: bounded per-user correction (version 1, unmarked, moved unrelated prompts across tiers).
#: 3: the step measured in the widths of the bands between the tier lines, not in raw logits.
STATE_VERSION = 3


@dataclass(slots=True)
class FeedbackState:
    """The model changes made by the first ``offset`` bytes (``count`` examples) of the record."""

    offset: int = 0
    count: int = 0
    bias: float = 0.0
    numeric: dict[str, float] = field(default_factory=dict)
    words: dict[str, float] = field(default_factory=dict)


def state_path(feedback_path: Path) -> Path:
    return feedback_path.with_name(feedback_path.name + ".state.json")


def append_example(
    path: Path, prompt: str, features: Mapping[str, float], label: float, weight: float
) -> int:
    """Append one example; return the record's size afterwards."""
    from tui_router.core.paths import ensure_dir

    ensure_dir(path.parent)
    record = {
        "ts": round(time.time(), 3),
        "label": label,
        "weight": weight,
        "prompt": prompt,
        "features": dict(features),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    with contextlib.suppress(OSError):  # a file we do not own: leave its mode alone
        path.chmod(0o600)
    return path.stat().st_size


def read_examples(path: Path, offset: int = 0) -> tuple[list[Example], int]:
    """Examples from byte ``offset`` on, and the size read up to; damaged lines are skipped."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    examples = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
            prompt = str(record["prompt"])
            label = min(1.0, max(0.0, float(record["label"])))
            weight = float(record.get("weight", 1.0))
            features = {str(k): float(v) for k, v in dict(record.get("features", {})).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        examples.append((prompt, features, label, weight))
    return examples, offset + len(data)


def load_state(feedback_path: Path) -> FeedbackState | None:
    """The saved state if it still matches the record (which only ever grows), else None."""
    try:
        data: Any = json.loads(state_path(feedback_path).read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        state = FeedbackState(
            offset=int(data["offset"]),
            count=int(data["count"]),
            bias=float(data["bias"]),
            numeric={str(k): float(v) for k, v in dict(data["numeric"]).items()},
            words={str(k): float(v) for k, v in dict(data["words"]).items()},
        )
        size = feedback_path.stat().st_size
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return state if 0 <= state.offset <= size else None


def save_state(feedback_path: Path, state: FeedbackState) -> None:
    """Write the state atomically; failing to write it only costs a replay on the next load."""
    target = state_path(feedback_path)
    data = {
        "version": STATE_VERSION,
        "offset": state.offset,
        "count": state.count,
        "bias": state.bias,
        "numeric": state.numeric,
        "words": state.words,
    }
    temporary = target.with_name(target.name + f".{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        with contextlib.suppress(OSError):
            temporary.chmod(0o600)
        temporary.replace(target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def forget(feedback_path: Path) -> bool:
    """Delete the record and its state; True when there was something to delete."""
    removed = False
    for path in (feedback_path, state_path(feedback_path)):
        try:
            path.unlink()
            removed = True
        except FileNotFoundError:
            pass
    return removed
