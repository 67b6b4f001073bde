"""The import's short cuts (issue 16, import preview speed) must say what the long way says:
the preview of an unchanged file compares the values of a form at once and only then the 说明;
the safety check skips its formula scan only when the sheet has no formula tag at all."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from export.importer import preview_import
from export.safety import _has_formula_tag, check_file
from export.submission import export_submission
from tests.test_import import FORM, NOW, stored

CELL = ("energy", "electricity", "consumption")


def _export(workspace, township, path: Path) -> Path:
    export_submission(workspace, township.id, "2025", path, now=NOW)
    return path


def test_unchanged_values_still_show_every_changed_note(workspace, demo_township, tmp_path) -> None:
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    workspace.set_note(rid, CELL, "外购电力含光伏自发自用")
    path = _export(workspace, demo_township, tmp_path / "说明.xlsx")
    other = ("energy", "raw_coal", "consumption")
    workspace.set_note(rid, CELL, "改过的说明")  # the file holds the earlier one
    workspace.set_note(rid, other, "导出后才写的说明")  # the file holds none: blank there
    preview = preview_import(workspace, path)
    form = next(f for f in preview.forms if f.form.key == FORM)
    values = stored(workspace, demo_township.id)[0]
    assert form.unchanged == len(values) and values  # every value equal: none listed
    assert [(c.cell, c.field, c.old, c.new) for c in form.changes] == [(CELL, "note", "改过的说明", "外购电力含光伏自发自用")]
    assert [(c.cell, c.field, c.old, c.new) for c in form.clears] == [(other, "note", "导出后才写的说明", None)]
    assert all(not f.changes and not f.clears for f in preview.forms if f.form.key != FORM)


def test_one_changed_value_is_listed_with_the_rest_unchanged(workspace, demo_township, tmp_path) -> None:
    path = _export(workspace, demo_township, tmp_path / "数值.xlsx")
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    before = stored(workspace, demo_township.id)[0][CELL]
    workspace.edit(rid, CELL, str(before + 1.5))
    form = next(f for f in preview_import(workspace, path).forms if f.form.key == FORM)
    assert [(c.cell, c.old, c.new) for c in form.changes] == [(CELL, before + 1.5, before)]
    assert form.unchanged == len(stored(workspace, demo_township.id)[0]) - 1 and not form.clears


def test_formula_without_value_is_found_beside_first_page_headers(tmp_path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "永节统1表"
    sheet.HeaderFooter.differentFirst = True
    sheet.firstHeader.center.text = "填报单位：演示镇"
    sheet.firstFooter.center.text = "第 &P 页"
    sheet["D12"] = "=1+2"  # openpyxl stores no computed value
    path = tmp_path / "公式.xlsx"
    book.save(path)
    assert check_file(path).formulas_without_value == {"永节统1表": {"D12"}}


def test_formula_tag_test_is_the_scan_it_replaces() -> None:
    headers = b"<headerFooter><firstHeader>&amp;L x</firstHeader><firstFooter>y</firstFooter></headerFooter>"
    assert not _has_formula_tag(b"<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData>" + headers)
    assert _has_formula_tag(headers + b"<c r=\"A1\"><f>1+1</f></c>")
    assert _has_formula_tag(b"<x:c r=\"A1\"><x:f>1+1</x:f></x:c>")
    assert _has_formula_tag(b"<c r=\"A1\"><f t=\"shared\" si=\"0\"/></c>")
    many = b"<fo/>" * 100  # more words beginning with "f" than the quick test looks at: the scan decides
    assert _has_formula_tag(many + b"<c r=\"A1\"><f>1</f></c>") and not _has_formula_tag(many)
    assert _has_formula_tag(b"<f") and not _has_formula_tag(b"<f_x/>")
