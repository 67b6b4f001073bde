"""The grid model on its own (no view) and under Qt's model tester, on a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QModelIndex, Qt

from storage.changes import Changes, ReportState
from tests.entry_forms import form_header
from tests.stored import stored_value
from ui import theme
from ui.grid_model import CELL_ROLE, SEVERITY_ROLE, GridModel

FORM = "energy_consumption"


@pytest.fixture
def model(qapp, workspace, demo_township):
    data = workspace.open_report(demo_township.id, FORM, "2025")
    state = ReportState(data, workspace.validate(data), data.report.status)
    form = workspace.form(FORM)
    return GridModel(workspace, form, form.table("energy"), state)


def _index(model: GridModel, row_key: str, col_key: str) -> QModelIndex:
    index = model.index_for_cell(("energy", row_key, col_key))
    assert index.isValid()
    return index


def _stored(db_path, report_id: int, row_key: str, col_key: str = "consumption"):
    return stored_value(db_path, report_id, "energy", row_key, col_key)


def test_model_passes_qt_model_tester(qtmodeltester, model):
    qtmodeltester.check(model)


def test_shape_and_headers(model):
    form_table = model.table
    assert model.rowCount() == len(form_table.rows)
    assert model.columnCount() == 3 + len(form_table.columns)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "能源品种\n甲"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "计量单位\n乙"
    assert model.headerData(3, Qt.Orientation.Horizontal) == "期初库存量\n1"
    assert model.headerData(6, Qt.Orientation.Horizontal) == "消费量\n4"
    assert model.headerData(17, Qt.Orientation.Horizontal) == "折标准煤(当量值)\n(吨标准煤)\n15"
    assert model.data(model.index(0, 0)) == "原煤"
    assert model.data(model.index(0, 1)) == "吨"
    assert model.data(model.index(0, 2)) == "01"


def test_display_formatting_and_alignment(model):
    coal = _index(model, "raw_coal", "consumption")
    assert model.data(coal) == "16,920.00"  # thousands separators, column decimals
    assert model.data(coal, Qt.ItemDataRole.EditRole) == "16920"  # raw value for the editor
    assert model.data(coal, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.data(_index(model, "raw_coal", "coef_equal")) == "0.7143"
    assert model.data(_index(model, "total", "consumption")) == "—"  # blocked cell
    assert model.data(model.index(model.rowCount() - 1, 0)) == "能源合计"


def test_flags_input_computed_blocked(model):
    editable = Qt.ItemFlag.ItemIsEditable
    assert model.flags(_index(model, "raw_coal", "consumption")) & editable
    assert not model.flags(_index(model, "raw_coal", "tce_equal")) & editable
    assert not model.flags(_index(model, "raw_coal", "coef_equiv")) & editable
    assert not model.flags(_index(model, "total", "tce_equal")) & editable
    assert not model.flags(_index(model, "total", "consumption")) & editable
    assert not model.flags(model.index(0, 0)) & editable
    assert model.data(_index(model, "raw_coal", "tce_equal"), Qt.ItemDataRole.BackgroundRole) == theme.READ_ONLY
    assert model.data(_index(model, "raw_coal", "consumption"), Qt.ItemDataRole.BackgroundRole) is None


def test_set_data_is_stored_at_once_and_recomputes(qtbot, model, db_path, workspace):
    # Within ±30 % of last year's 18,650.4 万kWh, so the vs-last-period rule stays quiet.
    cell = _index(model, "electricity", "consumption")
    total = _index(model, "total", "tce_equal")
    before = model.value(total)
    with qtbot.waitSignal(model.edited) as blocker, qtbot.waitSignal(model.dataChanged):
        assert model.setData(cell, "19,000.5")
    assert _stored(db_path, model.report_id, "electricity") == 19000.5  # committed: a second connection sees it
    assert model.data(cell) == "19,000.50"
    coef = workspace.catalogue.reference.factor("electricity", "万千瓦时")
    assert model.value(_index(model, "electricity", "tce_equal")) == pytest.approx(19000.5 * coef)
    assert model.value(total) == pytest.approx(before + (19000.5 - 19380.9) * coef)
    changes = blocker.args[0]
    assert isinstance(changes, Changes) and changes.cells == {("energy", "electricity", "consumption")}
    assert isinstance(changes.state, ReportState) and changes.state.status == "填报中"
    audit = workspace.store.audit(model.report_id, ("energy", "electricity", "consumption"))
    assert audit[-1]["new"] == 19000.5 and audit[-1]["who"] == "测试员"


def test_invalid_text_is_kept_and_shown_as_error(model, db_path):
    cell = _index(model, "lpg", "consumption")
    assert model.setData(cell, "abc")
    assert _stored(db_path, model.report_id, "lpg") == "abc"  # nothing typed is lost
    assert model.data(cell) == "abc"
    assert model.data(cell, Qt.ItemDataRole.EditRole) == "abc"
    assert model.data(cell, SEVERITY_ROLE) == "错误"
    assert model.data(cell, Qt.ItemDataRole.BackgroundRole) == theme.SEVERITY_COLOURS["错误"]
    assert "不是数值" in model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert model.state.status == "有错误"
    assert model.setData(cell, "90.1")
    assert model.data(cell, SEVERITY_ROLE) == ""


def test_warning_colour_and_tooltip_with_note(model, workspace):
    cell = _index(model, "raw_coal", "consumption")
    model.setData(cell, "250000")  # W002: 煤炭类消费量超过20万吨
    assert model.data(cell, SEVERITY_ROLE) == "警告"
    assert model.data(cell, Qt.ItemDataRole.BackgroundRole) == theme.SEVERITY_COLOURS["警告"]
    workspace.set_note(model.report_id, model.data(cell, CELL_ROLE), "新建陶瓷厂投产，用煤量大幅增加")
    model.reload()
    assert model.data(cell, Qt.ItemDataRole.BackgroundRole) == theme.EXPLAINED_WARNING
    tip = model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert "20万吨" in tip and "说明：新建陶瓷厂投产" in tip


def test_coefficient_tooltip_shows_reference_source(model):
    tip = model.data(_index(model, "raw_coal", "coef_equal"), Qt.ItemDataRole.ToolTipRole)
    assert "参考来源" in tip and "GB/T 2589" in tip
    assert "自动计算" in tip


def test_read_only_cells_reject_set_data(model, db_path):
    assert not model.setData(_index(model, "raw_coal", "tce_equal"), "5")
    assert not model.setData(model.index(0, 0), "x")
    assert _stored(db_path, model.report_id, "raw_coal", "tce_equal") is None


def test_clearing_a_cell_stores_blank(model, db_path):
    cell = _index(model, "gasoline", "consumption")
    assert model.setData(cell, "")
    assert _stored(db_path, model.report_id, "gasoline") is None
    assert model.data(cell) == ""


LIST_FORM = form_header("key_units", "永节统2表", "重点用能单位名录", 20, "重庆市永川区统计局") + """
  - key: units
    title: 重点用能单位
    kind: list
    columns:
      - {key: name, label: 单位名称, type: text, required: true}
      - {key: energy, label: 综合能耗, unit: 吨标准煤, type: number, decimals: 2, min: 0}
      - {key: double, label: 两倍, unit: 吨标准煤, decimals: 2, formula: energy * 2}
"""


@pytest.fixture
def list_model(qapp, tmp_path, catalogue):
    from forms.catalogue import FormCatalogue
    from storage.workspace import Workspace

    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "key_units.yaml").write_text(LIST_FORM, encoding="utf-8")
    ws = Workspace.open(tmp_path / "list.sqlite", catalogue=FormCatalogue.load(folder, catalogue.reference),
                        demo=False, user="测试员")
    township = ws.townships()[0]
    data = ws.open_report(township.id, "key_units", "2025")
    form = ws.form("key_units")
    model = GridModel(ws, form, form.table("units"), ReportState(data, ws.validate(data), data.report.status))
    yield model
    ws.close()


def test_list_table_rows_can_be_added_edited_and_removed(qtmodeltester, list_model):
    model = list_model
    assert model.rowCount() == 0 and model.columnCount() == 3
    assert model.headerData(0, Qt.Orientation.Horizontal) == "单位名称\n1"
    key = model.add_row()
    model.add_row()
    assert model.rowCount() == 2
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0), SEVERITY_ROLE) == "错误"  # 单位名称 is required
    assert model.setData(model.index(0, 0), "永川陶瓷有限公司")
    assert model.setData(model.index(0, 1), "1234.5")
    assert model.data(model.index(0, 2)) == "2,469.00"
    assert not model.flags(model.index(0, 2)) & Qt.ItemFlag.ItemIsEditable
    assert model.data(model.index(0, 0), CELL_ROLE) == ("units", key, "name")
    model.remove_row(1)
    assert model.rowCount() == 1
    assert model.workspace.store.load(model.report_id).list_rows["units"] == [key]


def test_grid_edit_of_form_1_re_derives_form_7_status_at_once(qtbot, model, workspace, demo_township):
    """永节统7表's rule X701 reads 永节统1表's coal: an edit in the grid of form 1 must show in
    form 7's stored status at once (not only after form 7 is opened or 审核'd again)."""
    coal = workspace.find_report_data(demo_township.id, "coal_vocs", "2025")
    workspace.refresh_status(coal.report.id, audited=True)
    before = workspace.report(coal.report.id).status
    assert before in ("已审核", "有警告")
    cell = _index(model, "raw_coal", "consumption")
    old = model.data(cell, Qt.ItemDataRole.EditRole)
    with qtbot.waitSignal(model.edited) as blocker:
        assert model.setData(cell, "99999")  # breaks X701 in form 7
    assert workspace.report(coal.report.id).status == "有错误"
    assert blocker.args[0].statuses[coal.report.id] == "有错误"
    assert workspace.statuses(demo_township.id, "2025")["coal_vocs"] == "有错误"
    with qtbot.waitSignal(model.edited) as blocker:
        assert model.setData(cell, old)
    assert blocker.args[0].statuses[coal.report.id] == "填报中"  # clean again; needs a new 审核
    model.undo_stack.undo()  # undo (back to 99999) goes through the core as well
    assert workspace.report(coal.report.id).status == "有错误"


def test_a_refused_commit_in_the_grid_loses_nothing(qtbot, model, workspace, db_path):
    """A reader holding the file (rollback-journal mode) makes the edit's COMMIT fail: the grid says
    so, shows and keeps the stored value, adds no undo step; the next edit is really stored."""
    cell = _index(model, "electricity", "consumption")
    before = model.value(cell)
    failed: list[str] = []
    model.editFailed.connect(failed.append)
    workspace.store.conn.execute("PRAGMA journal_mode = DELETE")
    workspace.store.conn.execute("PRAGMA busy_timeout = 50")
    reader = sqlite3.connect(str(db_path), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM cell_values").fetchone()
    try:
        assert not model.setData(cell, "19000")
    finally:
        reader.close()
    assert failed and failed[0].startswith("未能保存（所做修改已撤回）")
    assert model.value(cell) == before == _stored(db_path, model.report_id, "electricity")
    assert model.undo_stack.count() == 0
    assert model.setData(cell, "19000") and _stored(db_path, model.report_id, "electricity") == 19000
