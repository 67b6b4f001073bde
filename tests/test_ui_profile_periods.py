"""单位信息 and 报告期 dialogs on a real database, and through the window's toolbar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QInputDialog

from storage.periods_store import is_locked, list_periods, next_period
from storage.profile import profile_problem
from ui.main_window import MainWindow
from ui.profile_dialogs import PeriodsDialog, ProfileDialog

from .entry_forms import entry_catalogue, entry_workspace


@pytest.fixture
def ws(tmp_path, catalogue):
    workspace, township = entry_workspace(tmp_path / "p.sqlite", entry_catalogue(tmp_path / "forms", catalogue.reference))
    workspace.entry_township = township
    yield workspace
    workspace.close()


def test_next_period_of_each_kind():
    assert [next_period(p) for p in ("2025", "2025Q3", "2025Q4", "2025M09", "2025M12")] == \
        ["2026", "2025Q4", "2026Q1", "2025M10", "2026M01"]


def test_profile_checks_and_saves(qtbot, ws, messages):
    assert profile_problem({"name": ""}) == "名称不能为空"
    assert "12位数字" in profile_problem({"name": "x", "stat_code": "5001"})
    dialog = ProfileDialog(ws, ws.entry_township.id)
    qtbot.addWidget(dialog)
    assert dialog.fields["name"].text() == ws.entry_township.name
    dialog.fields["stat_code"].setText("abc")
    assert not dialog.save() and "12位数字" in messages[-1][1]
    values = {"stat_code": "500118100000", "unit_head": "张三", "stat_head": "李四", "filler": "王五",
              "phone": "023-49812345"}
    other = next(t for t in ws.townships() if t.id != ws.entry_township.id and t.stat_code)
    for key, value in values.items():
        dialog.fields[key].setText(value)
    dialog.fields["stat_code"].setText(other.stat_code)  # the code of another township: refused clearly
    assert not dialog.save() and messages[-1] == ("无法保存", f"统计代码 {other.stat_code} 已属于另一个镇街（{other.name}）")
    assert ws.store.township(ws.entry_township.id) == ws.entry_township  # nothing was stored
    taken = {t.stat_code for t in ws.townships() if t.id != ws.entry_township.id}
    if values["stat_code"] in taken:
        values["stat_code"] = ws.entry_township.stat_code or ""
    dialog.fields["stat_code"].setText(values["stat_code"])
    assert dialog.save() and dialog.result() == QDialog.DialogCode.Accepted
    saved = ws.store.township(ws.entry_township.id)
    assert (saved.unit_head, saved.stat_head, saved.filler, saved.phone) == ("张三", "李四", "王五", "023-49812345")


def test_periods_create_next_lock_and_unlock(qtbot, ws, messages, monkeypatch):
    dialog = PeriodsDialog(ws, ws.entry_township.id)
    qtbot.addWidget(dialog)
    assert [p.period for p in dialog.periods] == ["2025"]
    assert dialog.table.item(0, 0).text() == "2025年" and dialog.table.item(0, 1).text() == "可编辑"
    assert "测试1表" in dialog.table.item(0, 3).text()
    assert dialog.create_next() == "2026"
    assert [p.period for p in list_periods(ws.store, ws.entry_township.id)] == ["2026", "2025"]
    dialog.select("2025")
    assert dialog.lock_button.text() == "锁定"
    dialog.toggle_lock()  # not exported yet: asks first (answered Yes)
    assert "尚未导出" in messages[-1][1]
    assert is_locked(ws.store, ws.entry_township.id, "2025")
    assert dialog.table.item(1, 1).text() == "已锁定" and dialog.lock_button.text() == "解锁"
    report_id = ws.find_report_data(ws.entry_township.id, "entry_grid", "2025").report.id
    assert [(a["field"], a["new"], a["reason"]) for a in ws.store.audit(report_id)][-1] == ("lock", 1, "上报后锁定")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    dialog.toggle_lock()  # unlocking needs a reason
    assert is_locked(ws.store, ws.entry_township.id, "2025")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("区局退回修改", True))
    dialog.toggle_lock()
    assert not is_locked(ws.store, ws.entry_township.id, "2025")
    assert ws.store.audit(report_id)[-1]["reason"] == "区局退回修改"


def test_window_toolbar_opens_both_dialogs(qtbot, ws, tmp_path, messages, monkeypatch):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.attach_workspace(ws)
    window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))

    def fill_profile(self):
        self.fields["name"].setText("新名称镇")
        return self.save()

    monkeypatch.setattr(ProfileDialog, "exec", fill_profile)
    window.profile_action.trigger()
    assert window.township_combo.currentText() == "新名称镇"
    assert window.controller.township.name == "新名称镇" and window.controller.period == "2025"

    monkeypatch.setattr(PeriodsDialog, "exec", lambda self: self.create_next() and 1)
    window.periods_action.trigger()
    assert window.controller.period == "2026"
    assert window.period_combo.findData("2026") >= 0
    assert window.controller.session is not None and window.controller.session.period == "2026"
    window.close()


def test_status_bar_says_when_the_period_is_locked(qtbot, ws, tmp_path, messages):
    from storage.periods_store import set_locked

    set_locked(ws.store, ws.entry_township.id, "2025", True, "测试员")
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.attach_workspace(ws)
    window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))
    assert "已锁定" in window.locked_label.text()
    window.period_combo.setCurrentIndex(window.period_combo.findData("2024"))
    assert window.locked_label.text() == ""
    window.close()
