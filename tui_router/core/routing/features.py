"""Routing features of a prompt (and its session): the numbers every strategy decides on.

`extract_features(prompt, context)` answers the two routing questions explicitly —
``needs_reasoning`` (multi-step thought: debugging with tracebacks, concurrency, architecture,
security review, multi-file changes, algorithms, maths/proofs) and ``mistake_cost`` (production,
migrations, deploys, deletes, security, money, irreversible) — next to ``cheap_task`` (rename,
format, docstring, boilerplate, tests from a spec, explaining or translating a snippet) and the
structure of the text. Pure Python and precompiled regexes: a few tens of microseconds per prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import ClassVar

from tui_router.core.routing import signals
from tui_router.core.routing.context import RoutingContext
from tui_router.core.tiers import tier_rank

#: Keyword scans look at the head and tail of very long prompts only (pasted logs/code).
_SCAN_HEAD = 8_000
_SCAN_TAIL = 2_000

#: Requests whose answer is a design that is hard to get right and costly to get wrong: a
#: system or scheme design, a security scheme (encryption, auth, signing, key handling),
#: concurrency (locking, races, exactly-once) or a data migration. Whatever the phrasing
#: ("explain what ...", "quick question"), they never go to the fast tier (see `design_risk`).
_DESIGN_RISK = re.compile(
    r"\b(?:"
    # designing a system, protocol or scheme (not "design" as in a UI mock-up)
    r"design(?:ing)?\s+(?:(?:a|an|the|our|my|your|this)\s+)?(?:\w+[\s-]+){0,3}?"
    r"(?:scheme|protocol|architecture|system|service|schema|data\s+model|api|algorithm|"
    r"sharding|replication|storage|pipeline|backend|locking|queue|cache|workflow)s?"
    r"|architect(?:ure|ing)?\s+(?:for|of)\b|system\s+design|threat[\s-]?model"
    # security schemes
    r"|end[\s-]to[\s-]end\s+encrypt\w*|e2ee|encryption\s+(?:scheme|protocol|design|at\s+rest)"
    r"|(?:key|secret)\s+(?:exchange|management|rotation|derivation|storage)"
    r"|(?:authentication|authorization|auth|signing|session|token)\s+(?:scheme|protocol|flow|design)"
    r"|(?:encrypt|decrypt|hash)(?:ing)?\s+(?:the\s+|our\s+|user\s+)?(?:passwords?|secrets?|messages?|data)"
    r"|zero[\s-]knowledge|csrf|xss|sql\s+injection|oauth2?|pkce|jwt|tls\s+termination"
    # concurrency
    r"|race\s+conditions?|deadlocks?|livelocks?|data\s+races?|thread[\s-]safe(?:ty)?|mutex(?:es)?"
    r"|lock[\s-]free|wait[\s-]free|(?:distributed|optimistic|pessimistic|row[\s-]level)\s+lock\w*"
    r"|locking|concurren(?:t|cy)|atomic(?:ally|ity)?|exactly[\s-]once|at[\s-]least[\s-]once"
    r"|idempoten(?:t|cy)|(?:two|several|multiple|many)\s+(?:workers|threads|processes|replicas|consumers|writers)"
    r"|same\s+(?:job|row|record|message|event)\s+twice"
    # data migrations
    r"|(?:data|schema|database|db|sql|alembic|django|rails)\s+migrations?|backfill\w*"
    r"|migrat\w+\s+(?:(?:the|our|all|existing|old|user|customer)\s+)*"
    r"(?:data|records|rows|tables?|database|schema|users|orders|accounts)"
    r"|(?:move|copy|transfer)\s+(?:(?:the|our|all)\s+)?(?:\w+\s+){0,2}(?:data|records|rows|tables?)\s+"
    r"(?:from|to|into)\b"
    r")",
    re.IGNORECASE,
)


def estimate_tokens(text: str) -> int:
    """A fast token estimate (~4 characters per token); the API's usage is the truth."""
    return (len(text) + 3) // 4


def _noisy_or(weights: list[float]) -> float:
    miss = 1.0
    for weight in weights:
        miss *= 1.0 - weight
    return 1.0 - miss


@dataclass(frozen=True, slots=True)
class Features:
    """Everything the router reads from a prompt and its context. All fields are numbers.

    Signal fields (``sig_*``, ``risk_*``, ``cheap_*``) are 1.0 when their patterns occur, else 0.0;
    the three scores are noisy-ors of them (plus structure) in [0, 1]. ``ctx_*`` fields are 0 when
    no context is given, so prompt-only models can ignore keys with that prefix.
    """

    # -- size and structure
    chars: float = 0.0  #: prompt length in characters
    words: float = 0.0  #: whitespace-separated words
    lines: float = 0.0  #: lines of text
    prompt_tokens: float = 0.0  #: estimated tokens of the prompt itself
    code_blocks: float = 0.0  #: fenced code blocks (```)
    code_lines: float = 0.0  #: lines inside fenced code blocks
    has_traceback: float = 0.0  #: a stack trace / panic / "XError: ..." is pasted
    error_lines: float = 0.0  #: lines naming an error or exception
    paths_mentioned: float = 0.0  #: distinct file paths/names with a source extension
    question_count: float = 0.0  #: question marks
    is_question: float = 0.0  #: starts with a question word or ends with "?"
    is_imperative: float = 0.0  #: starts with a command verb ("add", "rename", ...)
    constraint_count: float = 0.0  #: "must", "without", "edge cases", "ensure", ...
    step_count: float = 0.0  #: numbered or bulleted list items (requirements)
    math_density: float = 0.0  #: maths notation per 100 characters (LaTeX, ∑, x^2, n >= 1)
    continuation: float = 0.0  #: a bare follow-up such as "ok continue" (depends on the session)
    # -- does it need multi-step reasoning?
    sig_debugging: float = 0.0
    sig_concurrency: float = 0.0
    sig_architecture: float = 0.0
    sig_security_review: float = 0.0
    sig_multi_file: float = 0.0
    sig_algorithm: float = 0.0
    sig_math_proof: float = 0.0
    sig_performance: float = 0.0
    sig_distributed: float = 0.0
    sig_low_level: float = 0.0
    sig_numerical: float = 0.0
    # -- how costly is a mistake?
    risk_production: float = 0.0
    risk_migration: float = 0.0
    risk_deploy: float = 0.0
    risk_destructive: float = 0.0
    risk_security: float = 0.0
    risk_money: float = 0.0
    risk_irreversible: float = 0.0
    risk_personal_data: float = 0.0
    # -- a small, well-specified task?
    cheap_rename: float = 0.0
    cheap_format: float = 0.0
    cheap_docstring: float = 0.0
    cheap_boilerplate: float = 0.0
    cheap_test_from_spec: float = 0.0
    cheap_explain_snippet: float = 0.0
    cheap_translate: float = 0.0
    cheap_lookup: float = 0.0
    # -- the answers
    needs_reasoning: float = 0.0  #: 0..1, multi-step reasoning needed
    mistake_cost: float = 0.0  #: 0..1, how costly a wrong answer is
    cheap_task: float = 0.0  #: 0..1, a small well-specified edit (damped by reasoning/size)
    #: 1.0 for a design, security-scheme, concurrency or data-migration request (the router
    #: never sends it to the fast tier, however it is phrased)
    design_risk: float = 0.0
    # -- the session (0 without a context)
    ctx_conversation_tokens: float = 0.0
    ctx_attached_files: float = 0.0
    ctx_attached_tokens: float = 0.0
    ctx_total_tokens: float = 0.0  #: history + attachments + prompt: must fit the window
    ctx_escalations: float = 0.0
    ctx_retries_stronger: float = 0.0
    ctx_rejected_escalations: float = 0.0
    ctx_rejected_downgrades: float = 0.0
    ctx_turn_index: float = 0.0
    ctx_current_tier_rank: float = -1.0  #: 0 local .. 3 frontier, -1 unknown

    KEYS: ClassVar[tuple[str, ...]]
    PROMPT_KEYS: ClassVar[tuple[str, ...]]

    def as_dict(self) -> dict[str, float]:
        """All features by name, always the same keys in the same order."""
        return {key: getattr(self, key) for key in Features.KEYS}

    def prompt_dict(self) -> dict[str, float]:
        """The features that depend on the prompt alone (no ``ctx_*``)."""
        return {key: getattr(self, key) for key in Features.PROMPT_KEYS}

    @property
    def kinds(self) -> frozenset[str]:
        """Task kinds present, as rules name them: "debugging", "migration", "rename", ..."""
        found = {name.split("_", 1)[1] for name in _SIGNAL_KEYS if getattr(self, name) > 0.0}
        if self.has_traceback:
            found.add("traceback")
        if self.continuation:
            found.add("continue")
        if self.code_blocks:
            found.add("code")
        if self.is_question:
            found.add("question")
        if self.design_risk:
            found.add("design")
        return frozenset(found)


Features.KEYS = tuple(f.name for f in fields(Features))
Features.PROMPT_KEYS = tuple(k for k in Features.KEYS if not k.startswith("ctx_"))
_SIGNAL_KEYS = tuple(signals.WEIGHTS)

#: The task kinds a rule may match on (see `Features.kinds`).
TASK_KINDS: tuple[str, ...] = tuple(
    sorted(
        {k.split("_", 1)[1] for k in _SIGNAL_KEYS}
        | {"traceback", "continue", "code", "question", "design"}
    )
)


def _scan_text(prompt: str) -> str:
    if len(prompt) <= _SCAN_HEAD + _SCAN_TAIL:
        return prompt
    return prompt[:_SCAN_HEAD] + "\n" + prompt[-_SCAN_TAIL:]


def extract_features(prompt: str, context: RoutingContext | None = None) -> Features:
    """Compute the routing features of ``prompt`` (and ``context``, if given)."""
    text = _scan_text(prompt)
    stripped = prompt.strip()
    split_words = prompt.split()
    fences = len(signals.CODE_FENCE.findall(text)) if "```" in text else 0
    code_blocks = fences // 2
    code_lines = _code_lines(text) if fences else 0
    # Words inside pasted code are noise ("delete" in a CRUD snippet); read the prose.
    prose = _strip_code(text) if fences >= 2 else text
    lowered = prose.lower()
    tokens = signals.tokenize(lowered)
    counts = signals.MATCHER.count(tokens)

    traceback = 0.0
    if any(hint in text for hint in signals.TRACEBACK_HINTS) and signals.TRACEBACK.search(text):
        traceback = 1.0
    error_lines = 0
    if any(hint in text for hint in signals.ERROR_HINTS):
        error_lines = min(len(signals.ERROR_LINE.findall(text)), 20)
    math_hits = len(signals.MATH_TOKEN.findall(prose)) if signals.MATH_CHARS.search(prose) else 0
    paths = _paths(split_words)
    first_word = tokens[0] if tokens else ""
    if first_word == "please" and len(tokens) > 1:
        first_word = tokens[1]
    values: dict[str, float] = {
        "chars": float(len(prompt)),
        "words": float(len(split_words)),
        "lines": float(prompt.count("\n") + 1 if prompt else 0),
        "prompt_tokens": float(estimate_tokens(prompt)),
        "code_blocks": float(code_blocks),
        "code_lines": float(code_lines),
        "has_traceback": traceback,
        "error_lines": float(error_lines),
        "paths_mentioned": float(paths),
        "question_count": float(text.count("?")),
        "is_question": 1.0
        if first_word in signals.QUESTION_WORDS or stripped.endswith("?")
        else 0.0,
        "is_imperative": 1.0 if first_word in signals.IMPERATIVE_VERBS else 0.0,
        "constraint_count": float(counts.get("constraint", 0)),
        "step_count": float(len(signals.STEP_MARKER.findall(text))) if "\n" in text else 0.0,
        "math_density": 100.0 * math_hits / max(len(prose), 1),
        "continuation": 1.0
        if stripped and len(stripped) <= 60 and signals.CONTINUATION.match(stripped)
        else 0.0,
    }
    reasoning: list[float] = []
    risk: list[float] = []
    cheap: list[float] = []
    for key, weight in signals.WEIGHTS.items():
        hit = 1.0 if key in counts else 0.0
        values[key] = hit
        if hit:
            family = reasoning if key[0] == "s" else risk if key[0] == "r" else cheap
            family.append(weight)

    # Structure that signals reasoning whatever the vocabulary.
    if traceback:
        reasoning.append(0.5)
        values["sig_debugging"] = 1.0
    elif error_lines and not values["sig_debugging"]:
        # An error message quoted inline ("I get RuntimeError: ...") is a debugging task.
        reasoning.append(0.45)
        values["sig_debugging"] = 1.0
    if paths >= 3:
        reasoning.append(0.3)
        values["sig_multi_file"] = 1.0
    if math_hits >= 2:
        # Dense notation is maths even without "prove": LiteLLM's keyword router missed these.
        reasoning.append(min(0.85, 0.35 + 0.12 * math_hits))
        values["sig_math_proof"] = 1.0
    words = values["words"]
    if words > 250:
        reasoning.append(0.2)
    if values["constraint_count"] >= 3 or values["step_count"] >= 4:
        reasoning.append(0.25)
    if (code_blocks or traceback) and "why" in tokens:
        reasoning.append(0.2)
    # Read in the prose only: pasted code full of locks or "migrations/" is not a design request.
    design_risk = 1.0 if _DESIGN_RISK.search(prose) else 0.0
    if design_risk:
        reasoning.append(0.45)
    needs_reasoning = _noisy_or(reasoning)
    mistake_cost = _noisy_or(risk)
    # A cheap verb on a big or hard task is not a cheap task ("rename across 40 files").
    size_damp = 1.0 if words <= 120 and code_lines <= 80 else 0.5
    cheap_task = _noisy_or(cheap) * size_damp * (1.0 - 0.6 * needs_reasoning)
    if design_risk:
        cheap_task *= 0.3  # "explain what ... design a scheme" is not a snippet to explain
    values["needs_reasoning"] = needs_reasoning
    values["mistake_cost"] = mistake_cost
    values["cheap_task"] = cheap_task
    values["design_risk"] = design_risk

    if context is not None:
        values.update(_context_values(context, values["prompt_tokens"]))
    return Features(**values)


def _paths(split_words: list[str]) -> int:
    """Distinct words that look like source file names or paths (``src/app.py``, ``Foo.tsx``)."""
    found: set[str] = set()
    for word in split_words:
        if "." not in word:
            continue
        word = word.strip("`'\"()[]{}<>,;:!?")
        stem, dot, extension = word.rpartition(".")
        if dot and stem and extension.lower() in signals.SOURCE_EXTENSIONS and "://" not in word:
            found.add(word)
    return len(found)


def _context_values(context: RoutingContext, prompt_tokens: float) -> dict[str, float]:
    attached = float(context.attached_tokens)
    return {
        "ctx_conversation_tokens": float(context.conversation_tokens),
        "ctx_attached_files": float(len(context.attached_files)),
        "ctx_attached_tokens": attached,
        "ctx_total_tokens": float(context.conversation_tokens) + attached + prompt_tokens,
        "ctx_escalations": float(context.escalations),
        "ctx_retries_stronger": float(context.retries_stronger),
        "ctx_rejected_escalations": float(context.recent_rejections.count("escalate")),
        "ctx_rejected_downgrades": float(context.recent_rejections.count("downgrade")),
        "ctx_turn_index": float(context.turn_index),
        "ctx_current_tier_rank": float(tier_rank(context.current_tier)),
    }


def _code_lines(text: str) -> int:
    inside = False
    count = 0
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            count += 1
    return count


def _strip_code(text: str) -> str:
    parts = text.split("```")
    # Even-indexed parts are outside fences.
    return "\n".join(parts[0::2])
