"""Unseen prompts: a long paste is not frontier work by itself, and design, security-scheme,
concurrency and data-migration requests never go to the fast tier, whatever the strategy."""

from __future__ import annotations

import pytest
from routing_fakes import standard_catalog, standard_config

from tui_router.core.routing.features import extract_features
from tui_router.core.routing.learned import raw_inputs
from tui_router.core.routing.router import Router

SCORED_AND_RULED = ("rules", "heuristic", "learned", "cascade")


def _plain_code(chars: int) -> str:
    blocks = []
    n = 0
    while sum(map(len, blocks)) < chars:
        n += 1
        blocks.append(
            f"def read_setting_{n}(settings, default=None):\n"
            f"    value = settings.get('option_{n}', default)\n"
            "    if value is None:\n"
            "        return default\n"
            f"    return str(value).strip()  # setting number {n}\n\n"
        )
    return "".join(blocks)[:chars]


def _decide(strategy: str, prompt: str) -> str | None:
    router = Router(standard_config(routing_strategy=strategy), standard_catalog())
    return router.decide(prompt).tier


@pytest.mark.parametrize("strategy", SCORED_AND_RULED)
@pytest.mark.parametrize("fenced", [False, True])
def test_a_5000_character_paste_with_fix_the_typo_is_not_frontier(
    strategy: str, fenced: bool
) -> None:
    code = _plain_code(5_000)
    body = f"```python\n{code}\n```" if fenced else code
    prompt = f"fix the typo in the comment\n\n{body}"
    assert len(prompt) >= 5_000
    assert _decide(strategy, prompt) != "frontier"


@pytest.mark.parametrize("strategy", SCORED_AND_RULED)
@pytest.mark.parametrize(
    "prompt",
    [
        "Explain what it would take to design an end-to-end encryption scheme for our notes app.",
        "explain how you'd design an end-to-end encryption scheme for file sharing",
        "Can you explain what the locking should look like so that two cron workers never "
        "send the same invoice twice?",
        "Explain the race condition risks if several threads update this in-memory counter.",
        "Explain how to plan the data migration of our customer records from the legacy CRM "
        "database into the new schema.",
        "quick one: how would you backfill the new currency column for existing orders?",
    ],
    ids=["e2e-notes", "e2e-files", "locking", "race", "data-migration", "backfill"],
)
def test_design_security_concurrency_and_migration_requests_are_never_fast(
    strategy: str, prompt: str
) -> None:
    assert extract_features(prompt).design_risk == 1.0
    assert _decide(strategy, prompt) not in ("fast", "local")


@pytest.mark.parametrize(
    "prompt",
    [
        "rename x to y",
        "fix the typo in this docstring",
        "Design a logo for the README",  # not a system or scheme
    ],
)
def test_ordinary_requests_do_not_trip_the_design_floor(prompt: str) -> None:
    assert extract_features(prompt).design_risk == 0.0


def test_words_in_pasted_code_do_not_trip_the_design_floor() -> None:
    prompt = "add a docstring\n```python\nlock = threading.Lock()  # concurrency\n```"
    assert extract_features(prompt).design_risk == 0.0


def test_the_learned_model_sees_length_only_up_to_a_cap() -> None:
    short = "a" * 600
    long = "a" * 50_000
    capped = raw_inputs(short, extract_features(short).prompt_dict())["f.chars"]
    assert raw_inputs(long, extract_features(long).prompt_dict())["f.chars"] == capped
