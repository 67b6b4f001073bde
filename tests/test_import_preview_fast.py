"""The import preview's short cuts (issue 16) give the answers of the cell-by-cell compare: an
unchanged form proven by one dict comparison, the 说明 found from the notes themselves, and the
comparison falling back to every cell when the file or the database holds a cell the preview does
not compare."""

from __future__ import annotations

from export.import_preview import _on_covered
from export.importer import preview_import
from export.reader import parse_address
from export.submission import export_submission
from storage import cell_packs

FORM, TABLE = "key_energy_units", "units"


def _stored_inputs(workspace, town_id: int, form_key: str) -> int:
    data = workspace.find_report_data(town_id, form_key, "2025")
    return len(data.values) if data else 0


def test_unchanged_file_counts_every_value_and_lists_notes_in_reading_order(workspace, demo_township, tmp_path):
    out = tmp_path / "demo.xlsx"
    export_submission(workspace, demo_township.id, "2025", out)
    data = workspace.find_report_data(demo_township.id, FORM, "2025")
    rows = data.list_rows[TABLE]
    noted = [(TABLE, rows[-1], "name"), (TABLE, rows[0], "value_added"), (TABLE, rows[0], "energy_equal")]
    for cell in noted:  # written after the export: the file has none of them
        workspace.set_note(data.report.id, cell, "导出后补充的说明")
    preview = preview_import(workspace, out)
    assert not preview.modified
    for item in preview.forms:
        assert item.unchanged == _stored_inputs(workspace, demo_township.id, item.form.key) > 0
        assert not item.changes
    units = next(f for f in preview.forms if f.form.key == FORM)
    assert sorted(c.cell for c in units.clears) == sorted(noted) and all(c.field == "note" for c in units.clears)
    assert [c.address for c in units.clears] == sorted((c.address for c in units.clears), key=parse_address)


def test_a_stored_value_the_preview_does_not_compare_leaves_the_count_exact(workspace, demo_township, tmp_path):
    out = tmp_path / "demo.xlsx"
    export_submission(workspace, demo_township.id, "2025", out)
    data = workspace.find_report_data(demo_township.id, FORM, "2025")
    before = _stored_inputs(workspace, demo_township.id, FORM)
    computed = next(c.key for c in workspace.form(FORM).table(TABLE).columns if c.formula)
    with workspace.store.atomic():  # as an old database may hold: a value on a now computed column
        cell_packs.write_values(workspace.store.conn, data.report.id, [((TABLE, data.list_rows[TABLE][0], computed), 1.5)],
                                "2025-01-01 00:00:00")
    units = next(f for f in preview_import(workspace, out).forms if f.form.key == FORM)
    assert units.unchanged == before and not units.changes and not units.clears


def test_on_covered_refuses_a_computed_cell_of_a_list_or_a_grid(catalogue):
    form = catalogue.get(FORM)
    table = form.table(TABLE)
    inputs = [c.key for c in table.columns if c.formula is None]
    computed = [c.key for c in table.columns if c.formula is not None]
    present = {(TABLE, "r1", col): 1 for col in inputs}
    positions = {(TABLE, "r1"): 1}
    assert _on_covered(form, present, positions)
    assert not _on_covered(form, {**present, (TABLE, "r1", computed[0]): 2}, positions)
    grid_form = next(f for f in catalogue if any(
        t.kind == "grid" and any(not t.is_input(r, c) for r in t.rows for c in t.columns) for t in f.tables))
    grid = next(t for t in grid_form.tables if t.kind == "grid")
    row, col = next((r, c) for r in grid.rows for c in grid.columns if not grid.is_input(r, c))
    inp = next((r, c) for r in grid.rows for c in grid.columns if grid.is_input(r, c))
    assert _on_covered(grid_form, {(grid.key, inp[0].key, inp[1].key): 1}, {})
    assert not _on_covered(grid_form, {(grid.key, row.key, col.key): 1}, {})


def test_a_note_on_a_stored_row_of_a_list_the_file_has_no_row_of_is_listed(workspace, tmp_path):
    form_key, list_key = "green_building", "pv"
    town = next(t for t in workspace.townships() if not t.is_demo)
    report = workspace.open_report(town.id, form_key, "2025").report
    grid = next(t for t in workspace.form(form_key).tables if t.kind == "grid")
    row, col = next((r, c) for r in grid.rows for c in grid.columns if grid.is_input(r, c))
    workspace.edit(report.id, (grid.key, row.key, col.key), "12")
    out = tmp_path / "no_rows.xlsx"
    export_submission(workspace, town.id, "2025", out, form_keys=[form_key])  # the list has no row
    workspace.add_list_row(report.id, list_key)
    new_row = workspace.find_report_data(town.id, form_key, "2025").list_rows[list_key][0]
    note_col = next(c.key for c in workspace.form(form_key).table(list_key).columns if c.formula is None)
    workspace.set_note(report.id, (list_key, new_row, note_col), "导出后新增的项目，尚未填写")
    item = next(f for f in preview_import(workspace, out).forms if f.form.key == form_key)
    assert [(c.cell, c.field) for c in item.clears] == [((list_key, new_row, note_col), "note")]
    assert item.unchanged == 1 and not item.changes
