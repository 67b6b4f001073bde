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
