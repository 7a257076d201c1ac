"""`tui-router prices`: the data in use, loading a newer data file offline, going back; `models`
names the data's date."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tui_router.cli import main
from tui_router.core import pricing
from tui_router.core.usage import Usage

#: a genai-prices data file (its published prices/data.json format) with one, dearer, model
NEWER_DATA = [
    {
        "id": "anthropic",
        "name": "Anthropic",
        "api_pattern": "https://api\\.anthropic\\.com",
        "models": [
            {
                "id": "claude-haiku-4-5",
                "match": {"starts_with": "claude-haiku-4-5"},
                "context_window": 200000,
                "prices": [
                    {
                        "constraint": {"start_date": "2026-11-15"},
                        "prices": {"input_mtok": 2, "output_mtok": 10, "cache_read_mtok": 0.2},
                    },
                ],
            }
        ],
    }
]


@pytest.fixture(autouse=True)
def fresh_price_data() -> Iterator[None]:
    pricing.reset_price_data()
    yield
    pricing.reset_price_data()


def test_show_names_the_bundled_data_and_its_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prices"]) == 0
    out = capsys.readouterr().out
    assert "genai-prices" in out and "bundled" in out and "newest price from 20" in out


def test_update_from_a_file_prices_new_calls_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    usage = Usage(input_tokens=1_000_000)
    assert pricing.price_call(usage, "claude-haiku-4-5", "anthropic").usd == Decimal(1)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(NEWER_DATA))
    assert main(["prices", "update", "--from", str(data)]) == 0
    out = capsys.readouterr().out
    assert "1 providers, 1 models" in out and "newest price from 2026-11-15" in out
    assert pricing.price_data_path().is_file()
    assert pricing.price_call(usage, "claude-haiku-4-5", "anthropic").usd == Decimal(2)
    assert main(["models"]) == 0
    assert "price data:" in capsys.readouterr().out
    assert main(["prices", "reset"]) == 0
    assert "back to the bundled data" in capsys.readouterr().out
    assert pricing.price_call(usage, "claude-haiku-4-5", "anthropic").usd == Decimal(1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"a": 1}', "not a genai-prices data file"),
        ('[{"id": "x"}]', "not a valid genai-prices data file"),
    ],
)
def test_a_bad_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["prices", "update", "--from", str(bad)]) != 0
    err = capsys.readouterr().err
    assert message in err and str(bad) in err and "Traceback" not in err
    assert not pricing.price_data_path().exists()
