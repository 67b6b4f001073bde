"""What every benchmark shares: paired timing (ours and its baseline alternating run by run, so
a busy machine slows both alike), the realistic and maximum sizes, and one result line format
that ``run_all.py`` gathers into a single table.

A result line is ``RESULT {json}`` on stdout: what, n, ours_ms, baseline_ms, baseline (its name),
goal (text), met (bool or null).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The demo's two enterprises, a large township's list, and the form's maximum (max_rows).
SIZES = ("demo", 1000, 5000)


def paired_ms(baseline: Callable[[], Any], ours: Callable[[], Any], runs: int, *,
              warm: bool = True) -> tuple[float, float]:
    """Medians in ms of ``baseline`` and ``ours``, measured in turn (wall time)."""
    return paired_wall_cpu_ms(baseline, ours, runs, warm=warm)[:2]


def paired_wall_cpu_ms(baseline: Callable[[], Any], ours: Callable[[], Any], runs: int, *,
                       warm: bool = True) -> tuple[float, float, float, float]:
    """``paired_ms`` with the CPU time of the same runs as well (which a busy machine disturbs
    less): medians in ms of (baseline wall, ours wall, baseline CPU, ours CPU)."""
    if warm:
        baseline()
        ours()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for i, fn in enumerate((baseline, ours)):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[i].append((time.perf_counter() - start) * 1000)
            cpu[i].append((time.process_time() - start_cpu) * 1000)
    return (statistics.median(wall[0]), statistics.median(wall[1]), statistics.median(cpu[0]),
            statistics.median(cpu[1]))


def report(what: str, n: Any, ours: float, baseline: float, baseline_name: str, goal: str = "",
           met: bool | None = None) -> None:
    """Print one result line (for run_all) and a readable line (for a person running one bench)."""
    ratio = ours / baseline if baseline else float("inf")
    print(f"{what:<34} n={n!s:<5} ours {ours:9.1f} ms   {baseline_name} {baseline:9.1f} ms   "
          f"ratio {ratio:6.2f}×  {goal}{'' if met is None else (' OK' if met else ' MISSED')}", file=sys.stderr)
    print("RESULT " + json.dumps({"what": what, "n": n, "ours_ms": ours, "baseline_ms": baseline,
                                  "baseline": baseline_name, "goal": goal, "met": met}, ensure_ascii=False))
    sys.stdout.flush()
