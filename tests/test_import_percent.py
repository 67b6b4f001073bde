"""Percent columns in files saved as .xls and .ods: a cell the file marks as a percentage (0.35
shown as 35 %) imports as 35 whatever the file kind; a bare fraction (0.35 in a cell not shown
as a percentage, or in an .xls file whose formats cannot be read) is refused naming the cell."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

import export.reader
from export.importer import preview_import
from export.submission import export_submission
from forms.catalogue import FormCatalogue
from forms.loader import load_form_text
from storage.workspace import Workspace
from tests.test_import import PERCENT_FORM, strip_hidden

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NOW = dt.datetime(2026, 1, 5, 9, 30, 0)


def _with_share_form(ws: Workspace) -> Workspace:
    form = load_form_text(PERCENT_FORM, "share_test.yaml", ws.catalogue.reference)
    return Workspace(ws.store, FormCatalogue([*ws.catalogue.forms, form], ws.catalogue.reference), user="测试员")


@pytest.fixture(scope="module")
def percent_files(tmp_path_factory) -> dict[str, Path]:
    """A filled share form (no hidden sheets) where 甲项 was typed "35%" and 乙项 "12.5%" in Excel
    (percentage cells) and 丙项 is the export's own 30 (a number shown with a literal "%"),
    saved again by LibreOffice as .xls and .ods."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 未安装：./bootstrap.sh --test 会安装它；跳过 .xls/.ods 百分数测试")
    folder = tmp_path_factory.mktemp("percent")
    base = Workspace.open(folder / "db.sqlite", user="t")
    try:
        ws = _with_share_form(base)
        town = next(t for t in ws.townships() if t.is_demo)
        rid = ws.open_report(town.id, "share_test", "2025").report.id
        ws.edit_many(rid, [(("t", "a", "share"), 10), (("t", "b", "share"), 20), (("t", "c", "share"), 30)])
        out = folder / "share.xlsx"
        export_submission(ws, town.id, "2025", out, form_keys=["share_test"], now=NOW)
    finally:
        base.close()
    (folder / "src").mkdir()
    plain = strip_hidden(out, folder / "src" / "share.xlsx")
    wb = load_workbook(plain)
    sheet = wb.worksheets[0]
    cells = {v: next(c for c in sheet["D"] if c.value == v) for v in (10, 20)}
    cells[10].value, cells[10].number_format = 0.35, "0%"
    cells[20].value, cells[20].number_format = 0.125, "0.0%"
    wb.save(plain)
    files = {"xlsx": plain}
    for fmt in ("xls", "ods"):
        subprocess.run([SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--convert-to", fmt, "--outdir", str(folder / fmt), str(plain)],
                       check=True, capture_output=True, timeout=180)
        files[fmt] = folder / fmt / f"share.{fmt}"
    return files


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_percentage_cells_read_as_percent_in_every_file_kind(fmt, percent_files, workspace):
    ws = _with_share_form(workspace)
    town = next(t for t in ws.townships() if not t.is_demo)
    preview = preview_import(ws, percent_files[fmt], township_id=town.id, period="2025")
    item = next(f for f in preview.forms if f.form.key == "share_test")
    assert not item.rejected
    assert item.values[("t", "a", "share")] == 35
    assert item.values[("t", "b", "share")] == 12.5
    assert item.values[("t", "c", "share")] == 30  # the number itself, shown with a literal "%"
    assert not [n for n in item.notices if "百分" in n]


def test_xls_whose_formats_cannot_be_read_refuses_fractions_instead_of_guessing(percent_files, workspace,
                                                                               monkeypatch):
    def unreadable(path, check):
        check.percent_known = False

    monkeypatch.setattr(export.reader, "_read_xls_percent_cells", unreadable)
    ws = _with_share_form(workspace)
    town = next(t for t in ws.townships() if not t.is_demo)
    preview = preview_import(ws, percent_files["xls"], township_id=town.id, period="2025")
    item = next(f for f in preview.forms if f.form.key == "share_test")
    assert item.values[("t", "c", "share")] == 30  # 30 is no question
    refused = {r.value: r.reason for r in item.rejected}
    assert refused == {0.35: "百分数列：请填写 35 而不是 0.35", 0.125: "百分数列：请填写 12.5 而不是 0.125"}
    assert any("永节统测试表 甲项 / 占比：0.35 — 百分数列：请填写 35 而不是 0.35" in line for line in preview.lines())


def _typed_in_libreoffice(plain: Path, folder: Path, typed: dict[str, str]) -> Path:
    """The sheet as LibreOffice reads text typed into unformatted cells (``typed``: row label → text),
    saved by LibreOffice as .xlsx: "41.2%" becomes 0.412 shown as a percentage, as typing it does."""
    import csv

    sheet = load_workbook(plain).worksheets[0]
    source = folder / f"{sheet.title}.csv"  # LibreOffice names the sheet after the file
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            if cells and cells[0] in typed:
                cells[3] = typed[cells[0]]
            writer.writerow(cells)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(folder / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / "out" / f"{sheet.title}.xlsx"


def test_percent_typed_into_an_unformatted_cell_in_libreoffice(percent_files, workspace, tmp_path):
    saved = _typed_in_libreoffice(percent_files["xlsx"], tmp_path, {"甲项": "41.2%", "乙项": "0.412", "丙项": "30"})
    cells = {r[0].value: r[3] for r in load_workbook(saved).worksheets[0].iter_rows() if len(r) > 3}
    assert cells["甲项"].value == pytest.approx(0.412) and "%" in cells["甲项"].number_format  # as typing does
    assert cells["乙项"].value == pytest.approx(0.412) and "%" not in cells["乙项"].number_format
    ws = _with_share_form(workspace)
    town = next(t for t in ws.townships() if not t.is_demo)
    preview = preview_import(ws, saved, township_id=town.id, period="2025")
    item = next(f for f in preview.forms if f.form.key == "share_test")
    assert item.values[("t", "a", "share")] == 41.2
    assert item.values[("t", "c", "share")] == 30
    assert [(r.address, r.reason) for r in item.rejected] == [(cells["乙项"].coordinate,
                                                               "百分数列：请填写 41.2 而不是 0.412")]
    assert ("t", "b", "share") not in item.values  # refused, never silently stored
    assert any("乙项 / 占比：0.412 — 百分数列：请填写 41.2 而不是 0.412" in line for line in preview.lines())
