"""导出空白模板… and 导出数据清单… in the real main window (pytest-qt, offscreen): the file dialog
answered by the test, the job run off the UI thread, the real files read back."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox

from export.submission import META_SHEET, TEMPLATE_FORMAT


@pytest.fixture
def window(demo_window):
    return demo_window


def _answer_save_dialog(monkeypatch, path, selected=""):
    asked = []

    def answer(parent, title, suggested, filters):
        asked.append((title, suggested, filters))
        return str(path), selected

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return asked


def _wait(qtbot, window):
    qtbot.waitUntil(lambda: window.last_operation is not None and window.last_operation.done, timeout=15000)


def test_template_action_writes_the_blank_template(qtbot, window, demo_township, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"unexpected warning {a[2]}"))
    asked = _answer_save_dialog(monkeypatch, tmp_path / "模板")  # no suffix typed
    assert window.template_action.isEnabled()
    window.template_action.trigger()
    _wait(qtbot, window)
    out = tmp_path / "模板.xlsx"
    assert asked[0][0] == "导出空白模板" and asked[0][1].endswith(f"{demo_township.name}_2025_空白模板.xlsx")
    meta = {k: v for k, v in load_workbook(out)[META_SHEET].iter_rows(values_only=True)}
    assert meta["format"] == TEMPLATE_FORMAT and meta["period"] == "2025"
    assert meta["township_name"] == demo_township.name
    assert str(out) in window.statusBar().currentMessage()


def test_flat_action_writes_csv_or_xlsx(qtbot, window, workspace, demo_township, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"unexpected warning {a[2]}"))
    _answer_save_dialog(monkeypatch, tmp_path / "清单", "CSV 文本 (*.csv)")
    window.flat_action.trigger()
    _wait(qtbot, window)
    rows = list(csv.reader((tmp_path / "清单.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] and len(rows) == window.last_operation.result + 1
    assert {r[0] for r in rows[1:]} == {demo_township.name} and any("电力" in "".join(r) for r in rows)

    _answer_save_dialog(monkeypatch, tmp_path / "清单.xlsx")
    window.flat_action.trigger()
    _wait(qtbot, window)
    sheet = load_workbook(tmp_path / "清单.xlsx").active
    assert sheet.max_row == window.last_operation.result + 1 == len(rows)


def test_failed_export_says_why_and_leaves_no_file(qtbot, window, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append((a[1], a[2])))
    _answer_save_dialog(monkeypatch, tmp_path / "不存在的U盘" / "模板.xlsx")
    window.template_action.trigger()
    _wait(qtbot, window)
    qtbot.waitUntil(lambda: bool(warned), timeout=5000)
    assert warned[0][0] == "导出空白模板失败" and "文件夹不存在" in warned[0][1]
    assert not (tmp_path / "不存在的U盘").exists()


def test_cancelled_dialog_does_nothing(window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    window.last_operation = None
    window.flat_action.trigger()
    window.template_action.trigger()
    assert window.last_operation is None and not list(tmp_path.glob("*.xlsx"))
