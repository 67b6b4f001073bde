"""The township window as a clerk meets it (issue 13: 1, 2, 3, 4, 7, 10, 11, 13), on the real
window with real database files (offscreen)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from storage.workspace import CHANGED_SINCE_EXPORT, NO_DATA_STATE, Workspace
from tests.no_data_helpers import clear_form
from tests.screen_fit_helpers import CLIENT_1366, CLIENT_1920_150, visible_cells
from tests.stored import stored_value
from tests.windows import UNDER_WINE, WINE_WINDOW_LIMITS
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent


def _window(qtbot, tmp_path: Path) -> MainWindow:
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    return window


def _wheel(widget, delta: int = -120) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, delta),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _pick(qtbot, combo, index: int) -> None:
    """What a clerk does: open the list, click the item."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(combo.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# -- 1. wheel and arrows never switch; the choice is kept per database ----------------------------
def test_wheel_and_arrow_keys_never_switch_township_or_period(qtbot, demo_window, demo_township) -> None:
    window = demo_window
    for combo in (window.township_combo, window.period_combo):
        before = (combo.currentIndex(), window.controller.township.id, window.controller.period)
        combo.setFocus()
        _wheel(combo)
        _wheel(combo, 120)
        for key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_End, Qt.Key.Key_Q):
            qtbot.keyClick(combo, key)
        assert (combo.currentIndex(), window.controller.township.id, window.controller.period) == before
    _pick(qtbot, window.township_combo, 3)  # a deliberate pick does switch
    assert window.township_combo.currentIndex() == 3
    assert window.controller.township.id == window.township_combo.itemData(3) != demo_township.id


def test_the_choice_is_remembered_per_database(qtbot, tmp_path, catalogue) -> None:
    first, second = tmp_path / "a" / "甲.sqlite", tmp_path / "b" / "乙.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(first, demo=True)
    _pick(qtbot, window.township_combo, 2)
    chosen_first = window.controller.township.id
    assert window.switch_database(second, demo=True)
    assert window.controller.township.is_demo  # the other database does not inherit the choice
    _pick(qtbot, window.township_combo, 5)
    chosen_second = window.controller.township.id
    assert window.switch_database(first)
    assert window.controller.township.id == chosen_first
    window.close()
    stored = Workspace.open(second, catalogue=catalogue, demo=False)
    try:
        assert stored.remembered_place()["township_id"] == chosen_second
        assert json.loads(stored.store.conn.execute(  # JSON in the database's own settings, not a pickle
            "SELECT value FROM settings WHERE key = 'window_place'").fetchone()[0])["township_id"] == chosen_second
    finally:
        stored.close()


# -- 2. first start: who is she, then her own empty forms; the demo apart, with a banner ----------
def test_first_start_on_a_new_database_asks_township_and_profile(qtbot, tmp_path, messages) -> None:
    db = tmp_path / "data" / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db)
    page = window.first_start_page
    assert window.pages_stack.currentWidget() is page and not window.export_action.isEnabled()
    assert not any(t.is_demo for t in window.workspace.townships())  # a real clerk never lands in the demo
    assert not page.start_button.isEnabled()
    page.choose(window.workspace.find_township("卫星湖街道").id)
    page.fields["phone"].setText("电话abc")
    assert not page.finish() and "联系电话" in page.problem.text()
    for key, text in (("unit_head", "张主任"), ("stat_head", "李统计"), ("filler", "王填表"), ("phone", "023-49876543")):
        page.fields[key].setText(text)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert window.pages_stack.currentWidget() is window.hsplit and window.export_action.isEnabled()
    town = window.controller.township
    assert town.name == "卫星湖街道" and (town.unit_head, town.filler, town.phone) == ("张主任", "王填表", "023-49876543")
    assert window.township_combo.currentData() == town.id
    assert {window.forms_list.status_of(f.key) for f in window.workspace.catalogue} == {"未填"}
    assert not window.demo_banner.isVisibleTo(window)
    window.close()
    again = _window(qtbot, tmp_path)  # the next start goes straight to her forms
    assert again.open_database(db)
    assert again.first_start_page is None and again.controller.township.name == "卫星湖街道"
    again.close()


def test_demo_opens_its_own_database_with_a_banner(qtbot, tmp_path, messages) -> None:
    db = tmp_path / "data" / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db)
    qtbot.mouseClick(window.first_start_page.demo_button, Qt.MouseButton.LeftButton)  # or 帮助 → 打开演示数据
    assert window.workspace.path == db.parent / "演示数据.sqlite"
    assert window.controller.township.is_demo and window.demo_banner.isVisibleTo(window)
    assert "演示数据" in window.demo_banner.text()
    assert window.demo_action.text() == "打开演示数据" and window.demo_action in window.menuBar().actions()[-1].menu().actions()
    assert window.switch_database(db)  # back to her own, still asking who she is; no banner
    assert window.first_start_page is not None and not window.demo_banner.isVisibleTo(window)
    window.close()


# -- 3. closing with a half-typed cell keeps it, with no closed-database error ---------------------
def test_closing_commits_a_half_typed_cell(qtbot, tmp_path, caplog, capfd, messages) -> None:
    db = tmp_path / "data" / "jnjp.sqlite"
    window = _window(qtbot, tmp_path)
    assert window.open_database(db, demo=True)  # the window owns the database: closing closes it
    caplog.set_level(logging.DEBUG)
    view = window.grid_view("energy")
    model = view.grid_model()
    index = model.index_for_cell(("energy", "raw_coal", "consumption"))
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "17345")  # no Enter: Alt+F4 now
    report_id = model.report_id
    assert stored_value(db, report_id, "energy", "raw_coal", "consumption") != 17345  # still in the editor
    window.close()
    assert window.workspace is None
    assert stored_value(db, report_id, "energy", "raw_coal", "consumption") == 17345
    assert "closed database" not in caplog.text.lower()
    assert "closed database" not in capfd.readouterr().err.lower()
    assert not messages  # no 保存失败 box either


# -- 4. a database open elsewhere: open another one or quit, never an empty live window ------------
def test_second_copy_offers_only_another_database_or_quit(qtbot, tmp_path, messages, monkeypatch) -> None:
    from ui import database_dialogs

    db = tmp_path / "jnjp.sqlite"
    Workspace.open(db).close()
    holder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "lock_holder.py"), str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        answers = [None]
        asked = []
        monkeypatch.setattr(database_dialogs, "choose_other_or_quit", lambda parent: asked.append(1) or answers.pop(0))
        window = _window(qtbot, tmp_path)
        assert window.start(db) is False
        assert asked and messages[0][0] == "数据库已被打开"
        assert not window.isVisible() and window.workspace is None  # quit: no window left behind

        other = tmp_path / "其他" / "jnjp.sqlite"
        answers[:] = [other]
        second = _window(qtbot, tmp_path)
        assert second.start(db) is True
        assert second.workspace is not None and second.workspace.path == other
        second.close()
    finally:
        holder.communicate("", timeout=10)


# -- 7. the keyboard goes back to the grid, on the right cell ----------------------------------------
def _active(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


@pytest.mark.skipif(UNDER_WINE, reason=WINE_WINDOW_LIMITS)
def test_focus_returns_to_the_grid(qtbot, demo_window, messages) -> None:
    window = demo_window
    _active(qtbot, window)
    # switching sub-table: the new table's grid, on a cell
    window.tabs.setCurrentIndex(1)
    second = window.current_page()
    assert QApplication.focusWidget() is second.view and second.view.currentIndex().isValid()
    # Esc in the search box
    window.tabs.setCurrentIndex(0)
    page = window.current_page()
    page.view.setCurrentIndex(page.model.index_for_cell(("energy", "coke", "consumption")))
    page.search.setFocus()
    qtbot.keyClicks(page.search, "12")
    qtbot.keyClick(page.search, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is page.view
    # a finding clicked in the 审核结果 pane: its cell, with the keyboard
    finding = window.findings.model.finding(0)
    window.findings.view.setFocus()
    window.open_finding(window.controller.form_key, finding.cell)
    view = window.grid_view(finding.table)
    assert QApplication.focusWidget() is view and view.grid_model().cell_key(view.currentIndex()) == finding.cell
    # 添加行 in a list table
    window.controller.select_form("key_energy_units")
    page = window.current_page()
    rows = page.model.rowCount()
    qtbot.mouseClick(page.buttons["添加行"], Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == rows + 1
    assert QApplication.focusWidget() is page.view and page.view.currentIndex().row() == rows


# -- 10. fitting the screen ---------------------------------------------------------------------------
def _probe(tmp_path: Path, screen: tuple[int, int], client: tuple[int, int], scale: str | None,
           png: Path | None) -> dict:
    config = tmp_path / f"screen_{screen[0]}.json"
    config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": screen[0], "height": screen[1],
                                               "logicalDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    folder = tmp_path / f"probe_{screen[0]}"
    folder.mkdir()
    args = [sys.executable, str(ROOT / "tests" / "screen_fit_probe.py"), str(folder), *map(str, client)]
    done = subprocess.run([*args, *([str(png)] if png else [])], env=env, capture_output=True, text=True,
                          timeout=180, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform == "win32", reason="the probe sizes the screen with Qt's offscreen platform, which on "
                    "Windows loads no Chinese font (see selftest.py); measured on Linux")
@pytest.mark.parametrize(("screen", "client", "scale", "name"), [
    ((1366, 768), CLIENT_1366, None, "window_1366x768.png"),
    ((1920, 1080), CLIENT_1920_150, "1.5", "window_1920x1080_150.png"),
])
def test_window_fits_the_screen(tmp_path, screen, client, scale, name) -> None:
    folder = os.environ.get("JNJP_SCREENSHOT_DIR")
    png = Path(folder) / name if folder else tmp_path / name
    found = _probe(tmp_path, screen, client, scale, png)
    assert found["inside"], found  # opens inside the screen (maximised when the last size does not fit)
    assert found["rows"] >= 12 and found["cols"] >= 10, found
    assert found["hidden"] == [], found  # nothing behind "»": 使用说明 and 关于 stay on the toolbar
    assert png.stat().st_size > 20_000
    print(f"{screen[0]}×{screen[1]}{' @' + scale if scale else ''}: {found['rows']} 行 × {found['cols']} 列")


def test_panes_fold_and_are_remembered(qtbot, demo_window, workspace, tmp_path) -> None:
    window = demo_window
    window.resize(*CLIENT_1366)
    assert window.toggle_pane(1, True) and window.vsplit.sizes()[1] > 0  # 说明 unfolded
    assert not window.toggle_pane(2, False) and window.vsplit.sizes()[2] == 0  # 审核结果 folded
    rows_folded, _cols = visible_cells(window.grid_view("energy"))
    window.audit_action.trigger()  # 审核 unfolds the findings again
    assert window.vsplit.sizes()[2] > 0
    window.toggle_pane(2, False)
    sizes = window.vsplit.sizes()
    window.close()
    again = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.vsplit.sizes()[1:] == sizes[1:] and rows_folded >= 12


# -- 11, 13. readiness before the file dialog; where the file went; changed after export ----------
def test_export_says_what_is_missing_first_then_where_the_file_is(qtbot, demo_window, demo_township, workspace,
                                                                 tmp_path, monkeypatch) -> None:
    from ui import export_flow

    window = demo_window
    clear_form(workspace, demo_township.id, "agriculture")
    window.controller.select_period("2025")
    asked: list[object] = []
    monkeypatch.setattr(export_flow, "ask_unready_export", lambda _p, r: asked.append(r) or ("declare", "本镇无农业生产"))
    paths: list[str] = []
    out = tmp_path / "演示镇_2025.xlsx"
    monkeypatch.setattr(window, "ask_export_path", lambda name: paths.append(name) or out)
    opened: list[Path] = []
    monkeypatch.setattr(export_flow, "open_folder", opened.append)
    window.export_action.trigger()
    assert [f.key for f in asked[0].empty] == ["agriculture"] and paths  # asked before the save dialog
    qtbot.waitUntil(lambda: window.last_operation is not None and window.last_operation.done, timeout=30_000)
    assert out.exists()
    box = window.exported_box
    assert box.isVisible() and str(out) in box.text()
    [folder_button] = [b for b in box.buttons() if b.text() == "打开所在文件夹"]
    folder_button.click()
    assert opened == [out]
    assert window.forms_list.status_of("agriculture") == NO_DATA_STATE
    assert window.forms_list.status_of("energy_consumption") == "已导出"
    model = window.grid_view("energy").grid_model()
    model.setData(model.index_for_cell(("energy", "raw_coal", "consumption")), "17000")
    qtbot.waitUntil(lambda: window.forms_list.status_of("energy_consumption") == CHANGED_SINCE_EXPORT)


def test_export_with_errors_goes_to_the_problem_without_asking_a_path(qtbot, demo_window, monkeypatch) -> None:
    from ui import export_flow

    window = demo_window
    window.controller.select_form("agriculture")
    model = window.grid_view().grid_model()
    cell = next(model.index(r, c) for r in range(model.rowCount()) for c in range(model.columnCount())
                if model.is_input(model.index(r, c)))
    model.setData(cell, "abc")
    window.controller.select_form("energy_consumption")
    asked: list[object] = []
    monkeypatch.setattr(export_flow, "ask_unready_export", lambda _p, r: asked.append(r) or ("show", ""))
    monkeypatch.setattr(window, "ask_export_path", lambda name: pytest.fail("no save dialog while not ready"))
    window.export_action.trigger()
    assert asked and "有错误：永节统5表（1条）" in asked[0].lines()
    assert window.controller.form_key == "agriculture"


# -- 12. 本期无数据 from the forms list ------------------------------------------------------------
def test_forms_list_declares_and_withdraws_no_data(qtbot, demo_window, demo_township, workspace, monkeypatch) -> None:
    from ui import export_flow

    window = demo_window
    item = next(window.forms_list.topLevelItem(i) for i in range(window.forms_list.topLevelItemCount())
                if window.forms_list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == "agriculture")
    [filled] = window.forms_list.no_data_menu(item).actions()
    assert not filled.isEnabled()  # a form holding figures cannot be declared empty
    clear_form(workspace, demo_township.id, "agriculture")
    window.controller.select_period("2025")
    window.controller._show_forms()
    item = window.forms_list.findItems("永节统5表", Qt.MatchFlag.MatchExactly, 0)[0]
    monkeypatch.setattr(export_flow, "ask_no_data_reason", lambda _p, names: "本镇无农业" if "永节统5表" in names else None)
    [declare] = window.forms_list.no_data_menu(item).actions()
    declare.trigger()
    assert window.forms_list.status_of("agriculture") == NO_DATA_STATE
    assert workspace.no_data(demo_township.id, "2025")["agriculture"].reason == "本镇无农业"
    item = window.forms_list.findItems("永节统5表", Qt.MatchFlag.MatchExactly, 0)[0]
    [withdraw] = window.forms_list.no_data_menu(item).actions()
    withdraw.trigger()
    assert window.forms_list.status_of("agriculture") == "未填" and not workspace.no_data(demo_township.id, "2025")
