"""Recorded-outcome datasets for the routing replay: SWE-bench, RouterBench, MT-Bench and GSM8K.

Every loader turns its files into one shape, a `Dataset` of `Item`s (a prompt with, per model, the
quality it reached and what it cost). A broken or missing file raises `DatasetError` naming the file
and line; nothing here prints or guesses silently. The files are read where they are, never copied.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_router.core.errors import UserFacingError

#: The frontier model of each published dataset (the baseline that "frontier-only" means).
KNOWN_FRONTIER: tuple[str, ...] = ("claude-opus-4-5-20251101", "gpt-4-1106-preview")
MTBENCH_FILES = ("mt_bench_question.jsonl", "mt_bench_judgements.jsonl")
#: RouteLLM's GSM8K responses, in the folder it shares with MT-Bench (`--format gsm8k` picks it)
GSM8K_FILE = "gsm8k_responses.csv"


class DatasetError(UserFacingError):
    """A dataset file cannot be used; the message names the file (and line) and what is wrong."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one model did on one item: quality (0/1 or a judge score) and cost in USD if known."""

    quality: float
    cost: float | None = None
    response: str | None = None


@dataclass(slots=True)
class Item:
    """One prompt and the recorded outcome of each model on it."""

    id: str
    prompt: str
    outcomes: dict[str, Outcome]
    split: str | None = None
    group: str = ""  #: repository (SWE-bench), sub-benchmark (RouterBench), category (MT-Bench)
    difficulty: str | None = None


@dataclass(slots=True)
class Dataset:
    """A loaded dataset, possibly restricted to one split."""

    format: str
    path: Path
    items: list[Item]
    models: list[str]
    frontier_model: str
    split: str = "all"
    has_costs: bool = True
    weak_model: str | None = None  #: two-model data (MT-Bench, GSM8K): the weak model
    notes: list[str] = field(default_factory=list)

    @property
    def two_model(self) -> bool:
        return self.weak_model is not None


def pick_frontier(items: list[Item], models: list[str]) -> str:
    for known in KNOWN_FRONTIER:
        if known in models:
            return known

    # Otherwise the best model overall (ties: the dearer one), which is what "frontier" means.
    def key(model: str) -> tuple[float, float]:
        quality = sum(i.outcomes[model].quality for i in items)
        cost = sum(i.outcomes[model].cost or 0.0 for i in items)
        return quality, cost

    return max(models, key=key)


# ---- SWE-bench -----------------------------------------------------------------------------------


def load_swebench(path: Path, split: str | None = None) -> Dataset:
    """``swebench_verified.jsonl``: issue text, repo, split, difficulty, per-model resolved/cost."""
    if path.is_dir():
        path = path / "swebench_verified.jsonl"
    items: list[Item] = []
    models: list[str] | None = None
    for line_no, record in json_lines(path):
        try:
            outcomes = {
                str(model): Outcome(1.0 if o["resolved"] else 0.0, _cost(o.get("cost")))
                for model, o in dict(record["outcomes"]).items()
            }
            item = Item(
                id=str(record.get("instance_id", line_no)),
                prompt=str(record["problem_statement"]),
                outcomes=outcomes,
                split=record.get("split"),
                group=str(record.get("repo", "")),
                difficulty=record.get("difficulty"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DatasetError(
                f"{path}:{line_no}: not a SWE-bench outcome record ({why(exc)})"
            ) from None
        if models is None:
            models = list(outcomes)
        elif set(outcomes) != set(models):
            raise DatasetError(f"{path}:{line_no}: outcomes for different models than line 1")
        items.append(item)
    if models is None:
        raise DatasetError(f"{path}: empty file")
    frontier = pick_frontier(items, models)
    return Dataset(
        "swebench", path, _only_split(items, split, path), models, frontier, split=split or "all"
    )


def load_difficulty_extra(path: Path) -> list[Item]:
    """Extra issues with only a human difficulty label (no outcomes); for training difficulty."""
    items = []
    for line_no, record in json_lines(path):
        try:
            items.append(
                Item(
                    str(record.get("instance_id", line_no)),
                    str(record["problem_statement"]),
                    {},
                    "train",
                    str(record.get("repo", "")),
                    str(record["difficulty"]),
                )
            )
        except (KeyError, TypeError) as exc:
            raise DatasetError(f"{path}:{line_no}: missing {why(exc)}") from None
    return items


# ---- RouterBench ---------------------------------------------------------------------------------


def routerbench_sibling(path: Path, split: str) -> Path:
    """``mbpp_test.csv`` -> ``mbpp_train.csv`` (same folder) for ``split="train"``."""
    stem = path.stem
    for suffix in ("_train", "_test"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return path.with_name(f"{stem}_{split}{path.suffix}")


def load_routerbench(path: Path, split: str | None = None) -> Dataset:
    """A RouterBench CSV (one file per sub-benchmark and split): score, cost and answer per model.

    The split is in the file name; ``split`` picks the sibling file of that split if it differs.
    """
    if split is not None and not path.stem.endswith(f"_{split}"):
        path = routerbench_sibling(path, split)
    rows = list(csv_rows(path))
    if not rows:
        raise DatasetError(f"{path}: empty file")
    header = rows[0][1]
    models = [c for c in header if f"{c}|total_cost" in header]
    if not models or "prompt" not in header:
        raise DatasetError(
            f"{path}:1: not a RouterBench CSV (needs prompt, MODEL and MODEL|total_cost columns)"
        )
    file_split = (
        "train" if path.stem.endswith("_train") else "test" if path.stem.endswith("_test") else None
    )
    items = []
    skipped = 0
    for line_no, row in rows[1:]:
        record = dict(zip(header, row, strict=False))
        if any(not record.get(m, "").strip() for m in models):
            skipped += 1  # a model's outcome was not recorded: the row cannot be replayed
            continue
        try:
            outcomes = {
                m: Outcome(
                    float(record[m]),
                    _cost(record[f"{m}|total_cost"]),
                    _first_message(record.get(f"{m}|model_response", "")),
                )
                for m in models
            }
        except (KeyError, ValueError) as exc:
            raise DatasetError(f"{path}:{line_no}: bad score or cost ({why(exc)})") from None
        items.append(
            Item(
                str(record.get("sample_id") or line_no),
                _first_message(record["prompt"]),
                outcomes,
                file_split,
                str(record.get("eval_name", "")),
            )
        )
    frontier = pick_frontier(items, models)
    notes = [f"{skipped} rows without a recorded score for some model left out"] if skipped else []
    return Dataset(
        "routerbench", path, items, models, frontier, split=file_split or "all", notes=notes
    )


def _first_message(text: str) -> str:
    """RouterBench stores prompts/answers as a Python-literal list of strings; join them."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(value, list):
            return "\n\n".join(str(v) for v in value)
    return text


# ---- file helpers --------------------------------------------------------------------------------


def _only_split(items: list[Item], split: str | None, path: Path) -> list[Item]:
    if split is None:
        return items
    if not any(i.split for i in items):
        raise DatasetError(f"{path}: this dataset has no splits; leave out --split")
    return [i for i in items if i.split == split]


def first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        line_no = 0
        try:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{path}:{line_no}: not valid JSON ({exc})") from None
                if not isinstance(record, dict):
                    raise DatasetError(f"{path}:{line_no}: expected a JSON object")
                yield line_no, record
        except UnicodeDecodeError:
            raise DatasetError(f"{path}:{line_no + 1}: not UTF-8 text") from None


def csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # answers are long
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            for row in reader:
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DatasetError(f"{path}:{reader.line_num}: broken CSV ({exc})") from None


def _cost(value: Any) -> float | None:
    if value is None or value == "":
        return None
    cost = float(value)
    if cost != cost or cost < 0:  # NaN or negative
        raise ValueError(f"bad cost {value!r}")
    return cost


def why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return str(exc) or type(exc).__name__
