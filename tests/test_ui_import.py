"""The import preview dialog and the 导入… flow, driven with pytest-qt on real files and a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from export.importer import preview_import
from export.submission import export_submission
from tests.test_import import strip_hidden
from tests.windows import show_window
from ui.import_dialog import ImportPreviewDialog, start_import
from ui.main_window import MainWindow

FORM = "energy_consumption"
CELL = ("energy", "electricity", "consumption")


@pytest.fixture
def exported(workspace, demo_township, tmp_path):
    out = tmp_path / "demo.xlsx"
    export_submission(workspace, demo_township.id, "2025", out, now=dt.datetime(2026, 1, 5))
    return out


def test_dialog_lists_changes_and_blocks_rejections(qtbot, workspace, demo_township, exported, tmp_path):
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    workspace.edit(rid, CELL, "7")
    dialog = ImportPreviewDialog(preview_import(workspace, exported))
    qtbot.addWidget(dialog)
    top = dialog.tree.topLevelItem(0)
    rows = [[top.child(i).text(c) for c in range(5)] for i in range(top.childCount())]
    assert ["修改", "永节统1表 第34行 电力 / 消费量", "7.00", "19,380.90"] in [r[:4] for r in rows]
    assert rows[0][4].startswith("永节统1表!")  # the address only as a grey hint
    assert dialog.import_button.isEnabled()

    bad = strip_hidden(exported, tmp_path / "bad.xlsx", {("coke", "consumption"): "2万"})
    dialog = ImportPreviewDialog(preview_import(workspace, bad, township_id=demo_township.id, period="2025"))
    qtbot.addWidget(dialog)
    top = dialog.tree.topLevelItem(0)
    rejected = [top.child(i) for i in range(top.childCount()) if top.child(i).text(0) == "拒绝"]
    assert len(rejected) == 1 and rejected[0].text(2) == "2万" and "万" in rejected[0].text(3)
    assert not dialog.import_button.isEnabled()


def test_import_action_previews_then_applies(qtbot, workspace, demo_township, exported, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"unexpected warning {a[2]}"))
    window = show_window(qtbot, workspace, tmp_path, demo_township.id)
    assert window.import_action.isEnabled()
    rid = workspace.open_report(demo_township.id, FORM, "2025").report.id
    workspace.edit(rid, CELL, "7")

    start_import(window, exported)
    qtbot.waitUntil(lambda: getattr(window, "import_dialog", None) is not None, timeout=10000)
    dialog = window.import_dialog
    assert workspace.find_report_data(demo_township.id, FORM, "2025").values[CELL] == 7  # nothing written yet
    dialog.import_button.click()
    qtbot.waitUntil(lambda: window.last_operation is not None and window.last_operation.done
                    and workspace.find_report_data(demo_township.id, FORM, "2025").values[CELL] != 7, timeout=10000)
    assert workspace.find_report_data(demo_township.id, FORM, "2025").values[CELL] == pytest.approx(19380.9)


def test_other_township_asks_before_importing(qtbot, workspace, demo_township, exported, tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.attach_workspace(workspace)
    other = next(t for t in workspace.townships() if not t.is_demo)
    window.township_combo.setCurrentIndex(window.township_combo.findData(other.id))
    window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))
    operation = start_import(window, exported)
    qtbot.waitUntil(lambda: operation.done and bool(asked), timeout=10000)
    assert "仍然导入" in asked[0] and getattr(window, "import_dialog", None) is None
