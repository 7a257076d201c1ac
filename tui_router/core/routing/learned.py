"""The learned router: a small logistic model over prompt features and words, plus feedback.

Owns `LearnedRouter` (load shipped weights from ``weights.json``, score a prompt, map a score to a
tier, learn online from feedback) and `reset` (forget the user's feedback). Pure Python: a cold load
is a JSON read plus a replay of the feedback file, well under 50 ms. The weights are trained by
``training/train_learned.py``; the feedback lives per user in the data dir as JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

#: Only so much feedback is replayed at load (the newest); older lines still count in the file.
MAX_REPLAYED_FEEDBACK = 2000
#: A pasted log can be huge; the head and tail of a prompt carry what matters for routing.
_HEAD_CHARS = 6000
_TAIL_CHARS = 2000

_WORD = re.compile(r"[a-z_][a-z0-9_]*|\d+")
_MATHS = re.compile(r"[=+*/^<>]|\\frac|\bsqrt\b|\bprove\b|\bprobability\b", re.I)

TIERS = ("local", "fast", "balanced", "frontier")
#: Near-copies of ``chars``: left out so the weights stay readable (no +/- pairs cancelling out).
_REDUNDANT = frozenset({"words", "prompt_tokens"})
#: Heavy-tailed size features are compared on a log scale.
_LOG_SCALED = frozenset(
    {
        "chars",
        "words",
        "lines",
        "prompt_tokens",
        "code_lines",
        "ctx_total_tokens",
        "ctx_conversation_tokens",
        "ctx_attached_tokens",
    }
)


def tokens(text: str) -> list[str]:
    """Words and word pairs of ``text`` (lower case, head and tail of long text), deduplicated."""
    if len(text) > _HEAD_CHARS + _TAIL_CHARS:
        text = text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:]
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 and len(w) < 30]
    seen: dict[str, None] = {}
    for i, word in enumerate(words):
        seen.setdefault(word, None)
        if i:
            seen.setdefault(words[i - 1] + " " + word, None)
    return list(seen)


def text_stats(text: str) -> dict[str, float]:
    """Shape the router's features do not already measure: share of digits, maths notation."""
    head = text[:_HEAD_CHARS]
    digits = sum(ch.isdigit() for ch in head)
    return {
        "text.digit_share": digits / max(1, len(head)),
        "text.maths": min(len(_MATHS.findall(head)), 40) / 40,
    }


def raw_inputs(prompt: str, features: Mapping[str, float]) -> dict[str, float]:
    """The model's numeric inputs before scaling: the router's features (``f.`` prefix, counts of
    size on a log scale) and this module's text stats. Training uses the same function."""
    raw: dict[str, float] = {}
    for key, value in features.items():
        if key in _REDUNDANT:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            raw[f"f.{key}"] = math.log1p(max(0.0, value)) if key in _LOG_SCALED else float(value)
    raw.update(text_stats(prompt))
    return raw


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(slots=True)
class _Numeric:
    mean: float
    scale: float
    weight: float


@dataclass(slots=True)
class LearnedRouter:
    """Logistic scorer: P(the prompt needs a strong model) from numeric features and words.

    Attributes:
        bias: the intercept.
        numeric: per numeric feature, the training mean and scale (for standardising) and weight.
        words: weight per word or word pair seen in training (or in the user's feedback).
        thresholds: lowest score of each tier above ``local``: fast, balanced, frontier.
        learning_rate: step size of one online update.
        feedback_path: where `learn` appends examples (None: learn in memory only).
        feedback_count: how many feedback examples were replayed at load or learned since.
    """

    bias: float
    numeric: dict[str, _Numeric]
    words: dict[str, float]
    thresholds: dict[str, float]
    learning_rate: float = 0.5
    l2: float = 1e-4
    feedback_path: Path | None = None
    feedback_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    # ---- loading -------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearnedRouter:
        """Build from the weights-file structure (see ``training/train_learned.py``)."""
        numeric = {
            name: _Numeric(float(v[0]), float(v[1]) or 1.0, float(v[2]))
            for name, v in dict(data.get("numeric", {})).items()
        }
        thresholds = {k: float(v) for k, v in dict(data.get("thresholds", {})).items()}
        for tier, default in (("fast", 0.05), ("balanced", 0.5), ("frontier", 0.85)):
            thresholds.setdefault(tier, default)
        return cls(
            bias=float(data.get("bias", 0.0)),
            numeric=numeric,
            words={str(k): float(v) for k, v in dict(data.get("words", {})).items()},
            thresholds=thresholds,
            learning_rate=float(data.get("learning_rate", 0.5)),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(
        cls, feedback_path: Path | None = None, weights_path: Path | None = None
    ) -> LearnedRouter:
        """Load the shipped weights and replay the user's feedback from ``feedback_path``.

        A missing or damaged weights file is a packaging error and raises `ValueError`; damaged
        feedback lines are skipped (the file is the user's, and one bad line must not stop routing).
        """
        path = weights_path or WEIGHTS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot load the learned router's weights ({exc})") from None
        router = cls.from_dict(data)
        router.feedback_path = feedback_path
        if feedback_path is not None:
            for example in _read_feedback(feedback_path)[-MAX_REPLAYED_FEEDBACK:]:
                router._update(*example)
                router.feedback_count += 1
        return router

    # ---- scoring -------------------------------------------------------------------------------

    def raw_score(self, prompt: str, features: Mapping[str, float]) -> float:
        """The logit (before the sigmoid)."""
        total = self.bias
        for name, value in self._numeric_inputs(prompt, features).items():
            spec = self.numeric.get(name)
            if spec is not None:
                total += spec.weight * value
        words = tokens(prompt)
        if words:
            norm = 1.0 / math.sqrt(len(words))
            get = self.words.get
            total += norm * sum(get(w, 0.0) for w in words)
        return total

    def score(self, prompt: str, features: Mapping[str, float]) -> float:
        """Probability (0..1) that ``prompt`` needs a strong (balanced or frontier) model."""
        return _sigmoid(self.raw_score(prompt, features))

    def tier_for(self, score: float) -> str:
        """The cheapest tier whose threshold ``score`` does not reach the next one of."""
        if score >= self.thresholds["frontier"]:
            return "frontier"
        if score >= self.thresholds["balanced"]:
            return "balanced"
        if score >= self.thresholds["fast"]:
            return "fast"
        return "local"

    # ---- online learning -----------------------------------------------------------------------

    def learn(
        self, prompt: str, features: Mapping[str, float], label: float, weight: float = 1.0
    ) -> None:
        """Learn from one piece of feedback and keep it for the next load.

        ``label`` 1.0 means the prompt needed a stronger model (a rejected downgrade, "retry
        stronger"), 0.0 that a cheaper one was fine (an accepted downgrade, a rejected escalation).
        """
        label = min(1.0, max(0.0, float(label)))
        numeric = {k: float(v) for k, v in features.items() if isinstance(v, int | float)}
        self._update(prompt, numeric, label, float(weight))
        self.feedback_count += 1
        if self.feedback_path is not None:
            _append_feedback(self.feedback_path, prompt, numeric, label, float(weight))

    def _update(
        self, prompt: str, features: Mapping[str, float], label: float, weight: float
    ) -> None:
        # A few SGD steps on one example: enough that the same prompt visibly moves, not so many
        # that one click outweighs the training set for unrelated prompts.
        rate = self.learning_rate * max(0.0, weight)
        if rate == 0.0:
            return
        inputs = self._numeric_inputs(prompt, features)
        words = tokens(prompt)
        norm = 1.0 / math.sqrt(len(words)) if words else 0.0
        for _ in range(3):
            error = self.score(prompt, features) - label
            step = rate * error
            self.bias -= 0.1 * step
            for name, value in inputs.items():
                spec = self.numeric.get(name)
                if spec is not None:
                    spec.weight -= step * value * 0.2
            for word in words:
                old = self.words.get(word, 0.0)
                self.words[word] = old * (1 - self.l2) - step * norm * 4.0

    def _numeric_inputs(self, prompt: str, features: Mapping[str, float]) -> dict[str, float]:
        """Standardised numeric inputs (see `raw_inputs`), clipped to +-5 standard deviations."""
        out: dict[str, float] = {}
        for name, value in raw_inputs(prompt, features).items():
            spec = self.numeric.get(name)
            if spec is None or not math.isfinite(value):
                continue
            out[name] = max(-5.0, min(5.0, (value - spec.mean) / spec.scale))
        return out

    def explain(self, prompt: str, features: Mapping[str, float], top: int = 3) -> list[str]:
        """The inputs that pushed the score most (for a decision's reason line)."""
        parts: list[tuple[float, str]] = []
        for name, value in self._numeric_inputs(prompt, features).items():
            contribution = self.numeric[name].weight * value
            parts.append((contribution, name.removeprefix("f.").removeprefix("text.")))
        words = tokens(prompt)
        if words:
            norm = 1.0 / math.sqrt(len(words))
            parts.extend((self.words.get(w, 0.0) * norm, f"'{w}'") for w in words)
        parts.sort(key=lambda p: -abs(p[0]))
        return [f"{name} {'+' if c > 0 else '-'}" for c, name in parts[:top] if abs(c) > 0.05]


def reset(feedback_path: Path) -> bool:
    """Forget the user's feedback; True when there was something to forget."""
    try:
        feedback_path.unlink()
    except FileNotFoundError:
        return False
    return True


def _append_feedback(
    path: Path, prompt: str, features: Mapping[str, float], label: float, weight: float
) -> None:
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
    with contextlib.suppress(OSError):  # not ours to change
        path.chmod(0o600)


def _read_feedback(path: Path) -> list[tuple[str, dict[str, float], float, float]]:
    try:
        lines: Iterable[str] = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    examples = []
    for line in lines:
        try:
            record = json.loads(line)
            prompt = str(record["prompt"])
            label = min(1.0, max(0.0, float(record["label"])))
            weight = float(record.get("weight", 1.0))
            features = {str(k): float(v) for k, v in dict(record.get("features", {})).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        examples.append((prompt, features, label, weight))
    return examples
