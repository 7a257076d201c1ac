"""tui-router: a terminal coding assistant that routes each prompt to the cheapest adequate
model.
"""

__version__ = "0.1.0"
