"""Cold start to the first painted window: from source and (when built) the frozen onedir folder.

Each program runs in a fresh process with JNJP_STARTUP_PROBE, which quits once the window is
painted ("shown": before the database opens; "ready": the demo report on screen). Baseline:
a bare QMainWindow in a fresh interpreter, measured in the same run. Prints medians in ms, the
ratio to the baseline and peak memory (max RSS); the programs and the baseline run in turn,
round by round. Also the whole headless ``validate`` process against a bare interpreter opening
SQLite: the fixed cost before the first useful work. The database is seeded first with the demo
(``--demo``: a new database no longer holds it). A measurement, not a pass/fail test.

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
# s1: also the program's CPU time (user + system), which a busy shared machine inflates far less.
WRAPPER = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "subprocess.run(sys.argv[1:], check=True, capture_output=True, timeout=60); "
           "used = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print((time.perf_counter() - t) * 1000, used.ru_maxrss, (used.ru_utime + used.ru_stime) * 1000)")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time in ms, the program's peak memory (max RSS) in MB and its CPU time in ms."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, check=True, capture_output=True,
                         text=True, timeout=120).stdout.split()
    return float(out[0]), float(out[1]) / 1024, float(out[2])


def in_turn(commands: list[tuple[list[str], dict[str, str]]], runs: int) -> list[tuple[float, float, float]]:
    """Median wall time, peak memory and median CPU time of each command, the commands run in turn
    each round."""
    results: list[list[tuple[float, float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for (cmd, env), out in zip(commands, results):
            out.append(run(cmd, env))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs), statistics.median(r[2] for r in rs))
            for rs in results]


def main(runs: int = 5) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.common import report

    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    # from source as a user runs it: Python keeps its compiled bytecode (a shell with
    # PYTHONDONTWRITEBYTECODE would time compiling every module at every start instead)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite")
        env["HOME"] = tmp  # no user settings from this machine
        baseline = ([sys.executable, "-c", BASELINE], env)
        programs = [("python main.py", [sys.executable, str(ROOT / "main.py"), "--db", db])]
        if FROZEN.exists():
            programs.append(("frozen dist/jnjp", [str(FROZEN), "--db", db]))
        for name, cmd in programs:
            # a new database no longer gets the demo: ``--demo`` seeds it once (as a clerk's first
            # look at the demo); the runs measured then start on it as a user does (``--db``)
            run([*cmd, "--demo"], dict(env, JNJP_STARTUP_PROBE="ready"))
            commands = [baseline] + [(cmd, dict(env, JNJP_STARTUP_PROBE=p)) for p in ("shown", "ready")]
            (base, _, _), (shown, _, _), (ready, mem, _) = in_turn(commands, runs)
            report(f"start: {name} window shown", "demo", shown, base, "bare QMainWindow", "goal < 1 s", shown < 1000)
            report(f"start: {name} report ready ({mem:.0f} MB)", "demo", ready, base, "bare QMainWindow",
                   "goal < 1 s, < 200 MB", ready < 1000 and mem < 200)
        # a headless command: the fixed cost of a process before its first useful work
        bare = ([sys.executable, "-c", "import sqlite3; sqlite3.connect(':memory:')"], env)
        validate = ([sys.executable, str(ROOT / "main.py"), "validate", "--db", db, "--period", "2025"], env)
        run(validate[0], env)  # once before: bytecode and the form catalogue kept (as after any first start)
        (base, _, base_cpu), (ours, _, cpu) = in_turn([bare, validate], runs)
        report("headless validate (whole process)", "demo", ours, base, "bare python+sqlite3",
               f"goal: ours-bare < 80 ms (wall {ours - base:.0f} ms, CPU {cpu - base_cpu:.0f} ms)", ours - base < 80,
               cpu=(cpu, base_cpu))
        if not FROZEN.exists():
            print("(frozen folder not built: ./build.sh)", file=sys.stderr)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
