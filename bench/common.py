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
    """Medians in ms of ``baseline`` and ``ours``, measured in turn."""
    base, mine, _base_cpu, _cpu = paired(baseline, ours, runs, warm=warm)
    return base, mine


def paired_wall_cpu_ms(baseline: Callable[[], Any], ours: Callable[[], Any], runs: int, *,
                       warm: bool = True) -> tuple[float, float, float, float]:
    """(baseline wall, ours wall, baseline CPU, ours CPU) medians in ms: ``paired`` without a setup."""
    return paired(baseline, ours, runs, warm=warm)


def paired(baseline: Callable[[], Any], ours: Callable[[], Any], runs: int, *, warm: bool = True,
           setup: Callable[[], Any] | None = None) -> tuple[float, float, float, float]:
    """Medians in ms of ``baseline`` and ``ours`` measured in turn: wall time, then CPU time of
    this process (``time.process_time``: what a busy shared machine does not inflate).
    ``setup`` runs before each run of ``ours``, untimed."""
    if warm:
        baseline()
        if setup is not None:
            setup()
        ours()
    times: tuple[list[float], ...] = ([], [], [], [])
    for _ in range(runs):
        for fn, wall, cpu in ((baseline, times[0], times[2]), (ours, times[1], times[3])):
            if fn is ours and setup is not None:
                setup()
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    base, mine, base_cpu, cpu = (statistics.median(t) for t in times)
    return base, mine, base_cpu, cpu


def report(what: str, n: Any, ours: float, baseline: float, baseline_name: str, goal: str = "",
           met: bool | None = None, cpu: tuple[float, float] | None = None) -> None:
    """Print one result line (for run_all) and a readable line (for a person running one bench).
    ``cpu``: (ours, baseline) CPU-time medians in ms, when measured."""
    ratio = ours / baseline if baseline else float("inf")
    cpu_text = f"   CPU {cpu[0]:8.1f} / {cpu[1]:8.1f} ms" if cpu else ""
    print(f"{what:<34} n={n!s:<5} ours {ours:9.1f} ms   {baseline_name} {baseline:9.1f} ms   "
          f"ratio {ratio:6.2f}×{cpu_text}  {goal}{'' if met is None else (' OK' if met else ' MISSED')}",
          file=sys.stderr)
    print("RESULT " + json.dumps({"what": what, "n": n, "ours_ms": ours, "baseline_ms": baseline,
                                  "baseline": baseline_name, "goal": goal, "met": met,
                                  "ours_cpu_ms": cpu[0] if cpu else None,
                                  "baseline_cpu_ms": cpu[1] if cpu else None}, ensure_ascii=False))
    sys.stdout.flush()
