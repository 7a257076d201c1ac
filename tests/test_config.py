"""config.toml: defaults when missing; every bad file gives one message naming file, line, key, fix."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from tui_router.commands.config_example import EXAMPLE_CONFIG
from tui_router.core.config import (
    DEFAULT_KEYS,
    DEFAULT_TIERS,
    AppConfig,
    ConfigError,
    check_frontier_price,
    did_you_mean,
    load_config,
)
from tui_router.core.errors import UserFacingError
from tui_router.core.paths import get_paths


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def error_of(path: Path, *, check_prices: bool = False) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, check_prices=check_prices)
    assert isinstance(caught.value, UserFacingError)
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert message.startswith(str(path)), "names the file first"
    return message


def test_missing_file_means_defaults() -> None:
    assert not get_paths().config_file.exists()
    config = load_config()
    assert config == AppConfig()
    assert config.tiers == DEFAULT_TIERS
    assert config.keys == DEFAULT_KEYS
    assert config.frontier_model == "claude-opus-4-6"
    assert config.budget_usd is None


def test_the_example_config_is_valid_and_equals_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE_CONFIG))
    defaults = AppConfig()
    for name in ("tiers", "frontier_model", "default_model", "routing_mode", "routing_strategy",
                 "theme", "endpoints", "prices", "budget_usd", "keys", "max_tokens"):  # fmt: skip
        assert getattr(config, name) == getattr(defaults, name), name


def test_a_full_config_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        frontier_model = "gpt-5.5"
        default_model = "ollama/llama3.2"
        routing_mode = "auto"
        routing_strategy = "cascade"
        max_tokens = 1000

        [tiers]
        local = ["ollama/llama3.2"]
        fast = ["gpt-5-nano"]

        [endpoints.ollama]
        base_url = "http://localhost:11434/v1"
        models = ["llama3.2"]
        price_provider = "local"

        [prices."gpt-5.1"]
        input = 1.1
        output = 9

        [budget]
        session_usd = 2.50

        [keys]
        next_model = "f3"
        """,
    )
    config = load_config(path)
    assert config.source == path
    assert config.tiers["local"] == ["ollama/llama3.2"]
    assert config.tiers["fast"] == ["gpt-5-nano"]
    assert config.tiers["balanced"] == DEFAULT_TIERS["balanced"]  # untouched tiers keep defaults
    assert config.default_model == "ollama/llama3.2"
    assert (config.routing_mode, config.routing_strategy) == ("auto", "cascade")
    (endpoint,) = config.endpoints
    assert (endpoint.name, endpoint.kind, endpoint.models) == ("ollama", "openai", ("llama3.2",))
    assert config.prices["gpt-5.1"].input == Decimal("1.1")
    assert config.prices["gpt-5.1"].cache_read is None
    assert config.budget_usd == Decimal("2.50")
    assert config.keys["next_model"] == "f3"
    assert config.keys["quit"] == "ctrl+q"
    assert config.max_tokens == 1000


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, 'theme = "x"\nfrontier_model = = "a"\nmax_tokens = 5\n'))
    assert "not valid TOML" in message and "line 2" in message
    message = error_of(write(tmp_path, 'frontier_model = "claude-opus-4-6"\ntiers = [\n'))
    assert "not valid TOML" in message and "line 2" in message  # unclosed at the end


def test_unknown_top_level_key_suggests_the_nearest(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, 'theme = "x"\n\n[tier]\nfast = ["gpt-5-mini"]\n'))
    assert "line 3" in message
    assert "'tier'" in message
    assert "did you mean 'tiers'?" in message


def test_unknown_tier_suggests_a_tier(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[tiers]\nfrontiers = ["claude-opus-4-6"]\n'))
    assert "line 2" in message and "'tiers.frontiers'" in message
    assert "did you mean 'tiers.frontier'?" in message


def test_unknown_endpoint_field(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[endpoints.ollama]\nbase_url = "http://localhost:11434/v1"\nmodel = ["x"]\n'
    )
    message = error_of(path)
    assert "line 3" in message and "'endpoints.ollama.model'" in message
    assert "did you mean 'endpoints.ollama.models'?" in message


def test_unknown_price_field_quotes_the_model_id_as_toml_does(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[prices."gpt-5.1"]\ninput = 1\noutptu = 2\n'))
    assert "line 3" in message
    assert """'prices."gpt-5.1".outptu'""" in message
    assert """did you mean 'prices."gpt-5.1".output'?""" in message


def test_price_needs_input_and_output(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[prices."my-model"]\ninput = 1\n'))
    assert "prices.my-model" in message and "needs output" in message


def test_negative_price(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[prices.x]\ninput = -1\noutput = 2\n"))
    assert "prices.x.input" in message and "0 or more" in message


def test_unknown_key_action(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[keys]\nnext_modle = "f3"\n'))
    assert "line 2" in message and "did you mean 'keys.next_model'?" in message


def test_two_actions_on_one_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[keys]\nnext_model = "ctrl+l"\n'))
    assert "keys.model_picker" in message and "keys.next_model" in message
    assert "'ctrl+l'" in message


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ('routing_mode = "sugest"', "routing_mode", "'suggest'"),
        ('routing_strategy = "learnt"', "routing_strategy", "'learned'"),
        (
            '[endpoints.x]\nkind = "openia"\nbase_url = "http://h/v1"',
            "endpoints.x.kind",
            "'openai'",
        ),
    ],
)
def test_bad_choice_values_suggest_a_valid_one(
    tmp_path: Path, text: str, key: str, suggestion: str
) -> None:
    message = error_of(write(tmp_path, text + "\n"))
    assert key in message and f"did you mean {suggestion}?" in message


@pytest.mark.parametrize("strategy", ["manual", "rules", "cascade", "learned", "heuristic"])
def test_every_strategy_the_command_line_takes_is_accepted_in_the_file(
    tmp_path: Path, strategy: str
) -> None:
    # `--strategy heuristic` works on the command line, so `routing_strategy = "heuristic"` must too
    config = load_config(write(tmp_path, f'routing_strategy = "{strategy}"\n'))
    assert config.routing_strategy == strategy


def test_unknown_budget_key_and_non_positive_budget(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[budget]\nsession = 5\n"))
    assert "did you mean 'budget.session_usd'?" in message
    message = error_of(write(tmp_path, "[budget]\nsession_usd = 0\n"))
    assert "line 2" in message and "budget.session_usd must be more than 0" in message


def test_a_table_written_as_a_value(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "budget = 5\n"))
    assert "budget must be a table ([budget])" in message


def test_max_tokens_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    for value in ("0", "true", "1.5", '"4096"'):
        message = error_of(write(tmp_path, f"max_tokens = {value}\n"))
        assert "max_tokens must be a positive whole number" in message


def test_a_tier_model_no_endpoint_serves_points_at_its_line_and_suggests_an_id(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[tiers]\nfast = [\n  "claude-haiku-4-5",\n  "haiku",\n]\n')
    message = error_of(path)
    assert "line 4" in message  # the line of the bad id inside the multi-line list
    assert "tiers.fast" in message and "'haiku'" in message
    assert "did you mean 'claude-haiku-4-5'?" in message


def test_a_model_prefixed_with_an_undefined_endpoint(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, 'default_model = "olama/llama3.2"\n'))
    assert "default_model" in message and "'olama/llama3.2'" in message
    assert "anthropic, openai, local" in message  # the endpoints there are


def test_a_model_listed_in_two_tiers(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[tiers]\nfast = ["gpt-5.1"]\nbalanced = ["gpt-5.1"]\n'))
    assert "'gpt-5.1' is listed in both tiers.fast and tiers.balanced" in message


def test_a_model_moved_to_another_tier_leaves_its_default_tier(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[tiers]\nfast = ["claude-sonnet-4-6"]\n'))
    assert config.tier_of("claude-sonnet-4-6") == "fast"
    assert config.tiers["balanced"] == ["gpt-5.1"]


def test_frontier_model_must_have_a_price(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "x"\nfrontier_model = "claude-opus-9-9"\n')
    message = error_of(path, check_prices=True)
    assert "line 2" in message and "frontier_model" in message and "n/a" in message
    assert "[prices.claude-opus-9-9]" in message  # how to fix it
    unchecked = load_config(path, check_prices=False)
    assert unchecked.frontier_model == "claude-opus-9-9"
    with pytest.raises(ConfigError, match="line 2: frontier_model"):
        check_frontier_price(unchecked)  # the deferred form of the same check


def test_frontier_model_priced_by_an_override_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        frontier_model = "big/model-x"

        [endpoints.big]
        base_url = "https://big.example/v1"
        api_key_env = "BIG_API_KEY"

        [prices."big/model-x"]
        input = 4
        output = 20
        """,
    )
    assert load_config(path, check_prices=True).frontier_model == "big/model-x"


def test_api_key_env_must_be_a_variable_name_and_a_pasted_key_is_not_echoed(
    tmp_path: Path,
) -> None:
    secret = "sk-proj-abc123-DO-NOT-PRINT"
    path = write(
        tmp_path,
        f'[endpoints.router]\nbase_url = "https://r.example/v1"\napi_key_env = "{secret}"\n',
    )
    message = error_of(path)
    assert "line 3" in message and "endpoints.router.api_key_env" in message
    assert secret not in message


def test_an_endpoint_needs_a_url_or_a_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[endpoints.mine]\nmodels = ["m"]\n'))
    assert "endpoints.mine needs base_url" in message


def test_base_url_must_be_http(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[endpoints.mine]\nbase_url = "localhost:11434"\n'))
    assert "endpoints.mine.base_url must start with http://" in message


def test_changing_a_builtin_endpoint_keeps_its_key_variable(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[endpoints.openai]\nbase_url = "http://proxy/v1"\n'))
    (endpoint,) = config.endpoints
    assert endpoint.base_url == "http://proxy/v1"
    assert (endpoint.api_key_env, endpoint.price_provider) == ("OPENAI_API_KEY", "openai")


def test_a_top_level_key_owned_elsewhere_is_kept_raw(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[[rules]]\nname = "r"\ntier = "fast"\n'))
    assert config.raw["rules"] == [{"name": "r", "tier": "fast"}]


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe not utf-8")
    assert "cannot read" in error_of(path)


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("tier", ["tiers", "theme"], "tiers"),
        ("FAST", ["local", "fast"], "fast"),
        ("haiku", ["gpt-5-mini", "claude-haiku-4-5"], "claude-haiku-4-5"),
        ("zzzz", ["tiers", "theme"], None),
    ],
)
def test_did_you_mean(word: str, candidates: list[str], expected: str | None) -> None:
    assert did_you_mean(word, candidates) == expected


def test_price_provider_typo_is_caught_when_prices_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[endpoints.router]\nbase_url = "https://openrouter.ai/api/v1"\n'
        'api_key_env = "OPENROUTER_API_KEY"\nprice_provider = "openruter"\n',
    )
    message = error_of(path, check_prices=True)
    assert "line 4" in message and "endpoints.router.price_provider" in message
    assert "did you mean 'openrouter'?" in message


def test_a_top_level_setting_written_below_a_table_says_where_it_belongs(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, '[keys]\nhelp = "f1"\nrouting_mode = "auto"\n'))
    assert "line 3" in message and "'keys.routing_mode'" in message
    assert "move it above the first [table] header" in message


def test_a_config_without_permission_rules_loads_without_the_rules_checker(
    isolated_home: Path,
) -> None:
    """Config loads on the way to the app's first frame: the permission rules' checker (and
    the conversation types it brings) loads only for a config that has rules, and then checks
    them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tui_router.core.config import load_config\n"
        "config = load_config(check_prices=False)\n"
        "print(config.permissions.allow, 'tui_router.core.agent.permissions' in sys.modules)\n"
    )
    config_file = get_paths().config_file
    config_file.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["()", "False"]
    config_file.write_text('[permissions]\nallow = ["run_command:pytest"]\n')
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["('run_command:pytest',)", "True"]
    config_file.write_text('[permissions]\nallow = ["run_comand"]\n')
    with pytest.raises(UserFacingError, match="run_comand"):
        load_config(check_prices=False)
