"""Import semantics a clerk relies on (issue 9), on real workbooks and a real database: a partly
filled template changes nothing it should not, a deleted sheet is untouched, forms can be left
out, blank template rows never become rows, the preview speaks the clerk's language and one
step undoes an import exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

import main
from export.errors import ImportRefused
from export.importer import apply_import, preview_import, undo_import
from export.submission import export_submission, export_template
from storage.workspace import Workspace
from tests.cell_map import cell_rows
from tests.test_import import db_digest

NOW = dt.datetime(2026, 1, 5, 9, 30, 0)
PERIOD = "2025"
ELECTRICITY = ("energy_consumption", "energy", "electricity", "consumption")


def state(ws: Workspace, township_id: int, period: str = PERIOD) -> dict[str, tuple]:
    """Everything stored for one township and period: per form values, notes, list rows, status."""
    out = {}
    for report in ws.store.reports_for(township_id, period):
        data = ws.store.load(report.id)
        out[report.form_key] = (data.values, data.notes, data.list_rows, report.status)
    return out


def fill(source: Path, out: Path, cells: dict[tuple[str, str, str, str], object] | None = None, *,
         drop_sheets: tuple[str, ...] = ()) -> Path:
    """Write values into a template/submission at the cells its ``_cells`` map names (file row keys),
    optionally deleting form sheets, as a user in Excel would."""
    wb = load_workbook(source)
    where = {(r[2], r[3], r[4], r[5]): (r[0], r[1]) for r in cell_rows(wb)[1:]}
    for key, value in (cells or {}).items():
        sheet, address = where[key]
        wb[sheet][address].value = value
    for name in drop_sheets:
        wb.remove(wb[name])
    wb.save(out)
    return out


@pytest.fixture
def template(workspace, demo_township, tmp_path) -> Path:
    return export_template(workspace, PERIOD, tmp_path / "模板.xlsx", township_id=demo_township.id, now=NOW)


@pytest.fixture
def submission(workspace, demo_township, tmp_path) -> Path:
    out = tmp_path / "演示镇2025.xlsx"
    export_submission(workspace, demo_township.id, PERIOD, out, now=NOW)
    return out


def test_partly_filled_template_over_a_full_database_changes_only_what_was_filled(workspace, demo_township,
                                                                                   template, tmp_path):
    filled = fill(template, tmp_path / "部分填写.xlsx", {ELECTRICITY: 20000,
                                                     ("reduction_projects", "projects", "r5", "name"): "新建污水管网"})
    before = state(workspace, demo_township.id)
    preview = preview_import(workspace, filled)
    assert preview.kind == "template" and preview.check == "一致" and not preview.rejected
    changes = [c for f in preview.forms for c in f.changes]
    assert sorted((c.form_key, c.new) for c in changes) == [("energy_consumption", 20000),
                                                             ("reduction_projects", "新建污水管网")]
    stored_inputs = sum(len(v[0]) for v in before.values())
    assert preview.clear_count > 100 and preview.change_count == 2  # the blanks are listed, not applied
    assert preview.clear_count <= stored_inputs + sum(len(v[1]) for v in before.values())
    text = "\n".join(preview.lines())
    assert "永节统1表 第01行 原煤 / 消费量：16,920.00 → 空" in text  # the clerk's words …
    for internal in ("energy_consumption", "raw_coal", "+1", "/cod", "start_", "r5"):
        assert internal not in text  # … never internal keys

    apply_import(workspace, preview, backup=False)
    after = state(workspace, demo_township.id)
    assert set(after) == set(before)
    for key, (values, notes, rows, _status) in before.items():
        new_values, new_notes, new_rows, _ = after[key]
        assert new_notes == notes
        if key == "energy_consumption":
            assert new_values == {**values, ELECTRICITY[1:]: 20000}
        elif key == "reduction_projects":
            # the one filled template row (its 5th) became ONE new row after the 3 stored ones
            assert new_rows["projects"] == [*rows["projects"], new_rows["projects"][-1]] and len(new_rows["projects"]) == 4
            added = {k: v for k, v in new_values.items() if k not in values}
            assert added == {("projects", new_rows["projects"][-1], "name"): "新建污水管网"}
            assert {k: new_values[k] for k in values} == values
        else:
            assert new_values == values and new_rows == rows  # 6表's 20 template rows created none


def test_empty_template_rows_never_become_list_rows(workspace, tmp_path):
    town = next(t for t in workspace.townships() if not t.is_demo)
    template = export_template(workspace, PERIOD, tmp_path / "t.xlsx", township_id=town.id, now=NOW)
    filled = fill(template, tmp_path / "f.xlsx", {("green_building", "pv", "r3", "name"): "屋顶光伏一期"})
    apply_import(workspace, preview_import(workspace, filled), backup=False)
    stored = state(workspace, town.id)
    assert len(stored["green_building"][2]["pv"]) == 1
    assert "reduction_projects" not in stored or not stored["reduction_projects"][2]
    assert "key_energy_units" not in stored or not stored["key_energy_units"][2]


def test_replace_blank_clears_and_one_step_undoes_the_import_exactly(workspace, demo_township, template, tmp_path):
    filled = fill(template, tmp_path / "f.xlsx", {ELECTRICITY: 20000})
    before = state(workspace, demo_township.id)
    preview = preview_import(workspace, filled, replace_blank=True)
    assert preview.change_count == 1 + preview.clear_count
    assert any(line.startswith("  将清空") for line in preview.lines())
    result = apply_import(workspace, preview, backup=False)
    assert result.changed == preview.change_count
    energy = state(workspace, demo_township.id)["energy_consumption"][0]
    assert energy == {ELECTRICITY[1:]: 20000}

    undone = undo_import(workspace, demo_township.id, PERIOD, backup=False)
    assert undone.record.file == filled.name
    assert state(workspace, demo_township.id) == before  # values, 说明, list rows, statuses
    rid = workspace.find_report_data(demo_township.id, "energy_consumption", PERIOD).report.id
    assert any(a["field"] == "undo-import" and a["new"] == filled.name for a in workspace.store.audit(rid))
    with pytest.raises(ImportRefused, match="没有可撤销的导入"):
        undo_import(workspace, demo_township.id, PERIOD, backup=False)


def test_undo_removes_reports_the_import_created(workspace, demo_township, submission):
    town = next(t for t in workspace.townships() if not t.is_demo)
    before, periods = state(workspace, town.id), workspace.store.periods(town.id)
    apply_import(workspace, preview_import(workspace, submission, township_id=town.id, period=PERIOD,
                                           accept_other=True), backup=False)
    assert len(state(workspace, town.id)) == 7 and PERIOD in workspace.store.periods(town.id)
    undo_import(workspace, town.id, PERIOD, backup=False)
    assert state(workspace, town.id) == before and workspace.store.periods(town.id) == periods == []


def test_deleted_sheet_is_untouched_whatever_cells_says(workspace, demo_township, submission, tmp_path):
    trimmed = fill(submission, tmp_path / "删表.xlsx", drop_sheets=("永节统2表",))
    units = workspace.find_report_data(demo_township.id, "key_energy_units", PERIOD)
    cell = next(k for k, v in units.values.items() if isinstance(v, (int, float)) and v)
    workspace.edit(units.report.id, cell, "777")
    rid = workspace.find_report_data(demo_township.id, "energy_consumption", PERIOD).report.id
    workspace.edit(rid, ELECTRICITY[1:], "5")
    preview = preview_import(workspace, trimmed, replace_blank=True)
    assert "key_energy_units" not in [f.form.key for f in preview.forms]
    assert any("永节统2表" in n and "不导入" in n for n in preview.notices)
    apply_import(workspace, preview, backup=False)
    assert workspace.find_report_data(demo_township.id, "key_energy_units", PERIOD).values == {**units.values, cell: 777}
    assert workspace.find_report_data(demo_township.id, "energy_consumption", PERIOD).values[ELECTRICITY[1:]] != 5


def test_only_the_chosen_forms_are_imported(workspace, demo_township, submission):
    rid1 = workspace.find_report_data(demo_township.id, "energy_consumption", PERIOD).report.id
    rid7 = workspace.find_report_data(demo_township.id, "coal_vocs", PERIOD).report.id
    workspace.edit(rid1, ELECTRICITY[1:], "5")
    coal = next(k for k, v in workspace.store.load(rid7).values.items() if isinstance(v, (int, float)))
    workspace.edit(rid7, coal, "6")
    preview = preview_import(workspace, submission, forms=["energy_consumption"])
    assert [f.form.key for f in preview.chosen] == ["energy_consumption"]
    assert any("未选择，不导入" in line and "永节统7表" in line for line in preview.lines())
    apply_import(workspace, preview, backup=False)
    assert workspace.store.load(rid1).values[ELECTRICITY[1:]] != 5
    assert workspace.store.load(rid7).values[coal] == 6
    with pytest.raises(ImportRefused, match="没有可导入的表式：no_such"):
        preview_import(workspace, submission, forms=["no_such"])


def test_cli_forms_replace_blank_and_undo_import(workspace, demo_township, template, tmp_path, capsys):
    db = workspace.store.path
    filled = fill(template, tmp_path / "f.xlsx", {ELECTRICITY: 20000})
    before = state(workspace, demo_township.id)
    workspace.close()
    assert main.main(["undo-import", "--db", str(db)]) == 2
    assert "没有可撤销的导入" in capsys.readouterr().err
    assert main.main(["import", str(filled), "--db", str(db), "--forms", "energy_consumption"]) == 0
    out = capsys.readouterr().out
    assert "文件中为空" in out and "保留了原值" in out and "undo-import" in out
    assert main.main(["import", str(filled), "--db", str(db), "--forms", "energy_consumption,coal_vocs",
                      "--replace-blank"]) == 0
    ws = Workspace.open(db, demo=False)
    try:
        after = state(ws, demo_township.id)
        assert after["energy_consumption"][0] == {ELECTRICITY[1:]: 20000} and not after["coal_vocs"][0]
        assert after["agriculture"] == before["agriculture"]
    finally:
        ws.close()
    digest = db_digest(db)
    assert main.main(["undo-import", "--db", str(db), "--township", demo_township.name, "--period", PERIOD]) == 0
    assert "已撤销导入 f.xlsx" in capsys.readouterr().out
    assert db_digest(db) != digest
    assert main.main(["undo-import", "--db", str(db)]) == 0  # the first import, too
    ws = Workspace.open(db, demo=False)
    try:
        assert state(ws, demo_township.id) == before
    finally:
        ws.close()
