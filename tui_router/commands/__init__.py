"""One module per CLI subcommand: ``add_arguments(parser)`` and ``run(args) -> int``.

Argument definitions must import nothing heavy; `run` imports what it needs.
"""
