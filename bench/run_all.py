"""Every benchmark in one command; each prints its own table with its baseline measured in the
same run, so the ratios are comparable between machines. Nothing here passes or fails.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run_all.py

Build the frozen folder first (./build.sh) to include its cold start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ("启动 start-up (source and frozen, to first painted window)", "startup.py"),
    ("审核 validation of one township-year", "validate_bench.py"),
    ("录入 edit and paste through the grid model", "edit_bench.py"),
    ("Excel export and import vs raw openpyxl / calamine", "excel_bench.py"),
]


def main() -> int:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    failed = []
    for title, script in BENCHES:
        print(f"\n=== {title} — bench/{script}")
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(HERE / script)], env=env, text=True, capture_output=True)
        print(result.stdout.rstrip())
        if result.returncode:
            failed.append(script)
            print(result.stderr.rstrip()[-2000:])
        print(f"({time.perf_counter() - started:.1f} s)")
    if failed:
        print(f"\n未能运行 / could not run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
