"""The real main window on the demo database (offscreen): edit through the real editor, jump from a
finding to its cell, 审核, export through ui.operations, and a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit, QToolButton

from tests.stored import stored_value
from ui.grid_model import GridModel
from ui.main_window import MainWindow

FORM = "energy_consumption"


@pytest.fixture
def window(demo_window, messages):
    demo_window.messages = messages
    return demo_window


def _choose(w: MainWindow, township_id: int, period: str) -> None:
    w.township_combo.setCurrentIndex(w.township_combo.findData(township_id))
    w.period_combo.setCurrentIndex(w.period_combo.findData(period))
    assert w.controller.township.id == township_id and w.controller.period == period


def _model(w: MainWindow) -> GridModel:
    view = w.grid_view("energy")
    assert view is not None
    return view.grid_model()


def _stored(db_path: Path, report_id: int, row_key: str) -> object:
    return stored_value(db_path, report_id, "energy", row_key, "consumption")


def _type_into_cell(qtbot, w: MainWindow, row_key: str, text: str) -> None:
    view = w.grid_view("energy")
    model = _model(w)
    index = model.index_for_cell(("energy", row_key, "consumption"))
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)  # offscreen has no focus widget: find the editor itself
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_window_shows_demo_report(window, demo_township):
    assert window.windowTitle() == "永川区节能减排统计填报客户端 — test.sqlite"
    assert window.township_combo.itemText(0) == demo_township.name  # demo first
    assert window.period_combo.currentData() == "2025"
    assert window.header.title.text() == "镇街能源消费统计表"
    assert "永节统1表" in window.header.labels.text()
    assert "演示镇" in window.header.unit.text()
    assert window.forms_list.status_of(FORM) == "填报中"
    assert _model(window).data(_model(window).index(0, 6)) == "16,920.00"  # 消费量 = column 4


def test_typing_a_value_is_saved_to_sqlite_before_close(qtbot, window, db_path):
    model = _model(window)
    _type_into_cell(qtbot, window, "coke", "321.5")
    qtbot.waitUntil(lambda: model.value(model.index_for_cell(("energy", "coke", "consumption"))) == 321.5)
    assert _stored(db_path, model.report_id, "coke") == 321.5
    assert window.saved_label.text().startswith("已自动保存 ")
    assert window.isVisible()  # saved while the window is still open


def test_typing_invalid_text_shows_error_and_keeps_it(qtbot, window, db_path):
    model = _model(window)
    _type_into_cell(qtbot, window, "lpg", "abc")
    qtbot.waitUntil(lambda: window.forms_list.status_of(FORM) == "有错误")
    assert _stored(db_path, model.report_id, "lpg") == "abc"
    assert window.findings.model.finding(0).severity == "错误"
    assert "错误1" in window.findings.summary.text()


def test_clicking_a_finding_selects_its_cell(qtbot, window):
    view = window.findings.view
    assert window.findings.model.rowCount() >= 1
    finding = window.findings.model.finding(0)
    view.scrollTo(window.findings.model.index_of(finding, 1))  # the pane may be folded small (issue 13.10)
    rect = view.visualRect(window.findings.model.index_of(finding, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    grid = window.grid_view(finding.table)
    current = grid.currentIndex()
    assert grid.grid_model().cell_key(current) == finding.cell
    assert current in grid.selectionModel().selectedIndexes()


def test_note_editor_explains_a_warning(qtbot, window):
    model = _model(window)
    model.setData(model.index_for_cell(("energy", "raw_coal", "consumption")), "250000")
    assert window.forms_list.status_of(FORM) == "有警告"
    panel = window.findings
    warning = next(f for f in panel.model.findings() if f.severity == "警告")
    panel.select_finding(warning)
    assert panel.note_edit.isEnabled()
    panel.note_edit.setText("无误")
    assert "✓" not in panel.note_status.text()
    panel.note_edit.setText("新建陶瓷厂投产，用煤量大幅增加")
    assert "✓" in panel.note_status.text()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert window.forms_list.status_of(FORM) == "填报中"
    assert panel.model.data(panel.model.index_of(warning, 2)) == "已说明"


def test_audit_button_updates_status(qtbot, window):
    assert window.forms_list.status_of(FORM) == "填报中"
    button = window.toolbar.widgetForAction(window.audit_action)
    assert isinstance(button, QToolButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.forms_list.status_of(FORM) == "已审核"
    assert "错误0" in window.statusBar().currentMessage()


def test_export_runs_in_background_and_marks_exported(qtbot, window, tmp_path, monkeypatch):
    pytest.importorskip("export.submission")
    out = tmp_path / "out" / "demo.xlsx"
    out.parent.mkdir()
    monkeypatch.setattr(window, "ask_export_path", lambda name: out)
    window.export_action.trigger()
    operation = window.last_operation
    assert operation is not None
    qtbot.waitUntil(lambda: operation.done, timeout=20000)
    if operation.error is not None:  # e.g. the export refused: the user sees the Chinese reason
        assert window.messages and window.messages[-1][0] == "导出失败"
        return
    assert out.is_file() and out.stat().st_size > 1000
    assert window.forms_list.status_of(FORM) == "已导出"
    assert "已导出" in window.statusBar().currentMessage()


def test_export_failure_shows_message(qtbot, window, monkeypatch):
    from ui.operations import run_with_workspace

    def boom(_workspace):
        from export.errors import ExportError

        raise ExportError("导出被拒绝：测试")

    operation = run_with_workspace(window, "测试", window.workspace.store.path, window.workspace.catalogue, boom,
                                   title="导出失败")
    qtbot.waitUntil(lambda: operation.done, timeout=10000)
    assert window.messages[-1] == ("导出失败", "导出被拒绝：测试")


def test_settings_remember_township_and_period(qtbot, window, workspace, demo_township, tmp_path):
    window.period_combo.setCurrentIndex(window.period_combo.findData("2024"))
    window.close()
    place = workspace.remembered_place()  # kept in the database itself (issue 13.1), not per user
    assert place["township_id"] == demo_township.id and place["period"] == "2024"
    again = MainWindow(QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.attach_workspace(workspace)
    assert again.controller.period == "2024"
    assert again.period_combo.currentData() == "2024"


def test_screenshot(qtbot, window, tmp_path):
    window.resize(1280, 800)
    qtbot.wait(50)
    path = tmp_path / "main_window.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 20000
    folder = os.environ.get("JNJP_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(Path(folder) / "main_window.png"))


def test_paste_block_from_clipboard_and_delete_key(qtbot, window, db_path):
    from PySide6.QtGui import QGuiApplication

    view = window.grid_view("energy")
    model = view.grid_model()
    view.setCurrentIndex(model.index_for_cell(("energy", "gasoline", "consumption")))
    QGuiApplication.clipboard().setText("1,111\tx\n2222\n")  # the 2nd column is computed: skipped
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "gasoline") == 1111
    assert _stored(db_path, model.report_id, "diesel") == 2222
    assert window.saved_label.text().startswith("已自动保存")
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert _stored(db_path, model.report_id, "gasoline") is None


def test_enter_moves_to_next_input_row(qtbot, window):
    view = window.grid_view("energy")
    model = view.grid_model()
    _type_into_cell(qtbot, window, "fuel_oil", "12")
    qtbot.waitUntil(lambda: model.value(model.index_for_cell(("energy", "fuel_oil", "consumption"))) == 12)
    assert model.cell_key(view.currentIndex()) == ("energy", "lpg", "consumption")  # 液化石油气 (23) follows 燃料油 (22)
