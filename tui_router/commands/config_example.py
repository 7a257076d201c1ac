"""The annotated example config.toml that `tui-router config init` writes.

Every active line equals the built-in default, so writing it changes nothing until edited.
"""

from __future__ import annotations

EXAMPLE_CONFIG = """\
# tui-router configuration. Every value below is the built-in default; edit what you need.
# Check it with `tui-router config check`; see the result with `tui-router config show`.

# The model the "frontier-only baseline" is priced on: what the session would have cost had every
# call gone to it (same input, cache and output token counts). It must have a known price.
frontier_model = "claude-opus-4-6"

# The model a new session starts on. Unset: the first available model of the fast tier, then
# balanced, then frontier, then the local model.
# default_model = "claude-haiku-4-5"

# manual: you pick the model; suggest: the router suggests, you accept (tab) or reject (esc);
# auto: the router switches and says so.
routing_mode = "suggest"
# How the router decides: manual, rules, cascade, learned or heuristic. Your own ordered
# [[rules]] can be added to this file; `tui-router rules` prints the rules in force.
routing_strategy = "learned"
# With the cascade strategy, also ask a fast-tier model to grade answers that pass the quality
# gates (one extra call per turn, counted like any other).
cascade_judge = false
# The app titles each session from its first prompt with one small fast-tier call in the
# background (counted like any other, purpose "title"); false: the prompt's first line is the title.
session_titles = true

theme = "tui-router-dark"
# Most tokens one answer may use.
max_tokens = 4096

# Which models make up each tier, cheapest first within a tier. Ids as you would type them:
# claude-*/gpt-* go to Anthropic/OpenAI; ENDPOINT/model goes to an endpoint defined below.
[tiers]
local = ["local/smollm2-135m"]
fast = ["claude-haiku-4-5", "gpt-5-mini", "gpt-5-nano"]
balanced = ["claude-sonnet-4-6", "gpt-5.1"]
frontier = ["claude-opus-4-6", "gpt-5.5"]

# Extra places models are served from. kind = "openai" speaks the OpenAI API (Ollama, vLLM,
# LM Studio, llama.cpp server, OpenRouter). api_key_env names the environment variable that
# holds the key; never put a key in this file. price_provider is the genai-prices provider used
# for prices ("local" means free; unset: unknown prices, shown as n/a, unless [prices] has them).
# Models are then addressed as NAME/model, e.g. "ollama/llama3.2".
#
# [endpoints.ollama]
# kind = "openai"
# base_url = "http://localhost:11434/v1"
# models = ["llama3.2"]
# price_provider = "local"
#
# [endpoints.openrouter]
# kind = "openai"
# base_url = "https://openrouter.ai/api/v1"
# api_key_env = "OPENROUTER_API_KEY"
# models = ["anthropic/claude-sonnet-4.5"]
# price_provider = "openrouter"
#
# The built-in anthropic and openai endpoints can be changed the same way (unset fields keep
# their defaults); the ANTHROPIC_BASE_URL / OPENAI_BASE_URL variables also work.
# [endpoints.openai]
# base_url = "https://my-proxy.example/v1"

# Prices in $ per million tokens, replacing genai-prices for one model (new or custom models).
# cache_read / cache_write default to the input price.
# [prices."ollama/llama3.2"]
# input = 0.0
# output = 0.0
#
# [prices."my-new-model"]
# input = 2.0
# output = 8.0
# cache_read = 0.2

# A session's spend limit in dollars (the cost ticker shows how much of it is used).
[budget]
# session_usd = 5.0

# The agent's tools. read_file, list_files and search run at once inside the project; edits,
# new files and commands ask first (--yes approves all but deny). Files that look like secrets
# (.env*, *.pem, *.key, SSH keys) are asked about even for reading. A rule is TOOL or
# TOOL:PATTERN; for run_command the pattern is a command prefix ("git push" also stops
# "git push origin main", and "a && git push" too); for other tools a glob over the path
# ("read_file:*.pem", "edit_file:src/*"). deny always wins. extra_dirs: folders outside the
# project the tools may reach (each use is asked about); absolute or starting with ~.
[permissions]
allow = []
deny = []
extra_dirs = []
# allow = ["run_command:pytest", "run_command:git status", "edit_file:src/*"]
# deny = ["run_command:rm", "run_command:git push", "read_file:*.pem"]
# extra_dirs = ["~/src/shared-lib"]

# The agent loop: most model calls one turn may make, and a command that checks its work
# (the verified cascade runs it, restores the checkpoint on failure and retries one tier up).
[agent]
max_steps = 40
# check = "pytest -q"

# Keys of the interactive app (Textual key names).
[keys]
model_picker = "ctrl+l"
next_model = "f2"
previous_model = "shift+f2"
accept_suggestion = "tab"
reject_suggestion = "escape"
retry_stronger = "ctrl+r"
cycle_mode = "ctrl+o"
toggle_sidebar = "ctrl+b"
help = "f1"
quit = "ctrl+q"
"""
