"""Cold start to first frame, headless (target: first frame <= 400 ms).

Runs the real app in fresh processes and reports, per run:

* process   - wall time from spawning `python` to the app's first frame (interpreter start,
              imports, compose, first refresh): what a person waits for;
* in-proc   - from the first line of the child script to `on_mount` and to `Ready` (first frame);
* import    - of `tui_router.ui.app` alone;
* session   - until the session is open (catalog, prices, store), which happens after the frame;
* cpu       - CPU time (user+system) the process used up to the first frame: on a busy machine
              this is the better estimate of the wall time on an idle one;
* python    - a bare `python -c pass`, for reference.

Usage: python benchmarks/ui_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def child() -> None:
    """Start the app headless; report timings on fd 1 (Textual captures sys.stdout)."""
    t0 = time.perf_counter()
    from tui_router.core.config import load_config
    from tui_router.ui.app import TuiRouterApp
    from tui_router.ui.boot import StartOptions

    t_import = time.perf_counter()
    marks: dict[str, float] = {}

    def emit(line: str) -> None:
        os.write(1, (line + "\n").encode())

    import tui_router.ui.app as app_module

    class StartupApp(TuiRouterApp):
        CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")

        def on_mount(self) -> None:  # runs alongside TuiRouterApp.on_mount
            marks.setdefault("mount", time.perf_counter())

        def on_ready(self) -> None:
            marks["frame"] = time.perf_counter()
            marks["frame_cpu"] = time.process_time()  # CPU since the process began
            emit("FIRST_FRAME")
            self.run_worker(self._wait_session(), name="bench wait")

        async def _wait_session(self) -> None:
            await self.ready.wait()
            marks["session"] = time.perf_counter()
            self.exit()

    app = StartupApp(
        load_config(), StartOptions(model="claude-haiku-4-5", mode="manual"), show_welcome=False
    )
    app.run(headless=True, size=(120, 40))
    ms = {k: (v - t0) * 1000 for k, v in marks.items()}
    emit(
        f"RESULT import={(t_import - t0) * 1000:.1f} mount={ms.get('mount', -1):.1f} "
        f"frame={ms.get('frame', -1):.1f} session={ms.get('session', -1):.1f} "
        f"cpu={marks.get('frame_cpu', -1) * 1000:.1f}"
    )


def main() -> None:
    from _ui_common import bench_env, describe, make_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = bench_env(make_home())
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
    for _ in range(args.runs + 1):  # the first run warms the OS file cache and is dropped
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child"], stdout=subprocess.PIPE, text=True, env=env
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        frame_wall = (time.perf_counter() - start) * 1000
        rest = proc.stdout.read()
        proc.wait()
        if not first.startswith("FIRST_FRAME") or proc.returncode != 0:
            raise SystemExit(f"the app did not start: {first!r} {rest!r}")
        if _ == 0:
            continue
        process_ms.append(frame_wall)
        fields = dict(kv.split("=") for kv in rest.split("RESULT", 1)[1].split())
        for key in inproc:
            inproc[key].append(float(fields[key]))
    print("tui-router cold start, headless, 120x40")
    print(f"  process spawn -> first frame : {describe(process_ms)}   (target <= 400 ms)")
    print(f"  in-process: import app       : {describe(inproc['import'])}")
    print(f"  in-process: -> on_mount      : {describe(inproc['mount'])}")
    print(f"  in-process: -> first frame   : {describe(inproc['frame'])}")
    print(f"  in-process: -> session open  : {describe(inproc['session'])}   (after the frame)")
    print(
        f"  CPU time to first frame      : {describe(inproc['cpu'])}   (whole process; "
        "what the wall time would be on an idle machine)"
    )
    print(f"  bare `python -c pass`        : {describe(bare)}")
    print(f"  load average during the run : {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
