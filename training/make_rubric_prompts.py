"""Write the rubric-v1 prompts into labelled_prompts.jsonl (replacing any written before).

    python training/make_rubric_prompts.py

The prompts below were written by one person from training/rubric.md, without reading any
benchmark's questions. Long pastes are built from a few plain-code templates (`_paste`), so that
the set holds what the router must not be fooled by: a long paste with a trivial ask. Each record
says its tier, why (the rubric line it follows) and ``"source": "rubric-v1"``.
"""

from __future__ import annotations

import json
from pathlib import Path

LABELLED = Path(__file__).with_name("labelled_prompts.jsonl")
SOURCE = "rubric-v1"

_PY = """def load_{n}(path, cache=None):
    if cache is not None and path in cache:
        return cache[path]
    with open(path, encoding="utf-8") as handle:
        rows = [line.rstrip("\\n").split(",") for line in handle]
    result = {{row[0]: row[1:] for row in rows if row}}
    if cache is not None:
        cache[path] = result
    return result

"""
_JS = """export function format{n}(item, options = {{}}) {{
  const label = options.upper ? item.name.toUpperCase() : item.name;
  const price = (item.cents / 100).toFixed(2);
  return `${{label}}: ${{price}} ${{options.currency || "EUR"}}`;
}}

"""
_SQL = (
    "INSERT INTO products (id, name, price_cents, category) "
    "VALUES ({n}, 'item {n}', {p}, 'misc');\n"
)
_YAML = """  service-{n}:
    image: registry.example.com/service-{n}:1.{n}
    ports:
      - "80{n:02d}:8080"
    environment:
      LOG_LEVEL: info
"""


def _paste(template: str, chars: int) -> str:
    parts: list[str] = []
    n = 1
    while sum(map(len, parts)) < chars:
        parts.append(template.format(n=n, p=n * 137 % 5000))
        n += 1
    return "".join(parts)


def _long_pastes() -> list[tuple[str, str, str]]:
    py, js, sql, yaml = (
        _paste(_PY, 4500),
        _paste(_JS, 3500),
        _paste(_SQL, 3000),
        _paste(_YAML, 2500),
    )
    fast = "a trivial ask on a long paste: the paste does not make it harder"
    return [
        ("There is a typo somewhere in this file, fix it:\n\n" + py, "fast", fast),
        ("Add a one-line docstring to each function here:\n```python\n" + py + "```", "fast", fast),
        ("Rename `options` to `opts` everywhere in this module.\n\n" + js, "fast", fast),
        (
            "Reformat this so every statement is on its own line and indented consistently:\n"
            + sql,
            "fast",
            fast,
        ),
        (
            "Change every LOG_LEVEL below from info to debug.\n```yaml\nservices:\n" + yaml + "```",
            "fast",
            fast,
        ),
        (py + "\n\nsort the functions above alphabetically by name", "fast", fast),
        (
            "Convert these JavaScript functions to TypeScript with explicit parameter types:\n"
            + js,
            "fast",
            fast,
        ),
        (
            "Here is our module:\n```python\n"
            + py
            + "```\nWhy does load_3 return stale data after "
            "the file changes on disk, and how do we invalidate the cache correctly?",
            "balanced",
            "debugging a cache in one module: bounded reasoning",
        ),
        (
            "Here is the compose file:\n```yaml\nservices:\n" + yaml + "```\nWe deploy this to "
            "production tonight; review it for anything that could take the site down.",
            "frontier",
            "production deploy review: a mistake is costly",
        ),
        (
            "These inserts are our seed data:\n"
            + sql
            + "\nWrite a migration that moves price_cents "
            "into a separate prices table on the live database without losing rows.",
            "frontier",
            "data migration on live data",
        ),
    ]


PROMPTS: list[tuple[str, str, str]] = [
    # ---- fast: mechanical, local, well specified ----
    ("Fix the spelling mistakes in the comments of this file.", "fast", "typo fix"),
    ("Add a trailing newline to every file that lacks one.", "fast", "mechanical edit"),
    (
        "Rename `tmp` to `buffer` in this function and its callers in the same file.",
        "fast",
        "rename within a file",
    ),
    ("Turn these print calls into f-strings.", "fast", "mechanical rewrite"),
    (
        "Add type hints to `def area(width, height): return width * height`.",
        "fast",
        "type hints on a tiny function",
    ),
    ("What does `git rebase -i HEAD~3` do?", "fast", "explain a command"),
    (
        "Explain what this line does: `xs = sorted(set(xs), key=str.lower)`",
        "fast",
        "explain a one-liner",
    ),
    (
        "Write a .dockerignore that leaves out .git, node_modules and __pycache__.",
        "fast",
        "boilerplate",
    ),
    (
        "Add a `--dry-run` flag to this click command that only prints what it would do.",
        "fast",
        "small well-specified edit",
    ),
    (
        "Write a pytest test that `slugify('Hello World')` returns 'hello-world'.",
        "fast",
        "test from an explicit spec",
    ),
    ("Make the constant names in this file UPPER_CASE.", "fast", "rename"),
    ("Replace `os.path.join` with pathlib in this short script.", "fast", "mechanical rewrite"),
    ("Write a regex that matches an ISO date like 2024-05-01.", "fast", "well-known regex"),
    (
        "Give me the git command to undo my last local commit but keep the changes.",
        "fast",
        "lookup",
    ),
    (
        "Add `from __future__ import annotations` at the top of every module in this package.",
        "fast",
        "mechanical edit",
    ),
    ("Convert this dict of settings into a TOML file.", "fast", "format conversion"),
    (
        "Write a docstring for this function explaining its arguments and return value.",
        "fast",
        "docs for given code",
    ),
    ("Sort the keys of this JSON file alphabetically.", "fast", "formatting"),
    (
        "What's the difference between `git fetch` and `git pull`? Briefly.",
        "fast",
        "short explanation",
    ),
    ("Add a GitHub Actions step that runs `ruff check .`.", "fast", "boilerplate CI"),
    ("Translate this small shell loop into a Python for loop.", "fast", "translate a snippet"),
    ("Remove the commented-out code from this file.", "fast", "mechanical edit"),
    ("Write a Makefile target `lint` that runs ruff and mypy.", "fast", "boilerplate"),
    ("Wrap the lines of this README at 100 characters.", "fast", "formatting"),
    (
        "Explain what `set -euo pipefail` does at the top of a bash script.",
        "fast",
        "explain a snippet",
    ),
    # ---- balanced: bounded multi-step engineering ----
    (
        "This test fails with `KeyError: 'user_id'` after I renamed the field in the serializer. "
        "Here is the serializer and the test. What else needs to change?",
        "balanced",
        "debugging in one module",
    ),
    (
        "Refactor this 150-line view function into smaller helpers without changing its behaviour.",
        "balanced",
        "behaviour-preserving refactor",
    ),
    (
        "Our scheduler needs to find overlapping bookings quickly; add an interval tree to "
        "bookings.py and use it in `find_conflicts`.",
        "balanced",
        "known data structure inside the user's code",
    ),
    (
        "The nightly report script got 10x slower after last week's change. Here is the diff. "
        "Where does the time go?",
        "balanced",
        "performance with a clear measurement",
    ),
    (
        "Upgrade this component from React class components to hooks, keeping the props the same.",
        "balanced",
        "framework upgrade of one component",
    ),
    (
        "Review this small PR that adds pagination to the orders endpoint: any bugs?",
        "balanced",
        "review of a small change",
    ),
    (
        "Write tests for this function that talks to S3, using a fake client instead of the "
        "network.",
        "balanced",
        "tests with set-up",
    ),
    (
        "Our CLI prints dates in UTC but users want local time; where should the conversion go, "
        "and what breaks if we change it?",
        "balanced",
        "bounded reasoning about behaviour",
    ),
    (
        "Implement topological sorting for our build targets in targets.py and report cycles with "
        "the targets involved.",
        "balanced",
        "algorithm in the user's code",
    ),
    (
        "mypy reports 40 errors after I turned on strict mode in this module. Fix them without "
        "using `Any`.",
        "balanced",
        "multi-step typing work",
    ),
    (
        "This regex in our log parser misses lines with IPv6 addresses. Fix it and add test cases.",
        "balanced",
        "parsing with edge cases",
    ),
    (
        "Add retries with backoff to our webhook sender and make sure a permanent 4xx is not "
        "retried.",
        "balanced",
        "bounded design with a correctness detail",
    ),
    (
        "Our Django query for the dashboard runs 300 queries per page. Find the N+1 and fix it.",
        "balanced",
        "performance debugging",
    ),
    (
        "Split utils.py into a package of three modules and keep the public imports working.",
        "balanced",
        "multi-file restructuring",
    ),
    (
        "Explain why this recursive function hits the recursion limit on deep trees and rewrite it "
        "iteratively.",
        "balanced",
        "reasoning about a snippet",
    ),
    # ---- floors: design, security scheme, concurrency, data migration (never fast) ----
    (
        "Explain what we would need to design an end-to-end encryption scheme for messages in our "
        "chat app.",
        "frontier",
        "security scheme design, phrased as an explanation",
    ),
    (
        "Quick question: how should we design the locking so two workers never process the same "
        "job twice?",
        "frontier",
        "concurrency, exactly-once",
    ),
    (
        "Just outline the data migration from our old users table to the new accounts schema.",
        "balanced",
        "data migration, phrased as an outline",
    ),
    (
        "Explain how to design the API for our plugin system so we can add versions later.",
        "balanced",
        "system design",
    ),
    (
        "How do I make this counter thread-safe? It is incremented from several threads.",
        "balanced",
        "concurrency, bounded",
    ),
    (
        "Explain what a good key rotation scheme for our API signing secrets would look like.",
        "frontier",
        "security scheme",
    ),
    (
        "Design the schema for storing audit events so we can query them per user and per day.",
        "balanced",
        "schema design, bounded",
    ),
    (
        "What is the safest way to backfill a new non-null column on a table with 50 million rows?",
        "frontier",
        "data migration on a large live table",
    ),
    (
        "Sketch the authentication flow for our mobile app: login, refresh tokens and logout on "
        "all devices.",
        "frontier",
        "authentication scheme",
    ),
    (
        "Why would two processes writing to the same SQLite file corrupt it, and how do we "
        "coordinate them?",
        "balanced",
        "concurrency reasoning",
    ),
    (
        "Explain how to design an idempotent payment webhook handler.",
        "frontier",
        "money and exactly-once",
    ),
    (
        "Outline how we should hash and store user passwords.",
        "frontier",
        "security scheme for real users",
    ),
    (
        "Describe how to migrate our data from MongoDB to Postgres without downtime.",
        "frontier",
        "live data migration",
    ),
    (
        "How should the cache and the database stay consistent when several replicas write?",
        "frontier",
        "distributed concurrency",
    ),
    (
        "Design a queue so consumers can crash without losing or duplicating messages.",
        "frontier",
        "exactly-once design",
    ),
    # ---- frontier: subtle, open-ended or high stakes ----
    (
        "Customers are charged twice about once a week. Here are the checkout handler, the payment "
        "client and the retry middleware. Find the cause.",
        "frontier",
        "money, intermittent, across files",
    ),
    (
        "Our deploy script deleted the wrong S3 prefix in staging. Before we run it on production, "
        "review it for anything that could delete data.",
        "frontier",
        "irreversible, production",
    ),
    (
        "p99 latency doubles every hour in production. Here are the heap profile, the GC log and "
        "the connection-pool settings. What is going on?",
        "frontier",
        "diagnosis from scattered evidence",
    ),
    (
        "Review our SAML login integration for ways an attacker could log in as another user.",
        "frontier",
        "security review",
    ),
    (
        "After a network partition our leader election sometimes lets two nodes accept writes. "
        "Here is the election code.",
        "frontier",
        "distributed correctness",
    ),
    (
        "Should we split the billing module out of the monolith? Here are our traffic numbers and "
        "team layout.",
        "frontier",
        "architecture decision",
    ),
    (
        "We must delete a customer's data across all services within 30 days for GDPR. What could "
        "we miss?",
        "frontier",
        "compliance, irreversible",
    ),
    (
        "Prove that our merge function for the collaborative editor converges for any order of "
        "concurrent edits, or find a counterexample.",
        "frontier",
        "proof about user's algorithm",
    ),
    (
        "The nightly ETL silently drops about 0.1% of rows. Here are the extract, transform and "
        "load steps across four files.",
        "frontier",
        "subtle data loss across files",
    ),
    (
        "Rewrite the core of our order-matching engine to support partial fills without changing "
        "existing behaviour; there are no tests.",
        "frontier",
        "large risky change",
    ),
]


def records() -> list[dict[str, str]]:
    out = []
    for prompt, label, reason in [*PROMPTS, *_long_pastes()]:
        out.append({"prompt": prompt, "label": label, "reason": reason, "source": SOURCE})
    return out


def main() -> int:
    kept = [
        line
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("source") != SOURCE
    ]
    new = [json.dumps(r, ensure_ascii=False) for r in records()]
    LABELLED.write_text("\n".join([*kept, *new]) + "\n", encoding="utf-8")
    print(f"{len(kept)} kept, {len(new)} {SOURCE} prompts written to {LABELLED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
