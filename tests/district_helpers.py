"""Helpers of the district tests: a fresh district database, what a database holds (to prove a
refused file changed nothing), files altered the way a township or a tamperer would."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl

from tests.cell_map import cell_map

DATA_TABLES = ("townships", "periods", "reports", "cell_values", "cell_columns", "list_rows", "audit", "imports", "district_marks")


def table_dump(db: Path, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def set_cells(source: Path, out: Path, changes: dict[tuple[str, str, str, str], object]) -> Path:
    """A copy of ``source`` with some cells overwritten in Excel's way (openpyxl), hidden sheets kept."""
    wb = openpyxl.load_workbook(source)
    where = cell_map(wb)
    for key, value in changes.items():
        sheet, address = where[key]
        wb[sheet][address] = value
    wb.save(out)
    return out


def copy_as(source: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / name))


def reexport(source: Path, out: Path, catalogue, *, as_township: str | None = None,
             edits: dict[tuple[str, str, str, str], object] | None = None,
             form_keys: list[str] | None = None, notes: dict[tuple[str, str, str, str], str] | None = None,
             **options) -> Path:
    """What a township clerk does: import ``source`` into a township database, change ``edits``
    (form, table, row, column → value), and export again — for ``as_township`` when given (a
    township that copied another's file), only ``form_keys`` when given, with ``notes`` (说明) written
    after the edits. ``options`` go to
    ``export_submission`` (signer, seal_to, now: the security tests)."""
    from export.importer import apply_import, preview_import
    from export.submission import export_submission
    from storage.workspace import Workspace

    ws = Workspace.open(out.with_suffix(".sqlite"), catalogue=catalogue, demo=False, user="镇街")
    try:
        target = ws.find_township(as_township) if as_township else None
        preview = preview_import(ws, source, township_id=target.id if target else None,
                                 period="2025" if target else None, accept_other=target is not None)
        apply_import(ws, preview, backup=False)
        town = preview.township
        for (form, table, row, col), value in (edits or {}).items():
            report = ws.find_report_data(town.id, form, "2025").report
            ws.change_cells(report.id, [((table, row, col), value)])
        for (form, table, row, col), note in (notes or {}).items():
            ws.set_note(ws.find_report_data(town.id, form, "2025").report.id, (table, row, col), note)
        export_submission(ws, town.id, "2025", out, form_keys=form_keys, **options)
    finally:
        ws.close()
    return out
