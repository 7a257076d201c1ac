"""RouteLLM's two-model datasets: MT-Bench (GPT-4 judge scores) and GSM8K (correctness).

Both compare gpt-4-1106-preview (strong) with Mixtral-8x7B (weak), record no costs, and are
decontaminated with RouteLLM's own lists of prompts that leaked into its training data.
"""

from __future__ import annotations

from pathlib import Path

from tui_router.evaluation.datasets import (
    GSM8K_FILE,
    MTBENCH_FILES,
    Dataset,
    DatasetError,
    Item,
    Outcome,
    csv_rows,
    json_lines,
    pick_frontier,
    why,
)

GSM8K_STRONG = "gpt-4-1106-preview"


def load_mtbench(path: Path, split: str | None = None) -> Dataset:
    """MT-Bench questions + GPT-4 judgements of two models, decontaminated as RouteLLM does.

    An item's quality for a model is its mean judge score over both turns (1-10); routing reads the
    first turn only, as RouteLLM's evaluation does.
    """
    folder = path if path.is_dir() else path.parent
    questions_path, judgements_path = (folder / n for n in MTBENCH_FILES)
    contaminated = _contaminated(folder / "mt_bench_contaminated_prompts.jsonl")
    scores: dict[tuple[int, str], list[float]] = {}
    models: list[str] = []
    for line_no, record in json_lines(judgements_path):
        try:
            key = (int(record["question_id"]), str(record["model"]))
            score = float(record["score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{judgements_path}:{line_no}: bad judgement ({why(exc)})") from None
        if score < 0:  # the judge failed to give a score
            continue
        scores.setdefault(key, []).append(score)
        if key[1] not in models:
            models.append(key[1])
    if len(models) != 2:
        raise DatasetError(
            f"{judgements_path}: expected judgements of two models, found {len(models)}"
        )
    items = []
    for line_no, record in json_lines(questions_path):
        try:
            qid = int(record["question_id"])
            turns = [str(t) for t in record["turns"]]
            category = str(record.get("category", ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{questions_path}:{line_no}: bad question ({why(exc)})") from None
        if any(t.strip() in contaminated for t in turns):
            continue
        outcomes = {}
        for model in models:
            found = scores.get((qid, model))
            if not found:
                raise DatasetError(f"{judgements_path}: no judgement of {model} on question {qid}")
            outcomes[model] = Outcome(sum(found) / len(found))
        items.append(Item(str(qid), turns[0], outcomes, None, category))
    strong = pick_frontier(items, models)
    weak = next(m for m in models if m != strong)
    notes = (
        [f"{len(contaminated)} contaminated prompts excluded (RouteLLM's list)"]
        if contaminated
        else []
    )
    return Dataset(
        "mtbench",
        questions_path,
        items,
        models,
        strong,
        has_costs=False,
        weak_model=weak,
        notes=notes,
    )


def load_gsm8k(path: Path, split: str | None = None) -> Dataset:
    """RouteLLM's GSM8K responses: correctness of a strong and a weak model per maths prompt.

    ``path`` is the CSV, or the folder holding `GSM8K_FILE` (RouteLLM's, shared with MT-Bench).
    """
    if path.is_dir():
        if not (path / GSM8K_FILE).is_file():
            raise DatasetError(f"{path}: a folder without {GSM8K_FILE}; give the GSM8K CSV itself")
        path = path / GSM8K_FILE
    rows = list(csv_rows(path))
    if not rows:
        raise DatasetError(f"{path}: empty file")
    header = rows[0][1]
    models = [c for c in header if c != "prompt" and not c.endswith("_response")]
    if "prompt" not in header or len(models) != 2:
        raise DatasetError(
            f"{path}:1: not a GSM8K responses CSV (needs prompt and two model columns)"
        )
    contaminated = _contaminated(path.with_name("gsm8k_contaminated_prompts.jsonl"))
    items = []
    for line_no, row in rows[1:]:
        record = dict(zip(header, row, strict=False))
        if record["prompt"].strip() in contaminated:
            continue
        outcomes = {}
        for model in models:
            value = record.get(model, "").strip().lower()
            if value not in ("true", "false", "1", "0", "1.0", "0.0"):
                raise DatasetError(
                    f"{path}:{line_no}: {model} must be True or False, got {value!r}"
                )
            outcomes[model] = Outcome(
                1.0 if value in ("true", "1", "1.0") else 0.0, None, record.get(f"{model}_response")
            )
        items.append(Item(str(line_no), record["prompt"], outcomes, None, "gsm8k"))
    strong = GSM8K_STRONG if GSM8K_STRONG in models else pick_frontier(items, models)
    weak = next(m for m in models if m != strong)
    notes = (
        [f"{len(contaminated)} contaminated prompts excluded (RouteLLM's list)"]
        if contaminated
        else []
    )
    return Dataset(
        "gsm8k", path, items, models, strong, has_costs=False, weak_model=weak, notes=notes
    )


def _contaminated(path: Path) -> set[str]:
    if not path.exists():
        return set()
    found = set()
    for line_no, record in json_lines(path):
        prompt = record.get("eval_prompt") if isinstance(record, dict) else None
        if not isinstance(prompt, str):
            raise DatasetError(f"{path}:{line_no}: needs an eval_prompt string")
        found.add(prompt.strip())
    return found
