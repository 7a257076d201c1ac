"""Offline evaluation of routing strategies: dataset loaders, metrics and the replay.

`datasets` reads recorded model outcomes (SWE-bench, RouterBench, MT-Bench, GSM8K), `metrics`
holds quality/cost and RouteLLM's PGR/APGR/CPT, `strategies` builds the routers to compare and
`replay` runs them and returns one row per strategy. Plain Python; numpy is not needed.
"""
