"""u2 (issues 11 and 16): the ways of reading a submission as they were before this wave's changes,
forced by monkeypatching, and a long list made from a sample file (openpyxl, a few seconds)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import export.checksum as checksum
import export.safety as safety
import export.submission_file as submission_file
from bench.sizes import FORM, TABLE, enterprise
from export.checksum import MAP_CHECKSUM_FORMAT
from export.file_format import CELLS_SHEET
from export.reader import parse_address
from tests.cell_map import checksum_from_workbook, meta_row
from tests.test_read_submission_fast import old_paths

# the one search ``safety._odd_or_long_ref`` replaced: ``_ODD_REF`` or ``_LONG_REF`` (each match starts at an "r")
ODD_OR_LONG_REF_BEFORE = re.compile(rb"r(?:='|\s+=|=\s|=\"(?:[A-Za-z]{2,}\d|[A-Za-z]?\d{5}))")


def _after_a_colon_before(data: bytes, pattern: re.Pattern[bytes]) -> bool:
    """``safety._after_a_colon`` as it was: the pattern tried at every colon."""
    at = data.find(b":")
    for _ in range(safety._COLONS_LOOKED_AT):
        if at < 0:
            return False
        if pattern.match(data, at):
            return True
        at = data.find(b":", at + 1)
    return pattern.search(data, at) is not None


@contextlib.contextmanager
def before_u2(*, cell_by_cell: bool = True) -> Iterator[None]:
    """Reading as before this wave: the sheet's odd or long references found by the one search,
    a colon's pattern tried at every colon, the checksum's records through the JSON encoder, each
    map record made by its own ``__new__`` — and (``cell_by_cell``) every record read cell by cell,
    nothing remembered across files (``old_paths``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(safety, "_odd_or_long_ref", lambda data: ODD_OR_LONG_REF_BEFORE.search(data) is not None)
        mp.setattr(safety, "_after_a_colon", _after_a_colon_before)
        mp.setattr(checksum, "_lines_of", checksum._encoded_lines)
        mp.setattr(submission_file, "_new_tuple", lambda cls, fields: cls(*fields))
        with old_paths() if cell_by_cell else contextlib.nullcontext():
            yield


def map_checksum_by_record(identity: Any, records: list[Any], *, with_values: bool) -> str:
    """The version 3 checksum as its definition says, one ``json.dumps`` per line (no shortcut)."""
    def line(item: list[Any]) -> str:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"))

    lines = [line(list(MAP_CHECKSUM_FORMAT)), line(["file", *(str(v) for v in identity)])]
    for r in records:
        values = [checksum.canonical_text(v) for v in r.values] if with_values else []
        notes = [n or "" for n in r.notes] if with_values else []
        lines.append(line([str(r.form_key), int(r.form_version), str(r.table_key), str(r.row_key), str(r.sheet),
                           str(r.cell), str(r.columns), str(r.kinds), values, notes]))
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def long_list_file(source: Path, out: Path, rows: int = 5000, *, edit=None) -> Path:
    """``source`` (a submission this program wrote) with its enterprise list (永节统2表) grown to
    ``rows`` rows the way the export lays them out — one ``_cells`` record per row, the figures of
    ``bench.sizes.enterprise`` — and its checksum made anew from the file, so it reads as unchanged.
    ``edit(wb)`` then changes it (after the checksum: a tampered file)."""
    wb = load_workbook(source)
    cells = wb[CELLS_SHEET]
    records = [row for row in cells.iter_rows(min_row=2, values_only=True) if row[2] == FORM and row[3] == TABLE]
    sheet_name, first, _form, _table, _row, columns, version, kinds = records[0][:8]
    sheet = wb[sheet_name]
    r0, c0 = parse_address(first)
    keys = columns.split(",")
    for merged in list(sheet.merged_cells.ranges):  # the notes under the list: written over
        if merged.max_row >= r0 + len(records):
            sheet.unmerge_cells(str(merged))
    for i in range(len(records), rows):
        r = r0 + i
        figures = enterprise(i, 2025)
        for j, key in enumerate(keys):
            if kinds[j] == "i":
                sheet.cell(r, c0 + j, figures.get(key))
            elif kinds[j] == "c":
                sheet.cell(r, c0 + j, round(i * 0.37, 4))
        if c0 > 1:
            sheet.cell(r, 1, i + 1)  # 序号
        cells.append([sheet_name, f"{sheet.cell(r, c0).column_letter}{r}", FORM, TABLE, f"r{i + 1}", columns, version,
                      kinds])
    meta_row(wb, "sha256")[1].value = checksum_from_workbook(wb)
    if edit is not None:
        edit(wb)
    wb.save(out)
    return out


def late_row_tampered(wb) -> None:
    """A figure changed, a 说明 added, a record repeated and one naming an unknown column, all in
    a long list's later rows (read cell by cell, not from the row plans)."""
    cells = wb[CELLS_SHEET]
    rows = [row for row in cells.iter_rows(min_row=2) if row[2].value == FORM and row[3].value == TABLE]
    late = rows[4000]
    sheet = wb[late[0].value]
    sheet[late[1].value].offset(0, 4).value = 123.456  # a figure column (after 名称、代码、行业、重点)
    late[8].value = "说明：本行为估算"
    cells.append([c.value for c in rows[4100]])
    keys = rows[4200][5].value.split(",")
    rows[4200][5].value = ",".join(["no_such_column", *keys[1:]])
