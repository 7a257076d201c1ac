"""The process `ui_startup.py` measures; kept apart so it imports what `tui-router` imports.

`--child` runs the real command path (`cli.main` -> `commands.tui.run`: config, options, the
garbage-collector pause, then the app's import); `--bare-textual` runs a plain Textual app with a
TextArea and a Footer, the yardstick. Each writes FIRST_FRAME on fd 1 at its first frame;
`--exit-at-frame` ends the process right there (for counting instructions up to the frame).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import importlib.abc  # noqa: E402  (after T0: these are part of what is measured)
import importlib.util  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

EXIT_AT_FRAME = "--exit-at-frame" in sys.argv


def child() -> None:
    """Run `tui-router --model ... --mode manual` headless; report timings on fd 1.

    The command path is the real one (`cli.main` -> `commands.tui.run`: config, options, the
    garbage-collector pause, then the app's import), so nothing is imported here first: an import
    hook swaps the app class, as soon as its module has run, for a subclass that runs headless and
    records its marks.
    """
    t0 = T0
    marks: dict[str, float] = {}

    def emit(line: str) -> None:
        os.write(1, (line + "\n").encode())  # Textual captures sys.stdout while it runs

    def swap_app_class(app_module: Any) -> None:
        class StartupApp(app_module.TuiRouterApp):  # type: ignore[name-defined,misc]
            def run(self, *args: Any, **kwargs: Any) -> Any:
                return super().run(headless=True, size=(120, 40))

            def on_mount(self) -> None:  # runs alongside TuiRouterApp.on_mount
                marks.setdefault("mount", time.perf_counter())

            def on_ready(self) -> None:  # runs before TuiRouterApp.on_ready
                marks["frame"] = time.perf_counter()
                marks["frame_cpu"] = time.process_time()  # CPU since the process began
                emit("FIRST_FRAME")
                if EXIT_AT_FRAME:
                    os._exit(0)
                self.run_worker(self._wait_session(), name="bench wait")

            async def _wait_session(self) -> None:
                await self.ready.wait()
                marks["session"] = time.perf_counter()
                self.exit()

        app_module.TuiRouterApp = StartupApp

    sys.meta_path.insert(0, _AfterImport("tui_router.ui.app", swap_app_class, marks))
    from tui_router.cli import main as cli_main

    cli_main(["--model", "claude-haiku-4-5", "--mode", "manual"])
    ms = {k: (v - t0) * 1000 for k, v in marks.items()}
    import_ms = ms["import_end"] - ms["import_start"]
    emit(
        f"RESULT import={import_ms:.1f} mount={ms.get('mount', -1):.1f} "
        f"frame={ms.get('frame', -1):.1f} session={ms.get('session', -1):.1f} "
        f"cpu={marks.get('frame_cpu', -1) * 1000:.1f}"
    )


def bare_textual_child() -> None:
    """The yardstick: a plain Textual app with a TextArea and a Footer, to its first frame."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Static, TextArea

    class BareApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("bare")
            yield TextArea()
            yield Footer()

        def on_ready(self) -> None:
            os.write(1, b"FIRST_FRAME\n")
            if EXIT_AT_FRAME:
                os._exit(0)
            self.exit()

    BareApp().run(headless=True, size=(120, 40))


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` right after module ``name`` has run; times its import."""

    def __init__(self, name: str, then: Any, marks: dict[str, float]) -> None:
        self.name, self.then, self.marks = name, then, marks

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # find the real spec with the other finders
        spec = importlib.util.find_spec(fullname)
        assert spec is not None and spec.loader is not None
        run_module = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            self.marks["import_start"] = time.perf_counter()
            run_module(module)
            self.marks["import_end"] = time.perf_counter()
            self.then(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if __name__ == "__main__":
    if "--bare-textual" in sys.argv:
        bare_textual_child()
    else:
        child()
