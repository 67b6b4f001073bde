"""The file checksum covers what the import trusts (issue 10 point 7): township, period, file kind,
forms and the whole cell map as well as values and 说明. Each way of editing a real exported file
below is seen as 文件已被修改 (warning in the preview, written to the audit); an untouched file and
an old format-1 file still read as 一致. ``read_submission`` needs neither Qt nor a database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from export.importer import MODIFIED_WARNING, apply_import, preview_import, read_submission
from export.reader import cell_address, parse_address
from export.submission import CELLS_SHEET, export_submission
from tests.cell_map import as_old_format, cell_rows, checksum_from_workbook, map_records, meta_row

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def submission(workspace, demo_township, tmp_path) -> Path:
    out = tmp_path / "演示镇2025.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, now=NOW)
    return out


def _set_meta(key: str, value):
    def edit(wb, _ws):
        meta_row(wb, key)[1].value = value
    return edit


def _other_township(wb, ws):
    other = next(t for t in ws.townships() if not t.is_demo)
    meta_row(wb, "township_name")[1].value = other.name
    meta_row(wb, "township_stat_code")[1].value = other.stat_code


def _rename_sha_key(wb, _ws):
    meta_row(wb, "sha256")[0].value = "sha256_old"


def _delete_cells_row(wb, _ws):
    records = map_records(wb)
    blank = next(i for i, r in enumerate(records) if not any(v is not None for v in r.values))
    wb[CELLS_SHEET].delete_rows(blank + 2)  # a row of blank cells: the values alone would not show it


def _delete_cells_sheet(wb, _ws):
    wb.remove(wb[CELLS_SHEET])


def _move_cell(wb, _ws):
    row = next(r for r in wb[CELLS_SHEET].iter_rows(min_row=2) if "c" in r[7].value)
    row[7].value = row[7].value.replace("c", "i", 1)


def _duplicate_cells_row(wb, _ws):
    sheet = wb[CELLS_SHEET]
    sheet.append([c.value for c in next(sheet.iter_rows(min_row=2))])  # the same cells mapped twice


TAMPERING = {
    "_cells row duplicated": _duplicate_cells_row,
    "period 2025 → 2024": _set_meta("period", "2024"),
    "another township": _other_township,
    "sha256 key renamed": _rename_sha_key,
    "relabelled as template": _set_meta("format", "jnjp-template"),
    "malformed checksum": _set_meta("sha256", "not a checksum"),
    "_cells row deleted": _delete_cells_row,
    "_cells sheet deleted": _delete_cells_sheet,
    "computed cell relabelled input": _move_cell,
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_every_edit_of_what_the_import_trusts_is_seen(how, workspace, demo_township, submission, tmp_path, catalogue):
    assert read_submission(submission, catalogue).check == "一致"
    wb = load_workbook(submission)
    TAMPERING[how](wb, workspace)
    tampered = tmp_path / "tampered.xlsx"
    wb.save(tampered)
    read = read_submission(tampered, catalogue)
    assert read.check == "已被修改"
    preview = preview_import(workspace, tampered, township_id=demo_township.id, period="2025", accept_other=True)
    assert preview.modified and MODIFIED_WARNING in preview.warnings
    assert "[警告] " + MODIFIED_WARNING in preview.lines() and any("校验：已被修改" in line for line in preview.lines())


def test_changed_period_is_warned_about_and_audited(workspace, demo_township, submission, tmp_path):
    wb = load_workbook(submission)
    meta_row(wb, "period")[1].value = "2024"
    tampered = tmp_path / "改了报告期.xlsx"
    wb.save(tampered)
    preview = preview_import(workspace, tampered)  # the file's own period, as before — but never silently
    assert preview.period == "2024" and preview.modified
    apply_import(workspace, preview, backup=False)
    rid = workspace.find_report_data(demo_township.id, "energy_consumption", "2024").report.id
    assert any(a["field"] == "import" and MODIFIED_WARNING in a["reason"] for a in workspace.store.audit(rid))


@pytest.mark.parametrize("version", [1, 2])
def test_older_format_files_still_read_with_their_own_check(version, workspace, demo_township, submission, tmp_path,
                                                            catalogue):
    wb = load_workbook(submission)
    as_old_format(wb, version)
    old = tmp_path / f"v{version}.xlsx"
    wb.save(old)
    read = read_submission(old, catalogue)
    assert read.format_version == version and read.check == "一致" and read.kind == "submission"
    now = read_submission(submission, catalogue)
    assert [(f.key, f.values, f.notes, f.list_rows, f.addresses, f.file_computed) for f in read.forms] == \
        [(f.key, f.values, f.notes, f.list_rows, f.addresses, f.file_computed) for f in now.forms]
    assert not preview_import(workspace, old).modified

    sheet, address = next((r[0], r[1]) for r in cell_rows(wb)[1:]
                          if r[7] == "input" and isinstance(wb[r[0]][r[1]].value, (int, float)))
    wb[sheet][address].value = 123456
    wb.save(old)
    assert read_submission(old, catalogue).check == "已被修改"
    meta_row(wb, "format")[1].value = "jnjp-template"  # a relabelled submission is not a blank template
    wb.save(old)
    assert read_submission(old, catalogue).check == "已被修改"


def test_a_map_of_another_format_than_meta_says_is_a_modified_file(submission, tmp_path, catalogue):
    wb = load_workbook(submission)
    as_old_format(wb, 2)
    meta_row(wb, "format_version")[1].value = 3
    mixed = tmp_path / "mixed.xlsx"
    wb.save(mixed)
    assert read_submission(mixed, catalogue).check == "已被修改"


def test_read_submission_reads_everything_without_qt_or_a_database(submission, tmp_path):
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from forms.catalogue import FormCatalogue
from export.submission_file import read_submission
read = read_submission({str(submission)!r}, FormCatalogue.load())
assert not [m for m in ("PySide6", "sqlite3", "storage.database") if m in sys.modules], sys.modules.keys()
form = read.form("energy_consumption")
print(read.kind, read.check, read.period, read.township_stat_code, read.format_version,
      read.form_versions["energy_consumption"], form.values[("energy", "raw_coal", "consumption")],
      len(read.forms), sum(len(f.notes) for f in read.forms), dict(read.form("reduction_projects").list_rows))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(maxsplit=9) == ["submission", "一致", "2025", "500118999000", "3", "3", "16920", "7", "5",
                                            "{'projects': ['r1', 'r2', 'r3']}\n"]


def _cells_edit(column: int, value):
    def edit(wb, _ws):
        row = next(r for r in wb[CELLS_SHEET].iter_rows(min_row=2) if "i" in (r[7].value or ""))
        row[column].value = value
    return edit


def _record_edit(how):
    def edit(wb, _ws):
        row = next(r for r in wb[CELLS_SHEET].iter_rows(min_row=2) if "i" in (r[7].value or ""))
        row[5].value, row[7].value = how(row[5].value, row[7].value)
    return edit


MALFORMED = {
    "empty address": _cells_edit(1, ""),
    "not a cell": _cells_edit(1, "合计"),
    "inf version": _cells_edit(6, "inf"),
    "text version": _cells_edit(6, "x"),
    "fewer kinds than columns": _record_edit(lambda cols, kinds: (cols, kinds[:-1])),
    "unknown kind": _record_edit(lambda cols, kinds: (cols, "x" + kinds[1:])),
    "blocked cell with a column": _record_edit(lambda cols, kinds: (cols, "-" + kinds[1:])),
    "mapped cell without a column": _record_edit(lambda cols, kinds: ("," + cols.split(",", 1)[-1], "i" + kinds[1:])),
    "wider than any sheet": _record_edit(lambda cols, kinds: ("a," * 600 + "a", "i" * 601)),
    "row 0": _cells_edit(1, "D0"),
    "column beyond any sheet": _cells_edit(1, "ZZZZZZ9"),
}


@pytest.mark.parametrize("edit", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_cells_rows_are_refused_in_chinese(edit, workspace, submission, tmp_path, catalogue):
    from export.errors import ImportRefused

    wb = load_workbook(submission)
    edit(wb, workspace)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(ImportRefused, match="隐藏单元格表有错误"):
        read_submission(bad, catalogue)


def test_inf_format_version_is_a_modified_file(workspace, submission, tmp_path, catalogue):
    wb = load_workbook(submission)
    meta_row(wb, "format_version")[1].value = "inf"
    bad = tmp_path / "inf.xlsx"
    wb.save(bad)
    assert read_submission(bad, catalogue).check == "已被修改"


def test_township_name_with_spaces_reads_as_untouched(workspace, tmp_path, catalogue):
    town = next(t for t in workspace.townships() if not t.is_demo)
    workspace.update_profile(town.id, name=f"  {town.name}镇 ")
    rid = workspace.open_report(town.id, "energy_consumption", "2025").report.id
    workspace.edit(rid, ("energy", "electricity", "consumption"), "100")
    out = export_submission(workspace, town.id, "2025", tmp_path / "s.xlsx", form_keys=["energy_consumption"],
                            now=NOW).path
    assert read_submission(out, catalogue).check == "一致"


def test_a_row_split_into_two_records_reads_the_same(submission, tmp_path, catalogue):
    """The reader takes a body row mapped by several records (export.file_format), not only the
    one record per row the writer puts."""
    wb = load_workbook(submission)
    sheet = wb[CELLS_SHEET]
    row = next(r for r in sheet.iter_rows(min_row=2) if len(r[7].value) >= 3)
    values = [c.value for c in row] + [None] * len(row[7].value)
    keys, kinds, notes = values[5].split(","), values[7], values[8:8 + len(row[7].value)]
    r, c = parse_address(values[1])
    for cell in row[8:]:
        cell.value = None
    row[5].value, row[7].value, row[8].value = keys[0], kinds[0], notes[0]
    sheet.append([*values[:1], cell_address(r, c + 1), *values[2:5], ",".join(keys[1:]), values[6], kinds[1:],
                  *notes[1:]])
    meta_row(wb, "sha256")[1].value = checksum_from_workbook(wb)
    split = tmp_path / "split.xlsx"
    wb.save(split)
    read, original = read_submission(split, catalogue), read_submission(submission, catalogue)
    assert read.check == "一致"
    assert [(f.key, f.values, f.notes, f.list_rows, f.addresses) for f in read.forms] == \
        [(f.key, f.values, f.notes, f.list_rows, f.addresses) for f in original.forms]


def test_a_map_naming_more_cells_than_any_file_holds_is_refused(submission, tmp_path, catalogue):
    """A few hundred kilobytes of "a,a,a…" in ``_cells`` would otherwise become millions of cells."""
    from export.errors import ImportRefused
    from export.safety import MAX_CELLS, MAX_COLS

    wb = load_workbook(submission)
    sheet = wb[CELLS_SHEET]
    for _ in range(MAX_CELLS // MAX_COLS + 1):
        sheet.append([wb.sheetnames[0], "A9", "unknown_form", "t", "r1", ",".join(["a"] * MAX_COLS), 1, "i" * MAX_COLS])
    crafted = tmp_path / "crafted.xlsx"
    wb.save(crafted)
    with pytest.raises(ImportRefused, match="隐藏单元格表有错误（映射的单元格超过"):
        read_submission(crafted, catalogue)
