"""The sheet-size limits hold exactly at their edges: rows, columns and the area (rows × columns
from A1, summed over the sheets) that the parser would allocate."""

from __future__ import annotations

import io
import zipfile

import pytest

from export.errors import ImportRefused
from export.reader import cell_address
from export.safety import MAX_CELLS, MAX_COLS, MAX_ROWS, check_file

_WORKBOOK = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
         b'Target="worksheets/sheet1.xml"/></Relationships>')


def _one_cell_file(tmp_path, row: int, col: int, row_ref: bool = True):
    address = cell_address(row, col).encode()
    row_attr = b' r="%d"' % row if row_ref else b""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1"><v>1</v></c></row><row%s><c r="%s"><v>2</v></c></row></sheetData></worksheet>'
             % (row_attr, address))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", _WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", _RELS), ("xl/worksheets/sheet1.xml", sheet)):
            zf.writestr(name, data)
    path = tmp_path / f"r{row}c{col}{row_ref}.xlsx"
    path.write_bytes(buf.getvalue())
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
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'r="A7"', b'r="A0000070000"')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, part in parts.items():
            zf.writestr(name, part)
    assert buf.getvalue() != data
    path.write_bytes(buf.getvalue())
    with pytest.raises(ImportRefused, match="过大"):
        check_file(path)
