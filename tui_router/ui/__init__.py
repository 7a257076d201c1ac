"""The Textual interface: the app, its screens and widgets, themes. Only `tui_router.commands.tui`
imports it; `tui_router.core` never does."""
