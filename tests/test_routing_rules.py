"""Routing rules: the shipped set, [[rules]] parsing with clear errors, matching, ordering."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_router.core.config import ConfigError, load_config
from tui_router.core.routing.context import AttachedFile, RoutingContext
from tui_router.core.routing.features import extract_features
from tui_router.core.routing.rules import (
    DEFAULT_RULES,
    parse_rules,
    rules_in_force,
)


def first(prompt: str, context: RoutingContext | None = None, rules=None):
    ruleset = rules or rules_in_force(load_config())
    return ruleset.first_match(prompt, extract_features(prompt, context), context)


def test_default_rules_have_unique_names_and_end_with_a_catch_all() -> None:
    names = [r.name for r in DEFAULT_RULES]
    assert len(names) == len(set(names))
    assert DEFAULT_RULES[-1].is_catch_all
    assert all(not r.is_catch_all for r in DEFAULT_RULES[:-1])


@pytest.mark.parametrize(
    ("prompt", "rule", "target"),
    [
        ("rename foo to bar", "cheap-edit", "fast"),
        (
            "write the prod migration that drops the email column",
            "irreversible-or-production",
            "frontier",
        ),
        ("Prove that there are infinitely many primes", "maths-and-proofs", "frontier"),
        ("ok continue", "follow-up-stays", "current"),
        (
            'Traceback (most recent call last):\n  File "a.py", line 1\nKeyError: 1\nfix it',
            "debugging-with-traceback",
            "balanced",
        ),
        ("write a function that adds two numbers", "default-start-light", "fast"),
    ],
)
def test_default_rules_on_clear_prompts(prompt: str, rule: str, target: str) -> None:
    matched = first(prompt)
    assert (matched.name, matched.target) == (rule, target)


def test_a_cheap_verb_on_an_irreversible_change_hits_the_risk_rule_first() -> None:
    assert first("rename the column in the production database migration").target == "frontier"


def _write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rules_come_first_then_the_defaults(tmp_path: Path) -> None:
    path = _write_config(
        tmp_path,
        """
[[rules]]
name = "sql-to-balanced"
file_types = ["sql"]
tier = "balanced"

[[rules]]
name = "terraform-to-frontier"
keywords = ["terraform plan"]
tier = "frontier"
""",
    )
    ruleset = rules_in_force(load_config(path))
    assert [r.name for r in ruleset.rules[:2]] == ["sql-to-balanced", "terraform-to-frontier"]
    assert ruleset.rules[2:] == DEFAULT_RULES
    assert ruleset.rules[0].source == str(path)
    context = RoutingContext(attached_files=(AttachedFile("db/schema.sql", 300),))
    assert first("tidy this up", context, ruleset).name == "sql-to-balanced"
    assert first("review my Terraform plan output", None, ruleset).name == "terraform-to-frontier"
    # Keywords match whole words only.
    assert first("the terraform planner", None, ruleset).name != "terraform-to-frontier"
    # Nothing of theirs matches: the defaults still apply.
    assert first("rename foo to bar", None, ruleset).name == "cheap-edit"


def test_a_user_catch_all_replaces_the_defaults(tmp_path: Path) -> None:
    path = _write_config(
        tmp_path,
        """
[[rules]]
name = "docs-local"
kinds = ["docstring"]
tier = "local"

[[rules]]
name = "everything-else"
model = "claude-sonnet-4-6"
""",
    )
    ruleset = rules_in_force(load_config(path))
    assert [r.name for r in ruleset.rules] == ["docs-local", "everything-else"]
    assert (
        first("write the prod migration dropping users", None, ruleset).target
        == "claude-sonnet-4-6"
    )


def test_rule_conditions_on_files_context_and_scores() -> None:
    rules = parse_rules(
        [
            {"name": "big", "min_context_tokens": 50_000, "tier": "balanced"},
            {"name": "many-files", "min_files": 2, "max_files": 3, "tier": "balanced"},
            {"name": "regex", "regex": r"^fix\b", "tier": "fast"},
            {"name": "risky", "min_mistake_cost": 0.5, "max_reasoning": 0.2, "tier": "frontier"},
        ],
        "test",
    )
    from tui_router.core.routing.rules import RuleSet

    ruleset = RuleSet(rules)
    big = RoutingContext(conversation_tokens=60_000)
    two = RoutingContext(attached_files=(AttachedFile("a", 1), AttachedFile("b", 1)))
    four = RoutingContext(attached_files=tuple(AttachedFile(str(i), 1) for i in range(4)))
    assert first("hello", big, ruleset).name == "big"
    assert first("hello", two, ruleset).name == "many-files"
    assert first("hello", four, ruleset).name != "many-files"
    assert first("Fix the typo", None, ruleset).name == "regex"
    assert first("delete the production table", None, ruleset).name == "risky"
    # No rule matched: the shipped fallback decides.
    assert first("hello", None, ruleset).name == DEFAULT_RULES[-1].name


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[[rules]]\nname = "x"\nteir = "fast"\n',
            "rules[0] (x): unknown key 'teir'; did you mean 'tier'?",
        ),
        (
            '[[rules]]\nname = "x"\nkinds = ["migrations"]\ntier = "fast"\n',
            "unknown task kind 'migrations'; did you mean 'migration'?",
        ),
        ('[[rules]]\nname = "x"\ntier = "frontend"\n', "did you mean 'frontier'?"),
        ('[[rules]]\nname = "x"\ntier = "fast"\nmodel = "gpt-5"\n', "exactly one of tier"),
        ('[[rules]]\nname = "x"\nkinds = ["rename"]\n', "exactly one of tier"),
        ('[[rules]]\nname = "x"\nregex = "(unclosed"\ntier = "fast"\n', "does not compile"),
        (
            '[[rules]]\nname = "x"\nmin_files = -1\ntier = "fast"\n',
            "min_files must be a whole number",
        ),
        ('[[rules]]\nname = "x"\nmin_reasoning = 2\ntier = "fast"\n', "from 0 to 1"),
        (
            '[[rules]]\nname = "x"\nkeywords = "deploy"\ntier = "fast"\n[[rules]]\nname = "y"\n'
            'keywords = [1]\ntier = "fast"\n',
            "rules[1] (y): keywords must be a list of strings",
        ),
        ('rules = "fast"\n', "rules must be an array of tables"),
    ],
)
def test_bad_rules_name_the_file_the_rule_and_the_key(
    tmp_path: Path, toml: str, expected: str
) -> None:
    path = _write_config(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        rules_in_force(load_config(path))
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


def test_a_config_with_rules_is_a_valid_config(tmp_path: Path) -> None:
    path = _write_config(tmp_path, '[[rules]]\nname = "a"\ntier = "fast"\n')
    assert load_config(path).raw["rules"][0]["name"] == "a"


def test_conditions_read_back_for_people() -> None:
    rule = parse_rules(
        [{"name": "n", "kinds": ["deploy"], "min_files": 2, "tier": "frontier"}], "t"
    )[0]
    assert rule.conditions() == ["kind in deploy", "attached files >= 2"]
    assert rule.target == "frontier"
