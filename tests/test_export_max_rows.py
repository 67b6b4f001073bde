"""The program reads every file it can write, at the form's maximum: a 5,000-row enterprise list
(永节统2表, ``max_rows``) exported, read back, previewed and imported into another township with
nothing lost — values, 说明 and row order — and its hidden map far inside the import's limits."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from bench.sizes import FORM, TABLE, enterprise
from export.file_format import CELLS_SHEET
from export.importer import apply_import, preview_import, read_submission
from export.reader import read_workbook
from export.safety import MAX_CELLS, MAX_ROWS
from export.submission import export_submission

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
NOTES = {7: "本年新建窑炉投产，用能增加较多", 4999: "企业搬迁，说明：\n停产三个月"}


def test_a_list_at_max_rows_round_trips_with_nothing_lost(workspace, demo_township, tmp_path):
    table = workspace.form(FORM).table(TABLE)
    data = workspace.open_report(demo_township.id, FORM, "2025")
    rid = data.report.id
    have = len(data.list_rows.get(TABLE, []))
    cells = []
    with workspace.store.atomic():
        keys = workspace.store.add_list_rows(rid, TABLE, table.max_rows - have, workspace.user)
        for i, key in enumerate(keys, have):
            cells += [((TABLE, key, col), value) for col, value in enterprise(i, 2025).items()]
        workspace.edit_many(rid, cells, reason="最大行数测试")
    keys = workspace.find_report_data(demo_township.id, FORM, "2025").list_rows[TABLE]
    assert len(keys) == table.max_rows == 5000
    for i, note in NOTES.items():
        workspace.set_note(rid, (TABLE, keys[i], "energy_equal"), note)
    source = workspace.find_report_data(demo_township.id, FORM, "2025")

    out = tmp_path / "max.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, form_keys=[FORM], now=NOW)
    book = read_workbook(out)
    map_rows = len(book.rows(CELLS_SHEET))
    assert map_rows == 1 + 5000  # one record per list row (the form has no grid table)
    assert map_rows * 10 < MAX_ROWS
    assert sum(len(grid) * max(map(len, grid), default=0) for grid in book.grids.values()) * 10 < MAX_CELLS

    read = read_submission(out, workspace.catalogue)
    assert read.check == "一致" and not read.rejected
    item = read.form(FORM)
    assert item.list_rows[TABLE] == keys
    assert item.notes == source.notes and all(source.notes[(TABLE, keys[i], "energy_equal")] == note
                                              for i, note in NOTES.items())
    assert {c: v for c, v in item.values.items() if v is not None} == \
        {c: v for c, v in source.values.items() if table.cell_formula(None, table.column(c[2])) is None}

    other = next(t for t in workspace.townships() if not t.is_demo)
    preview = preview_import(workspace, out, township_id=other.id, period="2025", accept_other=True)
    assert not preview.rejected and not preview.modified
    apply_import(workspace, preview, backup=False)
    got = workspace.find_report_data(other.id, FORM, "2025")
    moved = dict(zip(keys, got.list_rows[TABLE], strict=True))  # the file's rows keep their order

    def renamed(cells: dict) -> dict:
        return {(t, moved[r], c): v for (t, r, c), v in cells.items()}

    assert got.values == renamed(source.values)
    assert got.notes == renamed(source.notes)
    sheet = load_workbook(out, read_only=True)[CELLS_SHEET]
    assert sheet.max_row == map_rows
