"""The sheet-size limits hold exactly at their edges: rows, columns and the area (rows × columns
from A1, summed over the sheets) that the parser would allocate."""

from __future__ import annotations

import zipfile

import pytest

from export.errors import ImportRefused
from export.reader import cell_address
from export.safety import MAX_CELLS, MAX_COLS, MAX_ROWS, check_file

from .hostile_files import sheet_xml, xlsx_bytes, zip_bytes


def _one_cell_file(tmp_path, row: int, col: int, row_ref: bool = True):
    address = cell_address(row, col)
    row_attr = f' r="{row}"' if row_ref else ""
    sheet = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row><row{row_attr}><c r="{address}"><v>2</v></c></row>')
    path = tmp_path / f"r{row}c{col}{row_ref}.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet}))
    return path


@pytest.mark.parametrize("row, col", [(MAX_ROWS, 1), (1, MAX_COLS), (MAX_CELLS // MAX_COLS, MAX_COLS),
                                      (MAX_CELLS // 494, 26 * 19)])
def test_cells_at_the_limits_are_accepted(tmp_path, row, col):
    assert check_file(_one_cell_file(tmp_path, row, col)).kind == "xlsx"


@pytest.mark.parametrize("row, col, row_ref", [
    (MAX_ROWS + 1, 1, True), (MAX_ROWS + 1, 1, False),  # the cell's own reference counts, not only the row's
    (1, MAX_COLS + 1, True), (100_000, 1, True), (1_048_576, 16_384, True), (1, 703, True),
    (MAX_CELLS // MAX_COLS + 1, MAX_COLS, True), (MAX_ROWS, MAX_COLS, True), (MAX_ROWS, 51, False)])
def test_cells_beyond_the_limits_are_refused(tmp_path, row, col, row_ref):
    with pytest.raises(ImportRefused, match="过大|单元格的范围"):
        check_file(_one_cell_file(tmp_path, row, col, row_ref))


def test_leading_zeros_do_not_hide_a_large_row(tmp_path):
    path = _one_cell_file(tmp_path, 7, 1)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'r="A7"', b'r="A0000070000"')
    assert b"A0000070000" in parts["xl/worksheets/sheet1.xml"]
    path.write_bytes(zip_bytes(parts))
    with pytest.raises(ImportRefused, match="过大"):
        check_file(path)


# Every form of a reference the parser accepts counts (it reads r='A1', r = "A1" and lower-case
# letters as well, and as many letters as a file holds), in a small sheet (measured reference by
# reference) and in a large one (first screened by a few searches): each of these far cells would
# make the parser allocate its whole area (5+ letters: a process abort, not an error).
_FAR_REFS = ["r='A70000'", 'r = "A70000"', 'r=\n"A70000"', 'r="a70000"', 'r="xfd1048576"', 'r="ZZZZZZZ1"',
             'r="A99999999999999999999"', 'r="SG1"', "r='sg1'"]


def _sheet_with(ref: str, filler_rows: int) -> bytes:
    filler = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(2, filler_rows + 2))
    return sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{filler}'
                     f'<row r="{filler_rows + 2}"><c {ref}><v>2</v></c></row>')


@pytest.mark.parametrize("filler_rows", [0, 3000])
@pytest.mark.parametrize("ref", _FAR_REFS)
def test_a_far_reference_in_any_form_is_refused(tmp_path, ref, filler_rows):
    path = tmp_path / "far.xlsx"
    path.write_bytes(xlsx_bytes({"S": _sheet_with(ref, filler_rows)}))
    with pytest.raises(ImportRefused, match="过大"):
        check_file(path)


@pytest.mark.parametrize("filler_rows", [0, 3000])
def test_a_near_reference_in_any_form_reads(tmp_path, filler_rows):
    from export.reader import read_workbook

    path = tmp_path / "near.xlsx"
    path.write_bytes(xlsx_bytes({"S": _sheet_with("r='b9000'", filler_rows)}))
    book = read_workbook(path)
    assert book.value("S", "B9000") == 2 and book.value("S", "A2") == (2 if filler_rows else None)


def test_rows_without_a_reference_count_on_from_the_row_before(tmp_path):
    """A row without r="…" is the one after the row before it: 60,000 empty ones after row 5,999
    put a cell at row 66,000, beyond the limit, though no reference says more than 5,999."""
    rows = ('<row r="1"><c r="A1"><v>1</v></c></row><row r="5999"><c r="A5999"><v>1</v></c></row>'
            + "<row></row>" * 60_000 + "<row><c><v>1</v></c></row>")
    path = tmp_path / "refless.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(rows)}))
    with pytest.raises(ImportRefused, match="过大"):
        check_file(path)


def test_a_lower_case_doctype_is_refused(tmp_path):
    path = tmp_path / "doctype.xlsx"
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace(b"?>", b'?><!doctype worksheet>', 1)
    path.write_bytes(xlsx_bytes({"S": sheet}))
    with pytest.raises(ImportRefused, match="DOCTYPE/ENTITY"):
        check_file(path)


@pytest.mark.parametrize("sheets, accepted", [(12, True), (13, False)])
def test_sheets_counted_by_their_bound_are_measured_at_the_area_limit(tmp_path, sheets, accepted):
    """Plain sheets are first counted at 9,999 × 26 cells each; where those bounds pass the limit
    the sheets are measured after all: 12 sheets of 9,000 × 26 (2.8 million cells) read, 13 do not."""
    corner = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row><row r="9000"><c r="Z9000"><v>2</v></c></row>')
    path = tmp_path / f"{sheets}.xlsx"
    path.write_bytes(xlsx_bytes({f"S{i}": corner for i in range(sheets)}))
    assert sheets * 9_000 * 26 <= MAX_CELLS < sheets * 9_999 * 26 or not accepted
    if accepted:
        assert check_file(path).kind == "xlsx"
    else:
        with pytest.raises(ImportRefused, match="单元格的范围"):
            check_file(path)
