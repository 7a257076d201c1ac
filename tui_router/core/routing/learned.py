"""The learned router: a small logistic model over prompt features and words, plus feedback.

Owns `LearnedRouter` (load shipped weights from ``weights.json``, score a prompt, map a score to a
tier, learn online from feedback) and `reset` (forget the user's feedback). Pure Python: a cold load
is a JSON read plus the saved feedback state, well under 50 ms. The weights are trained by
``training/train_learned.py``; the feedback lives per user in the data dir as JSON lines.

Online learning keeps the shipped weights as a prior and learns a small per-user correction on top
(see `LearnedRouter.learn`): one piece of feedback moves its own prompt's logit by a bounded step,
mostly through the words it contains, so similar prompts follow and unrelated ones barely move.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_router.core.routing import learned_store

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

#: Without a saved state, only the newest feedback is replayed at load (keeps a cold load fast).
MAX_REPLAYED_FEEDBACK = 200

# ---- online learning: a per-user correction on top of the shipped weights --------------------
# A step is sized in widths of the bands between the tier lines (in logit space), not as a fixed
# logit move, so the feedback loop keeps its pace wherever the operating point is put. A fixed
# move tuned for the 0.56/0.80 balanced/frontier lines took about 12 consistent "retry stronger"
# clicks instead of 4 to lift a similar prompt over the shipped 0.80 line (issue 10): that line
# is 1.15 logits further up, and near it a plain (label - score) error has shrunk to 0.2.
# Two widths are the units. The fast band, logit(balanced line) - logit(fast line) (3.97 at the
# shipped lines), is how far below the balanced line a prompt on the fast tier can sit: the
# prompt's own words, which carry the step over to similar prompts, move in this unit. The
# narrowest band (the balanced one, 0.81) is the smallest gap between two lines, the one a stray
# click must not carry an unrelated prompt across: the parts every prompt shares (numeric
# features, bias) move in this unit.
#: The step per unit of error (label minus the score measured from the balanced line), as a
#: fraction of the band.
ONLINE_STEP = 0.7
#: Cap on that fraction for one example, whatever its weight (one click is one click). With
#: these two, a prompt sharing half its words with the retried ones crosses the balanced line
#: from the fast tier in 2-4 consistent clicks at the shipped lines as at the earlier ones (the
#: step as first tuned, 1.5 per unit of error capped at 1.0 logit, took 3 at the earlier lines
#: and 10-12 at the shipped ones); the shared parts move a prompt's own logit by at most
#: 0.2 * MAX_STEP, a tenth of the narrowest band, so one stray click moves unrelated prompts no
#: more than the step as first tuned did.
MAX_STEP = 0.45
#: Smallest band width used as a unit (logits): lines set almost together must not stop learning.
MIN_BAND = 0.25
#: The heaviest weight one example can carry.
MAX_EXAMPLE_WEIGHT = 3.0
#: How one step is split: words are specific to the prompt (similar prompts share them), numeric
#: features and the bias are shared by every prompt, so they get small shares.
WORD_SHARE = 0.8
NUMERIC_SHARE = 0.15
BIAS_SHARE = 0.05
#: Shrink of the touched corrections towards zero (the prior) before each step: L2 in online form.
#: Old feedback fades as new feedback arrives, and the correction stays bounded.
SHRINK = 0.02
#: Largest correction per coefficient (logit units; numeric inputs are in standard deviations).
BIAS_CAP = 0.5
NUMERIC_CAP = 0.2
WORD_CAP = 3.0
#: A pasted log can be huge; the head and tail of a prompt carry what matters for routing.
_HEAD_CHARS = 6000
_TAIL_CHARS = 2000

_WORD = re.compile(r"[a-z_][a-z0-9_]*|\d+")
_MATHS = re.compile(r"[=+*/^<>]|\\frac|\bsqrt\b|\bprove\b|\bprobability\b", re.I)

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


#: Size features are capped before the log: the labelled prompts are all short, so the model
#: cannot know what a long paste means, and a long paste is not by itself frontier work. Beyond
#: the cap, "longer" tells the model nothing (a 5,000-character paste reads as a 600-character
#: prompt). The context-window check still sees the real size.
_SIZE_CAPS: dict[str, float] = {
    "chars": 600.0,
    "lines": 12.0,
    "code_lines": 20.0,
    "code_blocks": 2.0,
    "error_lines": 5.0,
    "paths_mentioned": 5.0,
}


def raw_inputs(prompt: str, features: Mapping[str, float]) -> dict[str, float]:
    """The model's numeric inputs before scaling: the router's features (``f.`` prefix, counts of
    size capped and on a log scale) and this module's text stats. Training uses the same
    function."""
    raw: dict[str, float] = {}
    for key, value in features.items():
        if key in _REDUNDANT:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = min(float(value), _SIZE_CAPS.get(key, math.inf))
            raw[f"f.{key}"] = math.log1p(max(0.0, value)) if key in _LOG_SCALED else value
    raw.update(text_stats(prompt))
    return raw


def _clamp(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


def _logit_of(probability: float) -> float:
    p = min(1.0 - 1e-6, max(1e-6, probability))
    return math.log(p / (1.0 - p))


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


@dataclass(frozen=True, slots=True)
class _Shipped:
    """The weights as shipped, to tell the user's changes apart from them."""

    bias: float
    numeric: dict[str, float]
    words: dict[str, float]


@dataclass(slots=True)
class LearnedRouter:
    """Logistic scorer: P(the prompt needs a strong model) from numeric features and words.

    Attributes:
        bias: the intercept.
        numeric: per numeric feature, the training mean and scale (for standardising) and weight.
        words: weight per word or word pair seen in training (or in the user's feedback).
        thresholds: lowest score of each tier above ``local``: fast, balanced, frontier.
        learning_rate: how far one example moves its own logit per unit of error, as a fraction
            of a band between the tier lines (see `ONLINE_STEP`).
        l2: shrink of the touched corrections toward the shipped weights before each update.
        feedback_path: where `learn` appends examples (None: learn in memory only).
        feedback_count: how many feedback examples were replayed at load or learned since.
    """

    bias: float
    numeric: dict[str, _Numeric]
    words: dict[str, float]
    thresholds: dict[str, float]
    learning_rate: float = ONLINE_STEP
    l2: float = SHRINK
    feedback_path: Path | None = None
    feedback_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    _shipped: _Shipped = field(init=False, repr=False)
    _touched_words: set[str] = field(default_factory=set, init=False, repr=False)
    _offset: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._shipped = _Shipped(
            self.bias, {n: s.weight for n, s in self.numeric.items()}, dict(self.words)
        )

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
            router._restore(feedback_path)
        return router

    def _restore(self, feedback_path: Path) -> None:
        """Apply the saved feedback state, then replay what was appended since it was saved."""
        state = learned_store.load_state(feedback_path)
        if state is not None:
            # Clamped as in `_update`: a hand-edited state cannot take the model further.
            self.bias += _clamp(state.bias, BIAS_CAP)
            for name, delta in state.numeric.items():
                spec = self.numeric.get(name)
                if spec is not None:
                    spec.weight += _clamp(delta, NUMERIC_CAP)
            for word, delta in state.words.items():
                self.words[word] = self.words.get(word, 0.0) + _clamp(delta, WORD_CAP)
            self.feedback_count = state.count
            self._touched_words.update(state.words)
        examples, end = learned_store.read_examples(
            feedback_path, state.offset if state is not None else 0
        )
        if state is None:
            examples = examples[-MAX_REPLAYED_FEEDBACK:]
        for example in examples:
            self._update(*example)
            self.feedback_count += 1
        self._offset = end
        if examples:
            self._save_state()

    # ---- scoring -------------------------------------------------------------------------------

    def raw_score(self, prompt: str, features: Mapping[str, float]) -> float:
        """The logit (before the sigmoid)."""
        return self._logit(self._numeric_inputs(prompt, features), tokens(prompt))

    def _logit(self, inputs: Mapping[str, float], words: list[str]) -> float:
        total = self.bias
        numeric = self.numeric
        for name, value in inputs.items():
            total += numeric[name].weight * value
        if words:
            get = self.words.get
            total += sum(get(w, 0.0) for w in words) / math.sqrt(len(words))
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
        ``weight`` scales the step (0 changes nothing); the step is capped either way.

        The shipped weights are a prior; the user's feedback is a correction on top of them. One
        update is the smallest change (in a metric that gives this prompt's words `WORD_SHARE` of
        it, numeric features `NUMERIC_SHARE`, the bias `BIAS_SHARE`) that moves its own logit by
        ``learning_rate * weight * error``, at most `MAX_STEP`, of a band between the tier lines
        (a passive-aggressive step); the error is ``label`` minus the score measured from the
        balanced line. The words' part is in fast bands, the shared part in the narrowest band
        (see `ONLINE_STEP`). Only the words of this prompt change, so the step carries over to a
        later prompt in proportion to the words they share (cosine of their word sets); the parts
        every prompt shares (numeric features, bias) move little. Before each step the touched
        corrections shrink toward zero (L2 toward the prior), and each correction is capped.
        """
        label = min(1.0, max(0.0, float(label)))
        numeric = {k: float(v) for k, v in features.items() if isinstance(v, int | float)}
        self._update(prompt, numeric, label, float(weight))
        self.feedback_count += 1
        if self.feedback_path is not None:
            self._offset = learned_store.append_example(
                self.feedback_path, prompt, numeric, label, float(weight)
            )
            self._save_state()

    def _save_state(self) -> None:
        """Record what feedback changed (relative to the shipped weights) and how far it goes."""
        if self.feedback_path is None:
            return
        base = self._shipped
        state = learned_store.FeedbackState(
            offset=self._offset,
            count=self.feedback_count,
            bias=self.bias - base.bias,
            numeric={
                name: spec.weight - base.numeric[name]
                for name, spec in self.numeric.items()
                if name in base.numeric and spec.weight != base.numeric[name]
            },
            words={
                word: delta
                for word in self._touched_words
                if abs(delta := self.words.get(word, 0.0) - base.words.get(word, 0.0)) >= 1e-6
            },
        )
        learned_store.save_state(self.feedback_path, state)

    def _update(
        self, prompt: str, features: Mapping[str, float], label: float, weight: float
    ) -> None:
        """One online step on one example (see `learn`)."""
        weight = min(MAX_EXAMPLE_WEIGHT, max(0.0, weight))
        if weight == 0.0 or self.learning_rate <= 0.0:
            return
        inputs = self._numeric_inputs(prompt, features)
        words = tokens(prompt)
        logit = self._logit(inputs, words)
        balanced_line, fast_band, narrow_band = self._step_units()
        # The error is measured from the balanced line, not from p = 0.5: a retried prompt just
        # below a line at 0.80 has half its error left, as it had below a line at 0.56.
        error = label - _sigmoid(logit - balanced_line)
        fraction = _clamp(self.learning_rate * weight * error, MAX_STEP)
        step = fraction * fast_band
        shared_step = fraction * narrow_band
        keep = 1.0 - min(1.0, max(0.0, self.l2))
        base = self._shipped

        self.bias = base.bias + _clamp(
            (self.bias - base.bias) * keep + BIAS_SHARE * shared_step, BIAS_CAP
        )
        # Numeric inputs: the change is along this example's inputs, scaled so that their part of
        # the own-logit move is NUMERIC_SHARE * shared_step (+1 keeps a near-average prompt's step
        # small).
        energy = 1.0 + sum(v * v for v in inputs.values())
        for name, value in inputs.items():
            spec = self.numeric[name]
            shipped = base.numeric[name]
            delta = (spec.weight - shipped) * keep + NUMERIC_SHARE * shared_step * value / energy
            spec.weight = shipped + _clamp(delta, NUMERIC_CAP)
        if words:
            # Each word enters the logit as weight / sqrt(n): a change of share * step / sqrt(n)
            # on each of the n words moves this logit by share * step.
            change = WORD_SHARE * step / math.sqrt(len(words))
            for word in words:
                shipped = base.words.get(word, 0.0)
                delta = (self.words.get(word, shipped) - shipped) * keep + change
                self.words[word] = shipped + _clamp(delta, WORD_CAP)
            self._touched_words.update(words)

    def _step_units(self) -> tuple[float, float, float]:
        """The balanced line, the fast band's width and the narrowest band's width, in logits
        (see `ONLINE_STEP`)."""
        fast = _logit_of(self.thresholds["fast"])
        balanced = _logit_of(self.thresholds["balanced"])
        frontier = _logit_of(self.thresholds["frontier"])
        fast_band = max(MIN_BAND, balanced - fast)
        return balanced, fast_band, max(MIN_BAND, min(fast_band, frontier - balanced))

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
    """Forget the user's feedback (the record and its saved state); True when there was any."""
    return learned_store.forget(feedback_path)
