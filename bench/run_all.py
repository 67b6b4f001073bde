"""Every benchmark in one command, and one table of all results: each operation at the demo,
1,000 and 5,000 enterprises against its baseline doing the same work, measured in turn in the
same run, so the ratios are comparable between machines. Nothing here passes or fails.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run_all.py

Build the frozen folder first (./build.sh) to include its cold start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["startup.py", "scale_bench.py", "edit_bench.py", "bulk_bench.py", "summary_bench.py", "intake_bench.py"]


def main() -> int:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    results, failed = [], []
    for script in BENCHES:
        started = time.perf_counter()
        print(f"… bench/{script}", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, str(HERE / script)], env=env, text=True, capture_output=True)
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                results.append(json.loads(line[7:]))
        if done.returncode:
            failed.append(script)
            print(done.stderr.rstrip()[-2000:], file=sys.stderr)
        print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(f"| {'what':<40} | {'n':>5} | {'ours ms':>9} | {'baseline ms':>11} | {'ratio':>7} | {'CPU ours/base':>15} "
          "| baseline | goal |")
    print(f"|{'-' * 42}|{'-' * 7}|{'-' * 11}|{'-' * 13}|{'-' * 9}|{'-' * 17}|---|---|")
    for r in results:
        ratio = r["ours_ms"] / r["baseline_ms"] if r["baseline_ms"] else float("nan")
        verdict = "" if r["met"] is None else (" ✓" if r["met"] else " ✗")
        cpu = (f"{r['ours_cpu_ms']:.1f} / {r['baseline_cpu_ms']:.1f}" if r.get("ours_cpu_ms") is not None
               else "")  # CPU time of the measuring process (where the work runs in it)
        print(f"| {r['what']:<40} | {r['n']!s:>5} | {r['ours_ms']:9.1f} | {r['baseline_ms']:11.1f} | {ratio:6.2f}× "
              f"| {cpu:>15} | {r['baseline']} | {r['goal']}{verdict} |")
    if failed:
        print(f"\n未能运行 / could not run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
