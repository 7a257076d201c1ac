"""Which items the replay fits on and which it reports on, decided in one place for every row.

The data's rule for honest numbers: tune, train and choose on train only; report on items not
fitted on. Everything the replay fits or chooses from outcomes (the shipped strategies' tiers,
the SWE-bench success predictor, the verified cascade's chain, the difficulty classifier, the
RouterBench cheap model and learned gate) reads `Partition.fit`; every row (reference rows too,
so they stay comparable) is computed on `Partition.report`.

* Data with a train and a test split: fit on train, report on test. That is ``--split test``,
  and also no ``--split`` on a file holding both (the test items are reported, not all of them).
  The train items of a test file come from the same file (SWE-bench) or the ``*_train`` file next
  to it (RouterBench).
* Only train items to report on (``--split train``, a train file, a file holding only train
  items) or no split at all: fit and report on the same items, labelled in-sample.
* Test items and no train items: nothing can be fitted without looking at the test items, so
  nothing is evaluated (`DatasetError`).
* Two-model data (MT-Bench, GSM8K): nothing is fitted on it; all items are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui_router.evaluation.datasets import Dataset, DatasetError, Item


@dataclass(frozen=True, slots=True)
class Partition:
    """The items to fit on, the dataset to report on (its items only) and how to label them."""

    fit: list[Item]
    report: Dataset
    in_sample: bool
    notes: tuple[str, ...] = ()

    @property
    def fit_label(self) -> str:
        """What the fit items are, for a row's note: ``train`` or an in-sample label."""
        if not self.in_sample:
            return "train"
        return "train (in-sample)" if self.report.split == "train" else "all items (in-sample)"


def partition(dataset: Dataset) -> Partition:
    """Split ``dataset`` (as loaded, possibly restricted to ``--split``) into fit and report."""
    if dataset.two_model:
        return Partition([], dataset, in_sample=False)
    if dataset.format == "swebench":
        return _swebench(dataset)
    if dataset.format == "routerbench":
        return _routerbench(dataset)
    return _in_sample(dataset, dataset.items)


def _swebench(dataset: Dataset) -> Partition:
    from tui_router.evaluation.datasets import load_swebench

    if dataset.split == "test":
        train = [i for i in load_swebench(dataset.path).items if i.split == "train"]
        return _held_out(dataset, train, dataset.items)
    if dataset.split == "train":
        return _in_sample(dataset, dataset.items)
    train = [i for i in dataset.items if i.split == "train"]
    test = [i for i in dataset.items if i.split == "test"]
    if not train and not test:
        return _in_sample(dataset, dataset.items)
    notes = []
    others = len(dataset.items) - len(train) - len(test)
    if others:
        notes.append(f"{others} items in neither the train nor the test split left out")
    if test and train:
        notes.append(
            f"no --split given: reporting on the {len(test)} test items; strategies are fit on "
            f"the {len(train)} train items (--split train for in-sample figures on train)"
        )
        held = _held_out(replace(dataset, split="test"), train, test)
        return replace(held, notes=(*notes, *held.notes))
    if train:
        inside = _in_sample(replace(dataset, split="train"), train)
        return replace(inside, notes=(*notes, *inside.notes))
    return _held_out(replace(dataset, split="test"), [], test)


def _routerbench(dataset: Dataset) -> Partition:
    from tui_router.evaluation.datasets import routerbench_sibling
    from tui_router.evaluation.routerbench import train_counterpart

    if dataset.split == "test":
        train = train_counterpart(dataset)
        if train is None:
            raise DatasetError(
                f"{dataset.path}: a test file, and no train file "
                f"({routerbench_sibling(dataset.path, 'train').name}) next to it to fit the "
                "strategies on; nothing evaluated (put the train file beside it)"
            )
        return _held_out(dataset, train.items, dataset.items)
    return _in_sample(dataset, dataset.items)


def _held_out(dataset: Dataset, train: list[Item], test: list[Item]) -> Partition:
    if not train:
        raise DatasetError(
            f"{dataset.path}: {len(test)} test items and no train items to fit the strategies "
            "on; nothing evaluated (fitting on the test items would report on what was fitted)"
        )
    return Partition(train, replace(dataset, items=test, split="test"), in_sample=False)


def _in_sample(dataset: Dataset, items: list[Item]) -> Partition:
    what = (
        f"the {len(items)} train items"
        if dataset.split == "train"
        else f"all {len(items)} items (the data has no train/test split)"
    )
    note = (
        f"IN-SAMPLE: strategies are fit and reported on the same items, {what}; their figures "
        "are optimistic (report on a test split for honest ones)"
    )
    return Partition(items, replace(dataset, items=items), in_sample=True, notes=(note,))
