"""The submission/template file format: names and numbers the writer and the reader share.

One place for the hidden sheets' names, the format names and version, the ``_cells`` header
and the rule that turns a 表号 into a sheet name, so the export and the import can never drift
apart. Version history: 1 — the checksum covers values and 说明 only; 2 — it also covers the
file kind, the township, the period, the form keys and versions and the whole ``_cells`` map
(see ``export.checksum``); 3 — the ``_cells`` map is compact: one row per table body row instead
of one per cell (``CELLS_HEADER``; versions 1 and 2 have ``CELLS_HEADER_V2``), checksummed per
row (``export.checksum.map_checksum``). The reader accepts every version up to ``FORMAT_VERSION``.

A version 3 ``_cells`` row (a *record*) maps consecutive cells of one body row, left to right:

* ``sheet``, ``cell``: the worksheet and the record's first cell (e.g. ``D12``);
* ``form_key``, ``table_key``, ``row_key``, ``form_version``: whose cells they are;
* ``columns``: the column key of each position, joined by ``,`` (an empty key: a blocked cell,
  not mapped); ``kinds``: one letter per position, ``i`` input, ``c`` computed, ``-`` blocked;
* ``notes`` and the columns after it: the 说明 of each position, one cell each (a 说明 can fill
  a whole cell), written only when the row has a 说明.

The writer puts one record per body row (so the largest file, a 5,000-row list, has 5,000 map
rows); the reader also accepts a row split into several records.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NO_DATA_META", "FORMAT", "TEMPLATE_FORMAT", "FORMATS", "FORMAT_VERSION", "META_SHEET", "CELLS_SHEET", "NOTES_SHEET",
           "CELLS_HEADER", "CELLS_HEADER_V2", "KIND_LETTERS", "BLOCKED_LETTER", "RESERVED_SHEETS", "SHEET_NAME_BAD", "map_cells", "sheet_base_name", "unique_sheet_name"]

FORMAT = "jnjp-submission"
TEMPLATE_FORMAT = "jnjp-template"
FORMATS = (FORMAT, TEMPLATE_FORMAT)
FORMAT_VERSION = 3
META_SHEET = "_meta"
NO_DATA_META = "no_data"  # e6: _meta key, JSON {form key: reason} of the forms declared 本期无数据
CELLS_SHEET = "_cells"
NOTES_SHEET = "审核说明"
CELLS_HEADER = ("sheet", "cell", "form_key", "table_key", "row_key", "columns", "form_version", "kinds", "notes")
CELLS_HEADER_V2 = ("sheet", "cell", "form_key", "table_key", "row_key", "col_key", "form_version", "kind", "note")
KIND_LETTERS = {"input": "i", "computed": "c"}  # a record's ``kinds``, one letter per position
BLOCKED_LETTER = "-"
RESERVED_SHEETS = frozenset({META_SHEET.lower(), CELLS_SHEET.lower(), NOTES_SHEET.lower(), "history"})
SHEET_NAME_BAD = frozenset('[]:*?/\\')


def sheet_base_name(code: str) -> str:
    """A 表号 as a legal Excel sheet name (≤31 characters, no []:*?/\\); may be empty."""
    return "".join("_" if ch in SHEET_NAME_BAD else ch for ch in code).strip().strip("'")[:31]


def unique_sheet_name(code: str, fallback: str, used: set[str]) -> str:
    """``sheet_base_name(code)`` (or ``fallback``) made unique among ``used`` (lower-case names,
    updated here) by a ``_2``, ``_3``… suffix."""
    base = sheet_base_name(code) or fallback[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"_{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def map_cells(rows: list[list[Any]] | list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The ``_cells`` map ``rows`` (any format, header first) as one row per mapped cell in the
    layout of formats 1 and 2 (``CELLS_HEADER_V2`` first): for tools and tests that look a cell
    up. Does not check the map (``export.submission_file`` does)."""
    from export.reader import cell_address, parse_address

    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    if not all(h in header for h in CELLS_HEADER):
        return [tuple(r) for r in rows]
    pick = [header.index(h) for h in CELLS_HEADER]
    notes_at = pick[-1]
    out: list[tuple[Any, ...]] = [CELLS_HEADER_V2]
    kinds = {letter: kind for kind, letter in KIND_LETTERS.items()}
    for row in rows[1:]:
        sheet, first, form_key, table_key, row_key, columns, version, letters, _ = (
            row[i] if i < len(row) else None for i in pick)
        if not sheet:
            continue
        r, c = parse_address(str(first))
        for j, (key, letter) in enumerate(zip(str(columns).split(","), str(letters))):
            if letter == BLOCKED_LETTER:
                continue
            note = row[notes_at + j] if notes_at + j < len(row) else None
            out.append((sheet, cell_address(r, c + j), form_key, table_key, row_key, key, version, kinds.get(letter),
                        note or None))
    return out
