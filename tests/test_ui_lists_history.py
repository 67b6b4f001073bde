"""List tables (add / remove / reorder / 复制上期 / paste that grows the list) and the cell history
view (chart of earlier periods + change log), with screenshots under screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from storage.cell_history import cell_history
from storage.list_ops import copy_previous_rows, move_list_row
from ui.grid_view import TablePage
from ui.history_dialog import HistoryDialog
from ui.main_window import MainWindow

from .entry_forms import entry_catalogue, entry_workspace

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture
def ws(tmp_path, catalogue):
    workspace, township = entry_workspace(tmp_path / "lists.sqlite",
                                          entry_catalogue(tmp_path / "forms", catalogue.reference), period="2024")
    workspace.township = township
    yield workspace
    workspace.close()




def _list_page(qtbot, ws, period: str) -> TablePage:
    from ui.controller import ReportState
    from ui.grid_model import GridModel

    data = ws.open_report(ws.township.id, "entry_list", period)
    form = ws.form("entry_list")
    model = GridModel(ws, form, form.table("units"), ReportState(data, ws.validate(data), data.report.status))
    page = TablePage(model)
    qtbot.addWidget(page)
    return page


def _names(page: TablePage) -> list[str]:
    return [page.model.value(page.model.index(r, 0)) for r in range(page.model.rowCount())]


def test_list_rows_add_reorder_remove_and_copy_previous(qtbot, ws, messages):
    last = _list_page(qtbot, ws, "2024")
    model = last.model
    for name, code, energy in (("永川陶瓷有限公司", "MA01", "1200"), ("永川纸业", "MA02", "800"),
                               ("物流园", "MA03", "50")):
        qtbot.mouseClick(last.buttons["添加行"], Qt.MouseButton.LeftButton)
        row = model.rowCount() - 1
        assert last.view.currentIndex().row() == row
        model.setData(model.index(row, 0), name)
        model.setData(model.index(row, 1), code)
        model.setData(model.index(row, 2), energy)
    assert _names(last) == ["永川陶瓷有限公司", "永川纸业", "物流园"]
    last.view.setCurrentIndex(model.index(2, 0))
    qtbot.mouseClick(last.buttons["上移"], Qt.MouseButton.LeftButton)
    assert _names(last) == ["永川陶瓷有限公司", "物流园", "永川纸业"] and last.view.currentIndex().row() == 1
    qtbot.mouseClick(last.buttons["上移"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(last.buttons["上移"], Qt.MouseButton.LeftButton)  # already at the top: stays
    assert _names(last) == ["物流园", "永川陶瓷有限公司", "永川纸业"]
    qtbot.mouseClick(last.buttons["下移"], Qt.MouseButton.LeftButton)
    assert _names(last) == ["永川陶瓷有限公司", "物流园", "永川纸业"]
    stored = ws.store.load(model.report_id)
    assert [stored.values[("units", k, "name")] for k in stored.list_rows["units"]] == _names(last)  # order kept
    last.view.selectRow(1)
    qtbot.mouseClick(last.buttons["删除行"], Qt.MouseButton.LeftButton)  # confirmation answers Yes
    assert _names(last) == ["永川陶瓷有限公司", "永川纸业"]
    assert [a["new"] for a in ws.store.audit(model.report_id) if a["field"] == "row"].count("add") == 3

    this = _list_page(qtbot, ws, "2025")
    assert this.model.rowCount() == 0
    qtbot.mouseClick(this.buttons["复制上期"], Qt.MouseButton.LeftButton)
    assert _names(this) == ["永川陶瓷有限公司", "永川纸业"]
    m = this.model
    assert [m.value(m.index(r, 1)) for r in range(2)] == ["MA01", "MA02"]  # codes too
    assert [m.value(m.index(r, 2)) for r in range(2)] == [None, None]  # never the figures
    assert copy_previous_rows(ws.store, m.report_id, m.table, "x") == 0  # not twice
    qtbot.mouseClick(this.buttons["复制上期"], Qt.MouseButton.LeftButton)
    assert messages[-1][0] == "复制上期" and this.model.rowCount() == 2
    audit = ws.store.audit(m.report_id, ("units", ws.store.load(m.report_id).list_rows["units"][0], "name"))
    assert audit[-1]["reason"] == "复制上期"


def test_paste_a_list_from_excel_grows_the_table_and_undo_clears_it(qtbot, ws, messages):
    page = _list_page(qtbot, ws, "2025")
    model = page.model
    model.add_row()
    page.view.setCurrentIndex(model.index(0, 0))
    QGuiApplication.clipboard().setText("甲厂\tA1\t1,000\r\n乙厂\tA2\t２００\r\n丙厂\tA3\t多\r\n")
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    result = page.view.paste_clipboard()
    assert model.rowCount() == 3 and _names(page) == ["甲厂", "乙厂", "丙厂"]
    assert inserted == [(1, 2)]  # r5: the two new rows come in one insertion (one layout), not one each
    assert model.value(model.index(1, 2)) == 200 and model.value(model.index(2, 2)) is None
    assert [r.where for r in result.refused] == ["第3行·综合能耗"]
    assert messages[-1][0] == "部分内容未粘贴"
    model.undo_stack.undo()
    assert _names(page) == [None, None, None]


def test_move_list_row_bounds(ws):
    report = ws.open_report(ws.township.id, "entry_list", "2025").report
    keys = [ws.store.add_list_row(report.id, "units", "t") for _ in range(3)]
    assert move_list_row(ws.store, report.id, "units", keys[0], 5, "t")  # clamped to the end
    assert ws.store.load(report.id).list_rows["units"] == [keys[1], keys[2], keys[0]]
    assert not move_list_row(ws.store, report.id, "units", keys[0], 1, "t")
    with pytest.raises(KeyError):
        move_list_row(ws.store, report.id, "units", "r99", 1, "t")


def test_cell_history_over_periods_and_its_dialog(qtbot, ws):
    report_2024 = ws.find_report_data(ws.township.id, "entry_grid", "2024").report.id
    for period, value in (("2022", 12.5), ("2023", 30)):
        rid = ws.open_report(ws.township.id, "entry_grid", period).report.id
        ws.edit(rid, ("t", "r1", "a"), value)
    ws.edit(report_2024, ("t", "r1", "a"), "25")
    ws.edit(report_2024, ("t", "r1", "a"), "28", reason="核对原始记录")
    ws.set_note(report_2024, ("t", "r1", "a"), "新建厂投产")
    history = cell_history(ws, report_2024, ("t", "r1", "a"))
    assert [(h.period, h.value) for h in history] == [("2022", 12.5), ("2023", 30), ("2024", 28)]
    computed = cell_history(ws, report_2024, ("t", "r1", "c"))  # a computed cell: computed per period
    assert [h.value for h in computed] == [12.5, 30, 29]  # 乙量 blank counts as 0
    dialog = HistoryDialog(ws, report_2024, ("t", "r1", "a"), "第一项·甲量")
    qtbot.addWidget(dialog)
    assert dialog.numeric_points() == [("2022", 12.5), ("2023", 30.0), ("2024", 28.0)]
    table = dialog.table
    assert table.rowCount() == 4  # 测试数据 10, 25, 28 and the 说明
    top = [table.item(0, c).text() for c in range(6)]
    assert top[1:] == ["测试员", "说明", "（空）", "新建厂投产", ""]
    second = [table.item(1, c).text() for c in range(6)]
    assert second[3:] == ["25", "28", "核对原始记录"]
    chart = dialog.chart_view.chart()
    assert len(chart.series()) == 2 and chart.series()[0].count() == 3
    dialog.resize(720, 600)
    dialog.show()
    if os.environ.get("JNJP_SCREENSHOTS", "1") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        assert dialog.grab().save(str(SCREENSHOTS / "cell_history.png"))


def test_history_from_the_grid_menu_and_grid_screenshot(qtbot, tmp_path, catalogue, messages, monkeypatch):
    workspace, township = entry_workspace(tmp_path / "g.sqlite", entry_catalogue(tmp_path / "forms", catalogue.reference))
    try:
        window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.resize(1100, 640)
        window.show()
        window.attach_workspace(workspace)
        window.period_combo.setCurrentIndex(window.period_combo.findData("2025"))
        view = window.grid_view("t")
        model = view.grid_model()
        model.setData(model.index_for_cell(("t", "r2", "a")), "2500")  # a 警告 to show its colour
        model.setData(model.index_for_cell(("t", "r4", "a")), "abc")  # an 错误
        opened = []
        monkeypatch.setattr(HistoryDialog, "exec", lambda self: opened.append(self) or 0)
        menu = view.build_context_menu(model.index_for_cell(("t", "r2", "a")))
        next(a for a in menu.actions() if a.text() == "单元格历史…").trigger()
        assert opened and opened[0].windowTitle() == "单元格历史 — 第二项·甲量"
        assert opened[0].changes[-1]["new"] == 2500
        if os.environ.get("JNJP_SCREENSHOTS", "1") == "1":
            SCREENSHOTS.mkdir(exist_ok=True)
            view.setCurrentIndex(model.index_for_cell(("t", "r2", "a")))
            assert window.grab().save(str(SCREENSHOTS / "grid_entry.png"))
        window.close()
    finally:
        workspace.close()
