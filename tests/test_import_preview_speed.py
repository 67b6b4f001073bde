"""The import preview's cheaper steps (issue 16, s2) give exactly the answers of the steps they
replace: the checksum's text made a block at a time, the safety scan's guards."""

from __future__ import annotations

import hashlib
import json

import pytest

from export.checksum import FileIdentity, MapRecord, canonical_text, map_checksum
from export.errors import ImportRefused
from export.reader import read_workbook
from export.safety import check_file
from forms.values import CellError

from .hostile_files import sheet_xml, xlsx_bytes


def _map_text_by_the_format(identity, records, with_values: bool) -> str:
    """The version 3 canonical text as ``export.checksum``'s docstring defines it, one record at a time."""
    def line(item) -> str:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"

    text = line(["jnjp-file", 3]) + line(["file", *identity])
    for r in records:
        values = [canonical_text(v) for v in r.values] if with_values else []
        notes = [n or "" for n in r.notes] if with_values else []
        text += line([r.form_key, r.form_version, r.table_key, r.row_key, r.sheet, r.cell, r.columns, r.kinds,
                      values, notes])
    return text


def test_map_checksum_encoded_in_blocks_is_the_text_of_the_format():
    """Texts that look like the block's record separator (``]],["``), quotes, backslashes, line
    breaks, control characters, empty lists and more records than one block hold."""
    identity = FileIdentity("jnjp-submission", '演"示]],["镇', "500118", "", "2025", "f@1")
    awkward = [']],["', '"]],["x', "\\", "a\nb", "\x00\x1f\x7f", "]]", "[", '"', "", "𝄞", "]],[\"f\",1"]
    records = []
    for i in range(4096 + 300):
        text = awkward[i % len(awkward)]
        records.append(MapRecord(text or "S", f"D{i + 1}", "f" if i % 7 else "", 1 + i % 3, "t", f"r{i}", "a,,b",
                                 "i-c", [1e308 if i % 2 else -0.0, None, text, 2**63 - 1, 0.1 + 0.2][: 1 + i % 5],
                                 [text or None, None, "说明"][: 1 + i % 3]))
    records.append(MapRecord("S", "A1", "f", 1, "t", "r", "", "", [], []))
    for with_values in (True, False):
        expected = _map_text_by_the_format(identity, records, with_values)
        assert map_checksum(identity, records, with_values=with_values) == hashlib.sha256(expected.encode()).hexdigest()


def test_the_scan_guards_still_find_a_single_quoted_error_and_a_late_declaration(tmp_path):
    """The safety scan first looks for a "'" before searching t='e', and for a "!" before "<!":
    a single-quoted error cell is still read as the error, and an entity declaration anywhere in a
    large part (after 3,000 rows) is still refused."""
    filler = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(2, 3002))
    quoted = sheet_xml(f"<row r=\"1\"><c r='A1' t='e'><v>#N/A</v></c></row>{filler}")
    path = tmp_path / "quoted.xlsx"
    path.write_bytes(xlsx_bytes({"S": quoted}))
    assert read_workbook(path).grids["S"][0][0] == CellError("#N/A")
    late = sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{filler}').replace(
        b"</sheetData>", b'</sheetData><!ENTITY x "y">', 1)
    path = tmp_path / "late.xlsx"
    path.write_bytes(xlsx_bytes({"S": late}))
    with pytest.raises(ImportRefused, match="DOCTYPE/ENTITY"):
        check_file(path)
