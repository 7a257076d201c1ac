"""Cold start to first frame, headless (target: first frame <= 400 ms).

Runs the real app in fresh processes and reports, per run:

* process   - wall time from spawning `python` to the app's first frame (interpreter start,
              imports, compose, first refresh): what a person waits for;
* in-proc   - from the first line of the child (`_startup_child.py`) to `on_mount` and to `Ready`
              (first frame), through the real command path (`cli.main` -> `commands.tui.run`);
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

`--instructions` counts instead of timing: each process runs once under valgrind's callgrind up
to its first frame, and the instruction counts (tui-router, the plain Textual app, their ratio)
do not depend on what else the machine is doing, as wall and CPU times here do.

Usage: python benchmarks/ui_startup.py [--runs N] [--no-bytecode-cache] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
#: the measured process: a script that imports no more than the `tui-router` console script does
CHILD = Path(__file__).resolve().parent / "_startup_child.py"


def main() -> None:
    from _ui_common import bench_env, describe, make_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module from source on each run (PYTHONDONTWRITEBYTECODE=1)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions to the first frame under valgrind (machine-independent)",
    )
    args = parser.parse_args()
    env = bench_env(make_home())
    if args.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:  # like an installed package: .pyc files exist (kept out of the tree, in a temp dir)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "tui-router-bench-pyc")
    if args.instructions:
        count_instructions(env, args.runs)
        return
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


def count_instructions(env: dict[str, str], runs: int) -> None:
    """Instructions from exec to the first frame, for tui-router and the plain Textual app."""
    import re
    import shutil

    from _ui_common import describe

    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (e.g. `apt install valgrind`)")
    subprocess.run(
        [sys.executable, str(CHILD), "--exit-at-frame"], env=env, check=True, capture_output=True
    )  # fills the .pyc cache
    counts: dict[str, list[float]] = {"--child": [], "--bare-textual": []}
    for _ in range(runs):
        for mode, found in counts.items():
            done = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    sys.executable,
                    str(CHILD),
                    mode,
                    "--exit-at-frame",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            match = re.search(r"Collected : (\d+)", done.stderr)
            if "FIRST_FRAME" not in done.stdout or match is None:
                raise SystemExit(f"{mode} did not reach its first frame: {done.stderr[-500:]}")
            found.append(int(match.group(1)) / 1e6)
    ours, bare = counts["--child"], counts["--bare-textual"]
    print("Instructions from exec to the first frame (valgrind callgrind), with .pyc files")
    print(f"  tui-router         : {describe(ours, 'M')}")
    print(f"  plain Textual app  : {describe(bare, 'M')}")
    ratios = [a / b for a, b in zip(ours, bare, strict=True)]
    print(f"  ratio              : {sorted(ratios)[len(ratios) // 2]:.3f} (median of {runs})")


def _spawn_to_first_frame(mode: str, env: dict[str, str]) -> tuple[float, str]:
    """Wall ms from spawning ``python this --MODE`` to its FIRST_FRAME line, and what followed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), mode], stdout=subprocess.PIPE, text=True, env=env
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
    main()
