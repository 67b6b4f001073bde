"""The import preview's choices in the window (tick boxes per form, 以文件为准) and 撤销导入 (action
and Ctrl+Z right after an import), driven with pytest-qt on real files and a real database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView

from export.importer import preview_import
from tests.test_import_semantics import ELECTRICITY, NOW, PERIOD, fill, state
from tests.windows import UNDER_WINE, WINE_WINDOW_LIMITS
from ui.import_dialog import REPLACE_BLANK_TEXT, ImportPreviewDialog, start_import
from ui.main_window import MainWindow


@pytest.fixture
def template(workspace, demo_township, tmp_path):
    from export.submission import export_template

    source = export_template(workspace, PERIOD, tmp_path / "模板.xlsx", township_id=demo_township.id, now=NOW)
    return fill(source, tmp_path / "部分填写.xlsx", {ELECTRICITY: 20000})


def test_tick_boxes_and_replace_blank_decide_what_is_written(qtbot, workspace, template):
    dialog = ImportPreviewDialog(preview_import(workspace, template))
    qtbot.addWidget(dialog)
    preview = dialog.preview
    assert dialog.replace_blank.text() == REPLACE_BLANK_TEXT and not dialog.replace_blank.isChecked()
    assert preview.change_count == 1 and dialog.import_button.isEnabled()
    assert "将改动 1 处" in dialog.head.text() and f"文件中为空 {preview.clear_count} 处保留原值" in dialog.head.text()
    energy = dialog.form_items["energy_consumption"]
    group = dialog.clear_items["energy_consumption"]
    assert "保留原值" in group.text(0)
    assert any(group.child(i).text(1) == "永节统1表 第01行 原煤 / 消费量" and group.child(i).text(2) == "16,920.00"
               for i in range(group.childCount()))

    dialog.replace_blank.setChecked(True)
    assert preview.replace_blank and preview.change_count == 1 + preview.clear_count and "将清空" in group.text(0)
    for key, item in dialog.form_items.items():
        if key != "energy_consumption":
            item.setCheckState(0, Qt.CheckState.Unchecked)
    assert [f.form.key for f in preview.chosen] == ["energy_consumption"]
    assert preview.change_count == 1 + len(preview.forms[0].clears)
    energy.setCheckState(0, Qt.CheckState.Unchecked)
    assert not preview.chosen and not dialog.import_button.isEnabled()


def _window(qtbot, workspace, demo_township, tmp_path) -> MainWindow:
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.attach_workspace(workspace)
    window.township_combo.setCurrentIndex(window.township_combo.findData(demo_township.id))
    window.period_combo.setCurrentIndex(window.period_combo.findData(PERIOD))
    return window


@pytest.mark.skipif(UNDER_WINE, reason=WINE_WINDOW_LIMITS)
def test_ctrl_z_right_after_an_import_offers_to_undo_it(qtbot, workspace, demo_township, template, tmp_path,
                                                        monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    window = _window(qtbot, workspace, demo_township, tmp_path)
    before = state(workspace, demo_township.id)
    start_import(window, template)
    qtbot.waitUntil(lambda: getattr(window, "import_dialog", None) is not None, timeout=10000)
    window.import_dialog.replace_blank.setChecked(True)
    window.import_dialog.import_button.click()
    qtbot.waitUntil(lambda: window.last_operation.done and getattr(window, "import_undo_shortcut", None) is not None,
                    timeout=10000)
    assert state(workspace, demo_township.id)["energy_consumption"][0] == {ELECTRICITY[1:]: 20000}

    window.activateWindow()  # a window shortcut needs the window active, as it is for the user
    try:
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    except qtbot.TimeoutError:  # Wine's windows platform without a window manager activates no window
        pytest.skip("this platform cannot activate a window (a shortcut needs an active window)")
    grid = next(v for v in window.findChildren(QTableView) if v.isVisible())
    grid.setFocus()  # where the clerk's Ctrl+Z usually lands
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid, timeout=5000)
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert asked and "撤销" in asked[0] and template.name in asked[0]
    qtbot.waitUntil(lambda: window.last_operation.done and state(workspace, demo_township.id) == before, timeout=10000)
    assert window.import_undo_shortcut is None  # offered once


def test_undo_import_action_says_when_there_is_nothing_to_undo(qtbot, workspace, demo_township, tmp_path,
                                                               monkeypatch):
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    window = _window(qtbot, workspace, demo_township, tmp_path)
    action = window.findChild(type(window.import_action), "undoImportAction")
    assert action is window.undo_import_action
    action.trigger()
    assert told == ["本镇街本期没有可撤销的导入。"]
