"""Plain-Python core of tui-router: config, catalog, pricing, ledger, store, providers, routing.

Nothing under this package imports textual; the CLI's headless commands and the TUI share it.
"""
