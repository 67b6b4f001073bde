"""Start-up benchmark: `python main.py` to its first painted window, against a bare Qt window.

Each is run in a fresh interpreter (cold imports), several times; prints medians in ms and the
ratio to the baseline measured in the same run. A measurement, not a pass/fail test.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([]); w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print((time.perf_counter() - t0) * 1000)
"""

PROGRAM = """
import sys, time; t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from ui.app import create_application
app = create_application([])
from ui.main_window import MainWindow
w = MainWindow(); w.show(); app.processEvents()
t1 = time.perf_counter()
w.open_database({db!r}); app.processEvents()
print((t1 - t0) * 1000, (time.perf_counter() - t0) * 1000)
"""


def measure(code: str, runs: int) -> list[list[float]]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    out = []
    for _ in range(runs):
        text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              check=True).stdout
        out.append([float(x) for x in text.split()])
    return out


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite")
        measure(PROGRAM.format(root=str(ROOT), db=db), 1)  # creates the demo database once
        base = statistics.median(r[0] for r in measure(BASELINE, runs))
        program = measure(PROGRAM.format(root=str(ROOT), db=db), runs)
    first = statistics.median(r[0] for r in program)
    ready = statistics.median(r[1] for r in program)
    print(f"{'measure':<42}{'ms':>8}{'× baseline':>12}")
    print(f"{'baseline: bare QMainWindow shown':<42}{base:>8.0f}{1:>12.2f}")
    print(f"{'main window shown (database not yet open)':<42}{first:>8.0f}{first / base:>12.2f}")
    print(f"{'demo report on screen (database open)':<42}{ready:>8.0f}{ready / base:>12.2f}")


if __name__ == "__main__":
    main()
