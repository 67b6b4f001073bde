"""The district window on real files: opened by the database kind, the colour-coded completeness
matrix, 收件 of a folder in the background with progress and cancel between files, the register,
double-click into a township's report (read-only, with findings), 审核 with filters and remarks,
退回, 新建区级汇总库; and a screenshot of the matrix at 1366×768."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from district.completeness import CellState
from district.intake import Verdict, intake_files
from storage.workspace import Workspace
from ui.district_models import STATE_COLOURS
from ui.district_window import FINDING_HEADER, REMARK_COLUMN, DistrictWindow, ReportDialog


@pytest.fixture(scope="module")
def received_db(tmp_path_factory, township_files, catalogue) -> Path:
    """A district database that received 20 of the 23 files (built once; tests use copies)."""
    folder = tmp_path_factory.mktemp("ui_district")
    ws = Workspace.create_district(folder / "区库.sqlite", catalogue=catalogue, user="区统计局")
    try:
        intake_files(ws, list(township_files.values())[:20], backup=False)
    finally:
        ws.close()
    return folder / "区库.sqlite"


@pytest.fixture
def window(qtbot, received_db: Path, tmp_path: Path, catalogue):
    db = Path(shutil.copy(received_db, tmp_path / "区库.sqlite"))
    w = DistrictWindow(Workspace.open(db, catalogue=catalogue, demo=False, user="区统计局"))
    qtbot.addWidget(w)
    w.period_combo.setCurrentIndex(w.period_combo.findData("2025"))
    w.refresh()
    yield w


def _wait(qtbot, window: DistrictWindow) -> None:
    qtbot.waitUntil(lambda: window.last_operation is not None and window.last_operation.done, timeout=60_000)


def test_a_district_database_opens_the_district_window(qtbot, received_db: Path, tmp_path: Path) -> None:
    from ui.main_window import MainWindow

    db = Path(shutil.copy(received_db, tmp_path / "区库.sqlite"))
    main = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    assert main.open_database(db)
    district = main.district_window
    assert isinstance(district, DistrictWindow) and district.isVisible() and not main.isVisible()
    assert main.workspace is None  # the township layout holds nothing of it
    district.close()


def test_new_district_database_from_the_file_menu(qtbot, tmp_path: Path, monkeypatch) -> None:
    import ui.district_menu
    from ui.district_menu import new_district_database
    from ui.main_window import MainWindow

    main = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    assert main.new_district_action.text() == "新建区级汇总库…"
    path = new_district_database(main, tmp_path / "新库.sqlite")
    assert path is not None and main.district_window.workspace.is_district
    assert len(main.district_window.matrix.townships) == 24
    said: list[str] = []
    monkeypatch.setattr(ui.district_menu.QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    main.district_window.close()
    assert new_district_database(main, path) is None  # an existing file is never made into a new one
    assert "已存在" in said[0]


def test_matrix_is_colour_coded_with_counts(window: DistrictWindow) -> None:
    model = window.matrix_model
    assert model.rowCount() == 25 and model.columnCount() == 8  # 24 + 合计, 7 + 已收
    names = [window.matrix.townships[r].name for r in range(24)]
    received = names.index(window.workspace.township(next(iter(window.workspace.current_intake("2025")))).name)
    missing = names.index("永昌街道")
    from PySide6.QtCore import Qt

    cell = model.index(received, 0)
    assert model.data(cell) == "已接收"
    assert model.data(cell, Qt.ItemDataRole.BackgroundRole).color() == STATE_COLOURS[CellState.RECEIVED]
    assert model.data(model.index(missing, 0)) == "未收到"
    assert model.data(model.index(received, 7)) == "7/7" and model.data(model.index(missing, 7)) == "0/7"
    assert model.data(model.index(24, 0)) == "20/24" and model.data(model.index(24, 7)) == "140/168"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "永节统1表"
    assert "已报送20个镇街" in window.summary_label.text()


def test_intake_of_a_folder_with_progress(qtbot, window: DistrictWindow, township_files, tmp_path: Path) -> None:
    folder = tmp_path / "U盘"
    folder.mkdir()
    for path in list(township_files.values())[20:]:
        shutil.copy(path, folder / path.name)
    window.receive([folder])
    _wait(qtbot, window)
    assert window.last_batch is not None and window.last_batch.count(Verdict.ACCEPTED) == 3
    assert window.register_table.rowCount() == 23
    assert window.matrix_model.data(window.matrix_model.index(24, 7)) == "161/168"
    assert "共收件3份：已接收3份" in window.statusBar().currentMessage()


def test_intake_can_be_cancelled_between_files(qtbot, window: DistrictWindow, township_files) -> None:
    window.receive(list(township_files.values())[20:], cancel_after=1)
    _wait(qtbot, window)
    batch = window.last_batch
    assert batch.cancelled and len(batch.results) == 1
    assert window.register_table.rowCount() == 21


def test_double_click_opens_the_report_read_only(qtbot, window: DistrictWindow) -> None:
    names = [t.name for t in window.matrix.townships]
    town = window.workspace.township(next(iter(window.workspace.current_intake("2025"))))
    index = window.matrix_model.index(names.index(town.name), 5)  # 永节统6表: has 警告 with 说明
    window.matrix_view.doubleClicked.emit(index)
    dialog = window.report_dialog
    assert isinstance(dialog, ReportDialog) and town.name in dialog.windowTitle() and "只读" in dialog.windowTitle()
    assert dialog.values_table.rowCount() > 0 and dialog.findings_table.rowCount() > 0
    assert window.open_cell(window.matrix_model.index(24, 0)) is None  # the 合计 row opens nothing
    dialog.close()


def test_findings_filters_and_remarks(qtbot, window: DistrictWindow) -> None:
    window.load_findings()
    _wait(qtbot, window)
    table = window.findings_table
    every = table.rowCount()
    assert every == len(window.findings) > 0
    window.severity_filter.setCurrentText("警告")
    assert 0 < table.rowCount() < every
    assert all(table.item(r, FINDING_HEADER.index("审核结果")).text() == "警告" for r in range(table.rowCount()))
    first = window.shown_findings()[0]
    table.item(0, REMARK_COLUMN).setText("请补充依据")
    remarks = window.workspace.district_remarks(first.township_id, "2025")
    assert remarks[first.key] == "请补充依据"
    window.severity_filter.setCurrentText("（全部）")
    window.township_filter.setCurrentText(first.township)
    assert {table.item(r, 0).text() for r in range(table.rowCount())} == {first.township}


def test_send_back_marks_returned(qtbot, window: DistrictWindow, tmp_path: Path) -> None:
    from export.feedback_file import read_feedback

    town_id = next(iter(window.workspace.current_intake("2025")))
    out = tmp_path / "反馈.xlsx"
    window.send_back(town_id, out)
    _wait(qtbot, window)
    assert read_feedback(out).items
    assert CellState.RETURNED in {window.matrix.state(town_id, k) for k, _ in window.matrix.forms}


def test_screenshot_of_the_matrix_at_1366x768(qtbot, window: DistrictWindow, tmp_path: Path) -> None:
    import datetime as _dt

    window.set_deadline(_dt.date(2000, 1, 1))  # past: the 4 missing townships show 逾期
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    view = window.matrix_view
    assert view.rowViewportPosition(24) + view.rowHeight(24) <= view.viewport().height()  # all 25 rows visible
    assert view.columnViewportPosition(7) + view.columnWidth(7) <= view.viewport().width()
    out = tmp_path / "district_matrix.png"
    assert window.grab().save(str(out))
    keep = Path(__file__).resolve().parent.parent / "screenshots"
    keep.mkdir(exist_ok=True)
    shutil.copy(out, keep / "district_matrix.png")


def test_township_program_shows_the_feedback_without_changing_values(qtbot, window: DistrictWindow, workspace,
                                                                     township_files, tmp_path: Path) -> None:
    from export.importer import apply_import, preview_import
    from tests.district_helpers import table_dump
    from ui.import_dialog import start_import
    from ui.main_window import MainWindow

    district_ws = window.workspace
    town = district_ws.find_township("三教镇")
    if town.id not in district_ws.current_intake("2025"):
        intake_files(district_ws, [township_files["三教镇"]], backup=False)
    out = tmp_path / "三教镇_反馈.xlsx"
    from district.feedback import send_back

    items = send_back(district_ws, town.id, "2025", out)
    # the township's own database holds its report (imported from the file it sent)
    apply_import(workspace, preview_import(workspace, township_files["三教镇"]), backup=False)
    mine = workspace.find_township("三教镇")
    before = table_dump(workspace.path, ("cell_values", "cell_columns", "reports", "audit"))
    main = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    main.attach_workspace(workspace)
    main.township_combo.setCurrentIndex(main.township_combo.findData(mine.id))
    main.period_combo.setCurrentIndex(main.period_combo.findData("2025"))
    start_import(main, out)
    qtbot.waitUntil(lambda: getattr(main, "feedback_dialog", None) is not None, timeout=20_000)
    dialog = main.feedback_dialog
    assert dialog.table.rowCount() == len(items)
    remarks = [dialog.table.item(r, 8).text() for r in range(len(items))]
    assert remarks == [i.remark for i in items]
    assert table_dump(workspace.path, ("cell_values", "cell_columns", "reports", "audit")) == before  # nothing imported
    target = next(r for r, i in enumerate(items) if i.form_key == "green_building")
    dialog.go_to(target)
    assert main.controller.form_key == "green_building"
    dialog.close()


def test_the_district_window_has_the_help_menu(window: DistrictWindow, monkeypatch) -> None:
    """r5: 帮助 → 使用说明 (F1) / 关于, the same actions as the township window's."""
    from PySide6.QtWidgets import QMessageBox

    from ui.help_dialog import HelpDialog

    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert [a.text() for a in menus["帮助"].actions() if not a.isSeparator()] == ["使用说明", "关于"]
    shown: list[str] = []
    monkeypatch.setattr(HelpDialog, "exec", lambda dialog: shown.append(dialog.windowTitle()) or 0)
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, title, text: shown.append(title + text))
    window.help_action.trigger()
    window.about_action.trigger()
    assert shown[0] == "使用说明" and shown[1].startswith("关于") and "版本" in shown[1]
    assert window.help_action.shortcut().toString() == "F1"


def test_after_an_intake_the_refused_log_is_read_once(qtbot, window: DistrictWindow, tmp_path: Path,
                                                      monkeypatch) -> None:
    """r5: the periods and the register after an intake come from one reading of the register."""
    import storage.district_store as district_store

    bad = tmp_path / "不是报表.xlsx"
    bad.write_bytes(b"not a workbook")
    reads: list[int] = []
    real_read, real_finish = district_store.refused_lines, window._intake_finished
    monkeypatch.setattr(district_store, "refused_lines", lambda store: reads.append(1) or real_read(store))
    monkeypatch.setattr(window, "_intake_finished", lambda batch: (reads.clear(), real_finish(batch)))
    before = window.register_table.rowCount()
    window.receive([bad])
    _wait(qtbot, window)
    assert window.last_batch.count(Verdict.REFUSED) == 1
    assert window.register_table.rowCount() == before + 1  # the refused file's line is shown
    assert window.register_table.item(0, 1).text() == bad.name
    assert reads == [1]
