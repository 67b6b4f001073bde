"""Flat list export (.xlsx/.csv) and list tables through the import, on a list form made for the test."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from export.errors import ExportError
from export.flat import FLAT_HEADER, export_flat
from export.importer import apply_import, preview_import
from export.submission import CELLS_SHEET, META_SHEET, export_submission
from forms.catalogue import FormCatalogue
from forms.loader import load_form_text
from storage.workspace import Workspace
from tests.test_export import LIST_FORM, NOW

TEXTS = {"=1+1": "+86 023", "@SUM(A1)": "-5", "普通单位": "=HYPERLINK(\"http://x\")"}


@pytest.fixture
def list_ws(workspace):
    form = load_form_text(LIST_FORM, "unit_list.yaml", workspace.catalogue.reference)
    catalogue = FormCatalogue([*workspace.catalogue.forms, form], workspace.catalogue.reference)
    ws = Workspace(workspace.store, catalogue, user="测试员")
    town = ws.store.add_township("测试镇", stat_code="500118977000")
    rid = ws.open_report(town.id, "unit_list", "2025").report.id
    for i, (name, remark) in enumerate(TEXTS.items(), start=1):
        key = ws.store.add_list_row(rid, "units", ws.user)
        ws.edit_many(rid, [(("units", key, "name"), name), (("units", key, "remark"), remark),
                           (("units", key, "energy"), i * 10.5)])
    return ws, town


def test_flat_xlsx_keeps_risky_text_as_text(list_ws, tmp_path):
    ws, town = list_ws
    out = tmp_path / "清单.xlsx"
    count = export_flat(ws, out)
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == FLAT_HEADER and len(rows) == count + 1
    mine = [r for r in rows[1:] if r[0] == "测试镇"]
    assert {r[7] for r in mine if r[6] == "单位名称"} == set(TEXTS)
    assert ("测试镇", "500118977000", "2025年", mine[0][3], "重点用能单位清单", "第1行", "综合能耗", 10.5, "吨标准煤") in mine
    for cell in sheet["H"][1:]:
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
            assert cell.data_type == "s" and cell.quotePrefix
    assert any(r[0] != "测试镇" for r in rows[1:])  # the demo township is listed too


def test_flat_csv_for_one_township(list_ws, tmp_path):
    ws, town = list_ws
    out = tmp_path / "清单.csv"
    count = export_flat(ws, out, township_id=town.id, period="2025")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == FLAT_HEADER and len(rows) == count + 1
    values = {r[7] for r in rows[1:]}
    assert "'=1+1" in values and "'@SUM(A1)" in values and "'-5" in values and "'+86 023" in values
    assert {r[0] for r in rows[1:]} == {"测试镇"}
    with pytest.raises(ExportError, match=".xlsx 或 .csv"):
        export_flat(ws, tmp_path / "x.txt")


def test_list_table_round_trip_with_and_without_hidden_sheets(list_ws, tmp_path):
    ws, town = list_ws
    out = tmp_path / "list.xlsx"
    export_submission(ws, town.id, "2025", out, form_keys=["unit_list"], now=NOW)
    before = ws.find_report_data(town.id, "unit_list", "2025")
    other = ws.store.add_township("另一镇")
    for source in ("own", "plain"):
        path = out
        if source == "plain":
            wb = load_workbook(out)
            for name in (META_SHEET, CELLS_SHEET):
                wb.remove(wb[name])
            path = tmp_path / "plain.xlsx"
            wb.save(path)
        preview = preview_import(ws, path, township_id=other.id, period="2025", accept_other=True)
        assert not preview.rejected
        apply_import(ws, preview, backup=False)
        after = ws.find_report_data(other.id, "unit_list", "2025")
        mapping = dict(zip(before.list_rows["units"], after.list_rows["units"]))
        assert after.values == {(t, mapping[r], c): v for (t, r, c), v in before.values.items()}
        assert len(after.list_rows["units"]) == len(TEXTS)
