"""Data entry in the real grid (offscreen): Excel keys, paste in/out through the real clipboard,
undo/redo consistent with the audit, 说明 from the cell, locked periods, find and zoom."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QLineEdit

from storage.periods_store import set_locked
from tests.stored import stored_value
from ui.grid_model import SEVERITY_ROLE
from ui.grid_view import GridView
from ui.main_window import MainWindow

from .entry_forms import entry_catalogue, entry_workspace

FORM = "entry_grid"
Key = Qt.Key


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "entry.sqlite"


@pytest.fixture
def window(qtbot, tmp_path, db_path, catalogue, messages):
    """The real main window on a database holding our test forms."""
    from PySide6.QtCore import QSettings

    ws, township = entry_workspace(db_path, entry_catalogue(tmp_path / "forms", catalogue.reference))
    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.messages = messages
    w.show()
    w.attach_workspace(ws)
    w.period_combo.setCurrentIndex(w.period_combo.findData("2025"))
    assert w.controller.period == "2025" and w.controller.form_key == FORM
    yield w
    w.close()
    ws.close()


def _view(w: MainWindow) -> GridView:
    view = w.grid_view("t")
    assert view is not None
    return view


def _idx(view: GridView, row: str, col: str = "a"):
    index = view.grid_model().index_for_cell(("t", row, col))
    assert index.isValid()
    return index


def _stored(db_path: Path, report_id: int, row_key: str, col_key: str = "a"):
    return stored_value(db_path, report_id, "t", row_key, col_key)


def _editor(view: GridView) -> QLineEdit:
    assert view.state() == QAbstractItemView.State.EditingState
    editor = view.delegate.last_editor
    assert isinstance(editor, QLineEdit)
    return editor


def _enter(qtbot, view: GridView, key: Qt.Key = Qt.Key.Key_Return) -> None:
    """Press a key in the open editor and wait for the delegate's (queued) commit and close."""
    import time

    from PySide6.QtWidgets import QApplication

    editor = _editor(view)
    before = view.currentIndex()
    qtbot.keyClick(editor, key)
    # Plain processEvents, not qtbot.waitUntil: after tests/test_fonts.py ran the real app.exec(),
    # pytest-qt's waiting loop stops delivering queued calls in this process.
    deadline = time.monotonic() + 5
    while view.state() == QAbstractItemView.State.EditingState and view.currentIndex() == before:
        assert time.monotonic() < deadline, "the editor did not commit"
        QApplication.processEvents()


def _key_of(view: GridView):
    return view.grid_model().cell_key(view.currentIndex())


def test_enter_moves_down_to_the_next_input_cell(qtbot, window):
    view = _view(window)
    view.setCurrentIndex(_idx(view, "r1"))
    qtbot.keyClick(view, Key.Key_Return)
    assert _key_of(view) == ("t", "r2", "a")
    view.setCurrentIndex(_idx(view, "r2", "b"))  # r3's 乙量 does not apply: skipped
    qtbot.keyClick(view, Key.Key_Enter)
    assert _key_of(view) == ("t", "r4", "b")
    view.setCurrentIndex(_idx(view, "r5"))  # the last input row: 合计 below is computed
    qtbot.keyClick(view, Key.Key_Return)
    assert _key_of(view) == ("t", "r5", "a")


def test_typing_over_a_cell_replaces_it_and_enter_stores(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    qtbot.keyClick(view, Key.Key_7)
    editor = _editor(view)
    assert editor.text() == "7"  # the old 10 is replaced, not appended to
    qtbot.keyClicks(editor, "1,000")
    _enter(qtbot, view)
    assert _stored(db_path, model.report_id, "r1") == 71000  # thousands separator accepted
    assert model.data(_idx(view, "r1")) == "71,000.00"  # and shown
    assert model.data(_idx(view, "r1", "c")) == "71,001.00"  # recomputed at once
    assert _key_of(view) == ("t", "r2", "a")


def test_f2_edits_in_place_and_escape_cancels(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r2"))
    qtbot.keyClick(view, Key.Key_F2)
    editor = _editor(view)
    assert editor.text() == "20" and not editor.hasSelectedText() and editor.cursorPosition() == 2
    qtbot.keyClicks(editor, "5")
    _enter(qtbot, view)
    assert _stored(db_path, model.report_id, "r2") == 205
    view.setCurrentIndex(_idx(view, "r2"))
    qtbot.keyClick(view, Key.Key_1)
    qtbot.keyClicks(_editor(view), "23")
    qtbot.keyClick(_editor(view), Key.Key_Escape)
    assert view.state() != QAbstractItemView.State.EditingState
    assert _stored(db_path, model.report_id, "r2") == 205
    assert model.undo_stack.count() == 1


def test_tab_and_shift_tab_skip_computed_and_blocked_cells(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    qtbot.keyClick(view, Key.Key_Tab)  # 折半 (computed) skipped
    assert _key_of(view) == ("t", "r1", "b")
    qtbot.keyClick(view, Key.Key_Tab)  # 合计量 skipped, on to the next row
    assert _key_of(view) == ("t", "r2", "a")
    view.setCurrentIndex(_idx(view, "r3"))
    qtbot.keyClick(view, Key.Key_Tab)  # r3's 乙量 does not apply
    assert _key_of(view) == ("t", "r4", "a")
    qtbot.keyClick(view, Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _key_of(view) == ("t", "r3", "a")
    qtbot.keyClick(view, Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _key_of(view) == ("t", "r2", "b")
    qtbot.keyClick(view, Key.Key_3)  # typing then Tab stores and moves on
    _enter(qtbot, view, Key.Key_Tab)
    assert _stored(db_path, model.report_id, "r2", "b") == 3
    assert _key_of(view) == ("t", "r3", "a")


def test_arrows_move_over_every_cell(qtbot, window):
    view = _view(window)
    view.setCurrentIndex(_idx(view, "r1"))
    qtbot.keyClick(view, Key.Key_Right)
    assert _key_of(view) == ("t", "r1", "half")
    qtbot.keyClick(view, Key.Key_Down)
    assert _key_of(view) == ("t", "r2", "half")
    qtbot.keyClick(view, Key.Key_Left)
    qtbot.keyClick(view, Key.Key_Up)
    assert _key_of(view) == ("t", "r1", "a")


def test_delete_clears_a_selection_as_one_undo_step(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    sel = view.selectionModel()
    view.setCurrentIndex(_idx(view, "r1"))
    sel.select(_idx(view, "r2"), sel.SelectionFlag.Select)
    sel.select(_idx(view, "r1", "c"), sel.SelectionFlag.Select)  # computed: not cleared
    qtbot.keyClick(view, Key.Key_Delete)
    assert _stored(db_path, model.report_id, "r1") is None
    assert _stored(db_path, model.report_id, "r2") is None
    assert model.undo_stack.count() == 1 and model.undo_stack.undoText() == "清除 2 个单元格"
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r1") == 10
    assert _stored(db_path, model.report_id, "r2") == 20


@pytest.fixture
def refused(window):
    return window.messages


def test_paste_from_excel_pastes_what_it_can_and_lists_the_rest(qtbot, window, db_path, refused):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    # Excel/WPS text: BOM, CRLF, full-width digits, thousands separators, "—" for blank, a computed
    # column, a not-applicable cell, a bad value, and a column beyond the table
    QGuiApplication.clipboard().setText("\ufeff1,234.5\t99\t—\r\n１２３\t\t7\r\nabc\t\t8\r\n4\t\t\t\t5\r\n")
    qtbot.keyClick(view, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r1") == 1234.5
    assert _stored(db_path, model.report_id, "r1", "b") is None  # "—" means blank
    assert _stored(db_path, model.report_id, "r2") == 123
    assert _stored(db_path, model.report_id, "r2", "b") == 7
    assert _stored(db_path, model.report_id, "r3") == 30  # 'abc' refused: the old value stays
    assert _stored(db_path, model.report_id, "r4") == 4
    [(title, text)] = refused
    assert title == "部分内容未粘贴" and "已粘贴 6 个单元格" in text and "以下 4 项未粘贴" in text
    assert "第一项·折半：“99” — 自动计算，不可填写" in text
    assert "第三项·甲量：“abc”" in text and "不是数值" in text
    assert "第三项·乙量：“8” — 本格不适用" in text
    assert "第4行第8列：“5” — 超出表格范围" in text
    assert model.undo_stack.count() == 1 and model.undo_stack.undoText() == "粘贴 6 个单元格"
    assert model.workspace.store.audit(model.report_id, ("t", "r1", "a"))[-1]["reason"] == "粘贴"


def test_paste_of_what_computed_cells_already_show_is_not_a_refusal(qtbot, window, db_path, refused):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    shown = model.data(_idx(view, "r1", "half"))
    QGuiApplication.clipboard().setText(f"77\t{shown}\r\n")
    result = view.paste_clipboard()
    assert result.written == 1 and result.refused == [] and refused == []
    assert _stored(db_path, model.report_id, "r1") == 77


def test_one_value_pasted_onto_a_selection_fills_it(qtbot, window, db_path, refused):
    view = _view(window)
    model = view.grid_model()
    sel = view.selectionModel()
    view.setCurrentIndex(_idx(view, "r1"))
    for row in ("r2", "r4"):
        sel.select(_idx(view, row), sel.SelectionFlag.Select)
    QGuiApplication.clipboard().setText("0\r\n")
    result = view.paste_clipboard()
    assert result.written == 3  # r1, r2 and r4; r3 lies between but was not selected
    assert [_stored(db_path, model.report_id, r) for r in ("r1", "r2", "r4")] == [0, 0, 0]


def test_copy_out_gives_excel_raw_numbers_and_pastes_back(qtbot, window, refused):
    view = _view(window)
    model = view.grid_model()
    model.setData(_idx(view, "r1"), "1234.5678")
    sel = view.selectionModel()
    view.setCurrentIndex(_idx(view, "r1"))
    sel.select(_idx(view, "r1", "half"), sel.SelectionFlag.Select)
    sel.select(_idx(view, "r3", "b"), sel.SelectionFlag.Select)
    sel.select(_idx(view, "r3", "a"), sel.SelectionFlag.Select)
    qtbot.keyClick(view, Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    # rows 1 and 3 (2 not selected: no line), columns 甲量 折半 乙量; full precision, no separators
    assert text == "1234.5678\t617.2839\t\r\n30\t\t—\r\n"
    view.setCurrentIndex(_idx(view, "r4"))
    result = view.paste_clipboard()  # the block pastes back; only the computed figure is listed as skipped
    assert model.value(_idx(view, "r4")) == 1234.5678 and model.value(_idx(view, "r5")) == 30
    assert model.value(_idx(view, "r5", "b")) is None  # "—" (not applicable) reads as blank
    assert [(r.where, r.reason) for r in result.refused] == [("第四项·折半", "自动计算，不可填写")]
    assert refused and "第四项·折半" in refused[-1][1]


def test_undo_and_redo_write_audited_edits(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    model.setData(_idx(view, "r5"), "500")
    model.setData(_idx(view, "r5"), "600")
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r5") == 500
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r5") == 50
    assert model.data(_idx(view, "r5")) == "50.00" and model.data(_idx(view, "r5", "c")) == "55.00"
    qtbot.keyClick(view, Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r5") == 500
    log = [(a["old"], a["new"], a["reason"]) for a in model.workspace.store.audit(model.report_id, ("t", "r5", "a"))
           if a["field"] == "value"]
    assert log[-5:] == [(50, 500, ""), (500, 600, ""), (600, 500, "撤销"), (500, 50, "撤销"), (50, 500, "重做")]
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _stored(db_path, model.report_id, "r5") == 600  # Ctrl+Shift+Z redoes too


def test_undo_spans_a_whole_paste_and_the_status_follows(qtbot, window, db_path, refused):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    QGuiApplication.clipboard().setText("5000\n6000\n7000")
    assert view.paste_clipboard().written == 3
    assert window.forms_list.status_of(FORM) == "有警告"  # 甲量超过1000
    model.undo_stack.undo()
    assert [_stored(db_path, model.report_id, r) for r in ("r1", "r2", "r3")] == [10, 20, 30]
    assert window.forms_list.status_of(FORM) == "填报中"
    model.undo_stack.redo()
    assert _stored(db_path, model.report_id, "r3") == 7000
    assert window.controller.state.status == "有警告"


def test_note_from_the_cell_context_menu_explains_a_warning(qtbot, window, monkeypatch):
    view = _view(window)
    model = view.grid_model()
    index = _idx(view, "r1")
    model.setData(index, "2500")
    assert model.data(index, SEVERITY_ROLE) == "警告"
    menu = view.build_context_menu(index)
    actions = {a.text(): a for a in menu.actions()}
    assert {"复制", "粘贴", "清除", "填写说明…", "单元格历史…"} <= set(actions)
    assert actions["填写说明…"].isEnabled() and actions["撤销 修改 第一项·甲量"].isEnabled()
    assert not view.build_context_menu(_idx(view, "r2")).actions()[-2].isEnabled()  # no finding, no 说明
    asked = []

    def answer(_parent, title, prompt, text):
        asked.append((title, prompt, text))
        return "新建陶瓷厂投产，用量大幅增加", True

    monkeypatch.setattr(QInputDialog, "getMultiLineText", answer)
    actions["填写说明…"].trigger()
    assert "第一项·甲量" in asked[0][0] and "甲量超过1000" in asked[0][1]
    assert model.workspace.store.load(model.report_id).notes[("t", "r1", "a")].startswith("新建陶瓷厂")
    assert all(f.explained for f in model.findings(index) if f.severity == "警告")
    assert window.findings.model.rowCount() >= 1  # the panel shows the same state
    assert window.forms_list.status_of(FORM) == "填报中"


def test_locked_period_asks_for_a_reason_once_and_audits_it(qtbot, window, db_path, monkeypatch):
    view = _view(window)
    model = view.grid_model()
    report = model.state.data.report
    set_locked(model.workspace.store, report.township_id, report.period, True, "测试员")
    answers = iter([("", False), ("区局要求更正", True)])
    asked = []

    def get_text(*args, **kwargs):
        asked.append(args)
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    failed: list[str] = []
    model.editFailed.connect(failed.append)
    assert not model.setData(_idx(view, "r4"), "41")  # cancelled: nothing stored
    assert _stored(db_path, model.report_id, "r4") == 40 and "已锁定" in failed[0]
    assert model.setData(_idx(view, "r4"), "41")
    assert model.setData(_idx(view, "r5"), "51")  # asked only once per opened report
    assert len(asked) == 2
    audit = model.workspace.store.audit(model.report_id, ("t", "r4", "a"))
    assert audit[-1]["new"] == 41 and audit[-1]["reason"] == "已锁定期修改：区局要求更正"


def test_note_from_the_findings_panel_in_a_locked_period_needs_the_reason(qtbot, window, monkeypatch):
    view = _view(window)
    model = view.grid_model()
    index = _idx(view, "r1")
    assert model.setData(index, "2500") and model.data(index, SEVERITY_ROLE) == "警告"
    report = model.state.data.report
    model.workspace.set_period_locked(report.township_id, report.period, True)
    answers = iter([("", False), ("区局要求补充说明", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    window.save_note(("t", "r1", "a"), "新建陶瓷厂投产，用量大幅增加")  # cancelled: not stored
    assert ("t", "r1", "a") not in model.workspace.load(model.report_id).notes
    assert "已锁定" in window.messages[-1][1]
    window.save_note(("t", "r1", "a"), "新建陶瓷厂投产，用量大幅增加")
    assert model.workspace.load(model.report_id).notes[("t", "r1", "a")].startswith("新建陶瓷厂")
    last = model.workspace.cell_changes(model.report_id, ("t", "r1", "a"))[-1]
    assert (last["field"], last["reason"]) == ("note", "已锁定期修改：区局要求补充说明")
    assert window.forms_list.status_of(FORM) == "填报中"


def test_find_a_row_or_column_by_name(qtbot, window):
    page = window.current_page()
    view = page.view
    page.search.setText("第四")
    found = page.find_next()
    assert _key_of(view)[1] == "r4" and found == view.currentIndex()
    page.search.setText("量")  # columns 甲量 乙量 合计量, one after the other
    seen = set()
    for _ in range(3):
        page.find_next()
        seen.add(_key_of(view)[2])
    assert seen == {"a", "b", "c"}
    qtbot.keyClick(view, Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    page.search.setText("不存在的指标")
    assert not page.find_next().isValid()


def test_ctrl_wheel_zooms(qtbot, window):
    view = _view(window)
    size = view.font().pointSizeF()
    event = QWheelEvent(QPointF(50, 50), QPointF(view.mapToGlobal(QPoint(50, 50))), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    view.wheelEvent(event)
    assert view.zoom == pytest.approx(1.21)
    assert view.font().pointSizeF() == pytest.approx(size * 1.21)
    for _ in range(20):
        view.wheelEvent(event)
    assert view.zoom == 2.0


def test_one_undo_history_for_all_tables_of_the_report(qtbot, window, db_path):
    view, other = _view(window), window.grid_view("t2")
    assert other is not None and window.tabs.count() == 2
    model, model2 = view.grid_model(), other.grid_model()
    assert model.undo_stack is model2.undo_stack
    model.setData(_idx(view, "r1"), "11")
    model2.setData(model2.index_for_cell(("t2", "gdp", "v")), "9999")
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoes the other table's edit
    assert model2.value(model2.index_for_cell(("t2", "gdp", "v"))) is None
    qtbot.keyClick(view, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stored(db_path, model.report_id, "r1") == 10


def test_an_edit_repaints_only_the_cells_it_changes(qtbot, window):
    view = _view(window)
    model = view.grid_model()
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((model.cell_key(a), model.cell_key(b))))
    model.setData(_idx(view, "r2"), "21")
    cells = {a for a, b in changed if a == b}
    assert len(changed) == len(cells)  # one rectangle per cell, never the whole grid
    assert cells == {("t", "r2", "a"), ("t", "r2", "half"), ("t", "r2", "c"), ("t", "total", "c")}


def test_zoom_is_remembered_for_the_next_report(qtbot, window):
    view = _view(window)
    view.set_zoom(1.5)
    assert float(window.settings.value("grid/zoom")) == 1.5
    window.period_combo.setCurrentIndex(window.period_combo.findData("2024"))  # another report: new grids
    assert window.controller.period == "2024"
    assert _view(window) is not view and _view(window).zoom == 1.5


def test_pasting_what_is_already_there_is_not_an_undo_step(qtbot, window, db_path):
    view = _view(window)
    model = view.grid_model()
    view.setCurrentIndex(_idx(view, "r1"))
    QGuiApplication.clipboard().setText("10\t\t1\r\n")  # r1 already holds 甲量 10, 乙量 1
    result = view.paste_clipboard()
    assert (result.written, result.unchanged, result.refused) == (0, 2, [])
    assert model.undo_stack.count() == 0
    before = len(model.workspace.store.audit(model.report_id))
    QGuiApplication.clipboard().setText("10\t\t2\r\n")
    assert view.paste_clipboard().written == 1
    assert len(model.workspace.store.audit(model.report_id)) == before + 1  # only the changed cell audited
