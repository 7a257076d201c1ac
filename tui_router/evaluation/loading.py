"""Which loader reads a dataset: its format told from the path and first record, or given.

The formats' loaders live with their data (`datasets` for SWE-bench and RouterBench, `routellm`
for MT-Bench and GSM8K) and share `datasets`' types; this module is the one that knows them all,
so the dependencies point one way (loaders -> types, dispatch -> loaders).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tui_router.evaluation.datasets import (
    GSM8K_FILE,
    MTBENCH_FILES,
    Dataset,
    DatasetError,
    first_line,
    load_routerbench,
    load_swebench,
)
from tui_router.evaluation.routellm import load_gsm8k, load_mtbench

LOADERS: dict[str, Callable[[Path, str | None], Dataset]] = {
    "swebench": load_swebench,
    "routerbench": load_routerbench,
    "mtbench": load_mtbench,
    "gsm8k": load_gsm8k,
}
FORMATS: tuple[str, ...] = tuple(LOADERS)


def detect_format(path: Path) -> str:
    """Guess the format from the path and the first record; raise `DatasetError` if unsure."""
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    if path.is_dir():
        if all((path / name).exists() for name in MTBENCH_FILES):
            return "mtbench"
        if (path / "swebench_verified.jsonl").exists():
            return "swebench"
        if (path / GSM8K_FILE).exists():
            return "gsm8k"
        raise DatasetError(
            f"{path}: a folder, but no known dataset in it; give a file and --format"
        )
    name = path.name.lower()
    if name.startswith("mt_bench"):
        return "mtbench"
    head = first_line(path)
    if name.endswith(".jsonl"):
        try:
            record = json.loads(head)
        except ValueError:
            raise DatasetError(f"{path}:1: not a JSON line") from None
        if isinstance(record, dict) and "outcomes" in record:
            return "swebench"
    elif name.endswith(".csv"):
        if "|model_response" in head:
            return "routerbench"
        if "_response" in head and head.startswith("prompt,"):
            return "gsm8k"
    raise DatasetError(
        f"{path}: cannot tell the dataset format; pass --format ({', '.join(FORMATS)})"
    )


def load_dataset(
    path: Path, fmt: str | None = None, split: str | None = None, frontier: str | None = None
) -> Dataset:
    """Load ``path`` as ``fmt`` (detected when None); keep only ``split`` if the data has one."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise DatasetError(f"unknown dataset format {fmt!r}; one of {', '.join(FORMATS)}")
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    dataset = LOADERS[fmt](path, split)
    if split is not None and fmt in ("mtbench", "gsm8k"):
        dataset.notes.append(f"{fmt} has no train/test split: all items are used")
    if not dataset.items:
        raise DatasetError(f"{dataset.path}: no items" + (f" in split {split!r}" if split else ""))
    if frontier is not None:
        if frontier not in dataset.models:
            raise DatasetError(
                f"{dataset.path}: no model {frontier!r}; models: " + ", ".join(dataset.models)
            )
        dataset.frontier_model = frontier
    return dataset
