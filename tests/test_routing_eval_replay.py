"""`tui-router eval` end to end on small dataset files the tests write: the reference rows, the
strategies fit on train, RouteLLM's metrics on two-model data, and clear errors for broken files."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from tui_router.cli import main
from tui_router.evaluation import replay
from tui_router.evaluation.datasets import DatasetError
from tui_router.evaluation.loading import detect_format, load_dataset

FRONTIER = "claude-opus-4-5-20251101"
ISSUES = [
    (
        "django/django",
        "Crash in QuerySet.union() with ordering\nTraceback (most recent call last):\n"
        '  File "x.py", line 3\nTypeError: bad\nSteps to reproduce: call union().',
    ),
    ("django/django", "Typo in the docs of the admin site."),
    ("sympy/sympy", "simplify(x**2) returns the wrong result for negative x; expected |x|."),
    ("sympy/sympy", "Add support for a new option in printing of matrices."),
]


def _write_swebench(
    path: Path, n_train: int = 20, n_test: int = 10, small_models_resolve: bool = True
) -> Path:
    lines = []
    for k in range(n_train + n_test):
        repo, text = ISSUES[k % len(ISSUES)]
        hard = k % 3 == 0
        mid = (not hard or k % 2 == 0) and small_models_resolve
        cheap = not hard and k % 4 != 1 and small_models_resolve
        outcomes = {
            FRONTIER: {"resolved": k % 5 != 0, "cost": 1.0, "api_calls": 10},
            "mid-model": {"resolved": mid, "cost": 0.4, "api_calls": 10},
            "cheap-model": {"resolved": cheap, "cost": 0.05, "api_calls": 10},
        }
        lines.append(
            json.dumps(
                {
                    "instance_id": f"i-{k}",
                    "repo": repo,
                    "split": "train" if k < n_train else "test",
                    "difficulty": "1-4 hours" if hard else "<15 min fix",
                    "problem_statement": f"{text} (case {k})",
                    "outcomes": outcomes,
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_routerbench(folder: Path, split: str, n: int = 12) -> Path:
    models = ["gpt-4-1106-preview", "gpt-3.5-turbo-1106", "tiny-model"]
    header = [
        "",
        "sample_id",
        "prompt",
        "eval_name",
        *models,
        *(f"{m}|model_response" for m in models),
        *(f"{m}|total_cost" for m in models),
        "oracle_model_to_route_to",
    ]
    path = folder / f"mbpp_{split}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for k in range(n):
            good = k % 3 != 0  # the cheap model is right when its answer holds working Python
            cheap_answer = (
                "```python\ndef f(x):\n    return x + 1\n```"
                if good
                else "```python\ndef f(x) return\n```"
            )
            writer.writerow(
                [
                    k,
                    f"mbpp.{split}.{k}",
                    repr([f"Write a function number {k}."]),
                    "mbpp",
                    1.0,
                    1.0 if good else 0.0,
                    0.0,
                    repr(["```python\ndef f(x):\n    return x\n```"]),
                    repr([cheap_answer]),
                    repr(["no"]),
                    0.01,
                    0.0005,
                    0.0001,
                    "gpt-3.5-turbo-1106",
                ]
            )
    return path


def _row(data: dict[str, object], name: str) -> dict[str, object]:
    rows = data["rows"]
    assert isinstance(rows, list)
    return next(r for r in rows if r["strategy"] == name)


def _run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["eval", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_swebench_replay_has_reference_rows_and_a_train_fit_predictor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_swebench(tmp_path / "swe.jsonl")
    data = _run_json(capsys, "--dataset", str(path), "--split", "test")
    assert data["dataset"] == "swebench" and data["split"] == "test" and data["n"] == 10
    assert data["frontier_model"] == FRONTIER
    names = [r["strategy"] for r in data["rows"]]  # type: ignore[index]
    for expected in (
        "frontier-only",
        "cheapest-only",
        "oracle",
        "random at the same spend",
        f"only {FRONTIER}",
        "only mid-model",
        "only cheap-model",
        "success predictor (eval-only, fit on train)",
        "learned (shipped, Router.decide)",
        "rules (shipped, Router.decide)",
        "heuristic (shipped, Router.decide)",
        "cascade (shipped, Router.decide)",
        "verified cascade (gate_false_accept 0.10)",
        "verified cascade (gate_false_accept 0.20)",
    ):
        assert expected in names
    frontier = _row(data, "frontier-only")
    assert frontier["cost_share"] == 1.0 and frontier["reference"] is True
    assert frontier["calls"] == {FRONTIER: 1.0}
    assert _row(data, "cheapest-only")["calls"] == {"cheap-model": 1.0}
    oracle = _row(data, "oracle")
    best = max(r["quality"] for r in data["rows"])  # type: ignore[union-attr]
    assert oracle["quality"] == best
    for row in data["rows"]:  # type: ignore[union-attr]
        if row["quality"] == best:
            assert oracle["cost_share"] <= row["cost_share"]
    for row in data["rows"]:  # type: ignore[union-attr]
        if row["reference"]:
            continue
        # Every strategy row: shipped or not, a quality CI and a same-mix random baseline.
        assert row["shipped"] is row["strategy"].endswith("(shipped, Router.decide)")
        low, high = row["quality_ci"]
        assert low <= row["quality"] <= high
        baseline = row["random_same_mix"]
        assert baseline["seeds"] >= 100 and 0.0 <= baseline["p_random_at_least_as_good"] <= 1.0
    verified = _row(data, "verified cascade (gate_false_accept 0.20)")
    assert verified["chain"][-1] == FRONTIER and verified["gate_false_reject"] == 0.05
    assert data["difficulty"]["n"] == 10  # type: ignore[index]
    for row in data["rows"]:  # type: ignore[union-attr]
        assert set(row) >= {
            "strategy",
            "reference",
            "quality",
            "cost_usd",
            "cost_share",
            "calls",
            "apgr",
        }


def test_swebench_predictor_is_fit_on_train_only(tmp_path: Path) -> None:
    path = _write_swebench(tmp_path / "swe.jsonl")
    test = load_dataset(path, None, "test")
    # Scramble the test outcomes: a predictor fit on train must route exactly as before.
    before = replay.run(test, ("predictor",))
    for item in test.items:
        for model, outcome in list(item.outcomes.items()):
            item.outcomes[model] = type(outcome)(1.0 - outcome.quality, outcome.cost)
    after = replay.run(test, ("predictor",))
    pick = "success predictor (eval-only, fit on train)"
    row_before = next(r for r in before.rows if r.strategy == pick)
    row_after = next(r for r in after.rows if r.strategy == pick)
    assert row_before.calls == row_after.calls


def test_no_verified_chain_within_budget_is_a_note_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The cheaper models never resolve: every chain escalates to the frontier on (nearly) every
    # issue and costs more than half of frontier-only, so no chain can be chosen on train.
    path = _write_swebench(tmp_path / "swe.jsonl", small_models_resolve=False)
    data = _run_json(capsys, "--dataset", str(path), "--split", "test")
    names = [r["strategy"] for r in data["rows"]]  # type: ignore[union-attr]
    assert not any(name.startswith("verified cascade") for name in names)
    assert "success predictor (eval-only, fit on train)" in names  # the rest still runs
    notes = [n for n in data["notes"] if "verified cascade" in n]  # type: ignore[union-attr]
    assert len(notes) == 1 and "no chain" in notes[0] and "on train, 20 items" in notes[0]
    # The same data as a table: one clear note, no traceback.
    assert main(["eval", "--dataset", str(path), "--split", "test"]) == 0
    out, err = capsys.readouterr()
    assert "note: verified cascade left out: no chain" in out and "Traceback" not in err


def test_without_split_fit_on_train_and_report_on_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file with both splits and no --split: the same figures as --split test (fit on the 20
    # train items, every row on the 10 test items), not all 30 items fit and reported in-sample.
    path = _write_swebench(tmp_path / "swe.jsonl")
    both = _run_json(capsys, "--dataset", str(path))
    test = _run_json(capsys, "--dataset", str(path), "--split", "test")
    assert (both["split"], both["n"]) == ("test", 10)
    assert both["rows"] == test["rows"]
    assert (both["n_fit"], both["in_sample"]) == (20, False)
    assert both["difficulty"] == test["difficulty"]  # type: ignore[index]
    assert both["difficulty"]["n"] == 10 and both["difficulty"]["on"] == "test"  # type: ignore[index]
    assert any("reporting on the 10 test items" in n for n in both["notes"])  # type: ignore[union-attr]
    assert main(["eval", "--dataset", str(path), "--strategy", "learned"]) == 0
    assert "split test (fit on 20 train items): 10 items" in capsys.readouterr().out


def test_only_train_items_or_no_split_are_labelled_in_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_swebench(tmp_path / "swe.jsonl", n_train=20, n_test=0)
    data = _run_json(capsys, "--dataset", str(path))
    assert any(n.startswith("IN-SAMPLE") for n in data.get("notes", []))  # type: ignore[attr-defined]
    assert (data["split"], data["n"], data["n_fit"], data["in_sample"]) == ("train", 20, 20, True)
    predictor = _row(data, "success predictor (eval-only, fit on train)")
    assert "fit on train (in-sample) only" in predictor["note"]  # type: ignore[operator]
    assert "quality_ci" in predictor and "random_same_mix" in predictor
    assert main(["eval", "--dataset", str(path), "--strategy", "learned"]) == 0
    assert "IN-SAMPLE" in capsys.readouterr().out
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        del line["split"]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    data = _run_json(capsys, "--dataset", str(path))
    assert (data["split"], data["n"], data["in_sample"]) == ("all", 20, True)


def test_test_items_without_train_items_are_one_clear_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing to fit on but the test items themselves: nothing is evaluated.
    path = _write_swebench(tmp_path / "swe.jsonl", n_train=0, n_test=10)
    for split in ([], ["--split", "test"]):
        assert main(["eval", "--dataset", str(path), *split]) == 2
        err = capsys.readouterr().err
        assert "10 test items and no train items" in err and "Traceback" not in err
    test = _write_routerbench(tmp_path, "test")  # no mbpp_train.csv beside it
    assert main(["eval", "--dataset", str(test)]) == 2
    err = capsys.readouterr().err
    assert "no train file (mbpp_train.csv)" in err and "Traceback" not in err


def test_too_few_train_items_for_cross_validation_is_a_note_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One train item: every cross-validation fold but one would be fit on nothing.
    path = _write_swebench(tmp_path / "swe.jsonl", n_train=1, n_test=3)
    data = _run_json(capsys, "--dataset", str(path), "--split", "test")
    names = [r["strategy"] for r in data["rows"]]  # type: ignore[union-attr]
    assert "success predictor (eval-only, fit on train)" not in names
    assert "learned (shipped, Router.decide)" in names  # the rest still runs
    notes = [n for n in data["notes"] if "success predictor" in n]  # type: ignore[union-attr]
    assert len(notes) == 1 and "train has 1" in notes[0]


def test_routerbench_cascade_gates_the_recorded_cheap_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_routerbench(tmp_path, "train")
    test = _write_routerbench(tmp_path, "test")
    data = _run_json(capsys, "--dataset", str(test))
    assert data["dataset"] == "routerbench" and data["split"] == "test"
    parse = _row(data, "cascade: parse gate (eval-only pair)")
    # 4 of 12 cheap answers do not parse and go on to GPT-4: every item ends right.
    assert parse["quality"] == 1.0
    assert parse["calls"]["gpt-3.5-turbo-1106"] == 1.0  # type: ignore[index]
    assert parse["calls"]["gpt-4-1106-preview"] == pytest.approx(4 / 12, abs=1e-4)  # type: ignore[index]
    assert parse["cost_share"] == pytest.approx((12 * 0.0005 + 4 * 0.01) / (12 * 0.01), abs=1e-4)
    names = [r["strategy"] for r in data["rows"]]  # type: ignore[union-attr]
    assert "cascade: learned gate (eval-only, fit on train)" in names
    # The random baseline routes between the cascade's own two models, not all of them.
    assert set(_row(data, "random at the same spend")["calls"]) <= {  # type: ignore[arg-type]
        "gpt-3.5-turbo-1106",
        "gpt-4-1106-preview",
    }
    assert _row(data, "frontier-only")["cost_share"] == 1.0


def test_two_model_data_reports_apgr_and_cpt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gsm8k_responses.csv"
    strong, weak = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", weak, strong, f"{weak}_response", f"{strong}_response"])
        for k in range(20):
            writer.writerow(
                [
                    f"Tom has {k} apples and buys {k + 3} more. How many?",
                    "True" if k % 2 else "False",
                    "True",
                    "a",
                    "b",
                ]
            )
    data = _run_json(capsys, "--dataset", str(path))
    assert data["dataset"] == "gsm8k" and data["frontier_model"] == strong
    learned = _row(data, "learned (shipped, Router.decide)")
    assert 0.0 <= learned["apgr"] <= 1.0  # type: ignore[operator]
    low, high = learned["apgr_ci"]  # type: ignore[misc]
    assert low <= high
    assert 0.0 <= learned["cpt50"] <= learned["cpt80"] <= 1.0  # type: ignore[operator]
    assert _row(data, "random")["apgr"] == 0.5
    assert _row(data, "frontier-only")["cost_usd"] is None  # no costs recorded: never $0


def test_gsm8k_in_a_folder_it_shares_with_mt_bench(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strong, weak = "gpt-4-1106-preview", "mixtral"
    with (tmp_path / "gsm8k_responses.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", weak, strong, f"{weak}_response", f"{strong}_response"])
        for k in range(8):
            writer.writerow([f"What is {k} + {k}?", "True" if k % 2 else "False", "True", "a", "b"])
    (tmp_path / "gsm8k_contaminated_prompts.jsonl").write_text(
        json.dumps({"eval_prompt": "What is 7 + 7?"}) + "\n", encoding="utf-8"
    )
    assert detect_format(tmp_path) == "gsm8k"  # only GSM8K here: found without --format
    for name in ("mt_bench_question.jsonl", "mt_bench_judgements.jsonl"):
        (tmp_path / name).write_text("", encoding="utf-8")  # RouteLLM's folder has both
    assert detect_format(tmp_path) == "mtbench"
    data = _run_json(capsys, "--dataset", str(tmp_path), "--format", "gsm8k")
    assert data["dataset"] == "gsm8k" and data["n"] == 7  # the contaminated prompt left out
    assert data["frontier_model"] == strong

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["eval", "--dataset", str(empty), "--format", "gsm8k"]) == 2
    assert "without gsm8k_responses.csv" in capsys.readouterr().err


def test_mtbench_folder_is_detected_and_decontaminated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = [
        {
            "question_id": q,
            "category": "math" if q % 2 else "writing",
            "turns": [f"Question {q}?", "And then?"],
        }
        for q in range(1, 7)
    ]
    (tmp_path / "mt_bench_question.jsonl").write_text(
        "\n".join(json.dumps(q) for q in questions) + "\n", encoding="utf-8"
    )
    judgements = [
        {"question_id": q, "model": m, "score": s, "turn": t}
        for q in range(1, 7)
        for t in (1, 2)
        for m, s in (("gpt-4-1106-preview", 9), ("mixtral", 5 if q % 2 else 9))
    ]
    (tmp_path / "mt_bench_judgements.jsonl").write_text(
        "\n".join(json.dumps(j) for j in judgements) + "\n", encoding="utf-8"
    )
    (tmp_path / "mt_bench_contaminated_prompts.jsonl").write_text(
        json.dumps({"eval_prompt": "Question 6?"}) + "\n", encoding="utf-8"
    )
    assert detect_format(tmp_path) == "mtbench"
    data = _run_json(capsys, "--dataset", str(tmp_path))
    assert data["n"] == 5
    assert _row(data, "frontier-only")["quality"] == 9.0
    assert _row(data, "cheapest-only")["quality"] == pytest.approx((5 * 3 + 9 * 2) / 5)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "swe.jsonl",
            '{"problem_statement": "x", "outcomes": {"m": {"resolved": true, "cost": 1}}}'
            "\n{not json\n",
            "swe.jsonl:2",
        ),
        ("swe.jsonl", '{"outcomes": {"m": {"resolved": true}}}\n', "swe.jsonl:1: not a SWE"),
        ("swe.jsonl", "\ufeff\n", "swe.jsonl"),
        (
            "mbpp_test.csv",
            'prompt,a,a|total_cost,a|model_response\n"x",notanumber,0.1,y\n',
            "mbpp_test.csv:2",
        ),
    ],
)
def test_broken_dataset_is_one_clear_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["eval", "--dataset", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_missing_dataset_and_unknown_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--dataset", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl: no such file" in capsys.readouterr().err
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="--format"):
        detect_format(odd)


def test_split_on_data_without_splits_is_explained(tmp_path: Path) -> None:
    path = _write_swebench(tmp_path / "swe.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        del line["split"]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no splits"):
        load_dataset(path, None, "test")


def test_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    path = _write_swebench(tmp_path / "swe.jsonl")
    chart = tmp_path / "chart.png"
    assert (
        main(
            [
                "eval",
                "--dataset",
                str(path),
                "--split",
                "test",
                "--strategy",
                "learned",
                "--plot",
                str(chart),
            ]
        )
        == 0
    )
    assert chart.read_bytes()[:4] == b"\x89PNG"
    assert "frontier-only" in capsys.readouterr().out


def test_plot_without_matplotlib_is_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = _write_swebench(tmp_path / "swe.jsonl")
    assert main(["eval", "--dataset", str(path), "--plot", str(tmp_path / "c.png")]) == 2
    assert "plot extra" in capsys.readouterr().err
