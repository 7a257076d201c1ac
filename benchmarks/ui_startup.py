"""Cold start to first frame, headless (target: first frame <= 400 ms).

Runs the real app in fresh processes and reports, per run:

* process   - wall time from spawning `python` to the app's first frame (interpreter start,
              imports, compose, first refresh): what a person waits for;
* in-proc   - from the first line of the child to `on_mount` and to `Ready` (first frame), through
              the real command path (`cli.main` -> `commands.tui.run`, config included);
* import    - of `tui_router.ui.app` alone (Textual and the widgets with it);
* session   - until the session is open (catalog, prices, store), which happens after the frame;
* cpu       - CPU time (user+system) the process used up to the first frame: on a busy machine
              this is the better estimate of the wall time on an idle one;
* yardstick - a plain Textual app (TextArea + Footer) spawned to its first frame right after
              each run, and tui-router's time minus it: what is ours, under the same load;
* python    - a bare `python -c pass`, for reference.

Bytecode: by default the runs use a .pyc cache (PYTHONPYCACHEPREFIX in a temp dir, filled by a
first run that is not counted), as a pip-installed package has; `--no-bytecode-cache` measures
an environment with PYTHONDONTWRITEBYTECODE=1, where every start compiles every module.

Usage: python benchmarks/ui_startup.py [--runs N] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def child() -> None:
    """Run `tui-router --model ... --mode manual` headless; report timings on fd 1.

    The command path is the real one (`cli.main` -> `commands.tui.run`: config, options, the
    garbage-collector pause, then the app's import), so nothing is imported here first: an import
    hook swaps the app class, as soon as its module has run, for a subclass that runs headless and
    records its marks.
    """
    t0 = time.perf_counter()
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


def main() -> None:
    from _ui_common import bench_env, describe, make_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module from source on each run (PYTHONDONTWRITEBYTECODE=1)",
    )
    args = parser.parse_args()
    env = bench_env(make_home())
    if args.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:  # like an installed package: .pyc files exist (kept out of the tree, in a temp dir)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "tui-router-bench-pyc")
    process_ms: list[float] = []
    inproc: dict[str, list[float]] = {
        "import": [],
        "mount": [],
        "frame": [],
        "session": [],
        "cpu": [],
    }
    bare: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append((time.perf_counter() - start) * 1000)
    yardstick: list[float] = []
    paired_extra: list[float] = []
    for run in range(args.runs + 1):  # the first run warms the OS file cache and is dropped
        frame_wall, rest = _spawn_to_first_frame("--child", env)
        bare_wall, _ = _spawn_to_first_frame("--bare-textual", env)  # paired: same load
        if run == 0:
            continue
        process_ms.append(frame_wall)
        yardstick.append(bare_wall)
        paired_extra.append(frame_wall - bare_wall)
        fields = dict(kv.split("=") for kv in rest.split("RESULT", 1)[1].split())
        for key in inproc:
            inproc[key].append(float(fields[key]))
    cache = "without .pyc files" if args.no_bytecode_cache else "with .pyc files (as installed)"
    print(f"tui-router cold start, headless, 120x40, {cache}")
    print(f"  process spawn -> first frame : {describe(process_ms)}   (target <= 400 ms)")
    print(f"  in-process: import app       : {describe(inproc['import'])}")
    print(f"  in-process: -> on_mount      : {describe(inproc['mount'])}")
    print(f"  in-process: -> first frame   : {describe(inproc['frame'])}")
    print(f"  in-process: -> session open  : {describe(inproc['session'])}   (after the frame)")
    print(
        f"  CPU time to first frame      : {describe(inproc['cpu'])}   (whole process; "
        "what the wall time would be on an idle machine)"
    )
    print(
        f"  bare Textual app to its frame: {describe(yardstick)}   (TextArea + Footer; the floor)"
    )
    print(f"  tui-router minus that, paired: {describe(paired_extra)}")
    print(f"  bare `python -c pass`        : {describe(bare)}")
    print(f"  load average during the run : {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def _spawn_to_first_frame(mode: str, env: dict[str, str]) -> tuple[float, str]:
    """Wall ms from spawning ``python this --MODE`` to its FIRST_FRAME line, and what followed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, mode], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    wall = (time.perf_counter() - start) * 1000
    rest = proc.stdout.read()
    proc.wait()
    if not first.startswith("FIRST_FRAME") or proc.returncode != 0:
        raise SystemExit(f"the app did not start ({mode}): {first!r} {rest!r}")
    return wall, rest


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    elif "--bare-textual" in sys.argv:
        bare_textual_child()
    else:
        main()
