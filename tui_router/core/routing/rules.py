"""Ordered, auditable routing rules: ``[[rules]]`` in config.toml plus the shipped default set.

A rule is a set of conditions (all must hold; a list condition holds when any item does) and a
target (a tier, ``"current"`` to stay on the model in use, or a model id). The user's rules are
tried first, in file order, then the defaults; the first match decides and the decision names it.
A rule without conditions matches everything, so ending your list with one replaces the defaults.
Bad rules raise `ConfigError` naming the file, the rule index, the key and the nearest valid key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui_router.core.config import AppConfig, ConfigError
from tui_router.core.routing.context import RoutingContext
from tui_router.core.routing.features import TASK_KINDS, Features
from tui_router.core.tiers import TIERS

#: Targets a rule may name besides the four tiers: stay on the model in use.
CURRENT = "current"
RULE_KEYS: tuple[str, ...] = (
    "name",
    "tier",
    "model",
    "reason",
    "confidence",
    "kinds",
    "keywords",
    "regex",
    "file_types",
    "min_files",
    "max_files",
    "min_context_tokens",
    "max_context_tokens",
    "min_reasoning",
    "max_reasoning",
    "min_mistake_cost",
    "max_mistake_cost",
)
_INT_KEYS = ("min_files", "max_files", "min_context_tokens", "max_context_tokens")
_SCORE_KEYS = ("min_reasoning", "max_reasoning", "min_mistake_cost", "max_mistake_cost")
_LIST_KEYS = ("kinds", "keywords", "file_types")


@dataclass(frozen=True, slots=True)
class Rule:
    """One routing rule. Unset conditions are None / empty and always hold."""

    name: str
    tier: str | None = None  # a tier or "current"
    model: str | None = None
    reason: str | None = None
    confidence: float = 0.7
    kinds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None
    file_types: tuple[str, ...] = ()
    min_files: int | None = None
    max_files: int | None = None
    min_context_tokens: int | None = None
    max_context_tokens: int | None = None
    min_reasoning: float | None = None
    max_reasoning: float | None = None
    min_mistake_cost: float | None = None
    max_mistake_cost: float | None = None
    source: str = "default"  # "default" or the config file it came from
    _keyword_pattern: re.Pattern[str] | None = None

    @property
    def target(self) -> str:
        return self.model or self.tier or CURRENT

    @property
    def is_catch_all(self) -> bool:
        return not self.conditions()

    def conditions(self) -> list[str]:
        """The rule's conditions as short human text (for `tui-router rules`)."""
        out: list[str] = []
        if self.kinds:
            out.append("kind in " + ", ".join(self.kinds))
        if self.keywords:
            out.append("keyword in " + ", ".join(repr(k) for k in self.keywords))
        if self.regex is not None:
            out.append(f"regex /{self.regex.pattern}/")
        if self.file_types:
            out.append("file type in " + ", ".join(self.file_types))
        for label, low, high in (
            ("attached files", self.min_files, self.max_files),
            ("context tokens", self.min_context_tokens, self.max_context_tokens),
            ("needs_reasoning", self.min_reasoning, self.max_reasoning),
            ("mistake_cost", self.min_mistake_cost, self.max_mistake_cost),
        ):
            if low is not None:
                out.append(f"{label} >= {low}")
            if high is not None:
                out.append(f"{label} <= {high}")
        return out

    def matches(
        self,
        prompt: str,
        features: Features,
        context: RoutingContext | None,
        kinds: frozenset[str] | None = None,
    ) -> bool:
        if self.kinds and (features.kinds if kinds is None else kinds).isdisjoint(self.kinds):
            return False
        if not _within(features.ctx_attached_files, self.min_files, self.max_files):
            return False
        total = features.ctx_total_tokens or features.prompt_tokens
        if not _within(total, self.min_context_tokens, self.max_context_tokens):
            return False
        if not _within(features.needs_reasoning, self.min_reasoning, self.max_reasoning):
            return False
        if not _within(features.mistake_cost, self.min_mistake_cost, self.max_mistake_cost):
            return False
        if self._keyword_pattern is not None and not self._keyword_pattern.search(prompt):
            return False
        if self.regex is not None and not self.regex.search(prompt):
            return False
        return not self.file_types or _has_file_type(prompt, context, self.file_types)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules in force, in the order they are tried."""

    rules: tuple[Rule, ...]

    def first_match(
        self, prompt: str, features: Features, context: RoutingContext | None = None
    ) -> Rule:
        kinds = features.kinds  # computed once for all rules
        for rule in self.rules:
            if rule.matches(prompt, features, context, kinds):
                return rule
        return _FALLBACK


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _has_file_type(prompt: str, context: RoutingContext | None, types: tuple[str, ...]) -> bool:
    names = [f.path for f in context.attached_files] if context is not None else []
    names.extend(word.strip("`'\"()[]{}<>,;:!?") for word in prompt.split() if "." in word)
    for name in names:
        extension = name.rpartition(".")[2].lower()
        if extension in types:
            return True
    return False


# ---- parsing ----------------------------------------------------------------------------------


def parse_rules(raw: Any, where: str) -> tuple[Rule, ...]:
    """Validate the ``rules`` value of a config file (an array of tables)."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: rules must be an array of tables ([[rules]] blocks)")
    return tuple(_parse_rule(index, spec, where) for index, spec in enumerate(raw))


def _parse_rule(index: int, spec: Any, where: str) -> Rule:
    at = f"{where}: rules[{index}]"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{at} must be a table ([[rules]] with key = value lines)")
    name = spec.get("name", f"rule-{index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{at}: name must be a non-empty string")
    at = f"{at} ({name})"
    for key in spec:
        if key not in RULE_KEYS:
            raise ConfigError(f"{at}: unknown key {key!r}{_hint(str(key), RULE_KEYS)}")
    tier, model = spec.get("tier"), spec.get("model")
    if (tier is None) == (model is None):
        raise ConfigError(f'{at}: give exactly one of tier = "fast" (or another tier) or model')
    if tier is not None and tier not in (*TIERS, CURRENT):
        choices = (*TIERS, CURRENT)
        raise ConfigError(
            f"{at}: tier = {tier!r} is not one of {', '.join(choices)}{_hint(str(tier), choices)}"
        )
    if model is not None and (not isinstance(model, str) or not model):
        raise ConfigError(f'{at}: model must be a model id such as "claude-haiku-4-5"')
    values: dict[str, Any] = {}
    for key in _LIST_KEYS:
        if key in spec:
            values[key] = _string_list(spec[key], f"{at}: {key}")
    for kind in values.get("kinds", ()):
        if kind not in TASK_KINDS:
            raise ConfigError(f"{at}: kinds: unknown task kind {kind!r}{_hint(kind, TASK_KINDS)}")
    if "file_types" in values:
        values["file_types"] = tuple(t.lower().lstrip(".") for t in values["file_types"])
    keyword_pattern = None
    if values.get("keywords"):
        alternatives = "|".join(re.escape(k) for k in values["keywords"])
        keyword_pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    regex = None
    if "regex" in spec:
        if not isinstance(spec["regex"], str):
            raise ConfigError(f"{at}: regex must be a string")
        try:
            regex = re.compile(spec["regex"], re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"{at}: regex {spec['regex']!r} does not compile: {exc}") from None
    for key in _INT_KEYS:
        if key in spec:
            value = spec[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{at}: {key} must be a whole number >= 0, got {value!r}")
            values[key] = value
    for key in (*_SCORE_KEYS, "confidence"):
        if key in spec:
            value = spec[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ConfigError(f"{at}: {key} must be a number from 0 to 1, got {value!r}")
            values[key] = float(value)
    reason = spec.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ConfigError(f"{at}: reason must be a string")
    return Rule(
        name=name.strip(),
        tier=tier,
        model=model,
        reason=reason,
        regex=regex,
        source=where,
        _keyword_pattern=keyword_pattern,
        **values,
    )


def _string_list(value: Any, at: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f'{at} must be a list of strings, e.g. ["migration", "deploy"]')
    return tuple(value)


def _hint(value: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(valid), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(valid)}"


# ---- the rules in force ----------------------------------------------------------------------

#: The shipped rule set, in order. Risk first (a cheap verb on a risky change is still risky).
DEFAULT_RULES_SPEC: tuple[dict[str, Any], ...] = (
    {
        "name": "follow-up-stays",
        "kinds": ["continue"],
        "tier": CURRENT,
        "confidence": 0.8,
        "reason": "a bare follow-up continues on the model in use",
    },
    {
        "name": "irreversible-or-production",
        "min_mistake_cost": 0.7,
        "tier": "frontier",
        "confidence": 0.8,
        "reason": "a mistake here is costly (production, migration, deletion)",
    },
    {
        "name": "maths-and-proofs",
        "kinds": ["math_proof"],
        "min_reasoning": 0.6,
        "tier": "frontier",
        "confidence": 0.75,
        "reason": "maths or a proof needs careful reasoning",
    },
    {
        "name": "security-review",
        "kinds": ["security_review"],
        "tier": "frontier",
        "confidence": 0.75,
        "reason": "security review needs the strongest model",
    },
    {
        "name": "concurrency-or-architecture",
        "kinds": ["concurrency", "architecture"],
        "tier": "frontier",
        "confidence": 0.7,
        "reason": "concurrency and design questions need multi-step reasoning",
    },
    {
        "name": "distributed-systems",
        "kinds": ["distributed"],
        "min_reasoning": 0.5,
        "tier": "frontier",
        "confidence": 0.7,
        "reason": "distributed-systems correctness (replication, consensus, consistency)",
    },
    {
        "name": "low-level-debugging",
        "kinds": ["low_level"],
        "min_reasoning": 0.65,
        "tier": "frontier",
        "confidence": 0.7,
        "reason": "low-level debugging (memory, core dumps, runtimes)",
    },
    {
        "name": "design-security-concurrency-migration",
        "kinds": ["design"],
        "tier": "balanced",
        "confidence": 0.7,
        "reason": "a design, security scheme, concurrency or data-migration request is never "
        "fast-tier work, however it is phrased",
    },
    {
        "name": "debugging-with-traceback",
        "kinds": ["traceback"],
        "tier": "balanced",
        "confidence": 0.7,
        "reason": "debugging from a stack trace",
    },
    {
        "name": "multi-file-change",
        "kinds": ["multi_file"],
        "tier": "balanced",
        "confidence": 0.65,
        "reason": "a change across several files",
    },
    {
        "name": "many-attached-files",
        "min_files": 3,
        "tier": "balanced",
        "confidence": 0.6,
        "reason": "three or more attached files",
    },
    {
        "name": "reasoning-heavy",
        "min_reasoning": 0.4,
        "tier": "balanced",
        "confidence": 0.6,
        "reason": "the task needs multi-step reasoning",
    },
    {
        "name": "cheap-edit",
        "kinds": [
            "rename",
            "format",
            "docstring",
            "boilerplate",
            "test_from_spec",
            "explain_snippet",
            "translate",
            "lookup",
        ],
        "max_reasoning": 0.3,
        "tier": "fast",
        "confidence": 0.8,
        "reason": "a small, well-specified edit (rename, format, docs, boilerplate)",
    },
    {
        "name": "risky-change",
        "min_mistake_cost": 0.4,
        "tier": "balanced",
        "confidence": 0.6,
        "reason": "a mistake would cost something (deploy, auth, data, money)",
    },
    {
        "name": "large-context",
        "min_context_tokens": 60_000,
        "tier": "balanced",
        "confidence": 0.55,
        "reason": "a large context is read better by a stronger model",
    },
    {
        "name": "default-start-light",
        "tier": "fast",
        "confidence": 0.5,
        "reason": "no strong signal: start light (retry stronger is one key away)",
    },
)
DEFAULT_RULES: tuple[Rule, ...] = parse_rules(list(DEFAULT_RULES_SPEC), "default")
_FALLBACK = DEFAULT_RULES[-1]


def user_rules(config: AppConfig) -> tuple[Rule, ...]:
    """The ``[[rules]]`` of the config file (none when it has no file or no rules)."""
    raw = config.raw.get("rules")
    if raw is None:
        return ()
    return parse_rules(raw, str(config.source or "config.toml"))


def rules_in_force(config: AppConfig) -> RuleSet:
    """The user's rules, then the defaults (unless the user's list ends with a catch-all)."""
    own = user_rules(config)
    if own and own[-1].is_catch_all:
        return RuleSet(own)
    return RuleSet(own + DEFAULT_RULES)
