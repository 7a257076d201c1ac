"""The vocabulary and text patterns behind the routing features, and how much each signal weighs.

Three families answer the routing questions: *reasoning* signals (does the task need multi-step
thought?), *risk* signals (how costly is a mistake?) and *cheap* signals (a small, well-specified
edit). Structural patterns (tracebacks, code fences, paths, maths notation) back the words up,
because words alone misroute (hard maths phrased without "prove", "ok continue" in a long session).

Phrases are matched on word tokens, not with one regex alternation per signal: a dict lookup per
token (cached across prompts) keeps a typical prompt well under a tenth of a millisecond. In a
phrase, a trailing ``*`` on the last word matches any word starting with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# The vocabulary tables are data: one line per group of phrases reads better than one per phrase.
# fmt: off
#: signal -> (weight in its family's noisy-or, phrases)
REASONING: dict[str, tuple[float, tuple[str, ...]]] = {
    "debugging": (0.45, (
        "debug*", "bug", "bugs", "buggy", "crash*", "segfault*", "stack trace", "stacktrace",
        "regression", "flaky", "intermittent*", "hang", "hangs", "memory leak", "leak", "leaks",
        "leaking", "doesn't work", "not working", "wrong result*", "wrong output", "wrong answer",
        "unexpected*", "root cause", "fails with", "fails when", "failing", "heisenbug",
        "corrupt*", "broken", "off by one", "off-by-one", "nondeterministic*",
        "never finishes", "never finish", "never returns", "never completes", "runs twice",
        "different results", "inconsistent results", "lags", "stale", "find the bug",
        "point out any bugs", "review this pull request", "review this pr", "data loss",
    )),
    "distributed": (0.5, (
        "distributed", "replication", "replica", "replicas", "failover", "consensus", "raft",
        "paxos", "shard*", "eventual consistency", "consistency bug", "leader election",
        "leader change", "split brain", "split-brain", "clock skew", "event sourc*",
        "event-sourc*", "projections", "multi-tenant", "exactly once", "exactly-once",
        "idempoten*", "two-phase commit", "saga", "sagas", "cap theorem", "partition tolerance",
    )),
    "low_level": (0.45, (
        "core dump", "backtrace", "memory corruption", "use-after-free", "use after free",
        "undefined behavior", "undefined behaviour", "reference count*", "refcount*",
        "heap profile", "heap dump", "gc log", "gc logs", "garbage collect*", "jvm", "kernel",
        "syscall*", "simd", "lock contention", "c extension", "ffi", "allocator", "hexdump",
        "binary format", "serialization format", "endian*", "memory layout", "cuda", "gpus",
    )),
    "numerical": (0.45, (
        "numerical*", "diverge*", "floating point", "floating-point", "rounding error*",
        "stiff*", "integrator", "simulation", "gradient*", "convergence", "converge*",
        "matrix", "matrices", "sat solver", "linear programming", "solve for", "equation",
        "equations",
    )),
    "concurrency": (0.55, (
        "race condition*", "deadlock*", "concurren*", "thread safe", "thread-safe", "threadsafe",
        "mutex*", "multithread*", "multi-thread*", "asyncio", "goroutine*", "semaphore*",
        "atomic*", "lock-free", "lock free", "data race*", "parallelis*", "parallelization",
        "synchroni*", "event loop", "livelock*",
    )),
    "architecture": (0.55, (
        "architect*", "system design", "redesign*", "tradeoff*", "trade-off*", "trade off*",
        "scalab*", "microservice*", "monolith*", "decoupl*", "how should i structure",
        "how should we structure", "how should i organize", "how should i design",
        "how should we design", "abstraction layer", "event-driven", "event driven",
        "should we move", "should we switch", "should we migrate", "evaluate whether",
        "strategy for our", "our workload", "slo", "slos",
        "design a system", "design the system", "design an api", "design the api",
        "design the schema", "long-term maint*", "domain model*",
    )),
    "security_review": (0.55, (
        "vulnerab*", "exploit*", "sql injection", "command injection", "code injection",
        "injection",
        "xss", "csrf", "security review", "security audit", "security hole", "security issue*",
        "security flaw*", "threat model*", "privilege escalation", "cve", "sanitiz*", "sanitis*",
        "timing attack*", "is this safe", "is this secure", "is it secure", "pentest*", "pen test*",
    )),
    "multi_file": (0.45, (
        "across the codebase", "across files", "across the repo", "across modules",
        "across all files", "across multiple files", "across several files", "across services",
        "multiple files", "several files", "many files", "every file", "all the files",
        "all files", "multiple modules", "whole codebase", "whole repo", "entire codebase",
        "entire repo", "whole project", "cross-cutting", "large refactor*", "call sites",
        "every call site", "across two files", "across three files", "across four files",
        "across five files", "across modules", "into a package", "split this module",
    )),
    "algorithm": (0.45, (
        "algorithm*", "time complexity", "space complexity", "big-o", "big o", "o n", "o log",
        "o n log", "dynamic programming", "shortest path*", "graph traversal", "np-hard",
        "np hard", "recurrence*", "memoiz*", "memois*", "backtracking", "binary search",
        "topological*", "invariant*", "amortized", "knapsack", "dijkstra*",
        "o 1", "complexity", "compiler*", "ssa", "constant folding", "dead code elimination",
        "interpreter", "bytecode", "type inference", "type checker", "recursive descent",
        "query planner", "query optimizer", "clause learning", "cdcl", "lru", "trie",
        "token bucket", "rate limiter", "detect a cycle", "directed graph", "intervals",
    )),
    "math_proof": (0.7, (
        "prove", "proof", "proofs", "lemma*", "theorem*", "by induction", "induction",
        "derive", "derivation", "show that", "integral*", "derivative*", "eigen*",
        "expected value", "probability that", "probability of", "combinatori*",
        "positive integer*", "real numbers", "positive reals", "prime", "primes", "modulo",
        "inequalit*", "find all integers", "find all real", "find all functions",
        "find all pairs", "closed form", "closed-form", "asymptotic*", "polynomial*",
        "minimum value", "maximum value", "how many ways",
    )),
    "performance": (0.35, (
        "performance", "bottleneck*", "profil*", "latency", "too slow", "speed up", "speedup",
        "memory usage", "throughput", "n+1 quer*", "cache invalidation",
    )),
}

#: signal -> (weight in the noisy-or that makes `mistake_cost`, phrases)
RISK: dict[str, tuple[float, tuple[str, ...]]] = {
    "production": (0.5, (
        "production", "prod", "live site", "live system", "live server", "live database",
        "live db", "live traffic", "customer", "customers", "on-call", "outage*", "incident*",
        "hotfix*",
    )),
    "migration": (0.55, (
        "migration*", "migrate", "migrating", "alter table", "drop column", "drops column",
        "drop the column", "drops the column", "drop a column", "rename column",
        "rename the column", "add column", "schema change*", "backfill*",
    )),
    "deploy": (0.45, (
        "deploy*", "rollout*", "roll out", "rollback*", "roll back", "release", "terraform",
        "kubernetes", "k8s", "helm", "ci cd", "infrastructure", "dns", "load balancer*",
    )),
    "destructive": (0.5, (
        "delete", "deletes", "deleted", "deleting", "deletion", "drop", "drops", "dropping",
        "truncate", "rm rf", "wipe*", "purge*", "force push", "force-push", "overwrit*",
        "destroy*", "remove all", "reset hard",
    )),
    "security": (0.45, (
        "secret", "secrets", "credential*", "password*", "api key", "api keys", "auth",
        "authentication", "authorization", "permission*", "encrypt*", "tls", "ssl", "oauth",
        "jwt", "access control",
    )),
    "money": (0.45, (
        "payment*", "billing", "invoic*", "refund*", "stripe", "money", "financial", "tax",
        "taxes", "charge the card", "charge the customer", "charge customers", "ledger*",
        "accounting", "payroll",
    )),
    "irreversible": (0.65, (
        "irreversib*", "cannot be undone", "can't be undone", "no backup", "no backups",
        "permanent*", "can't roll back", "cannot roll back", "point of no return", "one-shot",
    )),
    "personal_data": (0.4, (
        "user data", "pii", "gdpr", "hipaa", "personal data", "medical record*",
    )),
}

#: signal -> (weight in the noisy-or that makes `cheap_task`, phrases)
CHEAP: dict[str, tuple[float, tuple[str, ...]]] = {
    "rename": (0.7, ("rename", "renaming", "renames")),
    "format": (0.65, (
        "format", "reformat*", "formatting", "indent*", "prettier", "black", "sort imports",
        "sort the imports", "whitespace", "typo", "typos", "spelling", "lint warning*",
        "lint error*", "pep 8", "pep8", "trailing comma*", "camelcase", "camel case",
        "snake case", "snake_case",
    )),
    "docstring": (0.6, (
        "docstring*", "add a comment", "add comments", "write a comment", "write comments",
        "jsdoc", "type hint*", "readme", "document this function", "document the function",
        "document this class", "document this method", "changelog",
    )),
    "boilerplate": (0.55, (
        "boilerplate", "scaffold*", "skeleton", "template", "stub", "stubs", "getter*",
        "setter*", "dataclass*", "hello world", "crud", "example of", "simple function",
        "simple script", "simple class", "argparse", "gitignore", "dockerfile for",
    )),
    "test_from_spec": (0.4, (
        "write a test for", "write tests for", "write unit tests", "write a unit test",
        "add tests for", "add a test for", "add unit tests", "create tests for",
        "test cases for", "test case for", "parametrize the test*", "write a pytest",
    )),
    "explain_snippet": (0.5, (
        "explain this", "explain the following", "explain what", "what does this",
        "what does the following", "what does it do", "what is the difference", "eli5",
        "summarize*", "summarise*",
    )),
    "translate": (0.5, (
        "translate*", "convert this", "convert the following", "convert it to", "port this",
        "port the following", "rewrite this in", "rewrite it in",
    )),
    "lookup": (0.4, (
        "what is the syntax", "what's the syntax", "what is the command", "what's the command",
        "what is the flag", "which flag", "which option", "how do i install", "how do i import",
        "how do i print", "how do i exit", "how do i list", "how do i check", "one-liner",
        "one liner", "regex for", "regex to", "regex that",
    )),
}

CONSTRAINTS: tuple[str, ...] = (
    "must", "should", "shouldn't", "ensure*", "without", "only if", "edge case*", "unless",
    "guarantee*", "backward compatib*", "backwards compatib*", "while keeping",
    "while preserving", "while maintaining", "make sure", "without changing behaviour",
    "without changing behavior", "keep the public api", "keep the imports working",
    "with tests", "and tests", "and update the tests", "make it testable", "handle duplicates",
)

# fmt: on

_TOKEN = re.compile(r"[a-z0-9]+(?:['+_-][a-z0-9]+)*")


def tokenize(lowered: str) -> list[str]:
    """Word tokens of lowercased text (``doesn't``, ``n+1`` and ``snake_case`` stay whole)."""
    return _TOKEN.findall(lowered)


class PhraseMatcher:
    """Counts, per signal, how often any of its phrases occurs in a token list."""

    def __init__(self, table: dict[str, Iterable[str]]) -> None:
        self._exact: dict[str, list[tuple[tuple[str, ...], bool, str]]] = {}
        self._prefix: dict[str, list[tuple[tuple[str, ...], bool, str]]] = {}
        lengths: set[int] = set()
        for signal, phrases in table.items():
            for phrase in phrases:
                words = tuple(tokenize(phrase.rstrip("*").lower()))
                last_is_prefix = phrase.endswith("*")
                if not words:
                    continue
                first, rest = words[0], words[1:]
                entry = (rest, last_is_prefix, signal)
                if last_is_prefix and not rest:
                    self._prefix.setdefault(first, []).append(entry)
                    lengths.add(len(first))
                else:
                    self._exact.setdefault(first, []).append(entry)
        self._lengths = tuple(sorted(lengths))
        self._cache: dict[str, tuple[tuple[tuple[str, ...], bool, str], ...]] = {}

    def _entries(self, token: str) -> tuple[tuple[tuple[str, ...], bool, str], ...]:
        found = list(self._exact.get(token, ()))
        size = len(token)
        for length in self._lengths:
            if length > size:
                break
            found.extend(self._prefix.get(token[:length], ()))
        entries = tuple(found)
        if len(self._cache) < 50_000:  # prompts repeat vocabulary; bound the memory anyway
            self._cache[token] = entries
        return entries

    def count(self, tokens: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        cache = self._cache
        total = len(tokens)
        for index, token in enumerate(tokens):
            entries = cache.get(token)
            if entries is None:
                entries = self._entries(token)
            for rest, last_is_prefix, signal in entries:
                if rest and not _follows(tokens, index + 1, total, rest, last_is_prefix):
                    continue
                counts[signal] = counts.get(signal, 0) + 1
        return counts


def _follows(
    tokens: Sequence[str], start: int, total: int, rest: tuple[str, ...], last_is_prefix: bool
) -> bool:
    end = start + len(rest)
    if end > total:
        return False
    for offset, word in enumerate(rest):
        token = tokens[start + offset]
        if last_is_prefix and start + offset == end - 1:
            if not token.startswith(word):
                return False
        elif token != word:
            return False
    return True


def _family(
    prefix: str, table: dict[str, tuple[float, tuple[str, ...]]]
) -> dict[str, tuple[str, ...]]:
    return {f"{prefix}_{name}": phrases for name, (_, phrases) in table.items()}


#: One matcher for all three families plus constraint words: a single pass per prompt.
MATCHER = PhraseMatcher(
    {
        **_family("sig", REASONING),
        **_family("risk", RISK),
        **_family("cheap", CHEAP),
        "constraint": CONSTRAINTS,
    }
)
WEIGHTS: dict[str, float] = {
    **{f"sig_{n}": w for n, (w, _) in REASONING.items()},
    **{f"risk_{n}": w for n, (w, _) in RISK.items()},
    **{f"cheap_{n}": w for n, (w, _) in CHEAP.items()},
}

# Structure, not vocabulary. Each is guarded by a cheap substring test before it runs.
TRACEBACK_HINTS = ("Traceback", 'File "', "panic", "Error", "Exception", "    at ", "\tat ")
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|^\s+File \".+\", line \d+|^\s+at [\w.$<>]+\(.*:\d+\)"
    r"|^panic: |^goroutine \d+ \[|Exception in thread |^thread '.+' panicked at"
    r"|^\s*at .+ \(.+:\d+:\d+\)$|^\w+(?:\.\w+)*(?:Error|Exception): ",
    re.MULTILINE,
)
ERROR_HINTS = ("rror", "xception", "FATAL")
ERROR_LINE = re.compile(r"\b(?:\w+Error|\w+Exception|ERROR|FATAL|error\[E\d+\]|error:)")
CODE_FENCE = re.compile(r"^\s*```", re.MULTILINE)
_EXTENSIONS = (
    "py pyi js jsx ts tsx go rs java kt rb php c cc cpp h hpp cs swift scala sql sh yaml yml toml "
    "json md html css scss vue svelte tf proto ex exs ml hs lua r ipynb"
)
SOURCE_EXTENSIONS = frozenset(_EXTENSIONS.split())
MATH_CHARS = re.compile(r"[\\^_=<>∀∃∑∫√≤≥≠∈∉⊂⊆∞πθλ∂]")
MATH_TOKEN = re.compile(
    r"\\(?:frac|sum|int|prod|sqrt|mathbb|mathcal|lim|infty|binom|leq|geq|neq|cdot|forall|exists)"
    r"|[∀∃∑∫√≤≥≠∈∉⊂⊆∞πθλ∂]|\b[a-z]\s*\^\s*[\d{a-z(]|\b[a-z]_\{?\w"
    r"|\b[a-z]\s*(?:<=|>=|<|>|=)\s*-?\d|\bmod \d|\b[fg]\([a-z]\)"
)
STEP_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S", re.MULTILINE)
CONTINUATION = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|yes|yep|yeah|sure|great|thanks?|thank you|cool|good|right|alright|please)"
    r"[\s,.!]*)*(?:continue|go on|keep going|proceed|go ahead|next|more|do it|carry on|finish it|"
    r"and\??|then\??)?[\s,.!]*(?:please)?[\s.!]*$",
    re.IGNORECASE,
)
_QUESTION_WORDS = "why what how when where which who is are can could should would does do did will"
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
_IMPERATIVE_VERBS = (
    "add write create make rename fix implement refactor update change remove delete convert "
    "generate format reformat show give list move replace build translate port optimize optimise "
    "debug review design prove find compute explain document test migrate deploy setup clean split "
    "merge extract sort parse draft summarize summarise"
)
IMPERATIVE_VERBS = frozenset(_IMPERATIVE_VERBS.split())
