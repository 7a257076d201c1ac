"""Quality gates for the cascade: does a finished answer look good enough to keep?

Cheap, local checks, in order: empty; refusal or hedging ("I'm not sure", "as an AI");
truncated (the provider stopped at the token limit); code blocks that do not parse (Python via
`ast`, JSON, TOML via `tomllib`, YAML when PyYAML is importable); a requested format not met
(asked for JSON, got prose). An optional judge — an async callable the caller injects, which
runs a fast-tier call recorded in the ledger with purpose "judge" — can veto what passed.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

TRUNCATION_STOPS = frozenset({"max_tokens", "length", "max_output_tokens", "model_length"})
_REFUSAL = re.compile(
    r"\b(?:i'?m not sure|i am not sure|i'?m not certain|as an ai\b|as a language model|"
    r"i (?:cannot|can'?t|am unable to|'m unable to) (?:help|assist|do that|answer|provide|"
    r"complete)|i don'?t know\b|i do not know\b|i (?:don'?t|do not) have enough information|"
    r"i'?m sorry,? but i (?:cannot|can'?t)|i apologi[sz]e,? but i (?:cannot|can'?t))",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
_ANSWER_VERBS = r"(?:respond|reply|answer|output|return|format (?:it|the answer)|give me)"


def _asks_for(fmt: str) -> re.Pattern[str]:
    """The prompt asks for the *answer* in ``fmt`` ("reply in JSON", "output only JSON")."""
    return re.compile(
        rf"\b{_ANSWER_VERBS}\s+(?:only\s+|with\s+|in\s+|as\s+)?(?:valid\s+|a\s+|an\s+|the\s+|"
        rf"raw\s+|plain\s+)*{fmt}\b|\b{fmt} only\b|\bonly (?:valid )?{fmt}\b|\bin {fmt} format\b"
        rf"|\b(?:result|answer|output|response)\s+(?:as|in)\s+(?:valid\s+)?{fmt}\b",
        re.IGNORECASE,
    )


_WANTS = {
    "json": _asks_for("json"),
    "yaml": _asks_for("yaml"),
    "toml": _asks_for("toml"),
    "code": re.compile(r"\b(?:only|just) (?:the |return the )?code\b|\bcode only\b", re.IGNORECASE),
}
#: Refusal words this far into a long answer are usually a caveat, not a refusal.
_REFUSAL_HEAD = 240
_SHORT_ANSWER = 400


@dataclass(frozen=True, slots=True)
class GateResult:
    """``passed`` or not, which gate decided, and one line saying why."""

    passed: bool
    gate: str
    reason: str = ""


PASSED = GateResult(True, "all", "passed every gate")

#: The judge: (prompt, answer) -> verdict. Its model call must be recorded (purpose "judge").
Judge = Callable[[str, str], Awaitable[GateResult]]


def gate_empty(text: str) -> GateResult | None:
    if not text.strip():
        return GateResult(False, "empty", "the answer is empty")
    return None


def gate_refusal(text: str) -> GateResult | None:
    stripped = text.strip()
    window = stripped if len(stripped) <= _SHORT_ANSWER else stripped[:_REFUSAL_HEAD]
    found = _REFUSAL.search(window)
    if found:
        return GateResult(False, "refusal", f"the answer refuses or hedges ({found.group(0)!r})")
    return None


def gate_truncated(text: str, stop_reason: str | None) -> GateResult | None:
    if stop_reason is not None and stop_reason.lower() in TRUNCATION_STOPS:
        return GateResult(False, "truncated", f"the answer was cut off ({stop_reason})")
    if len(re.findall(r"^[ \t]*```", text, re.MULTILINE)) % 2 == 1:
        return GateResult(False, "truncated", "a code block is never closed")
    return None


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language tag, body) of every closed fenced block, tag lowercased ("" when untagged)."""
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]


def parse_error(language: str, body: str) -> str | None:
    """Why ``body`` does not parse as ``language``; None when it does or cannot be checked."""
    try:
        if language in ("python", "py", "python3"):
            source = "\n".join(
                line
                for line in textwrap.dedent(body).splitlines()
                if not line.lstrip().startswith(("!", "%"))  # notebook shell/magic lines
            )
            if source.lstrip().startswith(">>>"):
                return None  # a REPL transcript, not a program
            ast.parse(source)
        elif language == "json":
            json.loads(body)
        elif language == "toml":
            tomllib.loads(body)
        elif language in ("yaml", "yml"):
            return _yaml_error(body)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        return str(exc).splitlines()[0]
    return None


def _yaml_error(body: str) -> str | None:
    try:
        import yaml  # optional: checked only where a parser is at hand
    except ImportError:
        return None
    try:
        yaml.safe_load(body)
    except yaml.YAMLError as exc:
        return str(exc).splitlines()[0]
    return None


def holds_python(text: str) -> bool:
    """True when the answer holds Python that parses: a python/untagged fenced block, or (with no
    fences) the whole text. For data sets whose answers are bare code (MBPP)."""
    blocks = [body for tag, body in code_blocks(text) if tag in ("python", "py", "python3", "")]
    if not blocks and "```" not in text:
        blocks = [text]
    return any(body.strip() and parse_error("python", body) is None for body in blocks)


def gate_code(text: str) -> GateResult | None:
    for index, (language, body) in enumerate(code_blocks(text), start=1):
        error = parse_error(language, body)
        if error is not None:
            return GateResult(
                False, "code", f"code block {index} ({language}) does not parse: {error}"
            )
    return None


def requested_format(prompt: str) -> str | None:
    """The output format the prompt asks for ("json", "yaml", "toml", "code"), if any."""
    for name, pattern in _WANTS.items():
        if pattern.search(prompt):
            return name
    return None


def gate_format(prompt: str, text: str) -> GateResult | None:
    wanted = requested_format(prompt)
    if wanted is None:
        return None
    blocks = code_blocks(text)
    if wanted == "code":
        if blocks:
            return None
        return GateResult(False, "format", "asked for code only, got no code block")
    tags = {"json": ("json",), "yaml": ("yaml", "yml"), "toml": ("toml",)}[wanted]
    candidates = [body for tag, body in blocks if tag in tags or not tag]
    if blocks and not candidates:
        return None  # the answer is a program in another language: not a data answer
    candidates = candidates or [text.strip()]
    if wanted == "json" and not any(_is_json(c) for c in candidates):
        return GateResult(False, "format", "asked for JSON, the answer holds none that parses")
    if wanted in ("yaml", "toml") and all(parse_error(wanted, c) is not None for c in candidates):
        return GateResult(False, "format", f"asked for {wanted.upper()}, it does not parse")
    return None


def _is_json(candidate: str) -> bool:
    try:
        json.loads(candidate)
    except ValueError:
        return False
    return True


def check_answer(prompt: str, text: str, stop_reason: str | None = None) -> GateResult:
    """Run the local gates in order; the first failure, or `PASSED`."""
    for result in (
        gate_empty(text),
        gate_truncated(text, stop_reason),
        gate_refusal(text),
        gate_code(text),
        gate_format(prompt, text),
    ):
        if result is not None:
            return result
    return PASSED


async def check_with_judge(
    prompt: str, text: str, stop_reason: str | None, judge: Judge | None
) -> GateResult:
    """The local gates, then the judge (if any) on answers that passed them.

    A judge that fails (network, bad reply) does not block the answer: the result passes and
    says the judge could not decide.
    """
    result = check_answer(prompt, text, stop_reason)
    if not result.passed or judge is None:
        return result
    try:
        return await judge(prompt, text)
    except Exception as exc:  # the judge is advisory; never lose a good answer to its failure
        return GateResult(True, "judge", f"the judge could not decide ({exc})")


JUDGE_INSTRUCTIONS = (
    "You grade an assistant's answer to a coding request. Reply with PASS if the answer is "
    "complete, correct as far as you can tell, and does what was asked; otherwise reply with "
    "FAIL: followed by one short reason. Reply with nothing else."
)


def judge_prompt(prompt: str, answer: str, limit: int = 12_000) -> str:
    """The text sent to the judge model (request and answer, clipped to ``limit`` chars each)."""
    return (
        f"{JUDGE_INSTRUCTIONS}\n\n<request>\n{prompt[:limit]}\n</request>\n\n"
        f"<answer>\n{answer[:limit]}\n</answer>"
    )


def parse_judge_reply(reply: str) -> GateResult:
    """PASS / FAIL: reason → a `GateResult`; anything unclear passes (the judge is advisory)."""
    head = reply.strip()
    upper = head.upper()
    if upper.startswith("FAIL"):
        reason = head[4:].lstrip(" :-").strip() or "the judge failed the answer"
        return GateResult(False, "judge", reason.splitlines()[0][:200])
    if upper.startswith("PASS"):
        return GateResult(True, "judge", "the judge passed the answer")
    return GateResult(True, "judge", "the judge's reply was unclear; kept the answer")


def make_judge(complete: Callable[[str], Awaitable[str]]) -> Judge:
    """A `Judge` from ``complete(text) -> reply``: the caller's fast-tier call, which it records
    in the ledger with purpose "judge"."""

    async def judge(prompt: str, answer: str) -> GateResult:
        return parse_judge_reply(await complete(judge_prompt(prompt, answer)))

    return judge
