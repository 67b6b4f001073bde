"""审核 speed: all forms of one township-year (the demo's 2025, with 2023–2024 as history).

Budget: under 50 ms for the seven forms. Measured three ways, each the median of many runs:
  bundle     validate_bundle on data already in memory (the engine alone)
  period     Workspace.validate_period (reads the reports and their history from SQLite, then 审核)
  baseline   reading the same reports from SQLite without validating (Store.load of each),
             measured in the same run, so the printed ratio does not depend on the machine.
A measurement, not a pass/fail test.

    .venv/bin/python bench/validate_bench.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forms.catalogue import FormCatalogue  # noqa: E402
from forms.validation import ReportInput, validate_bundle  # noqa: E402
from storage.history import earlier_inputs  # noqa: E402
from storage.workspace import Workspace  # noqa: E402

BUDGET_MS = 50.0


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up (formula cache, SQLite page cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(runs: int = 50) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        catalogue = FormCatalogue.load()
        ws = Workspace.open(Path(tmp) / "bench.sqlite", catalogue=catalogue, user="bench")
        try:
            town = next(t for t in ws.townships() if t.is_demo)
            reports = ws.store.reports_for(town.id, "2025")
            datas = {r.form_key: ws.store.load(r.id) for r in reports}
            inputs = {k: ReportInput(ws.form(k), d.values, d.notes, d.list_rows,
                                     earlier_inputs(ws.store, town.id, k, "2025")) for k, d in datas.items()}
            context = ws.context("2025")
            findings = sum(len(r.findings) for r in validate_bundle(inputs, context, "2025").values())
            cells = sum(len(d.values) for d in datas.values())

            baseline = median_ms(lambda: [ws.store.load(r.id) for r in reports], runs)
            bundle = median_ms(lambda: validate_bundle(inputs, context, "2025"), runs)
            period = median_ms(lambda: ws.validate_period(town.id, "2025"), runs)
        finally:
            ws.close()
    print(f"{len(datas)} forms, {cells} stored cells, {findings} findings; median of {runs} runs")
    print(f"baseline (read the reports only)   {baseline:8.2f} ms")
    print(f"validate_bundle (engine, in memory){bundle:8.2f} ms   ratio {bundle / baseline:5.1f}×")
    print(f"validate_period (SQLite + engine)  {period:8.2f} ms   ratio {period / baseline:5.1f}×")
    print(f"budget {BUDGET_MS:.0f} ms: {'within' if period < BUDGET_MS else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
