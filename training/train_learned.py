"""Train the learned router's shipped weights (tui_router/core/routing/weights.json).

Usage:
    python training/train_learned.py --data DATA_DIR [--out PATH]

DATA_DIR is the folder holding the recorded-outcome datasets (it reads swebench_verified/). Only
TRAIN data is read, plus the labelled prompts kept next to this script
(training/labelled_prompts.jsonl: coding requests only, each labelled by one person with the
rubric in training/rubric.md and given a reason; no benchmark's questions were read to write or
screen them — see rubric.md for what was removed and why).
Test splits, MT-Bench and GSM8K are never read here. Needs numpy (installed with the plot extra).

The target is "this prompt needs a strong (balanced/frontier) model":
  * labelled prompts: fast -> 0, balanced/frontier -> 1 (the product's own distribution, weighted
    most);
  * SWE-bench train + the extra difficulty set: human difficulty other than "<15 min fix" -> 1.
RouterBench is not used: its licence does not allow redistribution in the product, and its
"GPT-4 right, GPT-3.5 wrong" labels carried no signal for prompt-only routing (cross-validated AUC
0.47-0.56 on train). SWE-bench's model outcomes (CC BY-NC) are not used either: only the issue texts
(MIT) and OpenAI's public difficulty annotations.
Each external source has its own intercept during training (dropped from the shipped weights): its
labels rank prompts within that dataset, its base rate is an artefact of the dataset.
Model: L2-regularised logistic regression over the router's numeric features (standardised) and
word/word-pair presence (L2-normalised), fitted by full-batch gradient descent (numpy).
Thresholds: chosen by 5-fold cross-validated scores on the labelled prompts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_router.core.routing.features import extract_features  # noqa: E402
from tui_router.core.routing.learned import WEIGHTS_FILE, raw_inputs, tokens  # noqa: E402
from tui_router.evaluation.datasets import (  # noqa: E402
    load_difficulty_extra,
    load_swebench,
)

LABELLED = Path(__file__).with_name("labelled_prompts.jsonl")
MIN_DOCS = 3  # a word must occur in this many training prompts to get a weight
L2_WORDS = 3e-3
L2_NUMERIC = 1e-2


def numeric_features(prompt: str) -> dict[str, float]:
    return raw_inputs(prompt, extract_features(prompt).prompt_dict())


def load_examples(data: Path) -> list[tuple[str, float, float, str]]:
    """(prompt, label, weight, source) for every training example."""
    examples: list[tuple[str, float, float, str]] = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        label = 0.0 if record["label"] == "fast" else 1.0
        examples.append((record["prompt"], label, 4.0, "labelled:" + record["label"]))
    swe = load_swebench(data / "swebench_verified" / "swebench_verified.jsonl", "train").items
    extra = load_difficulty_extra(
        data / "swebench_verified" / "swebench_extra_difficulty_train.jsonl"
    )
    for item in [*swe, *extra]:
        label = 0.0 if item.difficulty == "<15 min fix" else 1.0
        examples.append((item.prompt, label, 0.5, "swebench"))
    return examples


class Design:
    """The training matrix: standardised numeric columns then word columns."""

    def __init__(self, prompts: list[str]):
        raw = [numeric_features(p) for p in prompts]
        self.numeric_names = sorted({k for r in raw for k in r})
        matrix = np.array([[r.get(k, 0.0) for k in self.numeric_names] for r in raw], dtype=float)
        self.mean = matrix.mean(axis=0)
        self.scale = matrix.std(axis=0)
        self.scale[self.scale < 1e-9] = 1.0
        self.numeric = np.clip((matrix - self.mean) / self.scale, -5, 5)
        docs = [tokens(p) for p in prompts]
        counts = Counter(w for d in docs for w in d)
        self.vocab = sorted(w for w, c in counts.items() if c >= MIN_DOCS)
        index = {w: i for i, w in enumerate(self.vocab)}
        self.words = np.zeros((len(prompts), len(self.vocab)), dtype=np.float32)
        for row, doc in enumerate(docs):
            if doc:
                norm = 1.0 / math.sqrt(len(doc))  # all of the prompt's words, as at scoring time
                for w in doc:
                    if w in index:
                        self.words[row, index[w]] = norm

    def matrix(self) -> np.ndarray:
        return np.hstack([self.numeric, self.words])


def fit(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    n_numeric: int,
    steps: int = 1500,
    n_sources: int = 0,
) -> tuple[float, np.ndarray]:
    """Weighted L2 logistic regression by gradient descent with Adam."""
    coef = np.zeros(x.shape[1])
    bias = 0.0
    l2 = np.full(x.shape[1], L2_WORDS)
    l2[:n_numeric] = L2_NUMERIC
    if n_sources:
        l2[-n_sources:] = 1e-6  # per-source offsets: free, so a source's base rate stays its own
    m = np.zeros_like(coef)
    v = np.zeros_like(coef)
    mb = vb = 0.0
    lr, b1, b2 = 0.05, 0.9, 0.999
    wsum = w.sum()
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(x @ coef + bias)))
        g = (w * (p - y)) / wsum
        grad = x.T @ g + l2 * coef
        gb = g.sum()
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb**2
        coef -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        bias -= lr * (mb / (1 - b1**t)) / (math.sqrt(vb / (1 - b2**t)) + 1e-8)
    return bias, coef


def balanced_accuracy(scores: np.ndarray, positive: np.ndarray, threshold: float) -> float:
    pred = scores >= threshold
    tpr = (pred & positive).sum() / max(1, positive.sum())
    tnr = (~pred & ~positive).sum() / max(1, (~positive).sum())
    return float((tpr + tnr) / 2)


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    candidates = np.unique(scores)
    best = max(candidates, key=lambda t: balanced_accuracy(scores, positive, t))
    below = scores[scores < best]
    cut = float((best + below.max()) / 2) if below.size else float(best)
    return cut, balanced_accuracy(scores, positive, cut)


def fold_of(prompt: str, k: int = 5) -> int:
    return int(hashlib.sha1(prompt.encode()).hexdigest(), 16) % k


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with the datasets")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    examples = load_examples(args.data)
    prompts = [e[0] for e in examples]
    y = np.array([e[1] for e in examples])
    w = np.array([e[2] for e in examples])
    sources = [e[3] for e in examples]
    print(
        f"{len(examples)} examples: {dict(Counter(s.split(':')[0] for s in sources))}",
        file=sys.stderr,
    )
    design = Design(prompts)
    # Each external source gets its own intercept, used in training only: its labels measure
    # difficulty *within* that dataset, and its base rate says nothing about other prompts.
    source_names = sorted({s.split(":")[0] for s in sources} - {"labelled"})
    offsets = np.array(
        [[1.0 if s.split(":")[0] == name else 0.0 for name in source_names] for s in sources]
    )
    x = np.hstack([design.matrix(), offsets])
    n_numeric = len(design.numeric_names)
    n_sources = len(source_names)

    # Cross-validated scores of the labelled prompts choose the tier thresholds.
    labelled = np.array([s.startswith("labelled:") for s in sources])
    folds = np.array([fold_of(p) for p in prompts])
    cv_scores = np.zeros(len(prompts))
    for k in range(5):
        train = folds != k
        bias, coef = fit(x[train], y[train], w[train], n_numeric, 600, n_sources)
        cv_scores[~train] = 1 / (1 + np.exp(-(x[~train] @ coef + bias)))
    kinds = np.array([s.split(":", 1)[1] if s.startswith("labelled:") else "" for s in sources])
    lab_scores = cv_scores[labelled]
    strong = kinds[labelled] != "fast"
    balanced_cut, ba_strong = best_threshold(lab_scores, strong)
    frontier_cut, ba_frontier = best_threshold(lab_scores, kinds[labelled] == "frontier")
    frontier_cut = max(frontier_cut, balanced_cut + 0.05)
    fast_scores = np.sort(lab_scores[kinds[labelled] == "fast"])
    local_cut = float(fast_scores[max(0, len(fast_scores) // 10 - 1)]) if fast_scores.size else 0.02
    local_cut = min(local_cut, balanced_cut / 2)
    print(
        f"CV on labelled prompts: fast vs stronger bal. acc {ba_strong:.3f} at {balanced_cut:.3f};"
        f" frontier vs rest {ba_frontier:.3f} at {frontier_cut:.3f}; local below {local_cut:.3f}",
        file=sys.stderr,
    )
    for source in sorted({s.split(":")[0] for s in sources} - {"labelled"}):
        mask = np.array([s.startswith(source) for s in sources])
        if 0 < y[mask].mean() < 1:
            auc = _auc(cv_scores[mask], y[mask] > 0.5)
            print(f"  CV AUC on {source}: {auc:.3f}", file=sys.stderr)

    bias, coef = fit(x, y, w, n_numeric, n_sources=n_sources)
    numeric = {
        name: [
            round(float(design.mean[i]), 6),
            round(float(design.scale[i]), 6),
            round(float(coef[i]), 6),
        ]
        for i, name in enumerate(design.numeric_names)
    }
    words = {
        word: round(float(coef[n_numeric + j]), 4)
        for j, word in enumerate(design.vocab)
        if abs(coef[n_numeric + j]) >= 0.01
    }
    weights = {
        "version": 1,
        "meta": {
            "target": "P(prompt needs a balanced or frontier model)",
            "trained_on": "labelled coding prompts; SWE-bench Verified train + extra "
            "difficulty (train)",
            "examples": len(examples),
            "cv_balanced_accuracy_fast_vs_stronger": round(ba_strong, 3),
        },
        "bias": round(float(bias), 6),
        "learning_rate": 0.5,
        "thresholds": {
            "fast": round(local_cut, 4),
            "balanced": round(balanced_cut, 4),
            "frontier": round(frontier_cut, 4),
        },
        "numeric": numeric,
        "words": words,
    }
    args.out.write_text(
        json.dumps(weights, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out} ({len(words)} words, {len(numeric)} numeric)", file=sys.stderr)
    return 0


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    n_pos = positive.sum()
    n_neg = len(scores) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


if __name__ == "__main__":
    raise SystemExit(main())
