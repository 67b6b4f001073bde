"""Blank template: written by the export, filled by a script the way staff fill it in Excel,
then imported; layout, protection and data validation checked on the real file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from export.errors import ImportRefused
from export.importer import apply_import, preview_import
from export.submission import META_SHEET, TEMPLATE_FORMAT, export_template
from tests.cell_map import cell_rows

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)


def input_cells(wb) -> list[tuple]:
    return [r for r in cell_rows(wb)[1:] if r[7] == "input"]


def test_blank_template_is_empty_unlocked_and_validated(workspace, demo_township, tmp_path):
    out = export_template(workspace, "2025", tmp_path / "模板.xlsx", township_id=demo_township.id, now=NOW)
    wb = load_workbook(out)
    meta = {k: v for k, v in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["format"] == TEMPLATE_FORMAT and meta["period"] == "2025"
    cells = input_cells(wb)
    forms = {f.key for f in workspace.catalogue if f.period_type == "年报"}
    assert {r[2] for r in cells} == forms  # every annual form of the catalogue
    validated = set()
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            validated |= {(ws.title, str(c)) for rng in dv.sqref.ranges for c in [rng.coord]}
    for sheet, address, form_key, table_key, _row_key, col_key, *_ in cells:
        cell = wb[sheet][address]
        assert cell.value is None and cell.protection.locked is False
        col = workspace.form(form_key).table(table_key).column(col_key)
        if col.numeric:
            assert any(s == sheet and (address == rng or _inside(address, rng)) for s, rng in validated), address
    first = wb[cells[0][0]]
    assert first.protection.sheet is True  # the rest stays locked
    assert first["A1"].protection.locked is True


def _inside(address: str, rng: str) -> bool:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

    col_letters, row = coordinate_from_string(address)
    col = column_index_from_string(col_letters)
    min_col, min_row, max_col, max_row = range_boundaries(rng)
    return min_col <= col <= max_col and min_row <= row <= max_row


def test_filled_template_imports(workspace, tmp_path):
    target = next(t for t in workspace.townships() if not t.is_demo)
    out = export_template(workspace, "2025", tmp_path / "模板.xlsx", township_id=target.id, now=NOW)
    wb = load_workbook(out)
    wanted = {}
    for i, (sheet, address, form_key, table_key, row_key, col_key, *_rest) in enumerate(input_cells(wb)):
        col = workspace.form(form_key).table(table_key).column(col_key)
        if col.type in ("number", "integer") and i % 2 == 0:
            wb[sheet][address].value = f"{i + 1:,}"  # typed as text with a thousands separator
            wanted[(form_key, table_key, row_key, col_key)] = i + 1
    filled = tmp_path / "已填.xlsx"
    wb.save(filled)
    assert wanted

    preview = preview_import(workspace, filled)
    assert preview.kind == "template" and preview.township.id == target.id and not preview.rejected
    apply_import(workspace, preview)
    for (form_key, table_key, row_key, col_key), value in wanted.items():
        data = workspace.find_report_data(target.id, form_key, "2025")
        stored_rows = data.list_rows.get(table_key)
        key = row_key if not stored_rows else stored_rows[int(row_key[1:]) - 1]
        assert data.values[(table_key, key, col_key)] == value


def test_template_of_another_township_is_refused(workspace, demo_township, tmp_path):
    out = export_template(workspace, "2025", tmp_path / "模板.xlsx", township_id=demo_township.id, now=NOW)
    other = next(t for t in workspace.townships() if not t.is_demo)
    with pytest.raises(ImportRefused, match="仍然导入"):
        preview_import(workspace, out, township_id=other.id, period="2025")


def test_generic_template_needs_a_township(workspace, tmp_path):
    out = export_template(workspace, "2025", tmp_path / "通用模板.xlsx", now=NOW)
    with pytest.raises(ImportRefused, match="请指定"):
        preview_import(workspace, Path(out))
    other = next(t for t in workspace.townships() if not t.is_demo)
    assert preview_import(workspace, out, township_id=other.id).change_count == 0


def test_cli_template_and_flat(workspace, demo_township, tmp_path, capsys):
    import main

    db = workspace.store.path
    workspace.close()
    template = tmp_path / "模板.xlsx"
    assert main.main(["template", "--db", str(db), "--period", "2025", "--out", str(template),
                      "--township", demo_township.name]) == 0
    assert load_workbook(template)[META_SHEET]["B2"].value == TEMPLATE_FORMAT
    flat = tmp_path / "清单.csv"
    assert main.main(["flat", "--db", str(db), "--out", str(flat), "--period", "2025"]) == 0
    assert "已导出清单" in capsys.readouterr().out
    assert "电力" in flat.read_text(encoding="utf-8-sig")
    assert main.main(["template", "--db", str(db), "--period", "2025", "--out", str(tmp_path / "x.csv")]) == 2
    assert "须以 .xlsx 结尾" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
