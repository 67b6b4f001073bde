"""Soak: up to 50,000 random edits, undos, notes and imports through the core API, bounded in
time, with the invariants checked along the way: no value lost, the audit trail replays to
exactly what is stored, computed totals equal the sum of their rows.

JNJP_SOAK_OPS and JNJP_SOAK_SECONDS change the bounds (defaults 50,000 operations / 60 s).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from export.importer import apply_import, preview_import
from export.submission import export_template
from forms.spec import TableSpec
from storage.workspace import Workspace
from tests.cell_map import cell_rows

FORM = "energy_consumption"
PERIOD = "2025"
MAX_OPS = int(os.environ.get("JNJP_SOAK_OPS", "50000"))
MAX_SECONDS = float(os.environ.get("JNJP_SOAK_SECONDS", "60"))


def input_cells(table: TableSpec) -> list[tuple[str, str, str]]:
    return [(table.key, row.key, col.key) for row in table.rows for col in table.columns
            if table.is_input(row, col) and col.numeric]


def random_entry(rng: random.Random) -> tuple[Any, Any]:
    """What a user types, and what must then be stored."""
    kind = rng.random()
    if kind < 0.75:
        value = round(rng.uniform(0, 50_000), rng.choice((0, 1, 2)))
        return (f"{value:,}" if rng.random() < 0.3 else str(value)), value
    if kind < 0.85:
        return "", None
    if kind < 0.95:
        n = rng.randint(0, 99_999)
        return str(n), n
    return "待核实", "待核实"  # kept as typed (and flagged), never lost


def check_invariants(ws: Workspace, report_id: int, model: dict, notes: dict) -> None:
    data = ws.store.load(report_id)
    assert {k: v for k, v in data.values.items() if v is not None} == {k: v for k, v in model.items() if v is not None}
    assert data.notes == {k: v for k, v in notes.items() if v}
    # The audit trail replays, cell by cell, to exactly what is stored.
    replay: dict = {}
    for row in ws.store.audit(report_id):
        if row["field"] != "value":
            continue
        cell = (row["table"], row["row"], row["col"])
        assert row["old"] == replay.get(cell), f"audit chain broken at {cell}"
        replay[cell] = row["new"]
    assert {k: v for k, v in replay.items() if v is not None} == {k: v for k, v in data.values.items() if v is not None}
    # Computed totals equal the sum of their rows.
    result = ws.validate(data)
    form = ws.form(FORM)
    for table in form.tables:
        for row in table.rows:
            for col_key, text in row.formulas.items():
                if text.replace(" ", "") != f"sum_rows('{col_key}')":
                    continue
                parts = [result.computed.get(table.key, r.key, col_key) for r in table.item_rows]
                numbers = [p for p in parts if isinstance(p, (int, float))]
                total = result.computed.get(table.key, row.key, col_key)
                if numbers:
                    assert total == pytest.approx(sum(numbers), rel=1e-9, abs=1e-6)
                else:
                    assert total is None


def fill_template(ws: Workspace, township_id: int, folder: Path, rng: random.Random,
                  cells: list[tuple[str, str, str]]) -> dict:
    """A blank template filled by a colleague in Excel: returns what it holds."""
    path = folder / f"模板_{rng.randint(0, 10**9)}.xlsx"
    export_template(ws, PERIOD, path, township_id=township_id, form_keys=[FORM])
    wb = load_workbook(path)
    where = {(r[3], r[4], r[5]): (r[0], r[1], r[7]) for r in cell_rows(wb)[1:] if r[2] == FORM}
    filled = {}
    for cell in rng.sample(cells, k=min(8, len(cells))):
        sheet, address, _ = where[cell]
        value = rng.randint(1, 9_999)
        wb[sheet][address] = value
        filled[cell] = value
    wb.save(path)
    # The template is the whole form, but its blank input cells never clear what the database
    # holds unless the user chooses 以文件为准 (issue 9): only the filled cells change.
    return {"path": path, "values": filled}


def test_soak_edits_undos_notes_imports(workspace: Workspace, demo_township, tmp_path: Path) -> None:
    rng = random.Random(20261125)
    ws = workspace
    data = ws.open_report(demo_township.id, FORM, PERIOD)
    report_id = data.report.id
    cells = input_cells(ws.form(FORM).table("energy"))
    model: dict = dict(data.values)
    notes: dict = dict(data.notes)
    undo: list[tuple[tuple[str, str, str], Any]] = []
    counts = {"edit": 0, "undo": 0, "note": 0, "import": 0}
    started = time.perf_counter()
    ops = 0
    while ops < MAX_OPS and time.perf_counter() - started < MAX_SECONDS:
        ops += 1
        roll = rng.random()
        if ops % 1000 == 0:  # now and then a colleague's filled template is imported
            filled = fill_template(ws, demo_township.id, tmp_path, rng, cells)
            preview = preview_import(ws, filled["path"], township_id=demo_township.id, period=PERIOD)
            assert not preview.rejected
            apply_import(ws, preview, backup=False)
            model.update(filled["values"])
            undo.clear()  # an import is not undone cell by cell
            counts["import"] += 1
        elif roll < 0.80 or not undo:
            cell = rng.choice(cells)
            typed, stored = random_entry(rng)
            undo.append((cell, model.get(cell)))
            ws.edit(report_id, cell, typed)
            model[cell] = stored
            counts["edit"] += 1
        elif roll < 0.95:
            cell, previous = undo.pop()
            ws.edit(report_id, cell, previous, reason="撤销")
            model[cell] = previous
            counts["undo"] += 1
        else:
            cell = rng.choice(cells)
            text = rng.choice(("", "新增陶瓷厂投产，用量增加", "统计口径调整，已与企业核对"))
            ws.set_note(report_id, cell, text)
            notes[cell] = text
            counts["note"] += 1
        if ops % 5000 == 0:
            check_invariants(ws, report_id, model, notes)
    check_invariants(ws, report_id, model, notes)
    assert ws.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert counts["edit"] > 100 and counts["undo"] > 10 and counts["import"] >= 1
    print(f"soak: {ops} operations in {time.perf_counter() - started:.1f} s: {counts}")
