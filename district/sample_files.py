"""Township submission files made by the program itself, one per township, each with its own
figures: the district's tests and benchmarks receive these exactly as a district would.

Built from the demo township's 2025 reports (which pass 审核) copied into each real township with
its 能源消费 figures and enterprise codes changed, then exported with ``export_submission``.
No Qt; used by tests/ and bench/ only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms.catalogue import FormCatalogue

__all__ = ["make_township_files", "add_synthetic_townships", "SAMPLE_PERIOD"]

SAMPLE_PERIOD = "2025"


def _uscc_for(number: int, index: int) -> str:
    from storage.demo import _uscc

    return _uscc(f"9150011{number:03d}{index:02d}X5U7D")


def add_synthetic_townships(store: Any, count: int) -> None:
    """``count`` made-up townships (模拟镇00001…, codes 5001189xxxxx) for municipality-sized benchmarks."""
    with store.atomic():
        for n in range(1, count + 1):
            if store.find_township(f"500118{900000 + n}") is None:
                store.add_township(f"模拟镇{n:05d}", stat_code=f"500118{900000 + n}", kind="镇")


def make_township_files(folder: Path, catalogue: FormCatalogue, count: int = 23, *,
                        extra_rows: Callable[[int], int] | None = None) -> dict[str, Path]:
    """Export ``count`` townships' 2025 submissions into ``folder``; township name → file.

    Each township's energy figures are the demo's scaled by its own factor (1.00, 1.03, …, 1.66, then
    the same steps plus 0.0001 per round) and its
    enterprises carry their own 统一社会信用代码, so no two files hold the same data.
    ``extra_rows(n)``: how many rows the n-th township's lists have beyond the demo's (copies of its
    rows with their own codes): real townships list different numbers of enterprises, so their files'
    layouts (and hidden maps) differ — benchmarks use it so that nothing is the same in every file."""
    from export.submission import export_submission
    from storage.workspace import Workspace

    folder.mkdir(parents=True, exist_ok=True)
    ws = Workspace.open(folder / ".sample-township.sqlite", catalogue=catalogue, demo=True, user="样例")
    files: dict[str, Path] = {}
    try:
        demo = next(t for t in ws.townships() if t.is_demo)
        sources = {r.form_key: ws.load(r.id) for r in ws.store.reports_for(demo.id, SAMPLE_PERIOD)}
        if count > 23:
            add_synthetic_townships(ws.store, count - 23)
        towns = [t for t in ws.townships() if not t.is_demo and t.stat_code and not t.name.startswith("模拟镇")][:23]
        towns += [t for t in ws.townships() if t.name.startswith("模拟镇")][:max(0, count - 23)]
        towns = towns[:count]
        for number, town in enumerate(towns):
            factor = 1 + 0.03 * (number % 23) + 0.0001 * (number // 23)  # own figures, all plausible
            for key, data in sources.items():
                _copy_report(ws, town.id, key, data, factor, number, extra_rows(number) if extra_rows else 0)
            _match_coal(ws, town.id)
            out = folder / f"{town.name}_{SAMPLE_PERIOD}.xlsx"
            export_submission(ws, town.id, SAMPLE_PERIOD, out)
            files[town.name] = out
    finally:
        ws.close()
    for leftover in folder.glob(".sample-township.sqlite*"):
        leftover.unlink()
    return files


def _copy_report(ws: Any, township_id: int, form_key: str, data: Any, factor: float, number: int,
                 extra: int = 0) -> None:
    report = ws.open_report(township_id, form_key, SAMPLE_PERIOD).report
    rename: dict[tuple[str, str], str] = {}
    for table, rows in data.list_rows.items():
        for row in rows:
            rename[(table, row)] = ws.store.add_list_row(report.id, table, ws.user)
    cells = []
    for (table, row, col), value in data.values.items():
        if form_key == "energy_consumption" and table == "energy" and col == "consumption" and value:
            value = round(value * factor, 1)
        if col == "uscc":
            value = _uscc_for(number, list(data.list_rows[table]).index(row))
        cells.append(((table, rename.get((table, row), row), col), value))
    copies: list[tuple[str, str, str]] = []  # the extra rows (table, demo row, new row): codes of their own
    for table, rows in data.list_rows.items():
        for k in range(extra if rows else 0):
            source, new_row = rows[k % len(rows)], ws.store.add_list_row(report.id, table, ws.user)
            copies.append((table, source, new_row))
            for (t, row, col), value in data.values.items():
                if (t, row) == (table, source):
                    cells.append(((table, new_row, col), _uscc_for(number, len(rows) + k) if col == "uscc" else value))
    ws.edit_many(report.id, cells, reason="样例")
    for (table, row, col), note in data.notes.items():
        ws.set_note(report.id, (table, rename.get((table, row), row), col), note)
        for copy in (new_row for t, source, new_row in copies if (t, source) == (table, row)):
            ws.set_note(report.id, (table, copy, col), note)


def _match_coal(ws: Any, township_id: int) -> None:
    """Form 7's coal figures must equal form 1's (a cross-form 错误 otherwise): set them as the
    demo does, from the township's own scaled energy figures."""
    from forms.compute import compute_form

    energy = ws.find_report_data(township_id, "energy_consumption", SAMPLE_PERIOD)
    coal_vocs = ws.find_report_data(township_id, "coal_vocs", SAMPLE_PERIOD)
    if energy is None or coal_vocs is None:
        return
    computed = compute_form(ws.form("energy_consumption"), energy.values, energy.list_rows, ws.context(SAMPLE_PERIOD))
    coal = sum(energy.values.get(("energy", row, "consumption")) or 0 for row in ("raw_coal", "washed_coal"))
    ws.edit_many(coal_vocs.report.id, [
        (("coal", "coal_total", "value"), coal),
        (("coal", "coal_tce", "tce"), round(computed.get("energy", "raw_coal", "tce_equal"), 2)),
        (("coal", "energy_total", "tce"), round(computed.get("energy", "total", "net_equiv"), 2))], reason="样例")
