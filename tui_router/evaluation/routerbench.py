"""RouterBench cascades: try a cheap model, gate its recorded answer, escalate to the frontier.

Two gates read the cheap model's real response text: ``parse`` (the answer holds Python code that
parses, and passes the product's empty/refusal gates) and ``learned`` (a logistic regression on
features of the response, fit on the TRAIN split, with its threshold chosen there under a budget).
The cheap model is chosen on train: the best one costing at most a tenth of the frontier model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tui_router.core.routing import gates
from tui_router.evaluation.datasets import Dataset, Item
from tui_router.evaluation.logistic import Logistic, fit_logistic
from tui_router.evaluation.metrics import Pick, cost_of

CHEAP_SHARE = 0.10  #: the cascade's first model costs at most this share of the frontier (train)
_HEDGE = re.compile(r"i'?m not sure|i cannot|i can't|as an ai|unclear|not possible|sorry", re.I)
_CODE_FENCE = re.compile(r"```")


def python_blocks(text: str) -> list[str]:
    """Fenced blocks that are Python or untagged (MBPP answers are Python)."""
    return [
        body for lang, body in gates.code_blocks(text) if lang in ("", "python", "py", "python3")
    ]


def holds_python(answer: str) -> bool:
    """Some fenced block parses as Python (whatever its tag), or the whole answer does."""
    blocks = [body for _lang, body in gates.code_blocks(answer)]
    if not blocks:
        blocks = [answer]
    return any(gates.parse_error("python", body) is None for body in blocks)


def parse_gate(prompt: str, answer: str) -> bool:
    """The answer is not empty/refused/truncated and holds Python that parses."""
    return holds_python(answer) and gates.check_answer(prompt, answer).gate not in (
        "empty",
        "refusal",
        "truncated",
    )


def response_features(prompt: str, answer: str) -> list[float]:
    """What a gate can read from the cheap answer (and the prompt), as numbers."""
    blocks = python_blocks(answer)
    code = "\n".join(blocks)
    parses = bool(blocks) and all(gates.parse_error("python", b) is None for b in blocks)
    return [
        1.0 if parses else 0.0,
        1.0 if parse_gate(prompt, answer) else 0.0,
        float(len(blocks)),
        math.log1p(len(answer)),
        math.log1p(code.count("\n")),
        float(code.count("def ")),
        1.0 if "return" in code else 0.0,
        1.0 if "import " in code else 0.0,
        1.0 if "assert" in code else 0.0,
        1.0 if _HEDGE.search(answer) else 0.0,
        1.0 if gates.check_answer(prompt, answer).passed else 0.0,
        float(len(_CODE_FENCE.findall(answer)) % 2),
        math.log1p(len(prompt)),
        1.0 if re.search(r"\bclass\b", code) else 0.0,
        1.0 if re.search(r"\bfor\b|\bwhile\b", code) else 0.0,
        1.0 if "recurs" in answer.lower() else 0.0,
    ]


def choose_cheap(train: Sequence[Item], models: Sequence[str], frontier: str) -> str:
    """The best model on train among those costing at most `CHEAP_SHARE` of the frontier."""
    base = sum(cost_of(i, frontier) for i in train) or 1.0
    affordable = [
        m
        for m in models
        if m != frontier and sum(cost_of(i, m) for i in train) / base <= CHEAP_SHARE
    ]
    pool = affordable or [m for m in models if m != frontier]
    return max(
        pool,
        key=lambda m: (
            sum(i.outcomes[m].quality for i in train),
            -sum(cost_of(i, m) for i in train),
        ),
    )


def cascade_picks(
    items: Sequence[Item], cheap: str, frontier: str, passes: Sequence[bool]
) -> list[Pick]:
    return [
        Pick((cheap,), cheap) if ok else Pick((cheap, frontier), frontier)
        for ok, _item in zip(passes, items, strict=True)
    ]


@dataclass(slots=True)
class LearnedGate:
    model: Logistic
    threshold: float
    train_quality: float
    train_cost_share: float

    def passes(self, prompt: str, answer: str) -> bool:
        if not parse_gate(prompt, answer):
            return False
        return self.model.prob(response_features(prompt, answer)) >= self.threshold


def fit_learned_gate(
    train: Sequence[Item], cheap: str, frontier: str, budget: float
) -> LearnedGate:
    """P(cheap answer is right | its features), fit on train, applied on top of the parse gate;
    the pass threshold maximises train quality of the cascade while its cost stays within
    ``budget`` (share of frontier-only)."""
    rows = [response_features(i.prompt, i.outcomes[cheap].response or "") for i in train]
    labels = [i.outcomes[cheap].quality for i in train]
    model = fit_logistic(rows, labels, l2=4.0)
    # An answer that fails the parse gate is escalated whatever the model says.
    probs = [model.prob(r) if r[1] > 0 else -1.0 for r in rows]
    base = sum(cost_of(i, frontier) for i in train) or 1.0
    best: tuple[float, float, float] | None = None  # (quality, -cost, threshold)
    for threshold in [*sorted(set(probs)), 1.01]:
        quality = cost = 0.0
        for item, p in zip(train, probs, strict=True):
            cost += cost_of(item, cheap)
            if p >= threshold:
                quality += item.outcomes[cheap].quality
            else:
                cost += cost_of(item, frontier)
                quality += item.outcomes[frontier].quality
        q, c = quality / len(train), cost / base
        if c <= budget and (best is None or (q, -c) > best[:2]):
            best = (q, -c, threshold)
    if best is None:
        return LearnedGate(model, 0.0, 0.0, 0.0)
    return LearnedGate(model, best[2], best[0], -best[1])


def train_counterpart(dataset: Dataset) -> Dataset | None:
    """The train file next to a RouterBench test file (None when missing)."""
    from tui_router.evaluation.datasets import load_routerbench, routerbench_sibling

    sibling = routerbench_sibling(dataset.path, "train")
    if sibling == dataset.path or not sibling.exists():
        return None
    return load_routerbench(sibling)
