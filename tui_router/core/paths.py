"""Where tui-router keeps its files.

Config, data (the SQLite store, learned-router feedback) and cache (tiktoken files) live in the
platform's usual folders (platformdirs). ``TUI_ROUTER_HOME`` puts all three under one folder, which
is what tests use. Nothing is created at import time: call `ensure_dir` when about to write.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "tui-router"
HOME_ENV = "TUI_ROUTER_HOME"


# Not slots=True: a slotted dataclass is built twice (~1 ms each), and this module loads
# on the way to the app's first frame.
@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def database(self) -> Path:
        return self.data_dir / "tui-router.sqlite3"

    @property
    def feedback_file(self) -> Path:
        return self.data_dir / "router-feedback.jsonl"

    @property
    def tiktoken_cache(self) -> Path:
        return self.cache_dir / "tiktoken"


def get_paths() -> Paths:
    """Resolve the folders now (reads ``TUI_ROUTER_HOME`` each call, so tests can set it)."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser()
        return Paths(root / "config", root / "data", root / "cache")
    import platformdirs

    return Paths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) if missing and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A folder we do not own (e.g. a shared TUI_ROUTER_HOME) keeps its mode.
    with contextlib.suppress(OSError):
        path.chmod(0o700)
    return path
