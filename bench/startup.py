"""Cold start to the first painted window: from source and (when built) the frozen onedir folder.

Each program runs in a fresh process with JNJP_STARTUP_PROBE, which quits once the window is
painted ("shown": before the database opens; "ready": the demo report on screen). Baseline:
a bare QMainWindow in a fresh interpreter, measured in the same run. Prints medians in ms, the
ratio to the baseline and peak memory (max RSS). A measurement, not a pass/fail test.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "dist" / "jnjp" / ("jnjp.exe" if os.name == "nt" else "jnjp")
BASELINE = ("from PySide6.QtWidgets import QApplication, QMainWindow; app = QApplication([]); "
            "w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()")


# Each program runs under a small fresh wrapper so its peak memory is its own (RUSAGE_CHILDREN
# of one process accumulates the maximum over all the children it ever had).
WRAPPER = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "subprocess.run(sys.argv[1:], check=True, capture_output=True, timeout=60); "
           "print((time.perf_counter() - t) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time in ms and the program's peak memory (max RSS) in MB."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, check=True, capture_output=True,
                         text=True, timeout=120).stdout.split()
    return float(out[0]), float(out[1]) / 1024


def median_of(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    results = [run(cmd, env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main(runs: int = 5) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite")
        env["HOME"] = tmp  # no user settings from this machine
        base, base_mem = median_of([sys.executable, "-c", BASELINE], env, runs)
        rows.append(("baseline: bare QMainWindow (source)", base, base_mem))
        programs = [("python main.py", [sys.executable, str(ROOT / "main.py"), "--db", db])]
        if FROZEN.exists():
            programs.append(("frozen dist/jnjp", [str(FROZEN), "--db", db]))
        for name, cmd in programs:
            run(cmd, dict(env, JNJP_STARTUP_PROBE="ready"))  # first run creates the demo database
            for probe in ("shown", "ready"):
                ms, mem = median_of(cmd, dict(env, JNJP_STARTUP_PROBE=probe), runs)
                rows.append((f"{name}: window {probe}", ms, mem))
    print(f"{'measure':<40}{'ms':>8}{'× baseline':>12}{'peak MB':>10}")
    for name, ms, mem in rows:
        print(f"{name:<40}{ms:>8.0f}{ms / base:>12.2f}{mem:>10.0f}")
    if not FROZEN.exists():
        print("(frozen folder not built: ./build.sh)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
